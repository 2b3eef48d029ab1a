"""Reads: the complaint list with filters and keyset pagination, the detail, the history.

Selectors own the queries (select_related) so that faces never cause N+1 queries.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import custom, dues
from tousu.complaints.access import allowed_actions, scope_filter, visible_complaints
from tousu.complaints.codes import (
    ChannelCode,
    KindCode,
    MethodCode,
    ModeCode,
    SatisfactionCode,
    StatusCode,
    SubstantiatedCode,
    ValidityCode,
)
from tousu.complaints.confidentiality import (
    UNIT_ROLES,
    hidden_ids,
    hidden_q,
    scrubber_for,
    scrubbers_for,
    sees_identity,
    with_hidden,
)
from tousu.complaints.dues import DUE_FIELDS
from tousu.complaints.inputs import ListIn
from tousu.complaints.models import Complaint, Event
from tousu.complaints.preset import active
from tousu.complaints.rows import api_row
from tousu.complaints.states import OPEN, Status
from tousu.core.crypto import (
    PHONE_TAIL,
    blind_index,
    email_index,
    mask_id_number,
    mask_phone,
    name_index,
    normalize_phone,
    phone_tail_index,
)
from tousu.core.errors import ValidationFailed
from tousu.detection.selectors import detection_of
from tousu.followup.selectors import replies_of, visits_of
from tousu.replycheck.selectors import demand_items_of
from tousu.solution.selectors import solution_of

if TYPE_CHECKING:  # the rows' shapes, declared once for the selectors and the API (rows.py)
    from tousu.complaints.rows import ComplaintDetail, Dues, EventRow, ShownRow

MAX_PAGE = 100


# The filters are defined once, with their bounds, in inputs.ListIn.
ListFilters = ListIn


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_complaints(actor: User, f: ListFilters) -> QuerySet[Complaint]:
    qs = visible_complaints(actor)
    if f.status:
        unknown = {str(code) for code in f.status} - set(Status.values)
        if unknown:
            raise ValidationFailed(
                _("未知的状态：%(s)s") % {"s": "、".join(sorted(unknown))}, field="status", allowed=Status.values
            )
        qs = qs.filter(status__in=f.status)
    if f.unit:
        qs = qs.filter(handling_unit__code=f.unit)
    if f.category:
        qs = qs.filter(
            Q(category__code=f.category) | Q(category__parent__code=f.category), category__preset=active().name
        )
    if f.grade:
        qs = qs.filter(grade__code=f.grade, grade__preset=active().name)
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
        qs = qs.filter(dues.overdue_q(now))
    elif f.overdue is False:
        qs = qs.exclude(dues.overdue_q(now))
    if f.due_soon:
        qs = qs.filter(dues.due_soon_q(now))
    if f.open is True:
        qs = qs.filter(status__in=OPEN)
    elif f.open is False:
        qs = qs.exclude(status__in=OPEN)
    if f.handler:
        qs = qs.filter(handler__username=f.handler)
    if f.mine:  # 我的待办: the complaints on which the user must act now (complaints/work.py)
        from tousu.complaints.work import queue

        qs = qs.filter(pk__in=queue(actor).values("pk"))
    if f.q.strip():
        qs = qs.filter(search_q(actor, f.q.strip()))
    if f.custom:
        qs = qs.filter(custom.filter_q(custom.parse_terms(f.custom), hidden=hidden_q(actor)))
    return qs


_PHONE_QUERY = re.compile(r"[\d\s\-+().]+")
# What may be a person's whole name: 2 to 30 characters, no digit, no "@".
_NAME_QUERY = re.compile(r"[^\d@]{2,30}")
# A case number or its end, as people quote it: TS2026000043, 2026000043, 000043, 43.
_NUMBER_QUERY = re.compile(r"[A-Za-z]*\d+")


def search_q(actor: User, text: str) -> Q:
    """The free-text search as one filter.

    Everyone finds a case in their scope by its number or the end of it (``43`` finds TS2026000043;
    the number says nothing of who complained) and by the words of its stored redacted summary and
    content. Where ``actor`` sees the identity, also by the words of the summary, content, demands
    and respondents, of the complainants' work unit, by a complainant's whole name and whole e-mail
    address (their keyed indexes: both are encrypted, so a part of either finds nothing), and by
    phone: the whole number however written (``+86 138 1234 5678``) or its last four digits or
    more (``phone_q``). Where the redacted view applies, name and phone find nothing, so that a
    search never confirms who complained (SPEC §7); nor does anyone find an anonymous case by its
    caller. Words go through the full-text index (``tousu.search``): every word of the text must
    match, in any order."""
    from tousu.complaints.models import Complainant
    from tousu.search.index import matching

    folded = unicodedata.normalize("NFKC", text).strip()
    compact = "".join(folded.split()).replace("-", "")
    number = Q(number__iendswith=compact) if _NUMBER_QUERY.fullmatch(compact) else Q(number=text)
    hidden = hidden_q(actor)
    words = matching(folded)  # the index's plain and redacted documents (tousu.search.index)
    plain, redacted = words.plain, words.redacted
    people = Q(email_index=email_index(folded)) if "@" in folded else None
    if people is None and _NAME_QUERY.fullmatch(folded):
        # A whole name, through its keyed index: only where the identity is seen (``plain``).
        named = Complainant.objects.filter(name_index=name_index(folded)).values("complaint_id")
        plain |= Q(anonymous=False, id__in=named)
    phone = phone_q(normalize_phone(folded)) if _PHONE_QUERY.fullmatch(folded) else None
    if phone is not None:
        people = phone if people is None else people | phone
    if people is not None:
        plain |= Q(anonymous=False, id__in=Complainant.objects.filter(people).values("complaint_id"))
    if people is None and not _NUMBER_QUERY.fullmatch(compact):
        # Only words can match, and whatever the redacted view finds the plain one finds too: the
        # database starts from the index.
        return plain & (~hidden | redacted)
    return number | (hidden & redacted) | (~hidden & plain)


def phone_q(digits: str) -> Q | None:
    """Complainants (a filter on ``Complainant``) whose phone is ``digits`` or ends with them; None
    for fewer than four digits. No digit is stored in clear: the whole number is a look-up of its
    keyed index, four digits one of the keyed index of the last four (``phone_tail_index``). A
    longer tail reads the phones that share those last four digits (one in ten thousand; one query
    through the index) and compares them decrypted, in memory; the caller's own filters decide
    which of their complaints anyone may see."""
    from tousu.complaints.models import Complainant

    if len(digits) < PHONE_TAIL:
        return None
    tail = Q(phone_tail_index=phone_tail_index(digits))
    if len(digits) == PHONE_TAIL:
        return tail
    exact = Q(phone_index=blind_index(digits))
    candidates = Complainant.objects.filter(tail).exclude(exact).values_list("id", "phone")
    longer = [pk for pk, phone in candidates if phone.endswith(digits)]
    return exact | Q(id__in=longer) if longer else exact


class Page(NamedTuple):
    """One page of the list: its rows, newest first (``ShownRow``: values, no model instances); the
    next page's cursor (None at the end); how many complaints match in all; and the position of
    the page's first row (1-based, 0 when the page is empty)."""

    rows: list[ShownRow]
    next_cursor: int | None
    total: int
    first: int
    # The total is a floor: a free-text search stops counting at COUNT_CAP + 1 matches (and the
    # position is 0 when more than COUNT_CAP rows come before the page).
    more: bool = False


