"""The dossier (卷宗): the whole record of a complaint as one PDF, set like the letters
(tousu.letters.render: WeasyPrint, the CJK font fontconfig finds locally, nothing fetched).

Every text comes from the selectors that already redact for the reader (``complaint_detail``,
``complaint_events``, ``letters_of``), so the dossier shows what its reader may see on screen."""

from __future__ import annotations

from typing import Any, TypedDict

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.actions import event_label
from tousu.complaints.models import Complaint, Event
from tousu.complaints.states import Status
from tousu.letters.selectors import LetterRow


class EventLine(TypedDict):
    seq: int
    at: str
    actor: str
    action: str
    states: str
    note: str


def when(value: Any) -> str:
    """A datetime as the dossier prints it (local time, to the minute), a date as it is."""
    if value is None or value == "":
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _status(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code


def event_lines(events: list[Event]) -> list[EventLine]:
    lines: list[EventLine] = []
    for e in events:
        moved = e.from_status and e.from_status != e.to_status
        lines.append(
            {
                "seq": e.seq,
                "at": when(e.created_at),
                "actor": e.actor_name,
                "action": event_label(e.action),
                "states": f"{_status(e.from_status)} → {_status(e.to_status)}" if moved else _status(e.to_status),
                "note": e.note,
            }
        )
    return lines


def facts(c: Complaint, detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The complaint's facts as (label, value) pairs: codes named, people and units by name."""
    pairs = [
        (_("投诉编号"), c.number),
        (_("类型"), c.get_kind_display()),
        (_("状态"), c.get_status_display()),
        (_("渠道"), c.get_channel_display()),
        (_("类别"), str(c.category) if c.category else ""),
        (_("等级"), str(c.grade) if c.grade else ""),
        (_("收到时间"), when(c.received_at)),
        (_("登记时间"), when(c.registered_at)),
        (_("登记人"), str(c.registered_by)),
        (_("承办单位"), c.handling_unit.name if c.handling_unit else ""),
        (_("承办人"), str(c.handler) if c.handler else ""),
        (_("协办单位"), "、".join(u.name for u in c.co_units.all())),
        (_("发生时间"), when(detail.get("occurred_at"))),
        (_("发生地点"), detail.get("place") or ""),
        (_("涉及金额"), str(detail["amount"]) if detail.get("amount") is not None else ""),
        (_("办理期限"), when(c.due_at)),
        (_("办结时间"), when(c.closed_at)),
        (_("归档时间"), when(c.archived_at)),
    ]
    return [(label, value) for label, value in pairs if value]


def outcome(c: Complaint, detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The result, the reply and how the case ended, as (label, value) pairs: codes from the row,
    named; texts from ``detail`` (redacted for its reader)."""
    pairs = [
        (_("是否属实"), c.get_substantiated_display()),
        (_("调查结论"), detail.get("findings") or ""),
        (_("处理意见"), detail.get("solution") or ""),
        (_("补偿方式"), detail.get("compensation_type") or ""),
        (_("补偿金额"), str(detail["compensation_amount"]) if detail.get("compensation_amount") else ""),
        (_("拟答复意见"), detail.get("proposed_reply") or ""),
        (_("答复方式"), c.get_reply_method_display()),
        (_("答复内容"), detail.get("reply_text") or ""),
        (_("答复时间"), when(detail.get("replied_at"))),
        (_("满意度"), c.get_satisfaction_display()),
        (_("不予受理理由"), detail.get("decline_text") or ""),
        (_("办结说明"), detail.get("close_reason") or ""),
    ]
    return [(label, value) for label, value in pairs if value]


def render(
    *,
    c: Complaint,
    detail: dict[str, Any],
    events: list[Event],
    letters: list[LetterRow],
    attachments: list[dict[str, Any]],
    withheld: int,
    reader: User,
    redacted: bool,
    exported_at: str,
) -> bytes:
    """The dossier as PDF bytes."""
    from weasyprint import HTML  # imported here: it loads Pango, which only rendering needs

    from tousu.letters.render import cjk_font

    family, _path = cjk_font()
    html = render_to_string(
        "archive/dossier.html",
        {
            "c": c,
            "d": detail,
            "facts": facts(c, detail),
            "outcome": outcome(c, detail),
            "events": event_lines(events),
            "letters": letters,
            "attachments": attachments,
            "withheld": withheld,
            "reader": str(reader),
            "redacted": redacted,
            "exported_at": exported_at,
            "font": family,
        },
    )
    return HTML(string=html).write_pdf()
