"""Reading the investigation record and the batch trace, within the reader's scope (404 outside
it) and redacted where the reader may not see who complained."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from typing_extensions import TypedDict

from tousu.accounts.models import User
from tousu.complaints.access import access_complaint, check_role, visible_complaints
from tousu.complaints.actions import ACTIONS
from tousu.complaints.confidentiality import hidden_ids, scrub_identity, sees_identity
from tousu.complaints.models import Complaint
from tousu.core.errors import NotPermitted
from tousu.investigation import rules
from tousu.investigation.models import BatchTrace, Entry, EntryKind, RootCause
from tousu.investigation.services import ACTION

# How many other complaints the batch panel lists per group (newest first).
RELATED_LIMIT = 50


class FileRow(TypedDict):
    id: int
    name: str


class EntryRow(TypedDict):
    id: int
    kind: str
    kind_label: str
    text: str
    occurred_at: dt.datetime | None
    place: str
    people: str
    subject: str
    outcome: str
    attachments: list[FileRow]
    created_by: str
    created_at: dt.datetime


class PartRow(TypedDict):
    code: str
    label: str
    text: str
    owner: str
    date: str


class RootCauseRow(TypedDict):
    method: str
    method_label: str
    parts: list[PartRow]
    missing: list[str]
    updated_by: str
    updated_at: dt.datetime


class InvestigationOut(TypedDict):
    number: str
    method: str  # the preset's: none, 5w1h or 8d
    required: bool
    missing: list[str]
    may_record: bool
    batch_trace: bool
    entries: list[EntryRow]
    root_cause: RootCauseRow | None


class RelatedRow(TypedDict):
    number: str
    summary: str
    status: str
    received_at: dt.datetime
    batch: str
    product: str


class BatchOut(TypedDict):
    number: str
    product: str
    batch: str
    production_date: dt.date | None
    retained_sample: str
    sample_result: str
    related_batches: str
    same_batch: list[RelatedRow]
    same_product: list[RelatedRow]


def may_record(actor: User, complaint: Complaint) -> bool:
    action = ACTIONS[ACTION]
    if complaint.status not in action.sources:
        return False
    try:
        check_role(actor, complaint, action)
    except NotPermitted:
        return False
    return True


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return str(user)  # the display name (姓名), not the login


def _entries(actor: User, c: Complaint, clean: bool) -> list[EntryRow]:
    rows: list[EntryRow] = []
    entries = Entry.objects.filter(complaint=c).select_related("created_by").prefetch_related("attachments")
    for e in entries:
        files = [a for a in e.attachments.all() if clean or a.released]
        text = (lambda s: s) if clean else (lambda s: scrub_identity(c, s))
        rows.append(
            {
                "id": e.pk,
                "kind": e.kind,
                "kind_label": str(EntryKind(e.kind).label),
                "text": text(e.text),
                "occurred_at": e.occurred_at,
                "place": text(e.place),
                "people": text(e.people),
                "subject": text(e.subject),
                "outcome": text(e.outcome),
                "attachments": [{"id": a.pk, "name": text(a.original_name)} for a in files],
                "created_by": _person(e.created_by),
                "created_at": e.created_at,
            }
        )
    return rows


def _root_cause(c: Complaint, method: str, clean: bool) -> RootCauseRow | None:
    record = RootCause.objects.filter(complaint=c).select_related("updated_by").first()
    if record is None:
        return None
    text = (lambda s: s) if clean else (lambda s: scrub_identity(c, s))
    parts: list[PartRow] = []
    for code, label in rules.DISCIPLINES.get(record.method, ()):
        part = record.parts.get(code) or {}
        parts.append(
            {
                "code": code,
                "label": str(label),
                "text": text(part.get("text", "")),
                "owner": text(part.get("owner", "")),
                "date": part.get("date", ""),
            }
        )
    return {
        "method": record.method,
        "method_label": str(rules.METHOD_LABELS.get(record.method, record.method)),
        "parts": parts,
        "missing": rules.missing_parts(record.method, record.parts),
        "updated_by": _person(record.updated_by),
        "updated_at": record.updated_at,
    }


def investigation_of(actor: User, number: str) -> InvestigationOut:
    """The investigation record of complaint ``number`` as ``actor`` may read it."""
    c = access_complaint(actor, number)
    policy = rules.policy()
    clean = sees_identity(actor, c)
    return {
        "number": c.number,
        "method": policy.root_cause,
        "required": rules.applies(c, policy),
        "missing": rules.missing(c),
        "may_record": may_record(actor, c),
        "batch_trace": policy.batch_trace,
        "entries": _entries(actor, c, clean),
        "root_cause": _root_cause(c, policy.root_cause, clean),
    }


def _related(actor: User, c: Complaint, q: Q, exclude: set[int]) -> list[RelatedRow]:
    rows = list(
        visible_complaints(actor)
        .filter(q)
        .exclude(pk__in=exclude | {c.pk})
        .distinct()
        .prefetch_related("respondents")
        .order_by("-received_at")[:RELATED_LIMIT]
    )
    hidden = hidden_ids(actor, rows)
    out: list[RelatedRow] = []
    for r in rows:
        first = next((p for p in r.respondents.all() if p.product_name or p.batch), None)
        out.append(
            {
                "number": r.number,
                # Only the summary the reader may see: the stored redacted one where identity is hidden.
                "summary": (r.summary_redacted or scrub_identity(r, r.summary)) if r.pk in hidden else r.summary,
                "status": r.status,
                "received_at": r.received_at,
                "batch": (first.batch if first else "") or str((r.custom or {}).get("batch_no") or ""),
                "product": first.product_name if first else "",
            }
        )
    return out


def batch_trace_of(actor: User, number: str) -> BatchOut:
    """The batch panel: the complaint's batch, production date and retained sample, and the other
    complaints the reader may see on the same batch or the same product within the organisation."""
    c = access_complaint(actor, number)
    trace = BatchTrace.objects.filter(complaint=c).first()
    respondent = c.respondents.exclude(product_name="", batch="").first()
    custom = c.custom or {}
    batch = (trace.batch if trace and trace.batch else "") or (respondent.batch if respondent else "")
    batch = batch or str(custom.get("batch_no") or "")
    product = respondent.product_name if respondent else ""
    production_date = (trace.production_date if trace else None) or (respondent.production_date if respondent else None)
    if production_date is None and custom.get("production_date"):
        try:
            production_date = dt.date.fromisoformat(str(custom["production_date"]))
        except ValueError:
            production_date = None
    clean = sees_identity(actor, c)
    text = (lambda s: s) if clean else (lambda s: scrub_identity(c, s))
    same_batch = _related(actor, c, Q(respondents__batch=batch) | Q(custom__batch_no=batch), set()) if batch else []
    same_product = _related(actor, c, Q(respondents__product_name=product), set()) if product else []
    seen = {r["number"] for r in same_batch}
    return {
        "number": c.number,
        "product": product,
        "batch": batch,
        "production_date": production_date,
        "retained_sample": text(trace.retained_sample) if trace else "",
        "sample_result": text(trace.sample_result) if trace else "",
        "related_batches": trace.related_batches if trace else "",
        "same_batch": same_batch,
        "same_product": [r for r in same_product if r["number"] not in seen],
    }
