"""Effectiveness verification on its own (issue 15 §6 and its acceptance): a later complaint about
the same product fails it at once; a window that ends clean passes it; the batches criterion."""

import pytest
import time_machine

from tousu.capa import selectors
from tousu.capa.models import Status, Step
from tousu.capa.tests.helpers import PRODUCT, batches, complaint, day, done, make, manufacturing
from tousu.capa.verification import verify_due
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Event
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def test_a_new_complaint_about_the_same_product_fails_the_verification_at_once(settings) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number], measure="days", count=90)
    assert action.scope == "product" and action.product_name == PRODUCT
    done(users, "2026-03-10 16:00", action)
    action.refresh_from_db()
    assert action.status == Status.VERIFYING
    # Another product, and the same product before the fix, do not recur.
    complaint(users, "2026-03-20 09:00", product_name="离合器壳体")
    again = complaint(users, "2026-04-15 09:00", product_name=" 变速器壳体 ".strip().upper())
    action.refresh_from_db()
    assert action.status == Status.INEFFECTIVE
    assert action.broken_by == again
    assert "立即组织有关部门进行分析" in action.verdict and again.number in action.verdict
    # On the linked complaint's record, by the system, and on the action's own history.
    steps = [e.payload["step"] for e in Event.objects.filter(complaint=first, action="rectify").order_by("id")]
    assert steps == ["create", "done", "ineffective"]
    system = Event.objects.get(complaint=first, action="rectify", payload__step="ineffective")
    assert system.actor is None and system.payload["broken_by"] == again.number
    assert [s.step for s in Step.objects.filter(action=action)] == ["create", "done", "ineffective"]
    # 000-119: back in the owner's queue, to be re-analysed within one working day.
    assert selectors.pending(users["head"]) == [action]
    assert selectors.reanalysis_due(action) == day("2026-04-16")
    assert verify_audit().ok


def test_it_passes_when_the_window_ends_clean(settings) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number], measure="days", count=90)
    done(users, "2026-03-10 16:00", action)
    complaint(users, "2026-05-01 09:00", product_name="离合器壳体")  # another product
    complaint(users, "2026-06-20 09:00")  # the same product, after the 90 days (8 June 16:00)
    assert verify_due(now=at("2026-06-08 15:59")) == {"effective": 0, "ineffective": 0}
    assert verify_due(now=at("2026-06-08 16:00")) == {"effective": 1, "ineffective": 0}
    action.refresh_from_db()
    assert action.status == Status.EFFECTIVE and action.broken_by is None and action.verified_at is not None
    # Idempotent: a second run changes nothing and writes nothing.
    events = Event.objects.count()
    assert verify_due(now=at("2026-07-01 00:00")) == {"effective": 0, "ineffective": 0}
    assert Event.objects.count() == events
    assert Event.objects.filter(complaint=first, action="rectify", payload__step="effective").count() == 1


def test_the_periodic_run_fails_a_recurrence_the_registration_missed(settings, monkeypatch) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number], measure="days", count=90)
    done(users, "2026-03-10 16:00", action)
    monkeypatch.setattr("tousu.capa.verification.check_new", lambda c: 0)  # e.g. an import
    missed = complaint(users, "2026-04-01 09:00")
    action.refresh_from_db()
    assert action.status == Status.VERIFYING
    assert verify_due(now=at("2026-04-02 00:00")) == {"effective": 0, "ineffective": 1}
    action.refresh_from_db()
    assert action.status == Status.INEFFECTIVE and action.broken_by == missed


def test_a_failing_check_never_fails_the_registration(settings, monkeypatch) -> None:
    users = manufacturing(settings)

    def broken(c):
        raise RuntimeError("boom")

    monkeypatch.setattr("tousu.capa.verification.check_new", broken)
    c = complaint(users, "2026-03-02 09:00")
    assert c.pk is not None and Event.objects.filter(complaint=c, action="register").exists()


def test_the_batches_criterion_counts_only_the_batches_recorded_after_the_fix(settings) -> None:
    """Seed 001-14 「追踪下三批出货反馈」: the manufacturing preset's default criterion."""
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00", batch="ZZ260225-01")
    action = make(users, "2026-03-02 10:00", [first.number])
    assert (action.scope, action.measure, action.count, action.observation_days) == ("product", "batches", 3, 30)
    done(users, "2026-03-10 16:00", action)
    batches(users, "2026-03-12 09:00", action, "ZZ260311-01", "ZZ260312-01")
    # The old batch (made before the fix) does not count against the action.
    complaint(users, "2026-03-20 09:00", batch="ZZ260225-01")
    action.refresh_from_db()
    assert action.status == Status.VERIFYING
    # Two of three batches recorded: the window has not started to end.
    assert verify_due(now=at("2026-12-31 00:00")) == {"effective": 0, "ineffective": 0}
    # A complaint naming a recorded batch of that product (in the custom field 批号) recurs.
    broke = complaint(users, "2026-03-25 09:00", batch="", custom={"batch_no": "zz260312-01"})
    action.refresh_from_db()
    assert action.status == Status.INEFFECTIVE and action.broken_by == broke


def test_the_batches_criterion_passes_after_the_observation_days_following_the_last_batch(settings) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number])
    done(users, "2026-03-10 16:00", action)
    batches(users, "2026-03-12 09:00", action, "B1", "B2")
    batches(users, "2026-03-20 09:00", action, "B3")
    complaint(users, "2026-04-01 09:00", batch="B2", product_name="离合器壳体")  # another product's B2
    assert verify_due(now=at("2026-04-19 08:59")) == {"effective": 0, "ineffective": 0}
    assert verify_due(now=at("2026-04-19 09:00")) == {"effective": 1, "ineffective": 0}
    action.refresh_from_db()
    assert selectors.row(users["quality"], action)["status"] == "effective"


def test_a_category_covers_its_children_and_a_unit_its_subtree(settings) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    by_category = make(users, "2026-03-02 10:00", [first.number], scope="category", category="MF01", measure="days",
                       count=30)  # fmt: skip
    by_unit = make(users, "2026-03-02 10:00", [first.number], scope="unit", unit="production", measure="days",
                   count=30)  # fmt: skip
    done(users, "2026-03-03 10:00", by_category)
    done(users, "2026-03-03 10:00", by_unit)
    # Another product, category 尺寸超差 (under 产品质量), respondent 机加车间 (under 生产部).
    again = complaint(users, "2026-03-05 09:00", product_name="轴承座", category="MF0102", unit="machining")
    by_category.refresh_from_db()
    by_unit.refresh_from_db()
    assert by_category.broken_by == again and by_unit.broken_by == again


def test_outside_the_scope_nothing_recurs(settings) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number], scope="category", category="MF0103", measure="days",
                  count=30)  # fmt: skip
    done(users, "2026-03-03 10:00", action)
    complaint(users, "2026-03-05 09:00", category="MF0201")  # 交货延迟: another branch of the tree
    with time_machine.travel(at("2026-03-06 09:00"), tick=False):
        assert selectors.overdue_count(users["head"]) == 0
    action.refresh_from_db()
    assert action.status == Status.VERIFYING


def test_the_deadline_scan_runs_the_verification(settings) -> None:
    from tousu.complaints import jobs

    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number], measure="days", count=30)
    done(users, "2026-03-03 10:00", action)
    with time_machine.travel(at("2026-04-03 10:00"), tick=False):
        jobs.verify_rectifications()  # the step of the scan
    action.refresh_from_db()
    assert action.status == Status.EFFECTIVE
