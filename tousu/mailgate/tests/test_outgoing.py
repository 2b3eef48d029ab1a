"""Mail to complainants carries 「投诉编号TS…」 in its subject, and the complainant's answer to it
comes back to the same complaint."""

from __future__ import annotations

import io

from django.core import mail as outbox
from django.core.management import call_command

from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.mailgate.gateway import number_in, summary_of
from tousu.mailgate.tests.messages import message


def test_an_email_reply_goes_to_the_complainant_under_the_number(
    org, register, walk, django_capture_on_commit_callbacks
):
    c = register(complainants=[{"name": "张三", "phone": "13812345678", "email": "zhangsan@example.cn"}])
    c = walk(c, "accept", "dispatch", "sign", "submit_result", "approve")

    with django_capture_on_commit_callbacks(execute=True):
        perform(
            "reply", org["handler"], c.number, {"version": c.version, "method": "email", "text": "经核查属实，已整改。"}
        )

    (sent,) = outbox.outbox
    assert sent.to == ["zhangsan@example.cn"]
    assert sent.subject == f"投诉编号{c.number}：答复"
    assert "经核查属实，已整改。" in sent.body
    assert "申请复核" in sent.body
    assert number_in(sent.subject) == c.number


def test_a_phone_reply_sends_no_mail(org, register, walk, django_capture_on_commit_callbacks):
    c = register(complainants=[{"name": "张三", "phone": "13812345678", "email": "zhangsan@example.cn"}])
    c = walk(c, "accept", "dispatch", "sign", "submit_result", "approve")

    with django_capture_on_commit_callbacks(execute=True):
        perform("reply", org["handler"], c.number, {"version": c.version, "method": "phone", "text": "已电话答复"})

    assert outbox.outbox == []


def test_the_complainants_answer_to_the_reply_attaches_to_the_case(
    org, register, walk, django_capture_on_commit_callbacks
):
    c = register(complainants=[{"name": "张三", "phone": "13812345678", "email": "ZhangSan@example.cn"}])
    c = walk(c, "accept", "dispatch", "sign", "submit_result", "approve")
    with django_capture_on_commit_callbacks(execute=True):
        perform("reply", org["handler"], c.number, {"version": c.version, "method": "email", "text": "已整改。"})
    answer = message(
        subject="Re: " + outbox.outbox[0].subject, sender="zhangsan@example.cn", name="张三", text="我不满意"
    )

    call_command("mail_in", stdin=io.BytesIO(answer), stdout=io.StringIO(), stderr=io.StringIO())

    assert Complaint.objects.count() == 1
    assert c.attachments.filter(original_name__startswith="来信正文-").exists()


def test_the_number_is_found_however_the_subject_wraps_it(settings):
    assert number_in("回复：投诉编号TS2026000123：答复") == "TS2026000123"
    assert number_in("Re: [投诉] ts2026000123 工作提醒") == "TS2026000123"
    assert number_in("ＴＳ２０２６０００１２３") == "TS2026000123"  # full-width, as IMEs type it
    assert number_in("TS20260001234") is None  # eleven digits: not a number
    assert number_in("XTS2026000123") is None
    assert number_in("订单号 2026000123") is None
    settings.TOUSU_NUMBER_PREFIX = "GX"
    assert number_in("投诉编号GX2026000001") == "GX2026000001"


def test_reply_prefixes_are_dropped_from_the_summary():
    assert summary_of("回复：Re: 转发: 停车费") == "停车费"
    assert summary_of("[外部邮件] 停车费") == "停车费"
    assert summary_of("RE：停车费多收") == "停车费多收"