EMPTY_PAGE = Page([], None, 0, 0)
# A search for words scans the text of every case in scope: its count stops here, so that counting
# never costs more than reading this many matches (the page itself stops at the page's end).
COUNT_CAP = 10_000


class _CountOf(Subquery):
    """The number of rows of a queryset, inside another query. Not correlated with the outer rows,
    so the database counts once per query, not once per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def list_complaints(actor: User, f: ListFilters) -> tuple[list[ShownRow], int | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    page = _page(actor, f, counted=False)
    return page.rows, page.next_cursor


def page_complaints(actor: User, f: ListFilters) -> Page:
    """One page with the total and its position (第 26–50 条，共 132 条). Both are counted in the
    page's own query, over the very filter that selects its rows (scope, search, confidentiality
    rule), so they cost no query of their own and always agree with the pages."""
    return _page(actor, f, counted=True)


# What a list row reads, as plain values: one query gives the page, its counts, whether each row's
# identity is hidden from the reader (confidentiality.with_hidden), and the first complainant's
# name and phone (correlated subqueries on the complainant's index) — no model instance is built.
ROW_VALUES = (
    "id",
    "number",
    "kind",
    "status",
    "channel",
    "summary",
    "summary_redacted",
    "received_at",
    "anonymous",
    "version",
    "due_at",
    "due_rules",
    "custom",
    "closed_at",
    "handling_due",
    "category__code",
    "category__name",
    "grade__code",
    "handling_unit__code",
    "handling_unit__name",
    "handler__username",
    "identity_hidden",
    "first_name",
    "first_phone",
)


def _first_complainant(field: str) -> Case:
    """The first complainant's ``field``, read only for the rows whose identity the reader sees:
    for a hidden or anonymous row the database never reads the complainant (NULL)."""
    from tousu.complaints.models import Complainant

    first = Complainant.objects.filter(complaint=OuterRef("pk"), position=0).order_by("id").values(field)[:1]
    return Case(When(Q(identity_hidden=True) | Q(anonymous=True), then=Value(None)), default=Subquery(first))


def _with_values(qs: QuerySet[Complaint], actor: User) -> QuerySet[Complaint]:
    """``qs`` with what ROW_VALUES reads beyond the complaint: the confidentiality flag and the
    first complainant."""
    return with_hidden(qs, actor).annotate(
        first_name=_first_complainant("name"), first_phone=_first_complainant("phone")
    )


def _page(actor: User, f: ListFilters, *, counted: bool) -> Page:
    limit = max(1, min(int(f.limit or 25), MAX_PAGE))
    matching = filter_complaints(actor, f)
    qs = matching.filter(id__lt=f.cursor) if f.cursor else matching
    capped = bool((f.q or "").strip())
    fields: tuple[str, ...] = ROW_VALUES
    if counted:
        every = matching.order_by().values("id")
        qs = qs.annotate(matching_total=_CountOf(_bounded(every, capped)))
        fields += ("matching_total",)
        if f.cursor:  # the rows of the pages before this one
            qs = qs.annotate(matching_before=_CountOf(_bounded(every.filter(id__gte=f.cursor), capped)))
            fields += ("matching_before",)
    found = list(_with_values(qs, actor).order_by("-id").values(*fields)[: limit + 1])
    next_cursor = found[limit - 1]["id"] if len(found) > limit else None
    found = found[:limit]
    rows = _value_rows(found)
    if not counted:
        return Page(rows, next_cursor, 0, 0)
    if not found:  # nothing to carry the count: only past the end of the list does it take a query
        total = _bounded(matching.order_by().values("id"), capped).count() if f.cursor else 0
        total, _first, more = _floor(total, 0, capped)
        return Page(rows, None, total, 0, more)
    counts = found[0]
    return Page(rows, next_cursor, *_floor(counts["matching_total"], counts.get("matching_before", 0), capped))


def _value_rows(found: list[dict[str, Any]]) -> list[ShownRow]:
    """The page's rows from its values. A hidden row whose redacted summary was never stored (a
    bulk load's) is scrubbed here, with one query for those rows only."""
    missing = [v["id"] for v in found if v["identity_hidden"] and v["summary"] and not v["summary_redacted"]]
    if missing:
        complaints = list(Complaint.objects.filter(id__in=missing).only("id", "summary"))
        scrubbers = scrubbers_for(complaints)
        redacted = {c.id: scrubbers[c.id](c.summary) for c in complaints}
        for v in found:
            if v["id"] in redacted:
                v["summary_redacted"] = redacted[v["id"]]
    now = timezone.now()
    return [_shown(SimpleNamespace(**v), v["first_name"], v["first_phone"], v["identity_hidden"], now) for v in found]


