"""Keeping the clock (SPEC §6): the deadline scan, and calendar administration with the recompute
of the due dates a change moves. Notices themselves are ``complaints/notify.py``'s."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import dues, notify
from tousu.complaints.models import Complaint, Notification
from tousu.complaints.services.common import begin_system, finish
from tousu.complaints.states import OPEN, Status
from tousu.core.errors import ValidationFailed


@transaction.atomic
def recompute_after_calendar_change(
    *, actor: User | None = None, changed_from: dt.date | None = None, batch: int = 500
) -> int:
    """Recompute the due dates of every open complaint that a calendar change can affect: those
    marked provisional, and those with a running deadline on or after ``changed_from``. Returns how
    many changed. All or none, each complaint with its own event: one transaction, which is the
    calendar change's own when it comes from ``import_holiday_schedule`` or ``override_day``."""
    changed = 0
    affected = Q(dues_provisional=True)
    if changed_from:
        affected |= Q(due_at__gte=timezone.make_aware(dt.datetime.combine(changed_from, dt.time.min)))
    ids = list(Complaint.objects.filter(affected, status__in=OPEN).values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        for pk in ids[start : start + batch]:
            changed += recompute_one(pk, actor)
    return changed


def recompute_one(pk: int, actor: User | None) -> int:
    """Recompute one complaint's due dates on the changed calendar (the ``recompute_dues`` action);
    1 if any moved (or stopped being provisional), with its event, else 0 and nothing written."""
    locked = begin_system(pk, "recompute_dues")
    if locked is None:
        return 0
    complaint, status = locked
    due_dates = {kind: getattr(complaint, f) for kind, f in _fields(complaint)}
    was_provisional = complaint.dues_provisional
    moved = dues.recompute_dues(complaint)
    if not moved and complaint.dues_provisional == was_provisional:
        return 0
    finish(
        complaint,
        actor=actor,
        action="recompute_dues",
        before=status,
        note="节假日安排导入后重新计算期限",
        payload={
            "before": due_dates,
            "after": {k: getattr(complaint, f) for k, f in _fields(complaint)},
            "provisional": complaint.dues_provisional,
        },
    )
    return 1


def _fields(complaint: Complaint) -> list[tuple[str, str]]:
    from tousu.complaints.dues import DUE_FIELDS

    return [(kind, DUE_FIELDS[kind]) for kind in complaint.due_rules if kind in DUE_FIELDS]


# -- the deadline scan ------------------------------------------------------------------------
@dataclass
class ScanResult:
    reminders: int = 0
    overdue: int = 0
    escalated: int = 0
    emails: int = 0


def scan_deadlines(
    *, now: dt.datetime | None = None, remind_hours: int | None = None, escalate_after_hours: int | None = None
) -> ScanResult:
    """Remind before the running deadline, urge overdue cases, escalate those overdue by more than
    the margin. Idempotent: each (recipient, case, kind, due date) is notified once, and a case is
    urged or escalated once per due date."""
    from django.conf import settings

    now = now or timezone.now()
    default_lead = remind_hours if remind_hours is not None else settings.TOUSU_REMIND_HOURS
    leads = [r.reminder_hours for r in dues.policy().rules if r.reminder_hours is not None]
    remind = dt.timedelta(hours=max([default_lead, *leads]))
    margin = dt.timedelta(
        hours=escalate_after_hours if escalate_after_hours is not None else settings.TOUSU_ESCALATE_AFTER_HOURS
    )
    result = ScanResult()
    running = (
        Complaint.objects.filter(status__in=OPEN, due_at__isnull=False, due_at__lt=now + remind)
        .exclude(status=Status.SUSPENDED)
        .select_related("handling_unit", "handler", "first_owner")
        .order_by("due_at")
    )
    for complaint in running.iterator(chunk_size=500):
        with transaction.atomic():
            locked = begin_system(complaint.pk, "urge")  # urge and escalate leave from the same states
            if locked is None or locked[0].due_at is None:
                continue
            _scan_one(locked[0], now, margin, result, default_lead)
    return result


def _lead(complaint: Complaint, default_hours: int) -> dt.timedelta:
    """The reminder lead of the rule behind the running deadline (the default where it sets none)."""
    kind = next((k for k, f in dues.DUE_FIELDS.items() if f == dues.running_field(complaint)), None)
    rule = dues.policy().rule_for(complaint, kind) if kind else None
    hours = rule.reminder_hours if rule and rule.reminder_hours is not None else default_hours
    return dt.timedelta(hours=hours)


def _scan_one(
    complaint: Complaint, now: dt.datetime, margin: dt.timedelta, result: ScanResult, default_lead: int
) -> None:
    due_at = complaint.due_at
    if due_at is None:  # scan_deadlines passes only complaints with a running deadline
        raise ValueError(f"{complaint.number} has no due date to scan")
    due_text = timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
    if due_at >= now:
        if due_at - now > _lead(complaint, default_lead):
            return
        new = notify.record(
            complaint,
            Notification.Kind.REMINDER,
            notify.recipients(complaint, centre=False),
            f"{complaint.number}「{complaint.summary}」将于 {due_text} 到期，请及时办理。",
        )
        result.reminders += bool(new)
        result.emails += notify.email_after_commit(new)
        return
    new = notify.record(
        complaint,
        Notification.Kind.OVERDUE,
        notify.recipients(complaint, centre=True),
        f"{complaint.number}「{complaint.summary}」已于 {due_text} 超期，请立即办理。",
    )
    if new:
        result.overdue += 1
        result.emails += notify.email_after_commit(new)
        complaint.urge_count += 1
        _system_event(
            complaint, "urge", f"系统催办：已于 {due_text} 超期", {"due_at": complaint.due_at, "automatic": True}
        )
    if now - due_at > margin:
        new = notify.record(
            complaint,
            Notification.Kind.ESCALATED,
            notify.recipients(complaint, centre=True),
            f"{complaint.number}「{complaint.summary}」超期已逾时限，已自动上报。",
        )
        if new:
            result.escalated += 1
            result.emails += notify.email_after_commit(new)
            complaint.handling_level += 1
            _system_event(
                complaint,
                "escalate",
                "系统上报：超期未办结",
                {"due_at": complaint.due_at, "level": complaint.handling_level, "automatic": True},
            )


def _system_event(complaint: Complaint, action: str, note: str, payload: dict) -> None:
    finish(complaint, actor=None, action=action, before=complaint.status, note=note, payload=payload)


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
    """Import a holiday schedule (CSV or ICS) and recompute every due date it can move, in one
    transaction: a failure part-way leaves the calendar and every due date as they were (due dates
    computed on a calendar that is no longer in force, with nothing to say so, are worse than an
    import to run again)."""
    from tousu.calendar import store

    _require_calendar_admin(actor)
    if fmt not in ("csv", "ics"):
        raise ValidationFailed(_("格式须为 csv 或 ics"), field="format")
    try:
        days = store.parse_ics(text) if fmt == "ics" else store.parse_csv(text)
    except store.ScheduleError as err:
        raise ValidationFailed(str(err), field="content") from None
    with transaction.atomic(durable=True):
        try:
            years = store.import_schedule(days, source=source or fmt, actor=actor)
        except store.ScheduleError as err:
            raise ValidationFailed(str(err), field="content") from None
        with store.as_changed():
            changed = recompute_after_calendar_change(actor=actor, changed_from=min(d.date for d in days))
    store.current(fresh=True)  # committed: this process counts with the new calendar at once
    return ImportResult(years=years, days=len(days), recomputed=changed)


def override_day(*, actor: User | None, day: dt.date, working: bool | None, name: str = "") -> int:
    """Make one day a holiday or a working day (``working`` None restores the statutory calendar);
    returns how many complaints' due dates moved. One transaction, as for an import."""
    from tousu.calendar import store

    _require_calendar_admin(actor)
    with transaction.atomic(durable=True):
        try:
            store.set_day(day, working=working, name=name, actor=actor)
        except store.ScheduleError as err:
            raise ValidationFailed(str(err), field="date") from None
        with store.as_changed():
            changed = recompute_after_calendar_change(actor=actor, changed_from=day)
    store.current(fresh=True)
    return changed
