"""The dispatch letter (交办函/转办函, seed 004 art. 24–25): what the unit is asked to do and by
when, with the complaint's content as the unit may see it — redacted (摘转) where the case was
dispatched redacted or the unit is complained about."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Unit, User
from tousu.complaints.confidentiality import scrubber_for, sees_identity, sent_redacted
from tousu.complaints.models import Complaint, DispatchMode
from tousu.complaints.rows import DispatchLetter, LetterComplainant
from tousu.core.errors import InvalidTransition


def _day(value: Any) -> str:
    """A moment as a letter writes it: 2026年12月1日 17:30."""
    return f"{chinese_date(value)} {timezone.localtime(value):%H:%M}" if value else "—"


def dispatch_letter(actor: User, c: Complaint) -> DispatchLetter:
    """The letter's parts; refused (409) for a case that was not dispatched to a unit."""
    unit = c.dispatched_unit if c.dispatch_mode in (DispatchMode.ASSIGN, DispatchMode.TRANSFER) else None
    if unit is None:
        raise InvalidTransition(_("只有交办、转办件有交办函/转办函"), number=c.number)
    transfer = c.dispatch_mode == DispatchMode.TRANSFER
    # Redacted as sent to the unit (a redacted transfer, or the unit is on a respondent's side),
    # and for a reader who does not see the identity, whatever was sent.
    hide = sent_redacted(c, unit) or not sees_identity(actor, c)

    event = c.events.filter(action="dispatch").select_related("actor__unit").order_by("-seq").first()
    people: list[LetterComplainant] = (
        []
        if hide or c.anonymous
        else [{"name": p.name, "phone": p.phone, "address": p.address} for p in c.complainants.all()]
    )
    deadlines = [(_("签收"), c.sign_due), (_("办结并答复投诉人"), c.handling_due)]
    if not transfer:
        deadlines.append((_("书面报告办理结果"), c.report_due))
    if c.opinion_due:
        deadlines.append((_("协办单位提出意见"), c.opinion_due))
    duties = [_("请依照有关规定组织调查处理，复函须加盖本单位公章。")]
    if transfer:
        duties.append(_("转办件须由承办单位直接办理，不得再转交。"))
    else:
        duties.append(_("交办件办结后须书面报投诉中心备案，由投诉中心审核办理结果。"))
    if hide:
        duties.append(_("本件为摘转件，投诉人身份已隐去；未经批准不得查询、泄露投诉人信息。"))
    sender = event.actor.unit if event and event.actor and event.actor.unit_id else None
    if sender is None or not sender.is_center:
        sender = Unit.objects.filter(is_center=True).order_by("path").first()
    co_units = [u.name for u in c.co_units.order_by("path")]
    if co_units:
        duties.append(_("协办单位：%(units)s，请在协办意见期限前向承办单位提出意见。") % {"units": "、".join(co_units)})
    year, sequence = c.number[2:6], int(c.number[6:]) if c.number[6:].isdigit() else c.number[6:]
    letter: DispatchLetter = {
        "title": _("转办函") if transfer else _("交办函"),
        "from": sender.name if sender else "",
        # 文号: the sender, the kind of letter, the year in 〔〕 and the case's sequence number.
        "reference": f"{sender.name if sender else ''}{_('转办') if transfer else _('交办')}〔{year}〕{sequence}号",
        "note": event.note if event else "",
        "co_units": co_units,
        "number": c.number,
        "to": unit.name,
        "date": chinese_date(event.created_at if event else timezone.now()),
        "summary": c.summary,
        "content": c.content,
        "demands": c.demands,
        "received_at": _day(c.received_at),
        "category": c.category.name if c.category else "",
        "complainants": people,
        "redacted": hide,
        "deadlines": [{"what": what, "by": _day(at)} for what, at in deadlines if at],
        "duties": duties,
    }
    if hide:  # every text of the letter, scrubbed in one pass; the number stays as it is
        letter = {**scrubber_for(c).deep(letter), "number": c.number}
    return letter


def chinese_date(value: Any) -> str:
    """A date as official letters write it: 2026年12月1日."""
    if value is None:
        return "—"
    day = timezone.localtime(value).date() if hasattr(value, "tzinfo") else value
    return f"{day.year}年{day.month}月{day.day}日"


def fill(template: str, c: Complaint, actor: User) -> str:
    """The preset's letter ``template`` for complaint ``c`` (``presets.base.PLACEHOLDERS``), with
    the summary as ``actor`` may read it."""
    if not template:
        return ""
    centre = Unit.objects.filter(is_center=True).order_by("path").select_related("parent").first()
    summary = c.summary if sees_identity(actor, c) else c.summary_redacted
    values = {
        "number": c.number,
        "received": chinese_date(c.received_at),
        "summary": summary,
        "organisation": (centre.parent.name if centre and centre.parent else centre.name if centre else ""),
        "centre": centre.name if centre else "",
        "unit": c.handling_unit.name if c.handling_unit else "",
        "due": chinese_date(c.handling_due),
        "today": chinese_date(timezone.now()),
    }
    return template.format_map(values)
