"""Mail to complainants. Every subject starts with 「投诉编号TS…」, so whatever the complainant
answers comes back to the same complaint (``gateway.number_in`` reads it from the subject). Each
mail goes through the outbox (``outbox``): written with the caller's transaction, sent after commit,
retried while the mail server is away."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop, override

from tousu.complaints.models import Complaint
from tousu.mailgate import outbox
from tousu.mailgate.models import OutgoingMail

REGISTERED = gettext_noop("已收到您的投诉")
APPENDED = gettext_noop("已收到您的补充材料")


def subject_for(number: str, text: str) -> str:
    """「投诉编号TS2026000123：<text>」: the subject of every mail a complainant may answer."""
    with override(settings.LANGUAGE_CODE):
        return gettext("投诉编号%(number)s：%(text)s") % {"number": number, "text": gettext(text)}


def _body(number: str, query_code: str | None, appended: bool) -> str:
    with override(settings.LANGUAGE_CODE):
        lines = [gettext("您好："), ""]
        if appended:
            lines.append(gettext("您发来的补充材料已附入投诉件%(number)s。") % {"number": number})
        else:
            lines.append(gettext("您的来信已登记为投诉，投诉编号：%(number)s。") % {"number": number})
        if query_code:
            lines.append(
                gettext("查询码：%(code)s（请妥善保管，凭投诉编号和查询码可在网站查询办理进度）。")
                % {"code": query_code}
            )
        lines += [
            gettext("补充材料请直接回复本邮件，并保留主题中的投诉编号。"),
            "",
            gettext("（本邮件由系统自动发送。）"),
        ]
    return "\n".join(lines)


def acknowledge(*, to: str, number: str, query_code: str | None, in_reply_to: str, appended: bool) -> bool:
    """Tell the sender the message was registered (with the number and the query code) or added
    to the case. Marked ``Auto-Submitted`` (RFC 3834) so auto-replies do not answer it. Queued in
    the outbox (``outbox.queue``) and tried once the caller commits; a failure is retried by the
    periodic job and never undoes the registration. Returns False only when the attempt made at
    once (outside a transaction) failed."""
    if not settings.TOUSU_MAIL_ACK:
        return True
    headers = {"Auto-Submitted": "auto-replied"}
    if in_reply_to:
        headers |= {"In-Reply-To": in_reply_to, "References": in_reply_to}
    row = outbox.queue(
        to=to,
        subject=subject_for(number, APPENDED if appended else REGISTERED),
        body=_body(number, query_code, appended),
        purpose=OutgoingMail.Purpose.ACK,
        complaint=Complaint.objects.filter(number=number).first(),
        headers=headers,
    )
    if transaction.get_connection().in_atomic_block:
        return True  # tried after the caller's commit
    return OutgoingMail.objects.filter(pk=row.pk, state=OutgoingMail.State.SENT).exists()


REPLY = gettext_noop("答复")


def send_reply(complaint: Complaint) -> int:
    """E-mail a complaint's reply (method 电子邮件) to each complainant who gave an address, under
    「投诉编号TS…：答复」 so an answer comes back to the case. Called inside the reply's
    transaction: the mails are queued with it and go after commit (``outbox``), retried while the
    mail server is away. Returns how many were queued."""
    from tousu.complaints.letters import chinese_date

    if not complaint.reply_text:
        return 0
    addresses = sorted({e.strip() for e in complaint.complainants.values_list("email", flat=True) if e.strip()})
    if not addresses:
        return 0
    with override(settings.LANGUAGE_CODE):
        lines = [gettext("您好："), "", complaint.reply_text, ""]
        if complaint.review_window_ends:
            lines.append(
                gettext("如对答复不满意，可于%(day)s前申请复核。") % {"day": chinese_date(complaint.review_window_ends)}
            )
        lines.append(gettext("如需补充材料，请直接回复本邮件，并保留主题中的投诉编号。"))
    for address in addresses:
        outbox.queue(
            to=address,
            subject=subject_for(complaint.number, REPLY),
            body="\n".join(lines),
            purpose=OutgoingMail.Purpose.REPLY,
            complaint=complaint,
        )
    return len(addresses)
