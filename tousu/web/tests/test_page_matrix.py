"""The role × page matrix of the web UI (issue 17 item 4): every principal — each staff role signed
in, an anonymous visitor and a partner's own account — opens every page of the URL resolver (the
staff UI, the portal, the health checks; the API has its own matrix, tousu/api/tests/
test_role_matrix.py), its path filled with real objects (tousu/api/tests/matrix_world.py), and
posts every lifecycle action's form. The answer must be what the tables say: allowed (200, a
redirect other than to the login page, or a 4xx past the permission check), or refused — 403 or
404 (the anonymous visitor: sent to the login page), showing nothing of the case, and, for a
form, changing nothing.

``PAGES`` holds the principals allowed per URL pattern; the action forms' come from the action
table (``ACTIONS[a].roles``). A pattern missing from ``PAGES`` fails the test.

Not covered here: the POST forms of the other pages (administration, letters, investigation…)
answer a refusal with a redirect and a message (``views.posted``), which a status cannot tell
from a success; their services' refusals are the API matrix's to prove, as both faces call the
same services.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tousu.accounts.models import Role
from tousu.api.tests.matrix_world import (
    PARTNER,
    PRINCIPALS,
    World,
    build,
    fields,
    rolled_back,
    stub_documents,
)
from tousu.complaints.actions import ACTIONS, FORM_ACTIONS

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(PRINCIPALS)
STAFF = frozenset(Role.values)
SIGNED_IN = STAFF | {PARTNER}
ADMIN = frozenset({Role.ADMIN})
NOBODY: frozenset[str] = frozenset()
DESK = frozenset({Role.ADMIN, Role.CENTER, Role.QUALITY})
PARTNERS = STAFF | {PARTNER}
NOT_UNIT_SIDE = STAFF - {Role.HEAD, Role.HANDLER}

INTAKE = frozenset({Role.CLERK, Role.CENTER})
# Reports on the organisation: not for the handling units' staff (as in the API).
REPORT_READERS = STAFF - {Role.HEAD, Role.HANDLER}
# A partner's own account is fenced to the partners' pages (tousu/partners/fence.py): anything
# else, the health checks included (a probe carries no session), is a 404 for it.
PUBLIC = EVERYONE - {PARTNER}

PAGES: dict[str, frozenset[str]] = {
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "i18n/setlang/": EVERYONE,
    "portal/": EVERYONE,
    "portal/submit/": EVERYONE,
    "portal/query/": EVERYONE,
    "portal/act/<slug:action>/": EVERYONE,
    "login/": EVERYONE,
    "logout/": EVERYONE,
    "password/": SIGNED_IN,
    "tokens/": STAFF,
    "": SIGNED_IN,  # the partner's account is sent on to its partner's pages
    "intake/": INTAKE,
    "intake/callers/": NOT_UNIT_SIDE,  # the caller's history is not for the unit complained about
    "list/": STAFF,
    "list/export/": STAFF,
    "notifications/": STAFF,
    "calendar/": ADMIN,
    "units/": ADMIN,
    "routing/": ADMIN,
    "users/": ADMIN,
    "admin-log/": ADMIN,
    "preset/": ADMIN,
    "ledger/import/": frozenset({Role.ADMIN, Role.CENTER}),  # the action table's import row
    "ledger/": STAFF,
    "ledger/export/": STAFF,
    "ledger/exports/<str:key>/": frozenset({Role.CENTER}),  # an export is its maker's (the centre's)
    "ledger/exports/<str:key>/file/": frozenset({Role.CENTER}),
    "ledger/pending/": STAFF,
    "detection/": STAFF,
    "mail/": frozenset({Role.ADMIN, Role.CENTER}),
    "capa/": STAFF,
    "capa/<int:action_id>/": STAFF,
    "capa/<int:action_id>/<str:step>/": STAFF,
    # A handler sees its own row (by person), the heads and the centre's people more.
    "scorecards/": STAFF - {Role.CLERK, Role.FOLLOWUP},
    "dashboard/": STAFF,
    "reports/": REPORT_READERS,
    "reports/<int:report_id>/": REPORT_READERS,
    "reports/<int:report_id>/issue/": STAFF,  # a form's target (POST): a GET is a 405 for all
    "reports/<int:report_id>/<str:ext>/": REPORT_READERS,
    "presets/<str:name>/": STAFF,
    "partners/": PARTNERS,
    "partners/new/": PARTNERS,
    "partners/p/<str:code>/": PARTNERS,
    "partners/inquiries/<str:inquiry_id>/": PARTNERS,
    "partners/statements/<str:statement_id>/": PARTNERS,
    "partners/statements/<str:statement_id>/export/": PARTNERS,
    "c/<str:number>/": STAFF,
    "c/<str:number>/attach/": STAFF,
    "c/<str:number>/letter/": STAFF,
    "c/<str:number>/files/<int:attachment_id>/": NOT_UNIT_SIDE,  # not released to the unit yet
    "c/<str:number>/identity/": STAFF,
    "c/<str:number>/contact/": STAFF,
    "c/<str:number>/identity/<int:grant_id>/": STAFF,
    "c/<str:number>/files/<int:attachment_id>/release/": STAFF,
    "c/<str:number>/demand-items/": STAFF,
    "c/<str:number>/letters/": STAFF,
    "c/<str:number>/investigation/": STAFF,
    "c/<str:number>/determination/": frozenset(ACTIONS["determine"].roles),
    "c/<str:number>/sanctions/<int:sanction>/confirm/": STAFF,
    "c/<str:number>/sanctions/<int:sanction>/decide/": STAFF,
    "sanctions/": STAFF,
    "sanctions/<int:sanction>/appeal/": STAFF,
    "c/<str:number>/solution-signoffs/": STAFF,
    "c/<str:number>/archive-file/": STAFF,
    "c/<str:number>/capa/": STAFF,
    "c/<str:number>/<str:action>/": STAFF,
}

# The values a pattern's parameters take (the world's objects fill the rest).
VALUES = {"action": "urge", "name": "government", "step": "done", "ext": "pdf", "code": "sp_a"}


def patterns() -> list[str]:
    """Every URL pattern but the API's, as its route text (``c/<str:number>/letters/``)."""
    found: list[str] = []

    def walk(items: list[Any], prefix: str) -> None:
        for p in items:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not route.startswith("api/"):
                    walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


