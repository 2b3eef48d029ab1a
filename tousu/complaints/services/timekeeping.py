"""Keeping the clock: recomputing provisional due dates after a calendar import (SPEC §6)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.complaints.events import record_event
from tousu.accounts.models import Role, User
from tousu.complaints import deadlines
from tousu.complaints.models import Complaint, Notification
from tousu.complaints.services.common import recompute_dues
from tousu.complaints.states import OPEN, Status
from tousu.core.errors import ValidationFailed


def recompute_after_calendar_change(*, actor: object = None, changed_from: dt.date | None = None,
                                    batch: int = 500) -> int:
    """Recompute the due dates of every open complaint that a calendar change can affect: those
    marked provisional, and those with a running deadline on or after ``changed_from``. Returns how
    many changed. Each complaint is its own transaction, with its own event."""
    changed = 0
    affected = Q(dues_provisional=True)
    if changed_from:
        affected |= Q(due_at__gte=timezone.make_aware(dt.datetime.combine(changed_from, dt.time.min)))
    ids = list(Complaint.objects.filter(affected, status__in=OPEN).values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        for pk in ids[start:start + batch]:
            changed += _recompute_one(pk, actor)
    return changed


@transaction.atomic
def _recompute_one(pk: int, actor: object) -> int:
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("category", "grade").get(pk=pk)
    before = {kind: getattr(complaint, f) for kind, f in _fields(complaint)}
    was_provisional = complaint.dues_provisional
    moved = recompute_dues(complaint)
    if not moved and complaint.dues_provisional == was_provisional:
        return 0
    complaint.version += 1
    complaint.save()
    record_event(complaint, actor=actor, action="recompute_dues", from_status=complaint.status,
                 note="节假日安排导入后重新计算期限",
                 payload={"before": before, "after": {k: getattr(complaint, f) for k, f in _fields(complaint)},
                          "provisional": complaint.dues_provisional})
    return 1


def _fields(complaint: Complaint) -> list[tuple[str, str]]:
    from tousu.complaints.deadlines import DUE_FIELDS

    return [(kind, DUE_FIELDS[kind]) for kind in complaint.due_rules if kind in DUE_FIELDS]


# -- the deadline scan ------------------------------------------------------------------------
@dataclass
class ScanResult:
    reminders: int = 0
    overdue: int = 0
    escalated: int = 0
    emails: int = 0


def _recipients(complaint: Complaint, *, centre: bool) -> list[User]:
    """The handler (or, with none, the unit's handlers), the heads of the handling unit and of the
    unit the centre dispatched to (a section's case reaches its bureau's head), and for overdue
    cases the centre's supervisors. A registered case goes to its first owner."""
    people: dict[int, User] = {}
    if complaint.status == Status.REGISTERED:
        people[complaint.first_owner_id] = complaint.first_owner
    unit = complaint.handling_unit
    if complaint.handler_id:
        people[complaint.handler_id] = complaint.handler
    elif unit is not None:
        for u in User.objects.filter(unit=unit, role=Role.HANDLER, is_active=True):
            people[u.pk] = u
    units = {u for u in (complaint.handling_unit_id, complaint.dispatched_unit_id) if u}
    if units:
        for u in User.objects.filter(unit__in=units, role=Role.HEAD, is_active=True):
            people[u.pk] = u
    if centre or unit is None:
        for u in User.objects.filter(role=Role.CENTER, is_active=True):
            people[u.pk] = u
    return list(people.values())


def _notify(complaint: Complaint, kind: str, recipients: list[User], message: str) -> list[Notification]:
    """Create the notifications that do not exist yet; return only the new ones. A recipient who
    sees the redacted view gets the text scrubbed of the complainant's identity (SPEC §7)."""
    field = _running_field(complaint)
    new = []
    for user in recipients:
        text = message if _sees_identity_now(user, complaint) else _redacted_message(complaint, message)
        notification, created = Notification.objects.get_or_create(
            recipient=user, complaint=complaint, kind=kind, due_field=field, due_at=complaint.due_at,
            defaults={"message": text[:300]})
        if created:
            new.append(notification)
    return new


def _sees_identity_now(user: User, complaint: Complaint) -> bool:
    """The rule as the database has it now (not remembered: the action may just have changed it)."""
    from tousu.complaints.identity import hidden_ids

    return complaint.id not in hidden_ids(user, [complaint])


def _redacted_message(complaint: Complaint, message: str) -> str:
    """``message`` scrubbed of the complainants' identity. Messages quote notes and summaries
    whole; they are cut to length only after scrubbing, so no name is cut in two first."""
    from tousu.complaints.selectors import scrubber_for

    return scrubber_for(complaint)(message)


def notify_work(complaint: Complaint, message: str, *, centre: bool = False) -> int:
    """Tell the handling unit (its handler, or its handlers, and its heads up the tree; with
    ``centre``, the centre's supervisors too) that a case has come to it; in-app and by e-mail
    after commit."""
    if complaint.due_at is None:
        return 0
    return _mail(_notify(complaint, Notification.Kind.WORK, _recipients(complaint, centre=centre), message))


def notify_users(complaint: Complaint, users: list[User], message: str) -> int:
    """Tell particular people about a case (an approval to give, a decision taken)."""
    if complaint.due_at is None:
        return 0
    return _mail(_notify(complaint, Notification.Kind.WORK, users, message))


def _running_field(complaint: Complaint) -> str:
    from tousu.complaints.services.common import _RUNNING_DUE

    return _RUNNING_DUE.get(complaint.status, "due_at")


def _mail(notifications: list[Notification]) -> int:
    """E-mail after commit; a complainant's identity never goes into the text (number and summary)."""
    sent = 0
    for n in notifications:
        if n.recipient.email:
            transaction.on_commit(lambda n=n: _send(n.pk))
            sent += 1
    return sent


def _send(pk: int) -> None:
    n = Notification.objects.select_related("recipient", "complaint").get(pk=pk)
    # The rule is asked again at sending time: the case may have been hidden from the recipient since.
    text = n.message if _sees_identity_now(n.recipient, n.complaint) else _redacted_message(n.complaint, n.message)
    send_mail(f"[投诉] {n.complaint.number} {n.get_kind_display()}", text, None, [n.recipient.email],
              fail_silently=True)
    Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())


