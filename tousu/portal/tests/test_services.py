"""The portal's services: each action goes through the complaint services and is an event."""

from __future__ import annotations

import datetime as dt

import pytest

from tousu.complaints import services as complaint_services
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Attachment, Complaint, Event
from tousu.conftest import registration
from tousu.core.errors import InvalidTransition, ValidationFailed
from tousu.portal import challenge, services
from tousu.portal.models import CodeFailure, Rating
from tousu.portal.tests.conftest import ADDRESS, caller, solve, submission

PDF = b"%PDF-1.4 test"


def assert_nothing_written() -> None:
    assert Complaint.objects.count() == 0
    assert Event.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_it_registers_a_website_complaint_as_the_public(submit):
    complaint, code = submit(files=[services.Upload("照片.pdf", PDF)])
    assert complaint.channel == "website" and complaint.status == "registered"
    assert complaint.registered_by.username == "public" and not complaint.registered_by.is_active
    assert not complaint.registered_by.has_usable_password()
    assert len(code) == 8
    assert [e.action for e in complaint.events.order_by("seq")] == ["register", "attach"]
    assert complaint.attachments.get().original_name == "照片.pdf"
    person = complaint.complainants.get()
    assert (person.name, person.phone, person.email) == ("尹晓梅", "13912345678", "yin@example.cn")
    assert complaint.respondents.get().unit.code == "amr"  # the typed name resolved to the unit
    assert verify_audit().ok


def test_an_anonymous_complaint_keeps_no_name(submit):
    complaint, _code = submit(anonymous=True, name="尹晓梅", phone="", email="")
    assert complaint.anonymous and not complaint.complainants.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent": False}, "consent", "隐私说明"),
        ({"phone": "12345"}, "phone", "电话"),
        ({"id_number": "110101199003071234"}, "id_number", "身份证"),
        ({"email": "not-an-address"}, "email", "电子邮件"),
        ({"content": "  "}, "content", "投诉内容"),
        ({"name": ""}, "name", "姓名"),
        ({"files": [services.Upload("病毒.exe", b"MZ")]}, "file", "不支持的文件类型"),
        ({"files": [services.Upload("假的.pdf", b"GIF89a")]}, "file", "不符"),
        ({"summary": "长" * 201}, "summary", "标题"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(org, no_challenge, overrides, field, message):
    with pytest.raises(ValidationFailed) as err:
        services.submit(data=submission(**overrides), address=ADDRESS)
    assert err.value.data["field"] == field
    assert message in err.value.message
    assert_nothing_written()


def test_it_refuses_a_file_over_the_limit(org, no_challenge, settings):
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed, match="大小上限"):
        services.submit(data=submission(files=[services.Upload("大.pdf", PDF + b"0" * 2000)]), address=ADDRESS)
    assert_nothing_written()


def test_the_challenge_is_required_checked_and_used_once(org):
    with pytest.raises(ValidationFailed, match="验证题无效") as err:
        services.submit(data=submission(), address=ADDRESS)
    assert err.value.data["field"] == "challenge"
    c = challenge.new()
    wrong = str(int(solve(c.question)) + 1)
    with pytest.raises(ValidationFailed, match="不正确"):
        services.submit(data=submission(), address=ADDRESS, challenge_token=c.token, challenge_answer=wrong)
    with pytest.raises(ValidationFailed, match="已使用过"):  # one question, one try
        services.submit(data=submission(), address=ADDRESS, challenge_token=c.token, challenge_answer=solve(c.question))
    assert_nothing_written()
    c = challenge.new()
    registered = services.submit(
        data=submission(), address=ADDRESS, challenge_token=c.token, challenge_answer=solve(c.question)
    )
    assert registered.complaint.channel == "website"
    with pytest.raises(ValidationFailed, match="已使用过"):  # no replay of a solved question
        services.submit(data=submission(), address=ADDRESS, challenge_token=c.token, challenge_answer=solve(c.question))
    assert Complaint.objects.count() == 1


def test_the_challenge_question_is_in_chinese_words():
    c = challenge.new()
    assert not any(ch.isdigit() for ch in c.question) and c.question.endswith("等于多少？")


def test_submissions_per_address_are_limited(org, no_challenge, settings):
    settings.TOUSU_PORTAL_SUBMITS_PER_HOUR = 2
    services.submit(data=submission(), address=ADDRESS)
    services.submit(data=submission(), address=ADDRESS)
    with pytest.raises(services.throttle.Throttled, match="一小时后"):
        services.submit(data=submission(), address=ADDRESS)
    services.submit(data=submission(), address="127.0.0.2")  # another address is not held up
    assert Complaint.objects.count() == 3


