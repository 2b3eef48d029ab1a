"""What the gateway remembers of each message it has seen: its Message-ID and what became of it,
so a message delivered twice (an MTA's retry, the pipe and the mailbox both) registers once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.core.crypto import EncryptedTextField


class MailMessage(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("处理中")
        REGISTERED = "registered", _("已登记为投诉")
        APPENDED = "appended", _("已补充到投诉件")
        IGNORED = "ignored", _("自动回复，未处理")
        REFUSED = "refused", _("已拒收")
        FAILED = "failed", _("处理失败，待重试")

    class Source(models.TextChoices):
        PIPE = "pipe", _("邮件服务器转入")
        IMAP = "imap", _("邮箱收取")

    # The Message-ID header, or "sha256:" and the digest of the raw message where it has none.
    message_id = models.CharField(_("邮件标识"), max_length=255, unique=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    sender = models.CharField(_("发件人"), max_length=254, blank=True)
    subject = models.CharField(_("主题"), max_length=255, blank=True)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    complaint = models.ForeignKey(
        "complaints.Complaint", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("投诉件")
    )
    number = models.CharField(_("投诉编号"), max_length=32, blank=True)
    # Why it was refused or failed, and the attachments left out.
    detail = models.TextField(_("说明"), blank=True)
    sha256 = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("电子邮件")
        verbose_name_plural = _("电子邮件")

    def __str__(self) -> str:
        return f"{self.message_id} → {self.get_outcome_display()}"


class OutgoingMail(models.Model):
    """One e-mail to a complainant (the acknowledgement of a mail-in, a reply by e-mail): written
    in the caller's transaction, sent after commit, retried by the periodic job while the mail
    server is away (``tousu.mailgate.outbox``). The row is the record that it went, or why not."""

    class Purpose(models.TextChoices):
        ACK = "ack", _("收件确认")
        REPLY = "reply", _("答复")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，已停止重试")

    to = models.CharField(_("收件人"), max_length=254)
    subject = models.CharField(_("主题"), max_length=255)
    # Encrypted at rest: an acknowledgement carries the complaint's query code.
    body = EncryptedTextField(_("正文"))
    headers = models.JSONField(_("邮件头"), default=dict, blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("投诉件")
    )
    purpose = models.CharField(_("用途"), max_length=8, choices=Purpose.choices)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    # When the next attempt is due; while an attempt runs, the end of its lease. None once settled.
    next_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("外发邮件")
        verbose_name_plural = _("外发邮件")
        indexes = [
            models.Index(fields=["state", "next_at"], name="outgoing_mail_due"),
            models.Index(fields=["state", "sent_at"], name="outgoing_mail_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.to} {self.subject} ({self.get_state_display()})"
