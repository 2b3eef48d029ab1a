"""A complaint still without a solution a month after it came in is graded up by the periodic job
(seed 000, 3.4.1: 「投诉发生1个月后由于我方原因仍未拿出有效解决方案的投诉」), on record, once."""

import datetime as dt

import pytest
from django.utils import timezone

from tousu.complaints import jobs
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event, Grade
from tousu.detection import grading, services
from tousu.detection.models import Verdict

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> str:
    return (timezone.now() - dt.timedelta(days=days)).isoformat()


def top() -> Grade:
    return Grade.objects.in_force().order_by("-rank").first()


def test_a_month_without_a_solution_raises_the_grade_on_record_once(register, walk):
    old = walk(register(received_at=days_ago(31)), "accept")
    assert old.grade.code == "normal"

    assert grading.grade_unsolved() == 1
    old = Complaint.objects.get(pk=old.pk)
    assert old.grade == top()
    event = Event.objects.filter(number=old.number, action="detect_grade").get()
    assert event.actor is None and "一个月未拿出解决方案" in event.note
    assert event.payload["grade_before"] == "normal" and event.payload["grade"] == top().code
    assert [f["rule"] for f in Verdict.objects.get(complaint=old).fired] == ["unsolved_month"]
    assert verify_audit().ok

    assert grading.grade_unsolved() == 0  # once per complaint
    assert Event.objects.filter(number=old.number, action="detect_grade").count() == 1


def test_younger_solved_waiting_or_closed_complaints_are_left_alone(register, walk):
    young = walk(register(received_at=days_ago(29)), "accept")
    solved = walk(register(received_at=days_ago(40)), "accept", "dispatch", "sign", "submit_result")
    waiting = walk(register(received_at=days_ago(40)), "accept", "dispatch", "sign", "suspend")
    declined = walk(register(received_at=days_ago(40)), "decline")

    assert grading.grade_unsolved() == 0
    for c in (young, solved, waiting, declined):
        assert not Event.objects.filter(number=c.number, action="detect_grade").exists()


@pytest.mark.django_db(transaction=True)  # the periodic job closes its connection when done
def test_a_staff_override_stands_and_the_periodic_job_fires_the_rule(register, walk, center):
    c = walk(register(received_at=days_ago(35)), "accept")
    services.override_grade(actor=center, number=c.number, grade="normal", reason="诉求已当面说明，无需提级")

    jobs.run_scan()

    c = Complaint.objects.get(pk=c.pk)
    assert c.grade.code == "normal"  # the staff's decision stands
    verdict = Verdict.objects.get(complaint=c)
    assert [f["rule"] for f in verdict.fired] == ["unsolved_month"] and verdict.override_grade == "normal"
    assert Event.objects.filter(number=c.number, action="detect_grade").exists()