def _floor(total: int, before: int, capped: bool) -> tuple[int, int, bool]:
    """(total, first, more) of a page whose counts stopped at COUNT_CAP + 1 when ``capped``."""
    if not capped:
        return total, before + 1, False
    return min(total, COUNT_CAP), 0 if before >= COUNT_CAP else before + 1, total > COUNT_CAP


def _bounded(ids: QuerySet[Any], capped: bool) -> QuerySet[Any]:
    return ids[: COUNT_CAP + 1] if capped else ids


def first_complainant(c: Complaint) -> Any:
    people = list(c.complainants.all())
    return people[0] if people else None


def list_row(c: Complaint, first: Any = None, *, hidden: bool = False) -> ShownRow:
    """One list row; ``hidden`` rows carry the stored redacted summary and no complainant."""
    v = SimpleNamespace(
        number=c.number,
        kind=c.kind,
        status=c.status,
        channel=c.channel,
        received_at=c.received_at,
        category__code=c.category.code if c.category else None,
        category__name=c.category.name if c.category else None,
        grade__code=c.grade.code if c.grade else None,
        handling_unit__code=c.handling_unit.code if c.handling_unit else None,
        handling_unit__name=c.handling_unit.name if c.handling_unit else None,
        handler__username=c.handler.username if c.handler else None,
        due_at=c.due_at,
        due_rules=c.due_rules,
        closed_at=c.closed_at,
        handling_due=c.handling_due,
        version=c.version,
        summary=c.summary,
        summary_redacted=c.summary_redacted,
        anonymous=c.anonymous,
        custom=c.custom,
    )
    return _shown(v, first.name if first else None, first.phone if first else "", hidden, None)