def test_a_wrong_code_is_refused_counted_and_then_throttled(submit, settings):
    settings.TOUSU_PORTAL_CODE_TRIES_PER_NUMBER = 3
    complaint, code = submit()
    for _ in range(3):
        with pytest.raises(services.WrongCode):
            services.authenticate(caller(complaint, "WRONG234"))
    assert CodeFailure.objects.filter(number=complaint.number, known=True).count() == 3
    with pytest.raises(services.throttle.Throttled) as err:  # now even the right code waits
        services.authenticate(caller(complaint, code))
    assert err.value.status == 429 and err.value.code == "code_throttled"
    assert CodeFailure.objects.count() == 3  # tries during the lock are not counted
    # another complaint from another address is unaffected
    other, other_code = submit()
    assert services.authenticate(caller(other, other_code, address="127.0.0.9")).pk == other.pk


def test_an_unknown_number_is_refused_like_a_wrong_code(org):
    with pytest.raises(services.WrongCode) as err:
        services.authenticate(services.Caller(number="TS2026999999", code="ABCDEFGH", address=ADDRESS, face="api"))
    assert err.value.message == "投诉编号或查询码不正确。"
    assert CodeFailure.objects.get().known is False


def test_the_code_is_read_as_typed(submit):
    complaint, code = submit()
    found = services.authenticate(caller(complaint, f" {code.lower()} "))
    assert found.pk == complaint.pk


def _replied(walk, complaint):
    return walk(complaint, "accept", "dispatch", "sign", "submit_result", "approve", "reply")


def test_rate_once_after_the_reply(submit, walk):
    complaint, code = submit()
    with pytest.raises(InvalidTransition, match="答复之后"):
        services.rate(caller=caller(complaint, code), satisfaction="satisfied")
    complaint = _replied(walk, Complaint.objects.get(pk=complaint.pk))
    services.rate(caller=caller(complaint, code), satisfaction="unsatisfied", comment="处理太慢")
    event = Complaint.objects.get(pk=complaint.pk).events.latest("seq")
    assert (event.action, event.actor.username, event.payload["satisfaction"]) == ("rate", "public", "unsatisfied")
    assert event.note == "处理太慢"
    with pytest.raises(InvalidTransition, match="不能重复评价"):
        services.rate(caller=caller(complaint, code), satisfaction="satisfied")
    assert Rating.objects.get().satisfaction == "unsatisfied"
    with pytest.raises(ValidationFailed):
        services.rate(caller=caller(complaint, code), satisfaction="unreachable")
    assert verify_audit().ok


def test_review_goes_through_the_action_and_its_window(submit, walk, time_machine):
    complaint, code = submit()
    complaint = walk(_replied(walk, Complaint.objects.get(pk=complaint.pk)), "follow_up")
    assert complaint.status == "closed" and complaint.review_window_ends
    before = complaint.version
    time_machine.move_to(complaint.review_window_ends + dt.timedelta(days=1))
    with pytest.raises(InvalidTransition, match="已超过复核申请期限"):
        services.request_review(caller=caller(complaint, code), reason="处理过轻")
    assert Complaint.objects.get(pk=complaint.pk).version == before


def test_review_within_the_window(submit, walk):
    complaint, code = submit()
    complaint = walk(_replied(walk, Complaint.objects.get(pk=complaint.pk)), "follow_up")
    with pytest.raises(ValidationFailed):
        services.request_review(caller=caller(complaint, code), reason="  ")
    complaint = services.request_review(caller=caller(complaint, code), reason="处理过轻")
    assert complaint.status == "under_review"
    event = complaint.events.latest("seq")
    assert (event.action, event.actor.username, event.note) == ("request_review", "public", "处理过轻")


def test_material_text_and_file(submit):
    complaint, code = submit()
    services.add_material(caller=caller(complaint, code), text="补充：第四次去是3月5日")
    services.add_material(caller=caller(complaint, code), text="收据", file=services.Upload("收据.pdf", PDF))
    events = list(Complaint.objects.get(pk=complaint.pk).events.order_by("seq").values_list("action", "note"))
    assert events[-2:] == [("add_material", "补充：第四次去是3月5日"), ("attach", "收据")]
    with pytest.raises(ValidationFailed):
        services.add_material(caller=caller(complaint, code), text=" ")
    assert verify_audit().ok


def test_withdraw_through_the_action(submit):
    complaint, code = submit()
    complaint = services.withdraw(caller=caller(complaint, code), statement="已自行解决")
    assert complaint.status == "withdrawn"
    assert complaint.events.latest("seq").actor.username == "public"
    with pytest.raises(InvalidTransition):
        services.withdraw(caller=caller(complaint, code), statement="再撤一次")


def test_the_migration_made_the_public_account(db):
    from tousu.accounts.models import User

    user = User.objects.get(username="public")
    assert (user.display_name, user.role, user.scope, user.is_active) == ("投诉人（网上）", "clerk", "all", False)
    assert not user.has_usable_password()


def test_a_complaint_taken_by_phone_is_followed_on_the_portal(org):
    """The query code a clerk reads out works on the portal, for a case the public did not register."""
    registered = complaint_services.register(actor=org["clerk"], data=registration())
    complaint, code = registered.complaint, registered.query_code
    assert services.authenticate(caller(complaint, code)).pk == complaint.pk
    services.add_material(caller=caller(complaint, code), text="补充一张照片的说明")
    assert Complaint.objects.get(pk=complaint.pk).events.latest("seq").action == "add_material"
