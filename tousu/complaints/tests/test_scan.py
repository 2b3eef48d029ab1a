"""The deadline scan: reminders, urging and escalation, each once per due date; e-mail over a real
SMTP server on loopback."""

import datetime as dt
import socket

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Notification
from tousu.complaints.services.timekeeping import scan_deadlines

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def test_running_the_scan_twice_notifies_once_per_due_event(org, register, walk, smtp):
    org["handler"].email = "chenjing@example.cn"
    org["handler"].save()
    c = walk(register(), "accept", "dispatch", "sign")
    due = c.handling_due

    with time_machine.travel(due - dt.timedelta(hours=20)):
        first = scan_deadlines()
        again = scan_deadlines()
    assert (first.reminders, again.reminders) == (1, 0)
    reminders = Notification.objects.filter(kind="reminder")
    assert sorted(n.recipient.username for n in reminders) == ["handler", "head"]

    with time_machine.travel(due + dt.timedelta(hours=1)):
        assert scan_deadlines().overdue == 1 and scan_deadlines().overdue == 0
    overdue = Notification.objects.filter(kind="overdue")
    assert sorted(n.recipient.username for n in overdue) == ["center", "center2", "handler", "head"]

    with time_machine.travel(due + dt.timedelta(hours=80)):
        assert scan_deadlines().escalated == 1
        call_command("scan_deadlines")  # the CLI face, once more: nothing new
    c.refresh_from_db()
    assert c.urge_count == 1 and c.handling_level == 1
    assert list(c.events.values_list("action", flat=True))[-2:] == ["urge", "escalate"]
    assert Notification.objects.filter(kind="escalated").count() == 4  # handler, head, both centre supervisors
    assert verify_audit().ok

    mails = [m for m in smtp.messages if "chenjing@example.cn" in m.rcpt_tos]
    assert len(mails) == 4  # the dispatch to the unit; then reminder, overdue, escalation: one each
    body = mails[0].content.decode("utf-8", "replace")
    assert c.number in body and "张三" not in body and "13812345678" not in body


def test_a_new_due_date_after_an_extension_is_reminded_again(org, register, walk):
    c = walk(register(), "accept", "dispatch", "sign")
    with time_machine.travel(c.handling_due - dt.timedelta(hours=1)):
        scan_deadlines()
        c = walk(c, "request_extension", "decide_extension")
        scan_deadlines()
    with time_machine.travel(c.handling_due - dt.timedelta(hours=1)):
        scan_deadlines()
    assert Notification.objects.filter(kind="reminder", recipient=org["handler"]).count() == 2


def test_suspended_and_finished_cases_are_left_alone(org, register, walk):
    suspended = walk(register(), "accept", "dispatch", "sign", "suspend")
    withdrawn = walk(register(), "accept", "withdraw")
    with time_machine.travel(timezone.now() + dt.timedelta(days=90)):
        result = scan_deadlines()
    left = Notification.objects.filter(complaint__in=[suspended, withdrawn]).exclude(kind="work")
    assert result.overdue == 0 and not left.exists()


def test_each_rule_sets_its_reminder_lead(org, register, walk):
    c = walk(register(), "accept", "dispatch")  # sign-for: 1 working day, reminded 8 hours before
    with time_machine.travel(c.sign_due - dt.timedelta(hours=12)):
        assert scan_deadlines().reminders == 0
    with time_machine.travel(c.sign_due - dt.timedelta(hours=6)):
        assert scan_deadlines().reminders == 1
