"""The reply as given (issue 14 §3): method, text, letter, who, when — and the SMS with the number
and a new query code; bad input is refused and writes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.complaints.services.intake import check_query_code
from tousu.core.errors import TousuError
from tousu.followup.models import ReplyRecord
from tousu.letters.models import Letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(register, walk):
    return walk(register(), "accept", "dispatch", "sign", "submit_result", "approve")


def reply(c: Complaint, actor, **fields):
    return perform("reply", actor, c.number, {"version": c.version, "text": "经核查属实，已整改。", **fields})


def assert_refused(c: Complaint, actor, field: str, **fields) -> str:
    before = Complaint.objects.get(pk=c.pk)
    with pytest.raises(TousuError) as err:
        reply(c, actor, **fields)
    after = Complaint.objects.get(pk=c.pk)
    assert (after.status, after.version, after.reply_text) == (before.status, before.version, before.reply_text)
    assert not ReplyRecord.objects.filter(complaint=c).exists()
    assert err.value.data.get("field") == field, err.value.as_dict()
    return err.value.message


def test_an_oral_reply_names_who_gave_it(approved, handler):
    assert "姓名及职务" in assert_refused(approved, handler, "given_by", method="oral")
    done = reply(approved, handler, method="oral", given_by="县市场监管局副局长王强")
    record = ReplyRecord.objects.get(complaint=done)
    assert (record.method, record.given_by, record.recorded_by) == ("oral", "县市场监管局副局长王强", handler)
    event = done.events.get(action="reply")
    assert event.payload["given_by"] == "县市场监管局副局长王强"


def test_a_reply_by_phone_is_given_by_the_one_who_records_it_at_the_time_they_say(approved, handler):
    called = approved.received_at + (timezone.now() - approved.received_at) / 2
    done = reply(approved, handler, method="phone", replied_at=called.isoformat())
    record = ReplyRecord.objects.get(complaint=done)
    assert record.given_by == "陈静" and abs(record.replied_at - called) < dt.timedelta(seconds=1)
    assert done.replied_at == record.replied_at


def test_the_follow_up_and_review_windows_run_from_when_the_reply_was_given(register, walk, handler):
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve")
    given = c.received_at + dt.timedelta(days=3)
    done = reply(c, handler, method="phone", replied_at=given.isoformat())
    assert abs(done.replied_at - given) < dt.timedelta(seconds=1)
    assert done.due_rules["follow_up"]["start"] == done.replied_at.isoformat()
    assert done.due_rules["review_window"]["start"] == done.replied_at.isoformat()
    recorded_now = reply(
        walk(register(), "accept", "dispatch", "sign", "submit_result", "approve"), handler, method="phone"
    )
    assert done.followup_due < recorded_now.followup_due


def test_a_reply_time_in_the_future_or_before_the_complaint_is_refused(approved, handler):
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(Exception, match="不能晚于现在"):
        reply(approved, handler, method="phone", replied_at=later)
    earlier = (approved.received_at - dt.timedelta(days=1)).isoformat()
    assert "不能早于" in assert_refused(approved, handler, "replied_at", method="phone", replied_at=earlier)


def test_an_sms_reply_carries_the_number_and_a_new_query_code(approved, handler):
    done = reply(approved, handler, method="sms")
    text = done.sms_text
    code = re.search(r"查询密码([A-Z0-9]{8})", text)
    assert code and approved.number in text and "经核查属实" in text
    fresh = Complaint.objects.get(pk=done.pk)
    assert check_query_code(fresh, code.group(1))  # the portal takes the new code
    record = ReplyRecord.objects.get(complaint=done)
    assert record.sent_to == "138****5678" and record.query_code_sent
    payload = done.events.get(action="reply").payload
    assert payload["sent_to"] == "138****5678" and code.group(1) not in str(payload)


def test_an_sms_goes_only_to_a_mobile(approved, handler):
    assert "11位手机号" in assert_refused(approved, handler, "sms_to", method="sms", sms_to="0571-87654321")
    assert_refused(approved, handler, "sms_to", method="phone", sms_to="13900001111")
    done = reply(approved, handler, method="sms", sms_to="139 0000 1111")
    assert ReplyRecord.objects.get(complaint=done).sent_to == "139****1111"


def test_a_written_reply_sends_the_reply_letter_made_with_it(register, walk, handler):
    c = walk(register(channel="letter"), "accept", "dispatch", "sign", "submit_result", "approve")
    assert "书面" in assert_refused(c, handler, "reply_method", method="oral", given_by="王强")
    done = reply(c, handler, method="letter")
    letter = Letter.objects.get(complaint=done)
    assert letter.template == "reply" and "经核查属实" in letter.body and "复核" in letter.body
    assert ReplyRecord.objects.get(complaint=done).letter == letter
    payload = done.events.get(action="reply").payload
    assert payload["letter"] == letter.reference and payload["letter_made"]["sha256"]


def test_a_written_reply_may_name_a_letter_of_its_own_complaint_only(register, walk, approved, handler, center):
    from tousu.letters.services import LetterIn, make_letter

    other = walk(register(), "accept")
    theirs = make_letter(actor=center, number=other.number, data=LetterIn(template="acceptance"))
    assert "不属于本投诉件" in assert_refused(approved, handler, "letter", method="letter", letter=theirs.pk)
    assert "书面函件" in assert_refused(approved, handler, "letter", method="phone", letter=theirs.pk)
    ours = make_letter(actor=handler, number=approved.number, data=LetterIn(template="reply"))
    done = reply(Complaint.objects.get(pk=approved.pk), handler, method="letter", letter=ours.pk)
    assert ReplyRecord.objects.get(complaint=done).letter == ours
    assert Letter.objects.filter(complaint=done).count() == 1  # the one named, none made


def test_the_detail_lists_each_reply_and_the_api_returns_the_sms_once(api_client, approved, handler, center):
    api = api_client
    n = approved.number
    response = api.post(
        handler, f"/complaints/{n}/reply", {"version": approved.version, "method": "sms", "text": "已整改。"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert "查询密码" in body["sms_text"]
    assert [r["method"] for r in body["replies"]] == ["sms"]  # the handler's view is redacted (摘转)
    again = api.get(center, f"/complaints/{n}").json()
    assert again["sms_text"] == "" and again["replies"][0]["given_by"] == "陈静"
    assert again["replies"][0]["sent_to"] == "138****5678" and again["replies"][0]["query_code_sent"]


def test_the_centre_replies_in_writing_to_a_case_it_handles_itself(register, walk, org):
    from tousu.conftest import STEPS, declines

    center = org["center"]
    c = walk(register(channel="letter"), "accept")
    c = perform("dispatch", center, c.number, {"version": c.version, "unit": "center", "mode": "direct"})
    result = STEPS["submit_result"](org)[1]
    c = perform("submit_result", center, c.number, {"version": c.version, **result, "declined": declines(c, result)})
    c = perform("approve", center, c.number, {"version": c.version})
    answer = {"method": "letter", "text": "经核查属实，已整改。"}
    c = perform("reply", center, c.number, {"version": c.version, **answer, "declined": declines(c, answer)})
    letter = Letter.objects.get(complaint=c)
    assert c.status == "replied" and letter.issuer and ReplyRecord.objects.get(complaint=c).letter == letter
