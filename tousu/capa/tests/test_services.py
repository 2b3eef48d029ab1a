"""Making and working rectification actions: links, due dates in working days, bad input, who may."""

import pytest
import time_machine

from tousu.capa import selectors, services
from tousu.capa.models import Action, Status, Step
from tousu.capa.tests.helpers import batches, complaint, day, done, make, manufacturing
from tousu.complaints.models import Complaint, Event
from tousu.complaints.states import Status as S
from tousu.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def test_an_action_links_many_complaints_each_with_the_event_on_its_record(settings) -> None:
    users = manufacturing(settings)
    one, two = complaint(users, "2026-03-02 09:00"), complaint(users, "2026-03-02 09:30")
    versions = (one.version, two.version)
    action = make(users, "2026-03-02 10:00", [two.number, one.number])
    assert set(action.complaints.all()) == {one, two}
    for c, version in zip((one, two), versions, strict=True):
        event = Event.objects.get(complaint=c, action="rectify")
        assert event.actor == users["quality"] and event.payload["step"] == "create"
        assert event.payload["capa"] == action.pk and event.payload["owner"] == "head"
        c.refresh_from_db()
        assert c.version == version + 1
    # The owner and the owner's unit; the due day 10 working days after Monday 2 March 2026.
    assert action.owner == users["head"] and action.owner_unit.code == "casting"
    assert action.due_on == day("2026-03-16")


def test_the_due_day_counts_working_days_over_a_holiday(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-09-30 09:00")
    # Containment: 1 working day after Wednesday 30 September; 1–7 October is National Day.
    action = make(users, "2026-09-30 10:00", [c.number], kind="containment", title="隔离在库壳体")
    assert action.due_on == day("2026-10-08")
    assert action.scope == "" and action.measure == ""  # containment is not verified by default


def test_done_without_a_criterion_is_final(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number], kind="quarantine", title="隔离库存及在制品")
    done(users, "2026-03-02 16:00", action)
    action.refresh_from_db()
    assert action.status == Status.DONE and action.evidence


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "bribe"}, "kind"),
        ({"title": "  "}, "title"),
        ({"owner": "nobody"}, "owner"),
        ({"owner": "auditor"}, "owner"),
        ({"due_on": "2026-03-01"}, "due_on"),
        ({"scope": "category", "category": "XX99"}, "category"),
        ({"scope": "unit", "unit": "nowhere"}, "unit"),
        ({"scope": "", "measure": "days"}, "scope"),
        ({"follows": 99}, "follows"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(settings, fields, field) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    with pytest.raises(ValidationFailed) as err:
        make(users, "2026-03-02 10:00", [c.number], **fields)
    assert err.value.data["field"] == field
    assert not Action.objects.exists() and not Step.objects.exists()
    assert not Event.objects.filter(action="rectify").exists()


def test_a_product_scope_needs_a_product(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00", product_name="")
    with pytest.raises(ValidationFailed) as err:
        make(users, "2026-03-02 10:00", [c.number])
    assert err.value.data["field"] == "product_name"


def test_outside_the_scope_or_role_it_is_refused(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    data = services.CreateIn(complaints=[c.number], kind="corrective", title="改进", owner="head")
    with pytest.raises(NotFound):  # the machining shop's handler does not see the casting case
        services.create(actor=users["machining"], data=data)
    with pytest.raises(NotFound):
        services.create(actor=users["quality"], data=data.model_copy(update={"complaints": ["2026-999999"]}))
    with pytest.raises(NotPermitted):  # the clerk sees it, but may not
        services.create(actor=users["clerk"], data=data)
    assert not Action.objects.exists()


def test_the_owner_works_it_others_only_see_it_if_they_see_the_complaints(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number], owner="machining_head")
    assert services.access_action(users["machining_head"], action.pk) == action  # the owner
    with pytest.raises(NotFound):
        services.access_action(users["moulding"], action.pk)
    with pytest.raises(NotFound):
        done(users, "2026-03-03 10:00", action, by="moulding")
    with pytest.raises(NotPermitted):  # sees it (scope all) but neither owns it nor manages actions
        done(users, "2026-03-03 10:00", action, by="followup")
    done(users, "2026-03-03 10:00", action, by="machining_head")


def test_done_needs_evidence_and_happens_once(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number])
    with pytest.raises(ValidationFailed):
        services.record_done(actor=users["head"], action_id=action.pk, data=services.DoneIn(evidence=" "))
    with pytest.raises(ValidationFailed):  # an attachment of another complaint
        services.record_done(actor=users["head"], action_id=action.pk,
                             data=services.DoneIn(evidence="已改", attachments=[12345]))  # fmt: skip
    action.refresh_from_db()
    assert action.status == Status.OPEN and action.done_at is None
    done(users, "2026-03-03 10:00", action)
    with pytest.raises(InvalidTransition):
        done(users, "2026-03-04 10:00", action)


def test_batches_are_refused_beyond_the_number_tracked_twice_or_before_done(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number])
    with pytest.raises(InvalidTransition):
        batches(users, "2026-03-02 11:00", action, "B0")
    done(users, "2026-03-03 10:00", action)
    batches(users, "2026-03-04 10:00", action, "B1")
    for numbers in (("B1",), ("B2", "B2"), ("B2", "B3", "B4"), (" ",)):
        with pytest.raises(ValidationFailed):
            batches(users, "2026-03-05 10:00", action, *numbers)
    assert list(action.batches.values_list("number", flat=True)) == ["B1"]