def _shown(v: Any, name: str | None, phone: str | None, hidden: bool, now: dt.datetime | None) -> ShownRow:
    """A list row from a complaint's values (``v``: attributes named as in ROW_VALUES)."""
    identity = not (hidden or v.anonymous)
    return {
        "number": v.number,
        "kind": KindCode(v.kind),
        "status": StatusCode(v.status),
        "channel": ChannelCode(v.channel),
        "received_at": v.received_at,
        "category": v.category__code,
        "grade": v.grade__code,
        "handling_unit": v.handling_unit__code,
        "handler": v.handler__username,
        "due_at": v.due_at,
        "due_rule": dues.running_rule(v),
        "timing": dues.timing(v, now),
        "version": v.version,
        "summary": v.summary_redacted if hidden else v.summary,
        "hidden": hidden,
        "complainant": None if not identity or name is None else name,
        "phone": mask_phone(phone) if phone and identity else None,
        "custom": custom.hide(v.custom) if hidden else v.custom,
        # What a page shows beside the codes (not in the API's row).
        "category_name": v.category__name,
        "handling_unit_name": v.handling_unit__name,
        "anonymous": v.anonymous,
        "closed": v.closed_at is not None,
    }


def list_rows(actor: User, rows: list[Complaint]) -> list[ShownRow]:
    """The list rows ``actor`` may see, from complaints read as instances (the home page's queue):
    identities hidden where the redacted view applies. The rule rides in the page's own query
    where the rows came from ``with_hidden`` (one query otherwise), and the first complainants are
    read, in one query, only for the rows shown in full."""
    hidden = hidden_ids(actor, rows)
    _fill_redacted_summaries([c for c in rows if c.id in hidden])
    return [list_row(c, first, hidden=c.id in hidden) for c, first in with_first_complainants(rows, skip=hidden)]


