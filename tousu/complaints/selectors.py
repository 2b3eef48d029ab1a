"""Reads: the complaint list with filters and keyset pagination, the detail, the history.

Selectors own the queries (select_related) so that faces never cause N+1 queries.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.access import (
    UNIT_ROLES, allowed_actions, hidden_identities, scope_filter, sees_identity, visible_complaints,
)
from tousu.complaints.deadlines import DUE_FIELDS
from tousu.complaints.inputs import ListIn
from tousu.complaints.models import Complaint, Event
from tousu.complaints.states import OPEN, Status
from tousu.core.crypto import mask_id_number, mask_phone
from tousu.core.errors import ValidationFailed
from tousu.core.redaction import scrub

DUE_SOON_HOURS = 48
# What a list row needs: no long text, so a page reads and converts as little as it can.
LIST_FIELDS = ("number", "kind", "status", "channel", "summary", "received_at", "anonymous", "version",
               "due_at", "due_rules", "closed_at", "handling_due", "category__code", "grade__code",
               "handling_unit__code", "handling_unit__name", "category__name", "grade__name",
               "handler__username", "handler__display_name")
MAX_PAGE = 100


# The filters are defined once, with their bounds, in inputs.ListIn.
ListFilters = ListIn


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_complaints(actor: User, f: ListFilters) -> QuerySet[Complaint]:
    qs = visible_complaints(actor)
    if f.status:
        unknown = set(f.status) - set(Status.values)
        if unknown:
            raise ValidationFailed(_("未知的状态: %(s)s") % {"s": ", ".join(sorted(unknown))}, field="status",
                                   allowed=Status.values)
        qs = qs.filter(status__in=f.status)
    if f.unit:
        qs = qs.filter(handling_unit__code=f.unit)
    if f.category:
        qs = qs.filter(Q(category__code=f.category) | Q(category__parent__code=f.category))
    if f.grade:
        qs = qs.filter(grade__code=f.grade)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.received_from:
        qs = qs.filter(received_at__gte=_day_start(f.received_from))
    if f.received_to:
        qs = qs.filter(received_at__lt=_day_start(f.received_to + dt.timedelta(days=1)))
    now = timezone.now()
    if f.overdue is True:
        qs = qs.filter(due_at__lt=now)
    elif f.overdue is False:
        qs = qs.exclude(due_at__lt=now)
    if f.due_soon:
        qs = qs.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=DUE_SOON_HOURS))
    if f.open is True:
        qs = qs.filter(status__in=OPEN)
    elif f.open is False:
        qs = qs.exclude(status__in=OPEN)
    if f.handler:
        qs = qs.filter(handler__username=f.handler)
    if f.mine:
        qs = qs.filter(Q(handler=actor) | Q(first_owner=actor, status=Status.REGISTERED))
    if f.q.strip():
        text = f.q.strip()
        qs = qs.filter(Q(number=text) | Q(summary__contains=text) | Q(content__contains=text))
    return qs


def list_complaints(actor: User, f: ListFilters) -> tuple[list[Complaint], int | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    limit = max(1, min(int(f.limit or 25), MAX_PAGE))
    qs = filter_complaints(actor, f)
    if f.cursor:
        qs = qs.filter(id__lt=f.cursor)
    rows = list(qs.select_related("handling_unit", "category", "grade", "handler").only(*LIST_FIELDS)
                .order_by("-id")[: limit + 1])
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


TIMING_LABELS = {
    "on_time": gettext_lazy("正常"), "due_soon": gettext_lazy("即将到期"), "overdue": gettext_lazy("已超期"),
    "closed_on_time": gettext_lazy("按期办结"), "closed_late": gettext_lazy("超期办结"),
}


def timing(c: Complaint, now: dt.datetime | None = None) -> str:
    """on_time, due_soon, overdue, closed_on_time, closed_late — derived at query time."""
    now = now or timezone.now()
    if c.status not in OPEN:
        if c.status not in (Status.CLOSED, Status.ARCHIVED) or not c.closed_at:
            return ""  # declined, withdrawn, merged: no handling deadline was run to its end
        return "closed_late" if c.handling_due and c.closed_at > c.handling_due else "closed_on_time"
    if c.due_at is None:
        return "on_time"
    if c.due_at < now:
        return "overdue"
    if c.due_at < now + dt.timedelta(hours=DUE_SOON_HOURS):
        return "due_soon"
    return "on_time"


def _running_rule(c: Complaint) -> str | None:
    from tousu.complaints.services.common import _RUNNING_DUE

    kind = next((k for k, f in DUE_FIELDS.items() if f == _RUNNING_DUE.get(c.status)), None)
    return (c.due_rules.get(kind) or {}).get("rule") if kind and c.due_at else None


def working_days_used(c: Complaint, now: dt.datetime | None = None) -> int:
    """Working days from receipt to closure (or to now while open), the receipt day not counted."""
    from tousu.calendar.store import current

    end = c.closed_at or now or timezone.now()
    try:
        return max(current().working_days_between(timezone.localtime(c.received_at).date(),
                                                  timezone.localtime(end).date()), 0)
    except ValueError:
        return 0


def first_complainant(c: Complaint) -> Any:
    people = list(c.complainants.all())
    return people[0] if people else None


def list_row(c: Complaint, first: Any = None, *, hidden: bool = False) -> dict[str, Any]:
    return {
        "number": c.number, "kind": c.kind, "status": c.status, "channel": c.channel,
        "received_at": c.received_at,
        "category": c.category.code if c.category else None,
        "grade": c.grade.code if c.grade else None,
        "handling_unit": c.handling_unit.code if c.handling_unit else None,
        "handler": c.handler.username if c.handler else None,
        "due_at": c.due_at, "due_rule": _running_rule(c), "timing": timing(c), "version": c.version,
        "summary": scrub_identity(c, c.summary) if hidden else c.summary, "hidden": hidden,
        "complainant": None if hidden or c.anonymous or first is None else first.name,
        "phone": mask_phone(first.phone) if first is not None and first.phone and not (c.anonymous or hidden)
        else None,
    }


def list_rows(actor: User, rows: list[Complaint]) -> list[dict[str, Any]]:
    """The list rows ``actor`` may see: identities hidden where the redacted view applies."""
    hidden = hidden_identities(actor, rows)
    return [list_row(c, first, hidden=c.id in hidden) for c, first in with_first_complainants(rows)]


def _identifiers(c: Complaint) -> list[str]:
    people = getattr(c, "_identity_cache", None)
    if people is None:
        people = []
        for p in c.complainants.all():
            people += [p.name, p.phone, p.id_number, p.email, p.address, p.organisation]
        c._identity_cache = people
    return people


def scrub_identity(c: Complaint, text: str) -> str:
    return scrub(text, _identifiers(c))


def with_first_complainants(rows: list[Complaint]) -> list[tuple[Complaint, Any]]:
    from tousu.complaints.models import Complainant

    firsts: dict[int, Any] = {}
    people = (Complainant.objects.filter(complaint__in=[c.id for c in rows], position=0)
              .only("complaint_id", "name", "phone"))
    for p in people:
        firsts.setdefault(p.complaint_id, p)
    return [(c, firsts.get(c.id)) for c in rows]


def complaint_detail(actor: User, c: Complaint) -> dict[str, Any]:
    """The record as ``actor`` may see it: the redacted view (摘转) where it applies."""
    detail = _full_detail(actor, c)
    if sees_identity(actor, c):
        detail["identity_hidden"] = False
        return detail
    text_fields = ("summary", "content", "demands", "place", "findings", "solution", "proposed_reply",
                   "reply_text", "decline_text", "close_reason")
    detail.update({f: scrub_identity(c, detail[f]) for f in text_fields if detail.get(f)})
    for o in detail["opinions"]:
        o["text"] = scrub_identity(c, o["text"])
    detail["complainants"] = []
    detail["complainant"] = detail["phone"] = None
    detail["attachments"] = [a for a in detail["attachments"] if a["released"]]
    detail["identity_hidden"] = True
    return detail


def _full_detail(actor: User, c: Complaint) -> dict[str, Any]:
    dues = {kind: getattr(c, field) for kind, field in DUE_FIELDS.items()}
    fresh = getattr(c, "fresh", False)  # just registered: no co-units, attachments, extensions, grants
    return {
        **list_row(c),
        "version": c.version,
        "validity": c.validity, "validity_reason": c.validity_reason,
        "direct": c.is_direct, "anonymous": c.anonymous, "upgraded_source": c.upgraded_source,
        "content": c.content, "demands": c.demands, "occurred_at": c.occurred_at, "place": c.place,
        "amount": c.amount, "registered_at": c.registered_at,
        "registered_by": c.registered_by.username, "first_owner": c.first_owner.username,
        "flags": c.flags, "extra": c.extra,
        "dispatch_mode": c.dispatch_mode or None, "handling_level": c.handling_level,
        "co_units": [] if fresh else [u.code for u in c.co_units.all()],
        "dispatched_unit": c.dispatched_unit.code if c.dispatched_unit_id else None,
        "returned_from": c.returned_from.code if c.returned_from_id else None,
        "opinions": [] if fresh else [
            {"unit": o.unit.code, "unit_name": o.unit.name, "author": o.author.username,
             "author_name": str(o.author), "text": o.text, "given_at": o.given_at}
            for o in c.opinions.select_related("unit", "author")],
        "dispatch_plans": [] if fresh else [
            {"id": p.id, "proposed_by": p.proposed_by.username, "proposed_by_name": str(p.proposed_by),
             "proposed_at": p.proposed_at, "plan": p.plan, "steps": p.steps, "state": p.state}
            for p in c.dispatch_plans.select_related("proposed_by")],
        "conflicts": [] if fresh else [
            {"user": x.user.username, "user_name": str(x.user), "reason": x.reason,
             "marked_by": x.marked_by.username, "marked_at": x.marked_at}
            for x in c.conflicts.select_related("user", "marked_by").order_by("id")],
        "due": dues, "due_rules": c.due_rules, "dues_provisional": c.dues_provisional,
        "agreed_due": c.agreed_due, "working_days_used": working_days_used(c),
        "returns_count": c.returns_count, "urge_count": c.urge_count, "supervise_count": c.supervise_count,
        "followup_attempts": c.followup_attempts,
        "decline_reason": c.decline_reason or None, "decline_text": c.decline_text,
        "forwarded_to": c.forwarded_to, "substantiated": c.substantiated or None, "findings": c.findings,
        "solution": c.solution, "compensation_type": c.compensation_type,
        "compensation_amount": c.compensation_amount, "proposed_reply": c.proposed_reply,
        "reply_method": c.reply_method or None, "reply_text": c.reply_text, "replied_at": c.replied_at,
        "satisfaction": c.satisfaction or None, "close_reason": c.close_reason, "closed_at": c.closed_at,
        "archived_at": c.archived_at,
        "repeat_of": c.repeat_of.number if c.repeat_of_id else None,
        "merged_into": c.merged_into.number if c.merged_into_id else None,
        "complainants": [] if c.anonymous else [
            {"name": p.name, "phone": p.phone, "phone_masked": mask_phone(p.phone), "email": p.email,
             "address": p.address, "id_number_masked": mask_id_number(p.id_number),
             "organisation": p.organisation, "real_name": p.real_name, "preferred_reply": p.preferred_reply,
             "is_representative": p.is_representative}
            for p in c.complainants.all()],
        "respondents": [
            {"unit": r.unit.code if r.unit else None, "unit_name": r.unit_name,
             "staff": r.staff.username if r.staff else None, "staff_name": r.staff_name,
             "product_name": r.product_name, "specification": r.specification, "batch": r.batch,
             "quantity": r.quantity, "production_date": r.production_date, "purchase_place": r.purchase_place,
             "partner_name": r.partner_name}
            for r in c.respondents.select_related("unit", "staff")],
        "attachments": [
            {"id": a.id, "name": a.original_name, "content_type": a.content_type, "size": a.size,
             "uploaded_at": a.uploaded_at, "uploaded_by": a.uploaded_by.username, "released": a.released}
            for a in ([] if fresh else c.attachments.select_related("uploaded_by"))],
        "extensions": [
            {"days": e.days, "reason": e.reason, "approved": e.approved, "requested_at": e.requested_at,
             "decided_at": e.decided_at, "notice_method": e.notice_method or None, "notice_at": e.notice_at}
            for e in ([] if fresh else c.extensions.order_by("id"))],
        "identity_requests": [
            {"id": g.id, "user": g.user.username, "user_name": str(g.user), "reason": g.reason,
             "requested_at": g.requested_at, "approved": g.approved, "decided_at": g.decided_at}
            for g in ([] if fresh else c.identity_grants.select_related("user").order_by("id"))
            if actor.role not in UNIT_ROLES or g.user_id == actor.pk],
        "allowed_actions": allowed_actions(actor, c),
    }


def complaint_events(actor: User, c: Complaint) -> list[Event]:
    """The history as ``actor`` may see it: notes scrubbed in the redacted view."""
    events = list(c.events.order_by("seq"))
    if not sees_identity(actor, c):
        for e in events:
            e.note = scrub_identity(c, e.note)
            e.payload = {k: v for k, v in e.payload.items() if k not in IDENTITY_PAYLOAD_KEYS}
    return events


# Payload keys that may carry identity (none do today; listed so that a future one is withheld).
IDENTITY_PAYLOAD_KEYS = frozenset({"complainant", "complainants", "phone", "name", "id_number", "address"})


def event_row(e: Event) -> dict[str, Any]:
    return {"seq": e.seq, "action": e.action, "actor": e.actor_name, "from_status": e.from_status or None,
            "to_status": e.to_status, "version": e.version, "note": e.note, "payload": e.payload,
            "created_at": e.created_at, "hash": e.hash}


def callers_by_phone(actor: User, phone: str, limit: int = 10) -> list[Complaint]:
    """Earlier complaints of a caller, newest first (hotline look-up, SPEC §8)."""
    from tousu.core.crypto import blind_index, normalize_phone

    digits = normalize_phone(phone)
    if len(digits) < 5:
        return []
    from tousu.complaints.models import Complainant

    ids = Complainant.objects.filter(phone_index=blind_index(digits)).values("complaint_id")
    return list(visible_complaints(actor).filter(id__in=ids).select_related("handling_unit")
                .order_by("-id")[:limit])


def notifications_for(actor: User, *, unread_only: bool = False, limit: int = 50) -> list[Any]:
    from tousu.complaints.models import Notification

    qs = Notification.objects.filter(recipient=actor).select_related("complaint")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.order_by("-id")[: max(1, min(limit, 200))])


def unread_count(actor: User) -> int:
    from tousu.complaints.models import Notification

    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def notification_row(n: Any) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "number": n.complaint.number, "message": n.message,
            "due_at": n.due_at, "created_at": n.created_at, "read": n.read_at is not None}


def attachment_for(actor: User, number: str, attachment_id: int) -> tuple[Any, Any]:
    """An attachment and its path on disk, if ``actor`` may download it; NotFound otherwise.

    In the redacted view only attachments the centre released are served (SPEC §7)."""
    from django.conf import settings

    from tousu.complaints.access import access_complaint
    from tousu.core.errors import NotFound

    complaint = access_complaint(actor, number)
    attachment = complaint.attachments.filter(id=attachment_id).first()
    if attachment is None or (not attachment.released and not sees_identity(actor, complaint)):
        raise NotFound(_("附件不存在或未放行"))
    path = settings.MEDIA_ROOT / attachment.stored_name
    if not path.exists():
        raise NotFound(_("附件文件已丢失,请联系管理员"))
    return attachment, path


def returns_by_unit(actor: User, since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
    """How often each unit returned a dispatched case (退回, a 推诿扯皮 indicator), most first,
    counted from the history of the complaints the actor may see."""
    from django.db.models import Count

    from tousu.accounts.models import Unit
    from tousu.complaints.models import Event

    events = Event.objects.filter(action="return")
    scope = scope_filter(actor)
    if scope:
        events = events.filter(complaint__in=Complaint.objects.filter(scope).values("id"))
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    counts = events.values("payload__unit").annotate(n=Count("id")).order_by("-n")
    names = dict(Unit.objects.values_list("code", "name"))
    return [{"unit": row["payload__unit"], "unit_name": names.get(row["payload__unit"], ""), "returns": row["n"]}
            for row in counts if row["payload__unit"]]
