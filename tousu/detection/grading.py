"""Auto-grading (SPEC §8): the preset's grading rules, fired at registration on a complaint's text,
amount, channel, co-complainants and repeat, and — for the rules that fire with time
(``unsolved_days``) — by the periodic job on complaints still without a solution; the grade the
fired rules give, and the grade a group complaint event raises its complaints to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.complaints.models import Complaint, Grade
from tousu.complaints.preset import active
from tousu.complaints.states import Status
from tousu.detection.models import TimedRule, Verdict


def fired_rules(repeat: Complaint | None, text: str, channel: str, amount: Any, people: int) -> list[dict[str, Any]]:
    """The preset's grading rules that fire at registration, each with why."""
    fired = []
    for rule in active().detection.grading:
        why = ""
        hit = next((k for k in rule.keywords if k in text), None)
        if hit:
            why = f"「{hit}」"
        elif rule.amount_over is not None and amount is not None and amount > rule.amount_over:
            why = f"{amount} > {rule.amount_over}"
        elif rule.channels and channel in rule.channels:
            why = channel
        elif rule.complainants_at_least and people >= rule.complainants_at_least:
            why = f"{people}"
        elif rule.repeat and repeat is not None and not repeat.is_open:
            why = repeat.number  # handled once, and back again (seed 000-99)
        if why:
            fired.append({"rule": rule.code, "label": rule.label, "why": why, "grade": rule_grade(rule)})
    return fired


def in_force() -> list[Grade]:
    return list(Grade.objects.in_force().order_by("rank"))


def rule_grade(rule: Any) -> str:
    grades = in_force()
    codes = [g.code for g in grades]
    if rule.grade in codes:
        return str(rule.grade)
    return codes[max(0, len(codes) - 1 - rule.below_top)] if codes else ""


def grade_of(fired: list[dict[str, Any]]) -> Grade | None:
    """The highest grade the fired rules give."""
    grades = in_force()
    rank = {g.code: i for i, g in enumerate(grades)}
    best = max((rank[f["grade"]] for f in fired if f["grade"] in rank), default=None)
    return grades[best] if best is not None else None


def group_grade() -> Grade | None:
    grades = in_force()
    wanted = active().detection.group_grade
    return next((g for g in grades if g.code == wanted), grades[-1] if grades else None)


# Still without a solution: no result submitted yet (a suspended case waits on the complainant).
UNSOLVED = (Status.REGISTERED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)


def grade_unsolved(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Fire the preset's ``unsolved_days`` grading rules (投诉发生1个月后仍未拿出解决方案, seed 000)
    on complaints still without a solution that long after receipt: the rule joins the complaint's
    grading verdict and its grade rises where lower, on record as the system (``detect_grade``);
    each rule fires once per complaint. Called by the periodic job, ``limit`` complaints a run
    (the next run goes on). Returns how many fired."""
    from tousu.complaints.services.common import begin_system, finish

    now = now or timezone.now()
    done = 0
    for rule in active().detection.grading:
        if not rule.unsolved_days:
            continue
        ids = list(
            Complaint.objects.filter(status__in=UNSOLVED, received_at__lte=now - dt.timedelta(days=rule.unsolved_days))
            .exclude(pk__in=TimedRule.objects.filter(rule=rule.code).values("complaint_id"))
            .order_by("received_at")
            .values_list("pk", flat=True)[: limit - done]
        )
        for pk in ids:
            with transaction.atomic():
                locked = begin_system(pk, "detect_grade")
                if locked is None:
                    continue
                complaint, before = locked
                if complaint.status not in UNSOLVED:  # a result came in since it was selected
                    continue
                fired = {
                    "rule": rule.code,
                    "label": rule.label,
                    "why": _("%(days)s日未拿出解决方案") % {"days": rule.unsolved_days},
                    "grade": rule_grade(rule),
                }
                verdict, _made = Verdict.objects.get_or_create(complaint=complaint)
                verdict.fired = [*verdict.fired, fired]
                grade = grade_of(verdict.fired)
                verdict.grade = grade.code if grade else ""
                verdict.save(update_fields=["fired", "grade"])
                was = complaint.grade
                if grade is not None and lower(was, grade) and not verdict.override_grade:
                    complaint.grade = grade
                TimedRule.objects.create(complaint=complaint, rule=rule.code)
                finish(
                    complaint,
                    actor=None,
                    action="detect_grade",
                    before=before,
                    note=f"{rule.label}（{fired['why']}）",
                    payload={
                        "fired": [fired],
                        "grade_before": was.code if was else "",
                        "grade": complaint.grade.code if complaint.grade else "",
                    },
                )
                done += 1
    return done


def lower(have: Grade | None, wanted: Grade) -> bool:
    return have is None or have.rank < wanted.rank