def scan_deadlines(*, now: dt.datetime | None = None, remind_hours: int | None = None,
                   escalate_after_hours: int | None = None) -> ScanResult:
    """Remind before the running deadline, urge overdue cases, escalate those overdue by more than
    the margin. Idempotent: each (recipient, case, kind, due date) is notified once, and a case is
    urged or escalated once per due date."""
    from django.conf import settings

    now = now or timezone.now()
    default_lead = remind_hours if remind_hours is not None else settings.TOUSU_REMIND_HOURS
    leads = [r.reminder_hours for r in deadlines.policy().rules if r.reminder_hours is not None]
    remind = dt.timedelta(hours=max([default_lead, *leads]))
    margin = dt.timedelta(hours=escalate_after_hours if escalate_after_hours is not None
                          else settings.TOUSU_ESCALATE_AFTER_HOURS)
    result = ScanResult()
    running = (Complaint.objects.filter(status__in=OPEN, due_at__isnull=False, due_at__lt=now + remind)
               .exclude(status=Status.SUSPENDED)
               .select_related("handling_unit", "handler", "first_owner").order_by("due_at"))
    for complaint in running.iterator(chunk_size=500):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update(of=("self",)).select_related(
                "handling_unit", "handler", "first_owner").get(pk=complaint.pk)
            if complaint.due_at is None or complaint.status not in OPEN:
                continue
            _scan_one(complaint, now, margin, result, default_lead)
    return result


