"""Chinese sentences take full-width punctuation (，：；（）！？), numbers and Latin keep half-width
(STYLE §11): every staff page of the government demo for the main roles, the dispatch letters,
the error pages, the CSV export and the message catalogue are scanned for a half-width mark that
stands in Chinese text. The scan reads what a reader sees (``pagescan.visible_lines``): code,
URLs and attribute values are not text."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tousu.core.errors import StaleVersion
from tousu.web.tests.pagescan import ADMIN_PAGES, DemoPages, as_sentence, catalogue, half_width_marks, page_problems

TOUSU = Path(__file__).resolve().parents[2]

# Half-width marks that belong where they stand, with the reason.
ALLOWED: dict[str, str] = {}


def _problems(html: str) -> list[str]:
    return page_problems(html)


# -- the scanner itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "编号:TS2026000001",
        "(保密)",
        "出错了,请稍后重试",
        "已申请: 需核实",
        "TS2026000001: 受理已完成",
        "延期(5 工作日)",
    ],
)
def test_the_scan_finds_half_width_marks_in_chinese_sentences(text: str) -> None:
    assert half_width_marks(text), text


@pytest.mark.parametrize(
    "text",
    ["2026-12-01 17:30", "ID: 3", "接口说明（API）", "(API)", "Hotline, letter", "编号：TS2026000001", "17:30 前"],
)
def test_the_scan_leaves_numbers_and_latin_alone(text: str) -> None:
    assert not half_width_marks(text), text


def test_placeholders_stand_for_chinese_words() -> None:
    assert half_width_marks(as_sentence("%(number)s 已%(action)s,已移出您的办理范围"))
    assert not half_width_marks(as_sentence("%(number)s：%(action)s已完成"))


# -- the message catalogue and the messages in the source ------------------------------------------


def test_every_chinese_message_in_the_catalogue_takes_full_width_punctuation() -> None:
    wrong = [e.msgid for e in catalogue() if e.msgid not in ALLOWED and half_width_marks(as_sentence(e.msgid))]
    assert not wrong, "\n".join(wrong)


def _source_messages() -> list[tuple[str, int, str]]:
    """Every literal passed to gettext (``_``, ``gettext_lazy``, ``gettext_noop`` …) in the source."""
    names = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "_lazy", "_noop"}
    found = []
    for path in sorted(TOUSU.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name in names and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((str(path.relative_to(TOUSU)), node.lineno, first.value))
    return found


def test_every_chinese_message_in_the_source_takes_full_width_punctuation() -> None:
    """Also the messages not yet in the catalogue."""
    wrong = [
        f"{path}:{line}: {text}"
        for path, line, text in _source_messages()
        if text not in ALLOWED and half_width_marks(as_sentence(text))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_allowed_exceptions_are_still_needed() -> None:
    """An exception that no message needs any more is taken out of the list."""
    in_use = {e.msgid for e in catalogue()}
    assert set(ALLOWED) <= in_use and all(half_width_marks(as_sentence(m)) for m in ALLOWED)


# -- the pages --------------------------------------------------------------------------------------

ROLES = ("clerk", "center", "head", "handler", "followup", "auditor", "panel", "admin")


class TestTypography(DemoPages):
    def scan(self, user: str, path: str, status: int | None = 200, **params: str) -> list[str]:
        return [f"{user} {path}: {hit}" for hit in _problems(self.page(user, path, status, **params))]

    def test_the_home_and_notification_pages_of_every_role(self) -> None:
        found = []
        for role in ROLES:
            for path in ("/", "/notifications/", "/password/"):
                found += self.scan(role, path)
        assert not found, "\n".join(found)

    def test_the_complaint_pages_in_every_state_with_their_action_forms(self) -> None:
        found = []
        for role in ("clerk", "center", "head", "handler", "followup", "auditor", "housing"):
            for number in self.cases.values():
                found += self.scan(role, f"/c/{number}/", status=None)  # out of scope: the 404 page
        assert not found, "\n".join(found)

    def test_the_administration_pages(self) -> None:
        found = [hit for path in ADMIN_PAGES for hit in self.scan("admin", path)]
        found += self.scan("admin", "/admin-log/", action="create_unit")
        found += self.scan("admin", "/preset/", section="thresholds", received="2026-09-30T10:00")
        assert not found, "\n".join(found)

    def test_the_dispatch_letters(self) -> None:
        found, letters = [], 0
        for number in self.cases.values():
            for role in ("center", "handler"):
                self.client.force_login(self.people[role])
                response = self.client.get(f"/c/{number}/letter/")
                if response.status_code == 200:
                    letters += 1
                    found += [f"{role} {number}: {hit}" for hit in _problems(response.content.decode())]
        assert letters >= 10 and not found, "\n".join(found)

    def test_the_error_pages(self) -> None:
        from tousu.core.middleware import too_large

        found = self.scan("handler", "/c/TS2026999999/", status=404)
        found += self.scan("handler", "/units/", status=403)
        request = RequestFactory().get("/")
        request.user = self.people["handler"]
        found += [
            f"error.html: {hit}"
            for hit in _problems(render_to_string("web/error.html", {"error": StaleVersion()}, request))
        ]
        found += [f"413.html: {hit}" for hit in _problems(too_large(request, 1024).content.decode())]
        static = (TOUSU / "templates/500.html").read_text(encoding="utf-8")
        found += [f"500.html: {hit}" for hit in _problems(static)]
        self.client.logout()
        found += [f"login: {hit}" for hit in _problems(self.client.get("/login/").content.decode())]
        assert not found, "\n".join(found)

    def test_the_messages_after_actions(self) -> None:
        """What the pages say after a change: done, refused, or a file that cannot be read."""
        self.client.force_login(self.people["center"])
        number = self.cases["dispatched"]
        version = self.client.get(f"/c/{number}/").context["c"].version
        said = {
            "：催办已完成": self.client.post(f"/c/{number}/urge/", {"version": version, "note": "请加快"}, follow=True),
            "记录已被他人修改，请刷新后重试": self.client.post(
                f"/c/{number}/supervise/", {"version": version, "note": "列入督办"}, follow=True
            ),
        }
        self.client.force_login(self.people["admin"])
        said |= {
            "产品质量监管股：请填写单位名称（不超过120字）": self.client.post(
                "/units/", {"op": "update", "code": "amr-quality", "name": ""}, follow=True
            ),
            "县市场监督管理局：该单位还有": self.client.post(
                "/units/", {"op": "deactivate", "code": "amr"}, follow=True
            ),
            "第2行：「2027-13-01」不是日期": self.client.post(
                "/calendar/", {"op": "import", "content": "2027-01-05,休\n2027-13-01,休"}, follow=True
            ),
            "已导入 2027 年共 1 天的安排，重新计算了": self.client.post(
                "/calendar/", {"op": "import", "content": "2027-01-01,休,元旦"}, follow=True
            ),
            "请填写规则名称（不超过120字）": self.client.post("/routing/", {"name": "", "mode": "assign"}, follow=True),
        }
        found = []
        for message, response in said.items():
            html = response.content.decode()
            assert message in html, message
            found += _problems(html)
        assert not found, "\n".join(found)

    def test_the_csv_export(self) -> None:
        found = []
        for role in ("center", "handler", "auditor"):
            self.client.force_login(self.people[role])
            body = self.client.get("/list/export/", {"format": "csv"}).getvalue().decode("utf-8-sig")
            cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
            found += [f"{role}: {hit}" for cell in cells for hit in half_width_marks(cell)]
        assert not found, "\n".join(found)

    def assert_page_clean(self, path: str, roles: tuple[str, ...] = ("clerk", "center", "handler")) -> None:
        """The whole page, nothing taken out."""
        found = []
        for role in roles:
            found += [f"{role} {path}: {hit}" for hit in page_problems(self.page(role, path, status=None))]
        assert not found, "\n".join(found)

    def test_the_list_page(self) -> None:
        self.assert_page_clean("/list/")

    def test_the_intake_page(self) -> None:
        self.assert_page_clean("/intake/", ("clerk", "center"))

    def test_the_home_page_with_the_lists_rows(self) -> None:
        self.assert_page_clean("/", ("clerk", "center", "head", "handler"))

    def test_the_list_and_intake_pages_apart_from_their_own_templates(self) -> None:
        """What those pages share with the rest (base.html, the messages) is scanned all the same."""
        found = []
        for role in ("clerk", "center", "handler"):
            for path in ("/list/", "/intake/"):
                html = self.page(role, path, status=None)
                main = html.split("<main>", 1)[0]  # the page's frame: header, navigation
                found += [f"{role} {path}: {hit}" for hit in _problems(main)]
        assert not found, "\n".join(found)
