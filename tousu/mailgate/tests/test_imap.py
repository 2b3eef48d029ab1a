"""The IMAP poller against a real Dovecot on 127.0.0.1 (tests/conftest.py)."""

from __future__ import annotations

import imaplib
import io
import re

from django.core.management import call_command

from tousu.complaints import jobs
from tousu.complaints.models import Attachment, Complaint
from tousu.mailgate.imap import poll
from tousu.mailgate.models import MailMessage
from tousu.mailgate.tests.messages import COMPLAINT_HTML, message, pdf_part

SUBJECT = "关于镕城花园物业乱收停车费的投诉"


def flags(box) -> dict[bytes, bytes]:
    """Each message's flags, by UID, as the server holds them."""
    conn = imaplib.IMAP4("127.0.0.1", box.port)
    conn.login(box.user, box.password)
    conn.select("INBOX", readonly=True)
    _status, data = conn.uid("FETCH", "1:*", "(FLAGS)")
    conn.logout()
    return {re.search(rb"UID (\d+)", line).group(1): line for line in data if isinstance(line, bytes)}  # type: ignore[union-attr]


def test_the_poller_registers_an_unseen_message_and_marks_it_seen(org, mailbox):
    mailbox.deliver(message(subject=SUBJECT, html=COMPLAINT_HTML, attachments=[pdf_part("停车费发票.pdf")]))

    result = poll()

    assert (result.fetched, result.registered, result.failed, result.errors) == (1, 1, 0, [])
    c = Complaint.objects.get()
    assert (c.channel, c.summary) == ("email", SUBJECT)
    assert c.complainants.get().name == "王喆"
    assert "每月多收停车费200元" in c.content
    assert Attachment.objects.get(complaint=c).original_name == "停车费发票.pdf"
    assert MailMessage.objects.get().source == "imap"
    (line,) = flags(mailbox).values()
    assert b"\\Seen" in line
    again = poll()
    assert again.fetched == 0 and Complaint.objects.count() == 1


def test_a_reply_in_the_mailbox_attaches_to_the_complaint(org, mailbox):
    mailbox.deliver(message(subject=SUBJECT, text="停车费多收", message_id="<a@x.cn>"))
    poll()
    c = Complaint.objects.get()
    mailbox.deliver(
        message(
            subject=f"回复：投诉编号{c.number}",
            text="补充材料",
            attachments=[pdf_part("收据.pdf")],
            message_id="<b@x.cn>",
        )
    )

    result = poll()

    assert result.appended == 1
    assert Complaint.objects.count() == 1
    assert c.attachments.filter(original_name="收据.pdf").exists()


def test_a_refused_message_stays_in_the_mailbox_flagged_and_recorded(org, mailbox):
    mailbox.deliver(b"Subject: no sender at all\r\n\r\nbody\r\n")
    mailbox.deliver(message(subject=SUBJECT, text="内容"))

    result = poll()

    assert (result.fetched, result.registered, result.refused) == (2, 1, 1)
    refused = MailMessage.objects.get(outcome="refused")
    assert "发件人" in refused.detail
    lines = list(flags(mailbox).values())
    assert len(lines) == 2  # nothing deleted
    assert sum(b"\\Flagged" in line for line in lines) == 1
    assert all(b"\\Seen" in line for line in lines)


def test_a_message_that_failed_stays_unseen_and_is_tried_again(org, mailbox, monkeypatch):
    from tousu.mailgate import gateway

    mailbox.deliver(message(subject=SUBJECT, text="内容"))
    real = gateway._register

    def database_away(*args, **kwargs):
        raise OSError("database is away")

    monkeypatch.setattr(gateway, "_register", database_away)
    first = poll()
    assert (first.fetched, first.failed) == (1, 1)
    row = MailMessage.objects.get()
    assert row.outcome == "failed" and "database is away" in row.detail
    assert b"\\Seen" not in next(iter(flags(mailbox).values()))

    monkeypatch.setattr(gateway, "_register", real)
    second = poll()
    assert second.registered == 1
    assert Complaint.objects.count() == 1
    row.refresh_from_db()
    assert (row.outcome, row.attempts) == ("registered", 2)


def test_the_periodic_job_polls_the_mailbox_when_a_host_is_set(org, mailbox):
    mailbox.deliver(message(subject=SUBJECT, text="内容"))

    jobs.poll_mailbox()

    assert Complaint.objects.count() == 1


def test_the_command_polls_once(org, mailbox):
    mailbox.deliver(message(subject=SUBJECT, text="内容"))
    out = io.StringIO()

    call_command("mail_in", imap=True, stdout=out)

    assert "1 registered" in out.getvalue()
    assert Complaint.objects.count() == 1


def test_a_wrong_password_is_reported_not_raised(org, mailbox, settings):
    settings.TOUSU_IMAP_PASSWORD = "wrong"

    result = poll()

    assert result.fetched == 0 and result.errors
    assert not Complaint.objects.exists()


def test_no_host_no_poll(settings, db):
    settings.TOUSU_IMAP_HOST = ""

    assert poll().fetched == 0
    jobs.poll_mailbox()  # nothing to reach, nothing raised
