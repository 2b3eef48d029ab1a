"""Notices by e-mail through a real SMTP server on loopback (aiosmtpd): sent after commit and
recorded as sent; nothing on rollback; a failure recorded with its error and retried by the
periodic job with a growing wait, then left failed and shown; and a recipient who may not see the
complainant gets an e-mail scrubbed of the complainant's identity."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tousu.complaints import jobs, notify
from tousu.complaints.models import Complaint, Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(smtp, settings):
    """The shared SMTP server (tousu/conftest.py), with the retry policy these tests count on."""
    settings.TOUSU_EMAIL_RETRY_SECONDS, settings.TOUSU_EMAIL_MAX_ATTEMPTS = 300, 8
    return smtp


@pytest.fixture
def case(org, register, walk) -> Complaint:
    """An accepted complaint (it has a running deadline), with the handler and the centre on e-mail
    from then on (the centre's hand-off notice of the acceptance went out before: no e-mail)."""
    accepted = walk(register(summary="张三反映窗口办事拖拉"), "accept")
    for name in ("handler", "center"):
        org[name].email = f"{name}@county.example.cn"
        org[name].save(update_fields=["email"])
    return accepted


def tell_handler(case: Complaint, org) -> Notification:
    notify.notify_users(
        case, [org["handler"]], "%(number)s 请办理：%(summary)s", {"number": case.number, "summary": case.summary}
    )
    return Notification.objects.get(complaint=case, recipient=org["handler"])


def later(seconds: float) -> time_machine.travel:
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds))


def test_a_notice_reaches_the_mailbox_after_commit_and_is_marked_sent(smtp, org, case):
    with transaction.atomic():
        n = tell_handler(case, org)
        assert smtp.box.messages == []  # not before the commit
    [mail] = smtp.box.to("handler@county.example.cn")
    assert mail["Subject"] == f"[投诉] {case.number} 新的待办"
    assert f"{case.number} 请办理" in mail.get_body().get_content()
    n.refresh_from_db()
    assert n.emailed_at is not None and n.email_attempts == 1 and n.email_error == "" and n.email_next_at is None
    with later(3600):
        jobs.run_scan()
    assert len(smtp.box.messages) == 1  # the periodic job never sends a sent notice again


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp, org, case):
    with pytest.raises(RuntimeError), transaction.atomic():
        tell_handler(case, org)
        raise RuntimeError("the action failed after notifying")
    with later(3600):
        jobs.run_scan()
    assert smtp.box.messages == []
    assert not Notification.objects.filter(complaint=case, recipient=org["handler"]).exists()


def test_with_the_server_down_the_notice_is_marked_failed_and_the_periodic_job_sends_it_once_back(smtp, org, case):
    smtp.stop()
    n = tell_handler(case, org)
    n.refresh_from_db()
    assert n.emailed_at is None and n.email_attempts == 1
    assert "ConnectionRefused" in n.email_error and n.email_next_at > timezone.now() + dt.timedelta(seconds=290)
    smtp.start()
    jobs.run_scan()  # the wait after a failure has not passed: not yet
    assert smtp.box.messages == [] and Notification.objects.get(pk=n.pk).email_attempts == 1
    with later(301):
        jobs.run_scan()
    n.refresh_from_db()
    assert len(smtp.box.to("handler@county.example.cn")) == 1
    assert n.emailed_at is not None and n.email_attempts == 2 and n.email_error == "" and n.email_next_at is None


def test_a_notice_the_server_refuses_is_marked_failed_with_its_answer_and_sent_on_retry(smtp, org, case):
    smtp.box.refuse = True
    n = tell_handler(case, org)
    n.refresh_from_db()
    assert n.emailed_at is None and "554" in n.email_error and "refused by policy" in n.email_error
    assert smtp.box.messages == []
    smtp.box.refuse = False
    with later(301):
        jobs.run_scan()
    n.refresh_from_db()
    assert n.emailed_at is not None and len(smtp.box.messages) == 1


def test_the_wait_doubles_after_each_failure_and_the_notice_is_left_failed_after_the_last(
    smtp, org, case, settings, client
):
    settings.TOUSU_EMAIL_MAX_ATTEMPTS = 3
    assert [notify.backoff(k) for k in (1, 2, 3)] == [dt.timedelta(minutes=m) for m in (5, 10, 20)]
    assert notify.backoff(30) == notify.MAX_BACKOFF
    smtp.box.refuse = True
    n = tell_handler(case, org)
    with later(301):
        jobs.run_scan()
        n.refresh_from_db()
        assert n.email_attempts == 2 and n.email_next_at > timezone.now() + dt.timedelta(seconds=590)
    with later(301 + 601):
        jobs.run_scan()
    n.refresh_from_db()
    assert n.email_attempts == 3 and n.email_next_at is None and n.email_failed and "554" in n.email_error
    smtp.box.refuse = False
    with later(86400):
        jobs.run_scan()
    assert smtp.box.messages == [] and Notification.objects.get(pk=n.pk).email_attempts == 3
    client.force_login(org["handler"])
    assert "邮件发送失败" in client.get("/notifications/").content.decode()


def test_a_notice_whose_send_never_ran_is_sent_by_the_periodic_job_after_the_lease(smtp, org, case):
    # The process died between the commit and its after-commit send: the row still says "to send".
    [n] = notify.record(case, Notification.Kind.WORK, [org["handler"]], f"{case.number} 请办理")
    jobs.run_scan()
    assert smtp.box.messages == []  # within the lease the first attempt is the after-commit send's
    with later(notify.LEASE.total_seconds() + 1):
        jobs.run_scan()
    n.refresh_from_db()
    assert len(smtp.box.messages) == 1 and n.emailed_at is not None and n.email_attempts == 1


def test_a_recipient_who_may_not_see_the_complainant_gets_a_scrubbed_email(smtp, org, case):
    # The handler's own unit (市场监管局) is the one complained about; the centre sees the identity.
    notify.notify_users(
        case,
        [org["handler"], org["center"]],
        "%(number)s「%(summary)s」请办理。",
        {"number": case.number, "summary": case.summary},
    )
    [to_handler] = smtp.box.to("handler@county.example.cn")
    [to_centre] = smtp.box.to("center@county.example.cn")
    assert case.number in to_handler.get_body().get_content()
    assert "张三" not in to_handler.get_body().get_content() and "张三" not in to_handler["Subject"]
    assert "张三" in to_centre.get_body().get_content()


def test_a_notice_is_written_in_the_organisations_language_whoever_acts(org, register, walk):
    """A supervisor reading the English UI urges a case and dispatches another: the handler's
    notices are records in the organisation's language (Chinese), with the due date in Chinese."""
    from django.utils import translation

    from tousu.complaints.actions import perform

    case = walk(register(), "accept", "dispatch")
    other = walk(register(summary="另一件"), "accept")
    with translation.override("en"):
        perform("urge", org["center"], case.number, {"version": case.version, "note": "请尽快办理"})
        perform(
            "dispatch",
            org["center"],
            other.number,
            {"version": other.version, "unit": "amr", "mode": "assign", "handler": "handler"},
        )
    texts = list(Notification.objects.filter(recipient=org["handler"]).values_list("message", flat=True))
    urged = [t for t in texts if "被催办" in t]
    handed = [t for t in texts if other.number in t]
    assert urged and "请尽快办理" in urged[0], texts
    assert handed and "待您签收" in handed[0] and "年" in handed[0] and "due" not in handed[0], texts
