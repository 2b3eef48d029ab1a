"""The mail log page (``/mail/``, issue 13): the centre and the administrators see what the gateway
received and what went to complainants, newest first, a page at a time; a member of the centre who
may not see a case's complainants sees its addresses hidden; a mail failed for good can be sent
again, on record; other roles are refused, and bad input is a clear error, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core import mail as sent_mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from tousu.accounts.models import AdminLog
from tousu.complaints.models import Complaint, Conflict
from tousu.mailgate.models import MailMessage, OutgoingMail
from tousu.mailgate.tests.messages import message

pytestmark = pytest.mark.django_db
SENDER = "wangzhe@example.cn"


def mail_in(subject: str = "小区路灯坏了三个月", sender: str = SENDER, name: str = "王喆") -> Complaint:
    raw = message(subject=subject, sender=sender, name=name, text="请尽快修复。")
    with TestCase.captureOnCommitCallbacks(execute=True):  # as the MTA's pipe: committed, then acknowledged
        call_command("mail_in", stdin=io.BytesIO(raw), stdout=io.StringIO(), stderr=io.StringIO())
    return Complaint.objects.order_by("-id").first()  # type: ignore[return-value]


def page(client: Client, user, query: str = "") -> str:
    client.force_login(user)
    response = client.get(f"/mail/{query}")
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def failed_mail(c: Complaint) -> OutgoingMail:
    return OutgoingMail.objects.create(
        to=SENDER,
        subject=f"投诉编号{c.number}：答复",
        body="您好：已整改。",
        purpose="reply",
        complaint=c,
        state=OutgoingMail.State.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
    )


def test_the_centre_sees_what_came_in_and_what_went_out(client, org):
    c = mail_in()

    incoming = page(client, org["center"])
    assert "邮件记录" in incoming and 'aria-current="page">邮件记录' in incoming  # the side navigation
    assert SENDER in incoming and "小区路灯坏了三个月" in incoming and "已登记为投诉" in incoming
    assert f'href="/c/{c.number}/"' in incoming and "邮件服务器转入" in incoming
    outgoing = page(client, org["center"], "?tab=out")
    assert f"投诉编号{c.number}：已收到您的投诉" in outgoing and SENDER in outgoing
    assert "已发送" in outgoing and "收件确认" in outgoing


def test_an_administrator_sees_it_too(client, org):
    mail_in()
    assert SENDER in page(client, org["admin"]) and SENDER in page(client, org["admin"], "?tab=out")


@pytest.mark.parametrize("role", ["clerk", "handler", "head", "auditor", "followup"])
def test_other_roles_are_refused_and_not_shown_the_link(client, org, role):
    mail_in()
    client.force_login(org[role])

    assert client.get("/mail/").status_code == 403
    assert client.get("/mail/?tab=out").status_code == 403
    assert client.post("/mail/", {"op": "retry", "id": "1"}).status_code == 403
    assert 'href="/mail/"' not in client.get("/").content.decode()


def test_a_signed_out_visitor_is_sent_to_the_login(client, org):
    response = client.get("/mail/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_centre_member_in_conflict_sees_the_address_hidden(client, org):
    hidden = mail_in(sender="zhaoliu@example.cn", name="赵六", subject="赵六反映噪音扰民")
    mail_in(sender="qianqi@example.cn", name="钱七", subject="井盖缺失")
    failed_mail(hidden)
    Conflict.objects.create(
        complaint=hidden, user=org["center"], reason="亲属", marked_by=org["admin"], marked_at=timezone.now()
    )

    for query in ("", "?tab=out"):
        text = page(client, org["center"], query)
        assert "zhaoliu@example.cn" not in text and "赵六" not in text, query
        assert "（已隐去）" in text and hidden.number in text
        assert "qianqi@example.cn" in text  # another case: seen as it is
    assert "井盖缺失" in page(client, org["center"])  # its subject, unscrubbed
    assert "zhaoliu@example.cn" in page(client, org["admin"], "?tab=out")  # the admin is not in conflict


def test_a_mail_failed_for_good_is_sent_again_on_record(client, org, django_capture_on_commit_callbacks):
    c = mail_in()
    row = failed_mail(c)
    before = len(sent_mail.outbox)
    text = page(client, org["center"], "?tab=out&state=failed")
    assert "重新发送" in text and "550 mailbox unavailable" in text and f'value="{row.pk}"' in text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mail/", {"op": "retry", "id": str(row.pk)})

    assert response.status_code == 302 and response["Location"] == "/mail/?tab=out"
    row.refresh_from_db()
    assert row.state == OutgoingMail.State.SENT and row.attempts == 1
    assert sent_mail.outbox[before:][0].subject == f"投诉编号{c.number}：答复"
    entry = AdminLog.objects.get(action="retry_mail")
    assert entry.actor == org["center"] and entry.target == f"mail:{row.pk}"
    assert entry.payload["before"]["state"] == "failed" and entry.payload["before"]["attempts"] == 8
    assert entry.payload["after"]["number"] == c.number
    assert "已重新发送" in client.get("/mail/?tab=out").content.decode()
    client.force_login(org["admin"])
    log = client.get("/admin-log/").content.decode()  # names, not codes
    assert "重新发送邮件" in log and f"外发邮件（{c.number}）" in log and "发送失败" in log
    assert "retry_mail" not in log.split("<main")[-1].split("<select")[0]


def test_only_a_mail_failed_for_good_can_be_sent_again(client, org):
    mail_in()
    row = OutgoingMail.objects.get()  # sent
    client.force_login(org["center"])

    response = client.post("/mail/", {"op": "retry", "id": str(row.pk)}, follow=True)

    assert response.status_code == 200
    assert "只有发送失败、已停止重试的邮件可以重新发送。" in response.content.decode()
    assert not AdminLog.objects.filter(action="retry_mail").exists()


def test_the_retry_needs_the_csrf_token(org):
    c = mail_in()
    row = failed_mail(c)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["center"])

    assert client.post("/mail/", {"op": "retry", "id": str(row.pk)}).status_code == 403
    row.refresh_from_db()
    assert row.state == OutgoingMail.State.FAILED


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?outcome=nonsense", "未知的处理结果"),
        ("?tab=out&state=lost", "未知的发送状态"),
        ("?cursor=abc", "翻页参数无效"),
        ("?tab=out&cursor=-1", "翻页参数无效"),
        ("?cursor=99999999999999999999999", "翻页参数无效"),
        ("?tab=spam", "未知的页签"),
    ],
)
def test_bad_filters_get_a_clear_error(client, org, query, error):
    client.force_login(org["center"])
    response = client.get(f"/mail/{query}")
    assert response.status_code == 400
    assert error in response.content.decode()


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"op": "retry", "id": "abc"}, 200, "邮件编号无效"),
        ({"op": "delete", "id": "1"}, 200, "未知的操作"),
        ({"op": "retry", "id": "987654"}, 404, ""),
    ],
)
def test_a_bad_retry_is_refused_and_changes_nothing(client, org, data, status, error):
    c = mail_in()
    row = failed_mail(c)
    client.force_login(org["center"])

    response = client.post("/mail/", data, follow=True)

    assert response.status_code == status
    assert error in response.content.decode()
    row.refresh_from_db()
    assert row.state == OutgoingMail.State.FAILED and not AdminLog.objects.filter(action="retry_mail").exists()


def test_the_filters_choose_the_rows(client, org):
    mail_in()
    MailMessage.objects.create(message_id="<bounce@x>", source="pipe", sender="mailer-daemon@x.cn", outcome="ignored")

    ignored = page(client, org["center"], "?outcome=ignored")
    assert "mailer-daemon@x.cn" in ignored and SENDER not in ignored
    assert SENDER not in page(client, org["center"], "?tab=out&state=pending")


def test_the_rows_come_newest_first_a_page_at_a_time(client, org):
    MailMessage.objects.bulk_create(
        MailMessage(message_id=f"<m{i}@x>", source="imap", sender=f"sender{i:02d}@x.cn", outcome="refused", sha256="")
        for i in range(55)
    )

    first = page(client, org["center"])
    assert first.index("sender54@x.cn") < first.index("sender05@x.cn")
    assert "sender04@x.cn" not in first and "更早的记录" in first
    cursor = MailMessage.objects.get(message_id="<m5@x>").pk
    second = page(client, org["center"], f"?cursor={cursor}")
    assert [f"sender0{i}@x.cn" in second for i in range(6)] == [True] * 5 + [False]
    assert "更早的记录" not in second


def test_the_page_takes_full_width_punctuation_in_chinese_sentences(client, org):
    from tousu.web.tests.pagescan import page_problems

    c = mail_in()
    failed_mail(c)
    assert page_problems(page(client, org["center"])) == []
    assert page_problems(page(client, org["center"], "?tab=out")) == []
    client.force_login(org["center"])
    assert page_problems(client.get("/mail/?outcome=x").content.decode()) == []