def url_of(world: World, route: str) -> str:
    state = "closed" if "determination" in route or "sanctions" in route else "in_progress"
    values = {"number": world.cases[state].number, **world.objects, **VALUES}
    if route.startswith("portal/"):
        values["action"] = "rating"
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def refused(response: Any, principal: str) -> bool:
    if response.status_code in (403, 404):
        return True
    # The anonymous visitor is sent to sign in (login_required), the partner's account home.
    return response.status_code == 302 and response["Location"].startswith("/login/")


def shows_the_case(world: World, response: Any) -> bool:
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    text = body.decode("utf-8", errors="replace")
    return any(c.summary in text for c in world.cases.values()) or "13812345678" in text


def form_data(body: dict[str, Any]) -> dict[str, Any]:
    """An action's input as its form posts it: a checkbox present or absent, a multi-select as a
    list, the declined demand items as ticked boxes each with its reason."""
    data: dict[str, Any] = {}
    for key, value in body.items():
        if key == "declined":
            data["declined"] = list(value)
            data.update({f"declined_reason_{p}": reason for p, reason in value.items()})
        elif value is True:
            data[key] = "true"  # a checkbox (present) or a yes/no choice
        elif value is not False:
            data[key] = value
    return data


def sign_in(client: Client, world: World, principal: str) -> None:
    client.logout()
    user = world.user(principal)
    if user is not None:
        client.force_login(user)


def test_every_principal_gets_what_the_table_says_on_every_page(org, use_preset, monkeypatch):
    stub_documents(monkeypatch)
    client = Client()
    world = build(org, client, use_preset)
    problems: list[str] = []
    routes = patterns()
    observed: dict[str, set[str]] = {}
    for principal in PRINCIPALS:
        sign_in(client, world, principal)
        for route in routes:
            with rolled_back():
                cache.clear()
                response = client.get(url_of(world, route))
            if response.status_code >= 500:
                problems.append(f"GET /{route} as {principal}: server error {response.status_code}")
                continue
            no = refused(response, principal)
            if not no:
                observed.setdefault(route, set()).add(principal)
            elif response.status_code != 302 and shows_the_case(world, response):
                problems.append(f"GET /{route} as {principal}: refused, yet the page shows the case")
    for route in routes:
        got = frozenset(observed.get(route, ()))
        if route not in PAGES:
            problems.append(f"/{route}: new page, add its expectations to PAGES (now: {sorted(got)})")
        elif got != PAGES[route]:
            problems.append(f"/{route}: allowed {sorted(got)}, expected {sorted(PAGES[route])}")
    problems += [f"/{route}: in PAGES but no such page" for route in PAGES if route not in routes]
    assert not problems, f"{len(problems)} mismatch(es):\n" + "\n".join(problems)


# The centre's and the unit's people in the demo who meet an action's unit condition (as the API
# matrix places them).
PLACED = {
    "give_opinion": {Role.HANDLER: "housing", Role.HEAD: "housing_head"},
    "decide_review": {Role.HEAD: "leader"},
    "decide_dispatch": {Role.HEAD: "center_head"},
}
GUARDED = {"decide_review": frozenset({Role.CENTER})}  # the unit above decides, not the centre


def test_every_principal_gets_what_the_action_table_says_on_every_action_form(org, use_preset, monkeypatch):
    from tousu.accounts.models import User
    from tousu.api.tests.test_role_matrix import PREFERRED

    client = Client()
    world = build(org, client, use_preset)
    problems: list[str] = []
    for name in sorted(FORM_ACTIONS):
        state = next(s for s in PREFERRED if s in ACTIONS[name].sources)
        complaint = world.case(state)
        body = fields(name, complaint)
        if name == "merge":
            body["target"] = world.cases["accepted"].number
        allowed = frozenset(ACTIONS[name].roles) - GUARDED.get(name, NOBODY)
        for principal in PRINCIPALS:
            client.logout()
            username = PLACED.get(name, {}).get(principal)
            user = User.objects.get(username=username) if username else world.user(principal)
            if user is not None:
                client.force_login(user)
            with rolled_back():
                cache.clear()
                before = world.fingerprint()
                response = client.post(f"/c/{complaint.number}/{name}/", form_data(body))
                changed = world.fingerprint() != before
            if response.status_code >= 500:
                problems.append(f"{name} as {principal}: server error {response.status_code}")
            elif refused(response, principal) == (principal in allowed):
                problems.append(
                    f"{name} as {principal}: {response.status_code}, expected allowed={principal in allowed}"
                )
            elif principal not in allowed and changed:
                problems.append(f"{name} as {principal}: refused, yet something changed")
    assert not problems, f"{len(problems)} mismatch(es):\n" + "\n".join(problems)