def _fill_redacted_summaries(rows: list[Complaint]) -> None:
    """Rows written without going through the services (bulk loads) may lack the stored redacted
    summary: scrub it here, for those rows only, with one query for their complainants."""
    missing = [c for c in rows if c.summary and not c.summary_redacted]
    if not missing:
        return
    scrubbers = scrubbers_for(missing)
    for c in missing:
        c.summary_redacted = scrubbers[c.id](c.summary)


def with_first_complainants(
    rows: list[Complaint], skip: set[int] | frozenset[int] = frozenset()
) -> list[tuple[Complaint, Any]]:
    """Each row with its first complainant (None for the ``skip`` ids: nothing of them is read)."""
    from tousu.complaints.models import Complainant

    firsts: dict[int, Any] = {}
    wanted = [c.id for c in rows if c.id not in skip]
    people = (
        (Complainant.objects.filter(complaint__in=wanted, position=0).only("complaint_id", "name", "phone"))
        if wanted
        else []
    )
    for p in people:
        firsts.setdefault(p.complaint_id, p)
    return [(c, firsts.get(c.id)) for c in rows]


# What the redacted view keeps as it is: codes, usernames and links, never free text.
_KEPT = frozenset(
    {
        "number",
        "kind",
        "status",
        "channel",
        "category",
        "grade",
        "handling_unit",
        "handler",
        "version",
        "validity",
        "dispatch_mode",
        "dispatched_unit",
        "returned_from",
        "co_units",
        "registered_by",
        "first_owner",
        "repeat_of",
        "merged_into",
        "allowed_actions",
        "due",
        "due_rules",
        "timing",
        "due_rule",
    }
)


def complaint_detail(actor: User, c: Complaint, *, fresh: bool = False) -> ComplaintDetail:
    """The record as ``actor`` may see it: the redacted view (摘转) where it applies — every text
    in it (facts, outcome, opinions, plans, conflicts, extensions, requests, attachment names,
    extra fields) scrubbed of the complainants' identity, and no complainant listed. ``fresh``:
    just registered, so nothing is linked to it yet and those queries are skipped."""
    from tousu.complaints.confidentiality import personally_excluded

    detail = _full_detail(actor, c, fresh)
    if sees_identity(actor, c):
        return detail
    scrub = scrubber_for(c)
    # The same keys, each value scrubbed or kept (``deep`` keeps a value's shape).
    detail = cast("ComplaintDetail", {k: v if k in _KEPT else scrub.deep(v) for k, v in detail.items()})
    detail["complainants"] = []
    detail["complainant"] = detail["phone"] = None
    detail["custom"] = custom.hide(detail["custom"])
    # The earlier case of the same caller (found by phone) could be open to this user, identity and
    # all: following the link would name the complainant.
    detail["repeat_of"] = None
    detail["detection"] = {**detail["detection"], "repeat": None}
    detail["attachments"] = [a for a in detail["attachments"] if a["released"]]
    detail["identity_hidden"] = True
    # A grant can lift the redacted view of a unit, never that of the person complained about.
    detail["identity_requestable"] = actor.role in UNIT_ROLES and not personally_excluded(actor, c)
    return detail


