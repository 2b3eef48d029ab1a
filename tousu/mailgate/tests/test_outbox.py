"""Mail to complainants goes through the outbox (issue 13): queued with the action, sent after
commit through a real SMTP server on loopback; with the server down it waits, and the periodic job
sends it once the server is back — once, however many job workers run; after the last attempt it
is failed for good."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from tousu.complaints import jobs
from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.mailgate import outbox
from tousu.mailgate.models import OutgoingMail
from tousu.mailgate.tests.messages import message

pytestmark = pytest.mark.django_db(transaction=True)
State = OutgoingMail.State


def mail_in(raw: bytes) -> str:
    """What ``tousu mail-in`` says: its outcome, and its warnings (on stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("mail_in", stdin=io.BytesIO(raw), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def a_complaint_by_mail() -> bytes:
    return message(subject="小区路灯坏了三个月", sender="wangzhe@example.cn", name="王哲", text="请尽快修复。")


def replied_case(register, walk) -> Complaint:
    c = register(complainants=[{"name": "张三", "phone": "13812345678", "email": "zhangsan@example.cn"}])
    return walk(c, "accept", "dispatch", "sign", "submit_result", "approve")


def later(minutes: float) -> time_machine.travel:
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes))


def test_an_acknowledgement_is_queued_and_sent_after_commit(smtp, org):
    out = mail_in(a_complaint_by_mail())

    c = Complaint.objects.get()
    row = OutgoingMail.objects.get()
    assert (row.state, row.attempts, row.purpose, row.complaint_id) == (State.SENT, 1, "ack", c.pk)
    assert row.sent_at is not None and row.next_at is None and row.last_error == ""
    (sent,) = smtp.box.messages
    assert sent["To"] == "wangzhe@example.cn" and sent["Subject"].strip() == f"投诉编号{c.number}：已收到您的投诉"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert "登记确认邮件" not in out
    assert outbox.deliver_due(timezone.now() + dt.timedelta(days=1)) == 0  # never sent twice
    assert len(smtp.box.messages) == 1


def test_with_the_server_down_the_mail_waits_and_the_job_sends_it_once_back(smtp, org):
    smtp.stop()
    out = mail_in(a_complaint_by_mail())

    c = Complaint.objects.get()  # the registration stands
    row = OutgoingMail.objects.get()
    assert row.state == State.PENDING and row.attempts == 1 and row.sent_at is None
    assert "ConnectionRefusedError" in row.last_error and "\n" not in row.last_error
    assert timezone.now() < row.next_at <= timezone.now() + dt.timedelta(minutes=1)
    assert "登记确认邮件暂未发出，系统将自动重试。" in out
    smtp.start()
    jobs.run_scan()  # the mail is not due yet
    assert smtp.box.messages == [] and OutgoingMail.objects.get().attempts == 1

    with later(2):
        jobs.run_scan()
        jobs.run_scan()

    (sent,) = smtp.box.messages
    assert sent["Subject"].strip() == f"投诉编号{c.number}：已收到您的投诉" and "查询码：" in sent.get_content()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error, row.next_at) == (State.SENT, 2, "", None)


def test_the_reply_is_queued_with_the_reply_and_sent_after_commit(smtp, org, register, walk):
    c = replied_case(register, walk)

    perform(
        "reply", org["handler"], c.number, {"version": c.version, "method": "email", "text": "经核查属实，已整改。"}
    )

    row = OutgoingMail.objects.get(purpose="reply")
    assert row.state == State.SENT and row.to == "zhangsan@example.cn" and row.complaint_id == c.pk
    (sent,) = [m for m in smtp.box.messages if m["Subject"].strip() == f"投诉编号{c.number}：答复"]
    assert "经核查属实，已整改。" in sent.get_content()


def test_a_reply_that_rolls_back_queues_and_sends_nothing(smtp, org, register, walk):
    c = replied_case(register, walk)
    before = len(smtp.box.messages)

    with pytest.raises(RuntimeError), transaction.atomic():
        perform("reply", org["handler"], c.number, {"version": c.version, "method": "email", "text": "已整改。"})
        raise RuntimeError("rolled back")

    assert not OutgoingMail.objects.filter(purpose="reply").exists()
    assert len(smtp.box.messages) == before


def test_after_the_last_attempt_the_mail_is_failed_for_good(smtp, org, monkeypatch, caplog):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 4)
    smtp.stop()
    mail_in(a_complaint_by_mail())
    row = OutgoingMail.objects.get()
    waits = []
    for minutes in (2, 10, 30):  # past the waits of 1, 5 and 15 minutes
        before = OutgoingMail.objects.get().next_at
        with later(minutes):
            assert outbox.deliver_due() == 0
        waits.append(before)
    row.refresh_from_db()

    assert (row.state, row.attempts, row.next_at) == (State.FAILED, 4, None)
    assert "ConnectionRefusedError" in row.last_error
    assert "giving up" in caplog.text
    smtp.start()
    with later(24 * 60):
        assert outbox.deliver_due() == 0  # failed for good: the job leaves it
    assert smtp.box.messages == [] and OutgoingMail.objects.get().attempts == 4


def test_the_waits_grow(settings):
    assert [outbox.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 5, 15, 60, 180, 360, 360, 360]


def test_two_job_workers_at_once_send_a_mail_once(smtp, org):
    smtp.stop()
    mail_in(a_complaint_by_mail())
    smtp.start()
    start = threading.Barrier(4)
    sent: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            sent.append(outbox.deliver_due(timezone.now() + dt.timedelta(minutes=2)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(smtp.box.messages) == 1
    row = OutgoingMail.objects.get()
    assert row.state == State.SENT and row.attempts == 2


def test_a_mail_whose_sender_died_is_taken_over_after_the_lease(smtp, org, register, walk):
    c = replied_case(register, walk)
    with transaction.atomic():  # queued, but the process "dies" before its after-commit attempt
        row = outbox.queue(to="zhangsan@example.cn", subject="投诉编号X：答复", body="…", purpose="reply", complaint=c)
        transaction.get_connection().run_on_commit = []
    assert outbox.deliver_due() == 0  # within the lease: perhaps still being sent

    with later(11):
        assert outbox.deliver_due() == 1
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 1
