"""``tousu mail-in``: a message on stdin becomes a complaint, or material of the complaint its
subject names (issue 13, part 2)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail as outbox
from django.core.management import CommandError, call_command
from django.test import TestCase

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Attachment, Complaint, Event
from tousu.mailgate.models import MailMessage
from tousu.mailgate.tests.messages import COMPLAINT_HTML, PDF, message, pdf_part, word

SUBJECT = "关于镕城花园物业乱收停车费的投诉"


def mail_in(raw: bytes) -> tuple[str, str]:
    """As the MTA's pipe runs it: its own process, each write committed, so the mail queued after
    commit (the acknowledgement) goes at once. Inside the test's transaction, it goes at the end."""
    out, err = io.StringIO(), io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("mail_in", stdin=io.BytesIO(raw), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def complaint_mail(**overrides: object) -> bytes:
    fields: dict = {"subject": SUBJECT, "html": COMPLAINT_HTML, "attachments": [pdf_part("停车费发票.pdf")]}
    fields.update(overrides)
    return message(**fields)


def test_a_gbk_html_message_with_a_pdf_registers_a_complaint(org, settings):
    out, _err = mail_in(complaint_mail())

    c = Complaint.objects.get()
    assert f"已登记为投诉件{c.number}" in out
    assert c.channel == "email"
    assert c.summary == SUBJECT  # GBK-only 镕 decoded from a GBK encoded word
    assert "本人王喆，住镕城花园3栋。" in c.content  # the HTML body as text, GB2312 label read as GB18030
    assert "每月多收停车费200元" in c.content and "请求退还多收费用。" in c.content
    assert "alert" not in c.content and "color" not in c.content and "<p>" not in c.content
    person = c.complainants.get()
    assert (person.name, person.email, person.preferred_reply) == ("王喆", "wangzhe@example.cn", "email")
    assert c.registered_by.username == "mailgate" and str(c.registered_by) == "电子邮件网关"
    pdf = Attachment.objects.get(complaint=c)
    assert (pdf.original_name, pdf.content_type, pdf.size) == ("停车费发票.pdf", "application/pdf", len(PDF))
    assert (Path(settings.MEDIA_ROOT) / pdf.stored_name).read_bytes() == PDF
    assert list(c.events.values_list("action", flat=True).order_by("seq")) == ["register", "attach"]
    row = MailMessage.objects.get()
    assert (row.outcome, row.number, row.complaint, row.message_id) == (
        "registered",
        c.number,
        c,
        "<m1@mail.example.cn>",
    )
    assert verify_audit().ok


def test_the_sender_is_told_the_number_and_query_code_in_a_subject_a_reply_attaches_by(org):
    mail_in(complaint_mail())

    c = Complaint.objects.get()
    (ack,) = outbox.outbox
    assert ack.to == ["wangzhe@example.cn"]
    assert ack.subject == f"投诉编号{c.number}：已收到您的投诉"
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["In-Reply-To"] == "<m1@mail.example.cn>"
    code = ack.body.split("查询码：")[1][:8]
    from tousu.complaints.services.intake import check_query_code

    assert check_query_code(c, code)


def test_a_reply_carrying_the_number_attaches_to_that_complaint(org):
    mail_in(complaint_mail())
    c = Complaint.objects.get()
    version = c.version

    reply = message(
        subject=f"回复：投诉编号{c.number}：已收到您的投诉",
        charset="utf-8",
        text="补充：物业经理姓李，收据见附件。",
        attachments=[pdf_part("收据.pdf", "gb18030")],
        message_id="<m2@mail.example.cn>",
    )
    out, _err = mail_in(reply)

    assert Complaint.objects.count() == 1
    assert f"已作为补充材料附入投诉件{c.number}（2个文件）" in out
    files = {a.original_name: a for a in Attachment.objects.filter(complaint=c)}
    assert set(files) >= {"停车费发票.pdf", "收据.pdf"}
    body = next(a for name, a in files.items() if name.startswith("来信正文-"))
    c.refresh_from_db()
    assert c.version == version + 2
    events = list(Event.objects.filter(complaint=c, seq__gt=version).order_by("seq"))
    assert [e.action for e in events] == ["attach", "attach"]
    assert all(e.actor.username == "mailgate" and "电子邮件补充材料" in e.note for e in events)
    assert body.content_type == "text/plain"
    assert MailMessage.objects.get(message_id="<m2@mail.example.cn>").outcome == "appended"
    assert outbox.outbox[-1].subject == f"投诉编号{c.number}：已收到您的补充材料"
    assert verify_audit().ok


def test_a_reply_from_a_stranger_is_a_new_complaint_that_names_the_number(org):
    mail_in(complaint_mail())
    first = Complaint.objects.get()

    _out, err = mail_in(
        message(
            subject=f"Re: {first.number}",
            sender="other@example.cn",
            name="李四",
            text="我也遇到同样问题",
            message_id="<m3@x.cn>",
        )
    )

    second = Complaint.objects.exclude(pk=first.pk).get()
    assert f"来信主题引用投诉编号{first.number}" in second.content
    assert "发件人不是投诉件" in err
    assert first.attachments.count() == 1


@pytest.mark.parametrize(
    "charset,name,subject",
    [
        ("gb2312", "张三", "窗口办事拖拉"),
        ("gbk", "王喆", "供热温度不达标"),
        ("gb18030", "李㐀", "噪音扰民𠀀"),  # outside GBK: CJK extension A and B
        ("utf-8", "欧阳娜娜", "出租车拒载"),
    ],
)
def test_names_and_subjects_in_each_chinese_encoding_are_read(org, charset, name, subject):
    mail_in(message(subject=subject, name=name, charset=charset, text="内容", message_id=f"<{charset}@x.cn>"))

    c = Complaint.objects.get()
    assert c.summary == subject
    assert c.complainants.get().name == name


def test_the_same_message_piped_twice_registers_once(org):
    raw = complaint_mail()
    mail_in(raw)
    out, _err = mail_in(raw)

    assert Complaint.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert "已处理过" in out
    assert MailMessage.objects.count() == 1


def test_a_redelivered_copy_with_other_trace_headers_registers_once(org):
    mail_in(complaint_mail())
    mail_in(b"Received: from mx2.example.cn by tousu\r\n" + complaint_mail())

    assert Complaint.objects.count() == 1


def test_another_message_under_a_reused_message_id_is_not_lost(org):
    mail_in(message(subject="第一件", text="甲", message_id="<same@x.cn>"))
    mail_in(message(subject="第二件", text="乙", message_id="<same@x.cn>"))

    assert sorted(Complaint.objects.values_list("summary", flat=True)) == ["第一件", "第二件"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage \x89PNG",
        b"this is not an e-mail at all\nonly words\n",
        b"Subject: no sender\r\n\r\nbody\r\n",
        b"From: not-an-address\r\nSubject: x\r\n\r\nbody\r\n",
    ],
)
def test_unparseable_input_is_refused_with_65_and_writes_nothing(org, settings, raw):
    with pytest.raises(CommandError) as refused:
        mail_in(raw)

    assert refused.value.returncode == 65
    assert str(refused.value).startswith("邮件被拒收：")
    assert not Complaint.objects.exists()
    assert not MailMessage.objects.exists()
    assert not Event.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*"))
    assert outbox.outbox == []