def test_cancel_needs_a_reason_and_a_manager(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number], owner="machining")
    with pytest.raises(NotPermitted):
        services.cancel(actor=users["machining"], action_id=action.pk, data=services.CancelIn(reason="不做了"))
    with pytest.raises(ValidationFailed):
        services.cancel(actor=users["quality"], action_id=action.pk, data=services.CancelIn(reason=""))
    services.cancel(actor=users["quality"], action_id=action.pk, data=services.CancelIn(reason="与措施3重复"))
    action.refresh_from_db()
    assert action.status == Status.CANCELLED and action.cancelled_reason == "与措施3重复"
    assert Event.objects.filter(complaint=c, action="rectify", payload__step="cancel").exists()


def test_an_ineffective_action_awaits_its_follow_up_which_links_the_recurrence(settings) -> None:
    users = manufacturing(settings)
    first = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [first.number], measure="days", count=90)
    done(users, "2026-03-10 16:00", action)
    again = complaint(users, "2026-04-15 09:00")  # Wednesday
    with time_machine.travel(at("2026-04-17 09:00"), tick=False):  # re-analysis was due Thursday 16th
        assert selectors.overdue_count(users["head"]) == 1
        assert selectors.timing(Action.objects.get(pk=action.pk)) == "overdue"
    data = services.CreateIn(complaints=[again.number], kind="corrective", title="更换型砂供应商", owner="head",
                             follows=action.pk)  # fmt: skip
    with time_machine.travel(at("2026-04-17 10:00"), tick=False):
        follow = services.create(actor=users["quality"], data=data)
        assert set(follow.complaints.all()) == {first, again}
        assert selectors.pending(users["head"]) == [follow]
        assert selectors.overdue_count(users["head"]) == 0
    with pytest.raises(ValidationFailed):  # one follow-up per ineffective action
        make(users, "2026-04-17 11:00", [again.number], follows=action.pk)


def test_overdue_open_actions_are_counted_for_their_owner(settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    action = make(users, "2026-03-02 10:00", [c.number])  # due 16 March
    with time_machine.travel(at("2026-03-16 18:00"), tick=False):
        assert selectors.overdue_count(users["head"]) == 0
        assert selectors.timing(action) == "due_soon"
    with time_machine.travel(at("2026-03-17 09:00"), tick=False):
        assert selectors.overdue_count(users["head"]) == 1
        assert selectors.overdue_count() == 1
        assert selectors.overdue_count(users["quality"]) == 0
        assert selectors.pending(users["head"]) == [action]


def test_an_archived_linked_complaint_stays_frozen_while_the_action_goes_on(settings) -> None:
    users = manufacturing(settings)
    one, two = complaint(users, "2026-03-02 09:00"), complaint(users, "2026-03-02 09:30")
    action = make(users, "2026-03-02 10:00", [one.number, two.number])
    Complaint.objects.filter(pk=one.pk).update(status=S.ARCHIVED)  # as if archived since
    frozen = Complaint.objects.get(pk=one.pk).version
    done(users, "2026-03-10 16:00", action)
    assert Complaint.objects.get(pk=one.pk).version == frozen
    assert not Event.objects.filter(complaint=one, action="rectify", payload__step="done").exists()
    assert Event.objects.filter(complaint=two, action="rectify", payload__step="done").exists()
    assert Step.objects.filter(action=action, step="done").exists()
    with pytest.raises(InvalidTransition):  # but no new action may be linked to it
        make(users, "2026-03-11 10:00", [one.number])