def _full_detail(actor: User, c: Complaint, fresh: bool) -> ComplaintDetail:
    """The whole record, as one who sees the identity sees it."""
    # DUE_FIELDS' kinds are the keys of Dues.
    due_dates = cast("Dues", {kind: getattr(c, field) for kind, field in DUE_FIELDS.items()})
    return {
        **api_row(list_row(c)),
        "version": c.version,
        "validity": ValidityCode(c.validity),
        "validity_reason": c.validity_reason,
        "direct": c.is_direct,
        "anonymous": c.anonymous,
        "upgraded_source": c.upgraded_source,
        "content": c.content,
        "demands": c.demands,
        "occurred_at": c.occurred_at,
        "place": c.place,
        "amount": c.amount,
        "registered_at": c.registered_at,
        "registered_by": c.registered_by.username,
        "first_owner": c.first_owner.username,
        "flags": c.flags,
        "extra": c.extra,
        "custom": c.custom,
        "dispatch_mode": ModeCode(c.dispatch_mode) if c.dispatch_mode else None,
        "handling_level": c.handling_level,
        "co_units": [] if fresh else [u.code for u in c.co_units.all()],
        "dispatched_unit": c.dispatched_unit.code if c.dispatched_unit else None,
        "returned_from": c.returned_from.code if c.returned_from else None,
        "opinions": []
        if fresh
        else [
            {
                "unit": o.unit.code,
                "unit_name": o.unit.name,
                "author": o.author.username,
                "author_name": str(o.author),
                "text": o.text,
                "given_at": o.given_at,
            }
            for o in c.opinions.select_related("unit", "author")
        ],
        "dispatch_plans": []
        if fresh
        else [
            {
                "id": p.id,
                "proposed_by": p.proposed_by.username,
                "proposed_by_name": str(p.proposed_by),
                "proposed_at": p.proposed_at,
                "plan": p.plan,
                "steps": p.steps,
                "state": p.state,
            }
            for p in c.dispatch_plans.select_related("proposed_by")
        ],
        "conflicts": []
        if fresh
        else [
            {
                "user": x.user.username,
                "user_name": str(x.user),
                "reason": x.reason,
                "marked_by": x.marked_by.username,
                "marked_at": x.marked_at,
                "lifted": x.lifted_at is not None,
                "lifted_by": x.lifted_by.username if x.lifted_by else None,
                "lifted_at": x.lifted_at,
                "lift_reason": x.lift_reason,
            }
            for x in c.conflicts.select_related("user", "marked_by", "lifted_by").order_by("id")
        ],
        "due": due_dates,
        "due_rules": c.due_rules,
        "dues_provisional": c.dues_provisional,
        "agreed_due": c.agreed_due,
        "working_days_used": dues.working_days_used(c),
        "returns_count": c.returns_count,
        "urge_count": c.urge_count,
        "supervise_count": c.supervise_count,
        "followup_attempts": c.followup_attempts,
        "decline_reason": c.decline_reason or None,
        "decline_text": c.decline_text,
        "forwarded_to": c.forwarded_to,
        "substantiated": SubstantiatedCode(c.substantiated) if c.substantiated else None,
        "findings": c.findings,
        "solution": c.solution,
        "compensation_type": c.compensation_type,
        "compensation_amount": c.compensation_amount,
        "proposed_reply": c.proposed_reply,
        "reply_method": MethodCode(c.reply_method) if c.reply_method else None,
        "reply_text": c.reply_text,
        "replied_at": c.replied_at,
        "satisfaction": SatisfactionCode(c.satisfaction) if c.satisfaction else None,
        "close_reason": c.close_reason,
        "closed_at": c.closed_at,
        "archived_at": c.archived_at,
        "repeat_of": c.repeat_of.number if c.repeat_of else None,
        "merged_into": c.merged_into.number if c.merged_into else None,
        **detection_of(c),  # type: ignore[typeddict-item]
        "demand_items": demand_items_of(c),
        "solution_plan": solution_of(c),
        "replies": [] if fresh else replies_of(c),
        "visits": [] if fresh else visits_of(c),
        "sms_text": "",
        "complainants": []
        if c.anonymous
        else [
            {
                "name": p.name,
                # Masked here as on every screen: the full number is revealed on record only
                # (services.reveal_contact, POST …/contact-details).
                "phone": mask_phone(p.phone),
                "phone_masked": mask_phone(p.phone),
                "email": p.email,
                "address": p.address,
                "id_number_masked": mask_id_number(p.id_number),
                "organisation": p.organisation,
                "real_name": p.real_name,
                "preferred_reply": MethodCode(p.preferred_reply) if p.preferred_reply else "",
                "is_representative": p.is_representative,
            }
            for p in c.complainants.all()
        ],
        "respondents": [
            {
                "unit": r.unit.code if r.unit else None,
                "unit_name": r.unit_name,
                "staff": r.staff.username if r.staff else None,
                "staff_name": r.staff_name,
                "product_name": r.product_name,
                "specification": r.specification,
                "batch": r.batch,
                "quantity": r.quantity,
                "production_date": r.production_date,
                "purchase_place": r.purchase_place,
                "partner_name": r.partner_name,
            }
            for r in c.respondents.select_related("unit", "staff")
        ],
        "attachments": [
            {
                "id": a.id,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
                "uploaded_by": a.uploaded_by.username,
                "released": a.released,
            }
            for a in ([] if fresh else c.attachments.select_related("uploaded_by"))
        ],
        "extensions": [
            {
                "days": e.days,
                "reason": e.reason,
                "approved": e.approved,
                "requested_at": e.requested_at,
                "decided_at": e.decided_at,
                "notice_method": MethodCode(e.notice_method) if e.notice_method else None,
                "notice_at": e.notice_at,
            }
            for e in ([] if fresh else c.extensions.order_by("id"))
        ],
        "identity_requests": [
            {
                "id": g.id,
                "user": g.user.username,
                "user_name": str(g.user),
                "reason": g.reason,
                "requested_at": g.requested_at,
                "approved": g.approved,
                "decided_at": g.decided_at,
            }
            for g in ([] if fresh else c.identity_grants.select_related("user").order_by("id"))
            if actor.role not in UNIT_ROLES or g.user_id == actor.pk
        ],
        "allowed_actions": allowed_actions(actor, c),
        "identity_hidden": False,
        "identity_requestable": False,
    }


