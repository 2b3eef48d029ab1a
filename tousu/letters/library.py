"""The letter library of the preset in force, and a letter filled for one complaint.

A choice is a template of ``preset.letters.library()``; the decline template is offered once per
decline reason (``decline.<reason code>``, seed 004's templates A–E), with that reason's text.
Who may make a letter: the centre's intake staff for the centre's letters; for a letter the
handling unit issues (the reply letter, the unit's 复函) also the unit's handler and head.
A letter is made only once what it tells is on record (``LetterTemplate.needs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from typing_extensions import TypedDict

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.access import in_handling_unit
from tousu.complaints.confidentiality import scrubber_for, sees_identity, sent_redacted
from tousu.complaints.letters import chinese_date
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.core.errors import InvalidTransition, NotPermitted, TousuError
from tousu.core.redaction import TITLES
from tousu.presets.base import DeclineReason, LetterTemplate

GREETING = re.compile(r"^尊敬的[^：:，,。]{1,10}[：:]")
NEUTRAL = "投诉人"  # the salutation where the name or sex is not known, or must not be shown


class UnknownTemplate(TousuError):
    code = "unknown_template"
    status = 400


@dataclass(frozen=True)
class Choice:
    code: str
    title: str
    template: LetterTemplate
    reason: DeclineReason | None = None

    @property
    def label(self) -> str:
        return f"{self.title}（{self.reason.name}）" if self.reason else self.title


class Draft(TypedDict):
    title: str
    addressee: str
    body: str
    issuer: str
    redacted: bool


def choices() -> list[Choice]:
    """Every letter of the library in force, the decline letter once per decline reason."""
    preset = active()
    found: list[Choice] = []
    for t in preset.letters.library():
        if t.code == "decline":
            found += [Choice(f"decline.{r.code}", t.title, t, r) for r in preset.reasons.decline]
        else:
            found.append(Choice(t.code, t.title, t))
    return found


def find(code: str) -> Choice:
    for choice in choices():
        if choice.code == code:
            return choice
    raise UnknownTemplate(
        _("没有这个文书模板：「%(code)s」") % {"code": code[:60]},
        field="template",
        allowed=[c.code for c in choices()],
    )


def refusal(actor: User, c: Complaint, choice: Choice) -> TousuError | None:
    """Why ``actor`` may not make ``choice`` for ``c`` now, or None."""
    t = choice.template
    if actor.role not in (Role.CLERK, Role.CENTER) and not (
        t.issuer == "unit" and actor.role in (Role.HANDLER, Role.HEAD) and in_handling_unit(actor, c)
    ):
        return NotPermitted(_("您无权制作「%(title)s」") % {"title": choice.label}, template=choice.code)
    if t.needs and not c.events.filter(action=t.needs).exists():
        return InvalidTransition(
            _("「%(title)s」须在相应的办理环节之后制作") % {"title": choice.label}, template=choice.code
        )
    if choice.reason is not None and c.decline_reason != choice.reason.code:
        return InvalidTransition(
            _("本件不予受理的理由不是「%(reason)s」") % {"reason": choice.reason.name}, template=choice.code
        )
    if t.issuer == "unit" and c.handling_unit is None:
        return InvalidTransition(_("本件尚无承办单位"), template=choice.code)
    return None


def available(actor: User, c: Complaint) -> list[Choice]:
    return [choice for choice in choices() if refusal(actor, c, choice) is None]


def hidden(actor: User, c: Complaint, choice: Choice) -> bool:
    """Whether the letter is made redacted: its author does not see the identity, or it is the
    unit's letter to the centre (复函, kept in the unit's files too) and the unit is on a
    respondent's side or got the case redacted (摘转). A letter to the complainant names them."""
    if not sees_identity(actor, c):
        return True
    return choice.template.to == "centre" and sent_redacted(c, c.handling_unit)


def centre() -> Unit | None:
    return Unit.objects.filter(is_center=True).order_by("path").select_related("parent").first()


