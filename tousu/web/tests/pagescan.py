"""What the typography and language tests read: the visible text of a page, the half-width marks
in Chinese sentences, the message catalogue, and the government demo with complaints in every
state (built once per test class: the demo walks some eighty actions through the services)."""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

from django.test import TestCase, override_settings

from tousu.accounts.models import User
from tousu.complaints.models import Complaint

LOCALE = Path(__file__).resolve().parents[2] / "locale"

# Ideographs, CJK symbols and punctuation (。、「」〔〕), full-width forms (，：（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
HALF_WIDTH = ",:;()!?"
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}

# Elements whose content is not read as prose: code, scripts, styles.
_SKIPPED = {"script", "style", "code", "pre", "kbd", "samp"}
# Elements that start a new line of text: a mark at the end of one cell is not "after" the next.
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "br", "button", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "head", "header", "hr", "html", "label", "legend", "li", "main", "nav", "ol", "optgroup", "option", "p",
    "section", "select", "summary", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "title", "tr", "ul",
}  # fmt: skip


class _Text(HTMLParser):
    def __init__(self, skipped: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipped = skipped
        self.open: list[str] = []  # the skipped elements we are in (none of them is a void element)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        # <textarea class="code">: a YAML section; [data-letter]: a letter filled from the
        # preset's template, read only when values are (it is the preset's data).
        if tag in self.skipped or "code" in classes or ("data-letter" in attributes and "textarea" in self.skipped):
            self.open.append(tag)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.open:
            self.parts.append(data.replace("\n", " "))


def visible_lines(html: str, *, values: bool = True) -> list[str]:
    """The page's text as a reader sees it, one line per block (attribute values are not text).
    ``values=False`` leaves out what a user typed or a form holds, the contents of text areas, and
    the letters filled from the preset's templates (``data-letter``)."""
    parser = _Text(_SKIPPED if values else _SKIPPED | {"textarea"})
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return [line for line in lines if line]


def half_width_marks(text: str) -> list[str]:
    """Each half-width ``, : ; ( ) ! ?`` that belongs to a Chinese sentence: right after a CJK
    character (spaces skipped), or before one (a closing parenthesis excepted: ``(API)说明``).
    Numbers and Latin keep theirs: ``2026-12-01 17:30``, ``ID: 3``, ``(API)``. Each finding is
    the mark with a few characters around it."""
    found = []
    for i, mark in enumerate(text):
        if mark not in HALF_WIDTH:
            continue
        before = text[:i].rstrip(" \t")
        after = text[i + 1 :].lstrip(" \t")
        if (before and CJK.match(before[-1])) or (mark != ")" and after and CJK.match(after[0])):
            found.append(f"{text[max(0, i - 12) : i + 12]}  ({mark} → {FULL_WIDTH[mark]})")
    return found


def page_problems(html: str) -> list[str]:
    return [hit for line in visible_lines(html) for hit in half_width_marks(line)]


# A placeholder stands for a value: a name, a unit, a number in a Chinese sentence.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def as_sentence(msgid: str) -> str:
    """A message with its placeholders filled by a Chinese character, as the reader will see it."""
    return _PLACEHOLDER.sub("某", msgid)


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    references: str


def catalogue() -> list[Entry]:
    """The entries of the English catalogue (msgids are the Chinese originals)."""
    text = (LOCALE / "en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries: list[Entry] = []
    current: dict[str, str] = {}
    field = ""
    refs: list[str] = []
    for line in text.splitlines():
        if line.startswith("#:"):
            refs.append(line[2:].strip())
        elif line.startswith("msgid "):
            current, field = {"msgid": ast.literal_eval(line[6:]), "msgstr": ""}, "msgid"
        elif line.startswith("msgstr "):
            current["msgstr"], field = ast.literal_eval(line[7:]), "msgstr"
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif not line.strip() and field:
            entries.append(Entry(current["msgid"], current["msgstr"], " ".join(refs)))
            current, field, refs = {}, "", []
    if field:
        entries.append(Entry(current["msgid"], current["msgstr"], " ".join(refs)))
    return [e for e in entries if e.msgid]


# -- the demo -----------------------------------------------------------------------------------

_BUILD_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TOUSU_AUDIT_KEY": "test-audit-key-0123456789abcdef0123456789abcdef",
    "LANGUAGE_CODE": "zh-hans",
}


# The administration pages every page scan opens as the administrator.
ADMIN_PAGES = (
    "/calendar/",
    "/units/",
    "/routing/",
    "/users/",
    "/admin-log/",
    "/preset/",
    "/presets/government/",
    "/mail/",
)


class DemoPages(TestCase):
    """The government demo (one round: a complaint in every state) and the hand-offs it lacks: a
    co-handled case with an opinion, a pending extension, a returned case, an urged and supervised
    case, a redacted transfer with an identity request, an attachment and a conflict mark."""

    people: ClassVar[dict[str, User]]
    cases: ClassVar[dict[str, str]]  # what the case shows → its number

    @classmethod
    def setUpTestData(cls) -> None:
        from django.core.cache import cache

        from tousu.calendar import store
        from tousu.complaints.preset import forget

        media = tempfile.mkdtemp(prefix="tousu-pagescan-")
        cls.addClassCleanup(shutil.rmtree, media, ignore_errors=True)
        with override_settings(
            **_BUILD_SETTINGS, MEDIA_ROOT=media, TOUSU_AUDIT_ANCHOR_FILE=Path(media) / "anchors.log"
        ):
            cache.clear()
            store.reset()
            forget()
            cls.people, cls.cases = _build()

    def setUp(self) -> None:
        from tousu.complaints.preset import forget

        forget()

    def page(self, user: str, path: str, status: int | None = 200, **params: Any) -> str:
        self.client.force_login(self.people[user])
        response = self.client.get(path, params)
        if status is not None:
            assert response.status_code == status, (user, path, response.status_code)
        return response.content.decode()


def _build() -> tuple[dict[str, User], dict[str, str]]:
    from tousu.accounts.services import create_unit, update_unit
    from tousu.accounts.users import create_user
    from tousu.complaints import attachments, routing, services
    from tousu.complaints.actions import perform
    from tousu.complaints.inputs import Attach, IdentityRequest, RegisterIn
    from tousu.complaints.reference import load_preset
    from tousu.complaints.services import timekeeping
    from tousu.presets import REGISTRY, demo_data
    from tousu.presets.demo import build

    load_preset(REGISTRY["government"])
    build(demo_data("government").model_copy(update={"rounds": 1}), perform)
    people = {u.username: u for u in User.objects.all()}
    cases = {
        c.status: c.number for c in Complaint.objects.order_by("-pk")
    }  # the demo's one complaint per state (the first made wins)

    def new(summary: str, **extra: Any) -> Complaint:
        data = {
            "channel": "hotline",
            "summary": summary,
            "content": "到市场监管局窗口办理营业执照，跑了四趟没办成。",
            "demands": "要求尽快办结",
            "complainants": [{"name": "尹晓梅", "phone": "13812345678", "address": "城关镇幸福路8号"}],
            "respondents": [{"unit": "amr"}],
            **extra,
        }
        return services.register(actor=people["clerk"], data=RegisterIn.model_validate(data)).complaint

    def act(c: Complaint, who: str, action: str, **fields: Any) -> Complaint:
        c.refresh_from_db()
        return perform(action, people[who], c.number, {"version": c.version, **fields})

    accept = {"category": "G0201", "grade": "normal"}
    co = act(new("协办件"), "clerk", "accept", **accept)
    co = act(
        co,
        "center",
        "dispatch",
        unit="amr",
        mode="assign",
        handler="handler",
        co_units=["housing"],
        note="请会同住建局办理",
    )
    act(co, "housing", "give_opinion", text="同意承办单位意见。")
    cases["co_units"] = co.number

    ext = act(new("延期件"), "clerk", "accept", **accept)
    ext = act(ext, "center", "dispatch", unit="amr", mode="assign", handler="handler")
    ext = act(ext, "handler", "sign")
    act(ext, "handler", "request_extension", days=5, reason="需调取档案")
    cases["extension"] = ext.number

    urged = act(new("催办件"), "clerk", "accept", **accept)
    urged = act(urged, "center", "dispatch", unit="amr", mode="assign", handler="handler")
    urged = act(urged, "center", "urge", note="请加快办理")
    act(urged, "center", "supervise", note="列入督办")
    cases["urged"] = urged.number

    returned = act(new("退回件"), "clerk", "accept", **accept)
    returned = act(returned, "center", "dispatch", unit="amr", mode="assign", handler="handler")
    act(returned, "handler", "return", reason="wrong_unit", note="应由住建局办理")
    cases["returned"] = returned.number

    hidden = act(new("摘转件"), "clerk", "accept", **accept)
    hidden = act(hidden, "center", "dispatch", unit="amr", mode="transfer", handler="handler", redacted=True)
    services.request_identity(
        actor=people["handler"], number=hidden.number, data=IdentityRequest(reason="需电话核实情况")
    )
    attachments.add(
        actor=people["clerk"],
        number=hidden.number,
        data=Attach(name="现场照片.txt", content="照片说明".encode(), note="投诉人提供"),
    )
    cases["redacted"] = hidden.number

    marked = act(new("回避件"), "clerk", "accept", **accept)
    act(marked, "center", "mark_conflict", user="center_head", reason="亲属")
    cases["conflict"] = marked.number

    # The administrator's day: a unit, a user, a routing rule, a calendar day, all in the log.
    admin = people["admin"]
    create_unit(actor=admin, code="amr-quality", name="质量监管股", parent="amr", business_hours="08:30-12:00")
    update_unit(actor=admin, code="amr-quality", name="产品质量监管股")
    create_user(
        actor=admin,
        username="quality",
        display_name="钱小红",
        role="handler",
        unit="amr-quality",
        scope="unit",
        password="quality-2026-demo",
    )
    routing.save_rule(
        actor=admin,
        name="物业类投诉交住建局",
        mode="assign",
        unit="housing",
        keywords="物业, 电梯",
        redacted=True,
        active=True,
    )
    timekeeping.override_day(actor=admin, day=dt.date(2026, 12, 30), working=False, name="地方节日")
    return people, cases
