"""The English UI has no Chinese outside the data (issue 12, item 7): every main page of the
government demo, rendered in English for the main roles, holds Chinese only where it shows what
people wrote or the organisation named — listed below, model by model — and the due table reads
"5 working days", not "5 工作日"."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import models

from tousu.accounts.models import AdminLog, Unit, User
from tousu.calendar.models import CalendarDay, CalendarYear
from tousu.complaints.models import (
    Attachment,
    Category,
    Complainant,
    Complaint,
    Conflict,
    Event,
    Extension,
    Grade,
    IdentityGrant,
    Notification,
    Opinion,
    ReasonCode,
    Respondent,
    RoutingRule,
    Suspension,
)
from tousu.detection.selectors import shown_words
from tousu.letters.models import Letter
from tousu.presets import REGISTRY
from tousu.replycheck.models import DemandItem
from tousu.web.tests.pagescan import ADMIN_PAGES, DemoPages, visible_lines

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# The data: what people wrote or the organisation named, shown as it is in any language. Every
# text field of these models (names, summaries, notes, reasons, stored notices …).
DATA_MODELS: tuple[type[models.Model], ...] = (
    Unit,
    User,
    Category,
    Grade,
    ReasonCode,
    Complaint,
    Complainant,
    Respondent,
    Attachment,
    Extension,
    Suspension,
    Event,
    Notification,  # the notice as written when it was sent
    IdentityGrant,
    Conflict,
    Opinion,
    RoutingRule,
    CalendarDay,
    CalendarYear,
    AdminLog,
    DemandItem,  # the demand items as split from what the complainant wrote, and the handler's reasons
    Letter,  # a letter's text is the preset's Chinese template as filled (letters stay Chinese)
)
# Shown in Chinese on purpose: the language switch names each language in its own language.
OWN_NAMES = tuple(name for _code, name in settings.LANGUAGES)

MAIN_PAGES = ("/", "/notifications/", "/password/")


def _strings(value: object) -> list[str]:
    """The strings in a stored value, a JSON one included (a rule's keywords, a log's payload)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def data_texts() -> list[str]:
    """Every Chinese text of the data models and of the preset in force, longest first (a
    name inside a sentence is taken out after the sentence)."""
    from tousu.complaints.preset import active

    preset = set(_strings(active().model_dump(mode="json")))
    # A source that marks our assumption is shown as "Our assumption: <the rest, as written>".
    preset |= {s[4:].lstrip(":： ") for s in preset if s.lower().startswith("ours")}
    texts: set[str] = set(OWN_NAMES) | preset
    # The preset documentation page names the other presets by their titles.
    texts |= {p.title for p in REGISTRY.values()} | {p.description for p in REGISTRY.values()}
    kinds = (models.CharField, models.TextField, models.JSONField)
    for model in DATA_MODELS:
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, kinds)]
        for row in model.objects.values_list(*fields):
            texts.update(s for v in row for s in _strings(v) if CJK.search(s))
    # Detection's words as the screens show them (a mark as its thing, a topic as its name).
    texts |= set(shown_words(sorted(texts)))
    return sorted(texts, key=len, reverse=True)


# A data text cut short to fit (a category in a filter's options): "办事拖拉、推诿扯皮…".
_CUT = re.compile(r"(\S+)…")


def chinese_outside(html: str, data: list[str]) -> list[str]:
    """The lines of the page that still hold Chinese once the data is taken out."""
    found = []
    for line in visible_lines(html, values=False):
        rest = line
        # A data text cut short first, before a shorter data text inside it is taken out.
        for cut in _CUT.findall(rest):
            if any(text.startswith(cut) for text in data):
                rest = rest.replace(cut + "…", "")
        for text in data:
            if text in rest:
                rest = rest.replace(text, "")
        if CJK.search(rest):
            found.append(f"{line}  ←  {rest}")
    return found


class TestEnglishUI(DemoPages):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.data = data_texts()

    def check(self, user: str, paths: list[str]) -> list[str]:
        found = []
        for path in paths:
            html = self.page(user, path, status=None)
            assert 'lang="en"' in html, path
            found += [f"{user} {path}: {line}" for line in chinese_outside(html, self.data)]
        return found

    def test_the_main_pages_of_every_role(self) -> None:
        found = []
        for role in ("clerk", "center", "head", "handler", "followup", "auditor", "admin"):
            found += self.check(role, list(MAIN_PAGES))
        assert not found, "\n".join(found)

    def test_the_complaint_pages_in_every_state(self) -> None:
        found = []
        for role in ("clerk", "center", "handler", "followup"):
            found += self.check(role, [f"/c/{n}/" for n in self.cases.values()])
        assert not found, "\n".join(found)

    def test_the_administration_pages(self) -> None:
        found = self.check("admin", list(ADMIN_PAGES))
        assert not found, "\n".join(found)

    def test_the_list_and_intake_pages(self) -> None:
        found = []
        for role in ("clerk", "center", "handler"):
            found += self.check(role, ["/list/", "/intake/"])
        assert not found, "\n".join(found)

    def test_the_due_table_reads_working_and_calendar_days(self) -> None:
        archived = self.page("center", f"/c/{self.cases['archived']}/")  # a transfer: 10 working days, 15 calendar
        dues = archived.split('class="grid dues"', 1)[1].split("</table>", 1)[0]
        assert "10 working days" in dues and "15 calendar days" in dues
        assert "工作日" not in dues and "自然日" not in dues
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        chinese = self.page("center", f"/c/{self.cases['archived']}/")
        assert "10 工作日" in chinese and "15 自然日" in chinese

    def test_the_dispatch_letter_stays_in_the_organisations_language(self) -> None:
        """An official letter to a unit is Chinese whatever the reader's UI; its page is not."""
        html = self.page("center", f"/c/{self.cases['archived']}/letter/")
        letter = html.split("<article", 1)[1]
        assert "，请按以下期限办理：" in letter and "（盖章）" in letter and "2026年" in letter
        assert "Transfer" not in letter and "at the latest" not in letter
        nav = html.split("<article", 1)[0]
        assert "Print" in nav and "打印" not in nav


@pytest.mark.django_db
def test_the_extension_cap_is_said_in_the_rules_unit_in_either_language(org, register, walk) -> None:
    from django.utils import translation

    from tousu.complaints.actions import perform
    from tousu.core.errors import ValidationFailed

    c = walk(register(), "accept", "dispatch", "sign")  # assigned: 15 working days, extended by 15 at most
    asked = {"version": c.version, "days": 100, "reason": "需调取档案"}
    with pytest.raises(ValidationFailed) as chinese:
        perform("request_extension", org["handler"], c.number, asked)
    assert chinese.value.message == "延期合计不得超过 15 工作日（已批准 0 工作日）"
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        perform("request_extension", org["handler"], c.number, asked)
    assert english.value.message == "Extensions may not exceed 15 working days in total (0 working days approved)"