def complaint_events(actor: User, c: Complaint) -> list[Event]:
    """The history as ``actor`` may see it: in the redacted view every note and every text in a
    payload scrubbed, and payload keys that name a complainant withheld."""
    events = list(c.events.order_by("seq"))
    if not sees_identity(actor, c):
        scrub = scrubber_for(c)
        for e in events:
            e.note = scrub(e.note)
            e.payload = scrub.deep({k: v for k, v in e.payload.items() if k not in IDENTITY_PAYLOAD_KEYS})
    return events


# Payload keys withheld in the redacted view: those that may carry identity, and the link to the same
# caller's earlier case (found by phone), which could name the complainant.
IDENTITY_PAYLOAD_KEYS = frozenset(
    {"complainant", "complainants", "phone", "name", "id_number", "address", "email", "organisation", "repeat_of"}
)


def event_row(e: Event) -> EventRow:
    return {
        "seq": e.seq,
        "action": e.action,
        "actor": e.actor_name,
        "from_status": StatusCode(e.from_status) if e.from_status else None,
        "to_status": StatusCode(e.to_status),
        "version": e.version,
        "note": e.note,
        "payload": e.payload,
        "created_at": e.created_at,
        "hash": e.hash,
    }


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
    return [
        {"unit": row["payload__unit"], "unit_name": names.get(row["payload__unit"], ""), "returns": row["n"]}
        for row in counts
        if row["payload__unit"]
    ]


def queue_page(actor: User, limit: int) -> tuple[list[ShownRow], int]:
    """The user's work queue (complaints/work.py), the nearest due first, and its size."""
    from django.db.models import F

    from tousu.complaints.work import queue

    mine = queue(actor)
    found = _with_values(Complaint.objects.filter(pk__in=mine.values("pk")), actor).order_by(
        F("due_at").asc(nulls_last=True), "-id"
    )
    return _value_rows(list(found.values(*ROW_VALUES)[:limit])), mine.count()
