"""The main pages run under the Content-Security-Policy in Chromium: no violation, and the
scripts still work (caller look-up, print button, Swagger UI)."""

import pytest

from tousu.web.tests.test_browser import Desk, page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser

# Before any page script: record every CSP violation, and stand in for the print dialog.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile));
window.print = () => { window.__printed = true; };
"""


def test_the_main_pages_report_no_csp_violation_and_still_work(
    live_server,
    transactional_db,
    org,
    register,
    walk,
    page,  # noqa: F811  (the imported fixture)
):
    earlier = register()
    dispatched = walk(register(), "accept", "dispatch")
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.add_init_script(WATCH)
    desk, base = Desk(page, live_server.url), live_server.url
    violations: dict[str, list[str]] = {}

    def visit(path: str) -> None:
        response = page.goto(base + path)
        assert response is not None and response.ok, path
        assert "unsafe" not in response.headers["content-security-policy"], path
        check(path)

    def check(path: str) -> None:
        found = page.evaluate("window.__csp")
        if found:
            violations[path] = found

    desk.login("center")
    check("/login/")
    for path in ["/", "/list/", f"/c/{dispatched.number}/", "/password/", "/notifications/"]:
        visit(path)

    visit("/intake/")
    page.fill("#f-phone", "")
    page.type("#f-phone", "13812345678")
    page.wait_for_selector(f"#callers >> text={earlier.number}")  # the fetch look-up, under connect-src 'self'
    check("/intake/ (look-up)")

    visit(f"/c/{dispatched.number}/letter/")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") is True  # the print handler moved out of the template
    check("/letter/ (print)")

    visit("/api/v1/docs")
    page.wait_for_selector("#swagger-ui .opblock-tag")  # Swagger UI rendered from the app's own files
    page.locator(".opblock-summary").first.click()
    page.click(".try-out__btn")
    page.click(".execute")
    page.wait_for_selector(".live-responses-table")  # it called the API (401: no token given)
    page.click(".authorize")
    page.click(".close-modal")
    check("/api/v1/docs")
    page.goto(base + "/")
    desk.logout()

    desk.login("admin")
    for path in ["/units/", "/routing/", "/calendar/"]:
        visit(path)

    assert not violations, violations
    policy_messages = [m for m in console if "Policy" in m]  # CSP violations, unknown Permissions-Policy features
    assert not policy_messages, policy_messages
