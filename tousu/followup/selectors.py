"""The replies given and the return visits of a complaint, as its detail shows them."""

from __future__ import annotations

from tousu.complaints.codes import MethodCode, SatisfactionCode
from tousu.complaints.models import Complaint
from tousu.followup.models import ReplyRecord, Visit
from tousu.followup.rows import ReplyRecordRow, VisitRow


def replies_of(c: Complaint) -> list[ReplyRecordRow]:
    rows = ReplyRecord.objects.filter(complaint=c).select_related("letter", "recorded_by")
    return [
        {
            "method": MethodCode(r.method),
            "method_label": r.get_method_display(),
            "text": r.text,
            "given_by": r.given_by,
            "letter": r.letter.reference if r.letter else None,
            "letter_id": r.letter_id,
            "sent_to": r.sent_to,
            "query_code_sent": r.query_code_sent,
            "replied_at": r.replied_at,
            "recorded_by": str(r.recorded_by),
        }
        for r in rows
    ]


def visits_of(c: Complaint) -> list[VisitRow]:
    return [
        {
            "attempt": v.attempt,
            "method": MethodCode(v.method),
            "method_label": v.get_method_display(),
            "outcome": SatisfactionCode(v.outcome),
            "outcome_label": v.get_outcome_display(),
            "note": v.note,
            "visited_at": v.visited_at,
            "by": str(v.by),
        }
        for v in Visit.objects.filter(complaint=c).select_related("by")
    ]