def test_the_command_exits_65_with_a_message_and_no_traceback(tmp_path):
    env = {**os.environ, "TOUSU_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tousu.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "from tousu.cli import main; main()", "mail-in"],
        input=b"definitely not mail\n",
        capture_output=True,
        env=env,
        timeout=120,
    )

    assert done.returncode == 65
    err = done.stderr.decode()
    assert "邮件被拒收" in err and "没有邮件头" in err
    assert "Traceback" not in err


def test_an_attachment_of_a_refused_type_is_left_out_and_named(org):
    exe = pdf_part("病毒.exe")
    _out, err = mail_in(complaint_mail(attachments=[exe, pdf_part("合同.pdf")]))

    c = Complaint.objects.get()
    assert list(c.attachments.values_list("original_name", flat=True)) == ["合同.pdf"]
    assert "附件「病毒.exe」未保存：不支持的文件类型" in err
    assert "病毒.exe" in MailMessage.objects.get().detail


def test_a_pdf_whose_contents_are_not_a_pdf_is_left_out(org):
    fake = pdf_part("假.pdf")
    fake.set_payload("bm90IGEgcGRm")  # "not a pdf", base64
    _out, err = mail_in(complaint_mail(attachments=[fake]))

    assert not Attachment.objects.exists()
    assert "文件内容与扩展名不符" in err


def test_auto_replies_and_bounces_are_accepted_but_not_registered(org):
    out, _err = mail_in(
        message(subject="自动回复：投诉编号TS2026000001", text="我正在休假", headers={"Auto-Submitted": "auto-replied"})
    )

    assert "自动回复" in out
    assert not Complaint.objects.exists()
    assert outbox.outbox == []
    assert MailMessage.objects.get().outcome == "ignored"


def test_an_html_only_message_without_multipart_is_read(org):
    raw = (
        b"From: " + word("赵六", "gb2312").encode() + b" <zhao@example.cn>\r\n"
        b"Subject: " + word("路灯不亮", "gb2312").encode() + b"\r\n"
        b"Content-Type: text/html; charset=GB2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "<div>人民路<br>路灯&lt;三盏&gt;不亮</div>".encode("gbk")
    )
    mail_in(raw)

    c = Complaint.objects.get()
    assert c.content == "人民路\n路灯<三盏>不亮"
    assert c.complainants.get().name == "赵六"


def test_the_gateways_user_cannot_log_in(org, client):
    from tousu.mailgate.gateway import gateway_user

    user = gateway_user()
    assert (user.role, user.scope, str(user)) == ("clerk", "all", "电子邮件网关")
    assert not user.has_usable_password() and not user.is_active
    assert not client.login(username="mailgate", password="")
