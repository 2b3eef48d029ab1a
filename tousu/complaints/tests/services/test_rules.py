"""The rules each service enforces beyond the state table (SPEC §4–§7)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tousu.complaints import attachments, inputs, services
from tousu.complaints.actions import perform
from tousu.complaints.callers import callers_by_phone
from tousu.complaints.models import Complainant, Complaint, Event
from tousu.conftest import registration
from tousu.core.errors import InvalidTransition, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def test_a_written_complaint_needs_a_written_reply(register, walk, handler):
    c = walk(register(channel="letter"), "accept", "dispatch", "sign", "submit_result", "approve")
    with pytest.raises(ValidationFailed, match="书面"):
        services.reply(
            actor=handler, number=c.number, data=inputs.Reply(version=c.version, method="phone", text="已处理")
        )
    c = services.reply(
        actor=handler, number=c.number, data=inputs.Reply(version=c.version, method="letter", text="已处理")
    )
    assert c.status == "replied" and c.followup_due and c.review_window_ends


def test_an_out_of_scope_decline_names_the_competent_body(register, center):
    c = register()
    with pytest.raises(ValidationFailed, match="移送"):
        services.decline(actor=center, number=c.number, data=inputs.Decline(version=c.version, reason="E_out_of_scope"))
    c = services.decline(
        actor=center,
        number=c.number,
        data=inputs.Decline(version=c.version, reason="E_out_of_scope", forwarded_to="县自然资源局", invalid=True),
    )
    assert c.forwarded_to == "县自然资源局" and c.decline_text.startswith("您好") and c.validity == "invalid"
    assert c.events.last().payload["told"] is True


def test_a_decline_needing_approval_is_refused_to_a_clerk(register, clerk):
    c = register()
    with pytest.raises(NotPermitted):
        services.decline(actor=clerk, number=c.number, data=inputs.Decline(version=c.version, reason="D_unclear"))


SHANGHAI = ZoneInfo("Asia/Shanghai")


@time_machine.travel(dt.datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_an_extension_beyond_the_cap_is_refused_and_an_approved_one_moves_the_due_date(register, walk, handler, center):
    c = walk(register(), "accept", "dispatch", "sign")
    # Assigned on Monday 2026-09-21: 15 working days skip Mid-Autumn (09-25…27) and National Day
    # (10-01…07), count the make-up Saturday 10-10, and end on 10-19 at 24:00.
    assert timezone.localtime(c.handling_due).date() == dt.date(2026, 10, 19)
    assert c.due_rules["handling"]["rule"] == "gov.handling.assign"
    with pytest.raises(ValidationFailed) as err:
        services.request_extension(
            actor=handler, number=c.number, data=inputs.RequestExtension(version=c.version, days=16, reason="复杂")
        )
    assert err.value.code == "extension_cap_exceeded" and err.value.data["cap"] == 15
    c = services.request_extension(
        actor=handler, number=c.number, data=inputs.RequestExtension(version=c.version, days=10, reason="复杂")
    )
    with pytest.raises(ValidationFailed):  # a signed complaint must be told how
        services.decide_extension(
            actor=center, number=c.number, data=inputs.DecideExtension(version=c.version, approved=True)
        )
    c = services.decide_extension(
        actor=center,
        number=c.number,
        data=inputs.DecideExtension(version=c.version, approved=True, notice_method="sms"),
    )
    assert timezone.localtime(c.handling_due).date() == dt.date(2026, 11, 2)  # 25 working days
    ext = c.extensions.get()
    assert ext.approved and ext.notice_method == "sms" and ext.notice_at
    assert c.events.last().payload["notice"]["method"] == "sms"
    c = services.request_extension(
        actor=handler, number=c.number, data=inputs.RequestExtension(version=c.version, days=5, reason="再延")
    )
    c = services.decide_extension(
        actor=center, number=c.number, data=inputs.DecideExtension(version=c.version, approved=False)
    )
    assert timezone.localtime(c.handling_due).date() == dt.date(2026, 11, 2)
    with pytest.raises(ValidationFailed):
        services.request_extension(
            actor=handler, number=c.number, data=inputs.RequestExtension(version=c.version, days=6, reason="超")
        )


def test_the_respondent_staff_member_cannot_handle_the_complaint(register, walk, center, handler):
    c = walk(register(respondents=[inputs.RespondentSchema(unit="amr", staff="handler")]), "accept")
    with pytest.raises(ValidationFailed) as err:
        services.dispatch(
            actor=center,
            number=c.number,
            data=inputs.Dispatch(version=c.version, unit="amr", mode="assign", handler="handler"),
        )
    assert err.value.code == "recusal_required"
    c = services.dispatch(
        actor=center, number=c.number, data=inputs.Dispatch(version=c.version, unit="amr", mode="assign")
    )
    with pytest.raises(NotPermitted) as refused:
        services.sign(actor=handler, number=c.number, data=inputs.Note(version=c.version))
    assert refused.value.code == "recusal_required"


def test_a_unit_head_approves_only_transferred_cases(register, walk, center, head):
    assigned = walk(register(), "accept", "dispatch", "sign", "submit_result")
    with pytest.raises(InvalidTransition):
        services.approve(actor=head, number=assigned.number, data=inputs.Note(version=assigned.version))
    c = walk(register(), "accept")
    c = services.dispatch(
        actor=center,
        number=c.number,
        data=inputs.Dispatch(version=c.version, unit="amr", mode="transfer", handler="handler"),
    )
    c = walk(c, "sign", "submit_result")
    assert services.approve(actor=head, number=c.number, data=inputs.Note(version=c.version)).status == "approved"


def test_direct_dispatch_goes_straight_to_the_centre(register, walk, center):
    c = walk(register(), "accept")
    c = services.dispatch(
        actor=center, number=c.number, data=inputs.Dispatch(version=c.version, unit="center", mode="direct")
    )
    assert c.status == "in_progress" and c.sign_due is None
    c = services.submit_result(
        actor=center,
        number=c.number,
        data=inputs.SubmitResult(
            version=c.version, substantiated="no", findings="不属实", solution="解释", proposed_reply="经核查不属实"
        ),
    )
    assert c.status == "pending_approval"


def test_an_unreachable_complainant_closes_only_after_three_attempts(register, walk, followup):
    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply")
    for attempt in (1, 2):
        with pytest.raises(ValidationFailed):
            services.follow_up(
                actor=followup,
                number=c.number,
                data=inputs.FollowUp(version=c.version, satisfaction="unreachable", close_unreachable=True),
            )
        c = services.follow_up(
            actor=followup, number=c.number, data=inputs.FollowUp(version=c.version, satisfaction="unreachable")
        )
        assert c.status == "replied" and c.followup_attempts == attempt
    c = services.follow_up(
        actor=followup,
        number=c.number,
        data=inputs.FollowUp(version=c.version, satisfaction="unreachable", close_unreachable=True),
    )
    assert c.status == "closed" and c.close_reason == "多次回访联系不上，按规定办结"


def test_only_the_centre_closes_an_unsatisfied_case(register, walk, followup, center):
    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply")
    with pytest.raises(NotPermitted):
        services.follow_up(
            actor=followup,
            number=c.number,
            data=inputs.FollowUp(version=c.version, satisfaction="unsatisfied", close_anyway=True, note="诉求不合理"),
        )
    c = services.follow_up(
        actor=center,
        number=c.number,
        data=inputs.FollowUp(version=c.version, satisfaction="unsatisfied", close_anyway=True, note="诉求超出政策规定"),
    )
    assert c.status == "closed" and c.satisfaction == "unsatisfied"


def test_a_review_must_be_asked_within_its_window(register, walk, clerk):
    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up")
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)), pytest.raises(InvalidTransition, match="期限"):
        services.request_review(actor=clerk, number=c.number, data=inputs.Reason(version=c.version, reason="迟了"))


def test_an_archived_complaint_is_frozen(register, walk, org, center, clerk):
    from tousu.complaints.access import allowed_actions

    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up", "archive")
    assert all(allowed_actions(user, c) == [] for user in org.values())
    for action, kwargs in [
        ("reopen", {"facts": "新事实"}),
        ("urge", {"note": "催"}),
        ("withdraw", {"statement": "撤"}),
    ]:
        with pytest.raises(InvalidTransition):
            perform(action, center if action != "withdraw" else clerk, c.number, {"version": c.version, **kwargs})
    with pytest.raises(InvalidTransition):
        attachments.add(actor=clerk, number=c.number, data=inputs.Attach(name="a.txt", content=b"x"))


def test_suspended_working_days_do_not_count(register, walk, handler):
    with time_machine.travel(dt.datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI), tick=False):
        c = walk(register(), "accept", "dispatch", "sign", "suspend")
    # Suspended from Monday 09-21 to Monday 09-28: 09-22, 23, 24 and 28 are working days.
    with time_machine.travel(dt.datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI), tick=False):
        c = services.resume(actor=handler, number=c.number, data=inputs.Note(version=c.version))
    assert timezone.localtime(c.handling_due).date() == dt.date(2026, 10, 23)  # 10-19 + 4 working days
    assert c.suspensions.get().ended_at and c.due_rules["handling"]["added"] == 4


def test_convert_keeps_the_history_and_only_applies_to_inquiries(register, clerk):
    complaint = register()
    with pytest.raises(InvalidTransition):
        services.convert(
            actor=clerk, number=complaint.number, data=inputs.Convert(version=complaint.version, reason="x")
        )
    fault = register(kind="fault")
    fault = services.convert(
        actor=clerk, number=fault.number, data=inputs.Convert(version=fault.version, reason="超时未修复")
    )
    assert fault.kind == "complaint" and list(fault.events.values_list("action", flat=True)) == ["register", "convert"]


def test_merge_needs_an_open_target(register, walk, center):
    closed = walk(register(), "accept", "withdraw")
    c = register()
    with pytest.raises(ValidationFailed):
        services.merge(actor=center, number=c.number, data=inputs.Merge(version=c.version, target=closed.number))
    with pytest.raises(ValidationFailed):
        services.merge(actor=center, number=c.number, data=inputs.Merge(version=c.version, target=c.number))


def test_a_repeat_caller_is_linked_and_flagged(register):
    first = register()
    second = register()
    assert second.repeat_of == first and second.flags["repeat"]["rule"] == "same_person_same_matter_30_days"
    assert "repeat" not in first.flags


def test_phone_and_id_number_are_encrypted_at_rest_and_found_by_lookup(register, clerk, outsider):
    c = register(
        complainants=[inputs.ComplainantSchema(name="李四", phone="+86 139-0000-1111", id_number="11010519491231002x")]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone, id_number FROM {Complainant._meta.db_table}")
        raw_phone, raw_id = cursor.fetchone()
    assert "13900001111" not in raw_phone and "1101051949" not in raw_id
    person = c.complainants.get()
    assert person.phone == "13900001111" and person.id_number == "11010519491231002X"
    assert [x.number for x in callers_by_phone(clerk, "139 0000 1111")] == [c.number]
    with pytest.raises(NotPermitted):  # unit staff may not look callers up (SPEC §7)
        callers_by_phone(outsider, "13900001111")


def test_each_flag_remembers_who_set_it(register, clerk):
    c = register(flags=["media"], channel="upgraded", upgraded_source="市12345热线")
    assert c.flags["media"]["by"] == "clerk" and c.flags["upgraded"]["rule"] == "channel_upgraded"


def test_attachments_are_checked_and_stored_under_the_data_dir(register, clerk, settings):
    c = register()
    for name, content in [("evil.exe", b"MZ"), ("photo.jpg", b"not a jpeg"), ("empty.pdf", b""), ("", b"x")]:
        with pytest.raises(ValidationFailed):
            attachments.add(actor=clerk, number=c.number, data=inputs.Attach(name=name, content=content))
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed, match="大小"):
        attachments.add(actor=clerk, number=c.number, data=inputs.Attach(name="a.txt", content=b"x" * 11))
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 1000
    a = attachments.add(actor=clerk, number=c.number, data=inputs.Attach(name="../../etc/录音.txt", content=b"hello"))
    path = settings.MEDIA_ROOT / a.stored_name
    assert path.read_bytes() == b"hello" and a.original_name == "录音.txt"
    assert Complaint.objects.get(pk=c.pk).version == 2
    assert Event.objects.filter(complaint=c, action="attach").count() == 1


def test_registration_sets_acceptance_due_and_first_owner(register, clerk):
    c = register(received_at=timezone.now() - dt.timedelta(days=10))
    assert c.first_owner == clerk and c.acceptance_due < timezone.now() and c.due_at == c.acceptance_due
    assert Complaint.objects.filter(due_at__lt=timezone.now()).count() == 1
    assert c.due_rules["acceptance"]["rule"] == "gov.acceptance"
    assert c.due_rules["acceptance"]["label"] == "5 工作日"


def test_a_group_complaint_takes_at_most_five_representatives(clerk, org):
    people = [inputs.ComplainantSchema(name=f"村民{i}", is_representative=i < 5) for i in range(12)]
    c = services.register(actor=clerk, data=registration(complainants=people)).complaint
    assert c.complainants.count() == 12 and "group" in c.flags


@time_machine.travel(dt.datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_an_agreed_due_date_never_lies_beyond_the_statutory_one(register, clerk):
    c = register()
    with pytest.raises(ValidationFailed, match="法定"):
        services.accept(
            actor=clerk,
            number=c.number,
            data=inputs.Accept(version=c.version, category="G0201", grade="normal", agreed_due=dt.date(2026, 12, 31)),
        )
    c = services.accept(
        actor=clerk,
        number=c.number,
        data=inputs.Accept(version=c.version, category="G0201", grade="normal", agreed_due=dt.date(2026, 9, 30)),
    )
    assert timezone.localtime(c.due_at).date() == dt.date(2026, 9, 30) < timezone.localtime(c.handling_due).date()


@time_machine.travel(dt.datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_a_unit_with_business_hours_ends_periods_at_close_of_business(register, walk, center, org):
    from tousu.accounts.models import Unit

    Unit.objects.filter(code="amr").update(business_hours=[["08:30", "12:00"], ["14:30", "17:30"]])
    c = walk(register(), "accept", "dispatch")
    local = timezone.localtime(c.handling_due)
    assert (local.date(), local.time()) == (dt.date(2026, 10, 19), dt.time(17, 30))


def test_business_hour_arithmetic_skips_nights_lunch_and_holidays():
    from tousu.calendar.workdays import WorkCalendar
    from tousu.complaints.dues import add_business_minutes

    cal = WorkCalendar.from_package()
    start = dt.datetime(2026, 9, 24, 16, 30, tzinfo=SHANGHAI)  # Thursday before Mid-Autumn
    assert timezone.localtime(add_business_minutes(start, 60, cal=cal)) == dt.datetime(
        2026, 9, 24, 17, 30, tzinfo=SHANGHAI
    )
    assert timezone.localtime(add_business_minutes(start, 90, cal=cal)) == dt.datetime(
        2026, 9, 28, 9, 0, tzinfo=SHANGHAI
    )  # 09-25…27 off
    assert timezone.localtime(
        add_business_minutes(dt.datetime(2026, 9, 28, 11, 30, tzinfo=SHANGHAI), 60, cal=cal)
    ) == dt.datetime(2026, 9, 28, 15, 0, tzinfo=SHANGHAI)


@time_machine.travel(dt.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_working_days_used_are_counted_from_receipt(register, clerk):
    from tousu.complaints.dues import working_days_used

    c = register(received_at=dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))
    assert working_days_used(c) == 4  # 10-08, 10-09, 10-10 (make-up Saturday) and 10-12