def salutation(c: Complaint) -> str:
    """张三先生 / 李四女士 from the ID number's sex digit, the name as given where it already has a
    form of address (王女士), 投诉人张三 where the sex is not known; 投诉人 for an anonymous case."""
    people = [p for p in c.complainants.all() if p.name.strip() and p.real_name]
    if c.anonymous or not people:
        return NEUTRAL
    first = next((p for p in people if p.is_representative), people[0])
    name = first.name.strip()
    if not name.endswith(TITLES):
        digits = (first.id_number or "").strip()
        sex = digits[16] if len(digits) == 18 else digits[14] if len(digits) == 15 else ""
        name = f"{name}{'先生' if int(sex) % 2 else '女士'}" if sex.isdigit() else f"{NEUTRAL}{name}"
    return f"{name}等{len(people)}人" if len(people) > 1 else name


def _review_until(c: Complaint) -> str:
    if c.review_window_ends:
        return f"{chinese_date(c.review_window_ends)}前"
    rule = next((r for r in active().deadlines if r.kind == "review_window"), None)
    if rule is None:
        return _("收到本文书之日起15日内")
    period = f"{rule.amount}日" if rule.unit == "natural_days" else f"{rule.amount}个{rule.label().split()[-1]}"
    return _("收到本文书之日起%(period)s内") % {"period": period}


def _decision(c: Complaint) -> str:
    event = c.events.filter(action="decide_review").order_by("-seq").first()
    if event is None:
        return ""
    upheld = (event.payload or {}).get("upheld")
    verdict = _("维持原处理结果。") if upheld else _("撤销原处理结果，重新办理。")
    return f"{verdict}{event.note}" if event.note else verdict


def _suspend_reason(c: Complaint) -> str:
    event = c.events.filter(action="suspend").order_by("-seq").first()
    code = (event.payload or {}).get("reason", "") if event else ""
    named = {r.code: r.name for r in active().reasons.suspend}
    return named.get(code, code) or _("存在须中止办理的情形")


def draft(actor: User, c: Complaint, choice: Choice, *, today: object = None) -> Draft:
    """The letter ``choice`` filled for ``c`` as ``actor`` may read it; redacted where ``hidden``."""
    hide = hidden(actor, c, choice)
    t = choice.template
    letters = active().letters
    home = centre()
    organisation = home.parent.name if home and home.parent else home.name if home else ""
    centre_name = home.name if home else ""
    unit = c.handling_unit.name if c.handling_unit else ""
    issuer = unit if t.issuer == "unit" and unit else (letters.signatory or centre_name)
    reason = choice.reason
    decline_text = ""
    if reason is not None:
        decline_text = c.decline_text if c.decline_reason == reason.code and c.decline_text else reason.template
        if not t.text[0].startswith("{decline_text}"):  # a greeting only where the letter begins with it
            decline_text = decline_text.removeprefix("您好！").removeprefix("您好!")
    values = {
        "number": c.number,
        "received": chinese_date(c.received_at),
        "summary": c.summary_redacted if hide else c.summary,
        "organisation": organisation,
        "centre": centre_name,
        "unit": unit or centre_name,
        "handler_unit": unit or centre_name,
        "due": chinese_date(c.handling_due),
        "today": chinese_date(today or timezone.now()),
        "salutation": NEUTRAL if hide else salutation(c),
        "findings": c.findings or "—",
        "solution": c.solution or "—",
        "reply_text": c.reply_text or c.proposed_reply,
        "decline_reason": reason.name if reason else "",
        "decline_text": decline_text,
        "forwarded_to": c.forwarded_to,
        "suspend_reason": _suspend_reason(c),
        "decision": _decision(c),
        "review_until": _review_until(c),
        "signatory": issuer,
    }
    values["review_channel"] = ""  # the channel's own text may not name itself
    values["review_channel"] = letters.review_channel.format_map(values)
    filled = [" ".join(p.format_map(values).split("\n")).strip() for p in t.text]
    # The addressee line greets: a notice text that opens with its own greeting (尊敬的客户：) loses it.
    filled[0] = GREETING.sub("", filled[0])
    body = "\n".join(p for p in filled if p)
    addressee = centre_name if t.to == "centre" else values["salutation"]
    made: Draft = {"title": t.title, "addressee": addressee, "body": body, "issuer": issuer, "redacted": hide}
    return scrub(c, made) if hide else made


def scrub(c: Complaint, d: Draft) -> Draft:
    """Every text of the letter with the complainants' identity removed."""
    s = scrubber_for(c)
    addressee = d["addressee"] if s(d["addressee"]) == d["addressee"] else NEUTRAL  # not 「***先生」
    return {**d, "title": s(d["title"]), "addressee": addressee, "body": s(d["body"]), "redacted": True}
