"""Reply, follow-up, review, archive and reopen (SPEC §5, §9)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, User
from tousu.complaints import deadlines
from tousu.complaints.models import Complaint, ReplyMethod, Satisfaction
from tousu.complaints.services.common import begin, choice, finish, require, set_due
from tousu.complaints.services.intake import _written_reply_check
from tousu.complaints.states import Status
from tousu.core.errors import NotPermitted, ValidationFailed

UNREACHABLE_ATTEMPTS = 3  # after 3 failed contact attempts a follow-up may close (SPEC §5)


@transaction.atomic(durable=True)
def reply(*, actor: User, number: str, version: int, method: str, text: str) -> Complaint:
    """Reply to the complainant; the reply states the review window (SPEC §5)."""
    complaint, before = begin(actor, number, version, "reply")
    complaint.reply_method = choice(method, ReplyMethod, "method")
    _written_reply_check(complaint, method)
    complaint.reply_text = require(text, "text", _("请填写答复内容"))
    complaint.replied_at = timezone.now()
    complaint.status = Status.REPLIED
    set_due(complaint, deadlines.FOLLOW_UP)
    set_due(complaint, deadlines.REVIEW_WINDOW)
    return finish(complaint, actor=actor, action="reply", before=before, payload={
        "method": method, "followup_due": complaint.followup_due,
        "review_window_ends": complaint.review_window_ends})


def _close(complaint: Complaint, reason: str = "") -> None:
    complaint.status = Status.CLOSED
    complaint.closed_at = timezone.now()
    complaint.close_reason = reason
    set_due(complaint, deadlines.REVIEW_WINDOW)


@transaction.atomic(durable=True)
def follow_up(*, actor: User, number: str, version: int, satisfaction: str, note: str = "",
              close_unreachable: bool = False, close_anyway: bool = False) -> Complaint:
    """Record a return visit. Satisfied closes; unsatisfied reopens unless the centre closes it with
    a reason; an unreachable complainant may be closed after repeated failed attempts."""
    complaint, before = begin(actor, number, version, "follow_up")
    choice(satisfaction, Satisfaction, "satisfaction")
    if satisfaction == Satisfaction.UNREACHABLE:
        complaint.followup_attempts += 1
        if close_unreachable:
            if complaint.followup_attempts < UNREACHABLE_ATTEMPTS:
                raise ValidationFailed(_("联系不上须满 %(n)d 次方可办结(现为第 %(k)d 次)") % {
                    "n": UNREACHABLE_ATTEMPTS, "k": complaint.followup_attempts}, field="close_unreachable")
            complaint.satisfaction = satisfaction
            _close(complaint, "unreachable")
    elif satisfaction == Satisfaction.UNSATISFIED:
        complaint.satisfaction = satisfaction
        if close_anyway:
            if actor.role != Role.CENTER:
                raise NotPermitted(_("不满意件只能由投诉中心说明理由后办结"), action="follow_up")
            _close(complaint, require(note, "note", _("请说明不满意仍办结的理由")))
        else:
            complaint.status = Status.IN_PROGRESS if complaint.handling_unit_id else Status.ACCEPTED
            set_due(complaint, deadlines.HANDLING)
    else:
        complaint.satisfaction = satisfaction
        _close(complaint)
    return finish(complaint, actor=actor, action="follow_up", before=before, note=note, payload={
        "satisfaction": satisfaction, "attempts": complaint.followup_attempts})


@transaction.atomic(durable=True)
def request_review(*, actor: User, number: str, version: int, reason: str) -> Complaint:
    complaint, before = begin(actor, number, version, "request_review")
    complaint.review_from = complaint.status
    complaint.status = Status.UNDER_REVIEW
    set_due(complaint, deadlines.REVIEW)
    return finish(complaint, actor=actor, action="request_review", before=before,
                  note=require(reason, "reason", _("请填写复核理由")), payload={"review_due": complaint.review_due})


@transaction.atomic(durable=True)
def decide_review(*, actor: User, number: str, version: int, upheld: bool, note: str) -> Complaint:
    """The higher unit's decision is final: upheld restores the original outcome, otherwise the
    complaint is handled again."""
    complaint, before = begin(actor, number, version, "decide_review")
    if not isinstance(upheld, bool):
        raise ValidationFailed(_("请选择复核结论"), field="upheld")
    note = require(note, "note", _("请填写复核意见"))
    if upheld:
        complaint.status = complaint.review_from or Status.CLOSED
    elif complaint.review_from == Status.CLOSED and complaint.handling_unit_id:
        complaint.status = Status.IN_PROGRESS
        complaint.closed_at = None
        set_due(complaint, deadlines.HANDLING)
    else:
        complaint.status = Status.ACCEPTED
        complaint.closed_at = None
        set_due(complaint, deadlines.HANDLING)
    return finish(complaint, actor=actor, action="decide_review", before=before, note=note,
                  payload={"upheld": upheld})


@transaction.atomic(durable=True)
def archive(*, actor: User, number: str, version: int, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "archive")
    complaint.status = Status.ARCHIVED
    complaint.archived_at = timezone.now()
    return finish(complaint, actor=actor, action="archive", before=before, note=note)


@transaction.atomic(durable=True)
def reopen(*, actor: User, number: str, version: int, facts: str) -> Complaint:
    complaint, before = begin(actor, number, version, "reopen")
    complaint.status = Status.ACCEPTED
    complaint.closed_at = None
    complaint.handling_unit = complaint.handler = None
    complaint.dispatch_mode = ""
    set_due(complaint, deadlines.HANDLING)
    return finish(complaint, actor=actor, action="reopen", before=before,
                  note=require(facts, "facts", _("请填写新的事实或理由")))