def _lead(complaint: Complaint, default_hours: int) -> dt.timedelta:
    """The reminder lead of the rule behind the running deadline (the default where it sets none)."""
    kind = next((k for k, f in deadlines.DUE_FIELDS.items() if f == _running_field(complaint)), None)
    rule = deadlines.policy().rule_for(complaint, kind) if kind else None
    hours = rule.reminder_hours if rule and rule.reminder_hours is not None else default_hours
    return dt.timedelta(hours=hours)


def _scan_one(complaint: Complaint, now: dt.datetime, margin: dt.timedelta, result: ScanResult,
              default_lead: int) -> None:
    due_text = timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M")
    if complaint.due_at >= now:
        if complaint.due_at - now > _lead(complaint, default_lead):
            return
        new = _notify(complaint, Notification.Kind.REMINDER, _recipients(complaint, centre=False),
                      f"{complaint.number}「{complaint.summary}」将于 {due_text} 到期,请及时办理。")
        result.reminders += bool(new)
        result.emails += _mail(new)
        return
    new = _notify(complaint, Notification.Kind.OVERDUE, _recipients(complaint, centre=True),
                  f"{complaint.number}「{complaint.summary}」已于 {due_text} 超期,请立即办理。")
    if new:
        result.overdue += 1
        result.emails += _mail(new)
        complaint.urge_count += 1
        _system_event(complaint, "urge", f"系统催办:已于 {due_text} 超期", {"due_at": complaint.due_at,
                                                                        "automatic": True})
    if now - complaint.due_at > margin:
        new = _notify(complaint, Notification.Kind.ESCALATED, _recipients(complaint, centre=True),
                      f"{complaint.number}「{complaint.summary}」超期已逾时限,已自动上报。")
        if new:
            result.escalated += 1
            result.emails += _mail(new)
            complaint.handling_level += 1
            _system_event(complaint, "escalate", "系统上报:超期未办结", {
                "due_at": complaint.due_at, "level": complaint.handling_level, "automatic": True})


def _system_event(complaint: Complaint, action: str, note: str, payload: dict) -> None:
    complaint.version += 1
    complaint.save()
    record_event(complaint, actor=None, action=action, from_status=complaint.status, note=note, payload=payload)


def mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when ``ids`` is None); returns how many."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs.update(read_at=timezone.now())


# -- calendar administration -----------------------------------------------------------------
@dataclass
class ImportResult:
    years: list[int]
    days: int
    recomputed: int


def _require_calendar_admin(actor: User | None) -> None:
    """Administrators maintain the calendar; ``None`` is the command line, run by the operator."""
    from tousu.accounts.services import require_admin

    if actor is not None:
        require_admin(actor, _("只有管理员可以维护工作日历"))


def import_holiday_schedule(*, actor: User | None, text: str, fmt: str, source: str) -> ImportResult:
    """Import a holiday schedule (CSV or ICS) and recompute every due date it can move."""
    from tousu.calendar import store

    _require_calendar_admin(actor)
    if fmt not in ("csv", "ics"):
        raise ValidationFailed(_("格式须为 csv 或 ics"), field="format")
    try:
        days = store.parse_ics(text) if fmt == "ics" else store.parse_csv(text)
        years = store.import_schedule(days, source=source or fmt, actor=actor)
    except store.ScheduleError as err:
        raise ValidationFailed(str(err), field="content") from None
    store.current(fresh=True)
    changed = recompute_after_calendar_change(actor=actor, changed_from=min(d.date for d in days))
    return ImportResult(years=years, days=len(days), recomputed=changed)


def override_day(*, actor: User | None, day: dt.date, working: bool | None, name: str = "") -> int:
    """Make one day a holiday or a working day (``working`` None restores the statutory calendar);
    returns how many complaints' due dates moved."""
    from tousu.calendar import store

    _require_calendar_admin(actor)
    try:
        store.set_day(day, working=working, name=name, actor=actor)
    except store.ScheduleError as err:
        raise ValidationFailed(str(err), field="date") from None
    store.current(fresh=True)
    return recompute_after_calendar_change(actor=actor, changed_from=day)
