"""Reply, follow-up, review, archive and reopen (SPEC §5, §9)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import dues, reviewing
from tousu.complaints.inputs import Close, DecideReview, FollowUp, Note, Reason, Reopen, Reply
from tousu.complaints.models import WRITTEN_CHANNELS, WRITTEN_REPLY_METHODS, Complaint, ReplyMethod, Satisfaction
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, choice, finish, require
from tousu.complaints.services.intake import _written_reply_check
from tousu.complaints.states import Status
from tousu.core.errors import ValidationFailed
from tousu.followup import services as followup
from tousu.replycheck import services as replycheck


@transaction.atomic(durable=True)
def reply(*, actor: User, number: str, data: Reply) -> Complaint:
    """Reply to the complainant, on record as given (tousu.followup: method, text, letter, who,
    when); the reply states the review window (SPEC §5). An SMS carries the number and a new query
    code: its text is left on the complaint returned (``sms_text``) for the one who sends it."""
    complaint, before = begin(actor, number, "reply", data)
    complaint.reply_method = choice(data.method, ReplyMethod, "method")
    _written_reply_check(complaint, data.method)
    complaint.reply_text = require(data.text, "text", _("请填写答复内容"))
    demands = replycheck.enforce(
        complaint, actor=actor, action="reply", answer=complaint.reply_text, declined=data.declined
    )
    # The windows run from when the reply was given, which may be before it is recorded.
    complaint.replied_at = followup.reply_time(complaint, data.replied_at)
    complaint.status = Status.REPLIED
    complaint.followup_attempts = 0  # a new reply, new visits
    dues.set_due(complaint, dues.FOLLOW_UP, complaint.replied_at)
    dues.set_due(complaint, dues.REVIEW_WINDOW, complaint.replied_at)
    # After the windows are set: a reply letter made now states the review window.
    given = followup.record_reply(complaint, actor=actor, method=data.method, text=complaint.reply_text, data=data)
    if data.method == ReplyMethod.EMAIL:  # queued now, sent after commit, under 「投诉编号TS…：答复」 (tousu.mailgate)
        from tousu.mailgate.outgoing import send_reply

        send_reply(complaint)
    finish(
        complaint,
        actor=actor,
        action="reply",
        before=before,
        payload={
            "method": data.method,
            **given.payload,
            "followup_due": complaint.followup_due,
            "review_window_ends": complaint.review_window_ends,
            **({"demands": demands} if demands else {}),
        },
    )
    complaint.sms_text = given.sms_text  # type: ignore[attr-defined]
    return complaint


def closing_refusals(complaint: Complaint, *, visited: bool = False, waiver: str = "") -> list[str]:
    """What the preset's closing checks (``aftercare.checks``) still miss before ``complaint`` may
    be closed: the reply in the form its channel needs, the return visit made (``visited``) or
    waived with a reason, and no approval or sign-off still open."""
    checks = active().aftercare.checks
    missing: list[str] = []
    if "reply_form" in checks:
        if complaint.replied_at is None or not complaint.reply_method:
            missing.append(_("尚未答复投诉人"))
        elif complaint.channel in WRITTEN_CHANNELS and complaint.reply_method not in WRITTEN_REPLY_METHODS:
            missing.append(
                _("书面投诉须书面答复，现仅有「%(method)s」答复")
                % {"method": ReplyMethod(complaint.reply_method).label}
            )
    if "follow_up" in checks and not visited and not waiver.strip():
        missing.append(_("尚未回访，也未说明免予回访的理由"))
    if "approvals" in checks:
        from tousu.solution.selectors import missing_signoff

        if complaint.extensions.filter(approved__isnull=True).exists():
            missing.append(_("有延期申请待审批"))
        if (due := missing_signoff(complaint)) is not None:
            missing.append(due)
    return missing


# What 办结说明 says of a case closed without a satisfied answer (the organisation's words, kept as data).
UNREACHABLE = "多次回访联系不上，按规定办结"
WAIVED = "免予回访："


def _close(complaint: Complaint, reason: str = "", *, visited: bool = True, waiver: str = "") -> None:
    missing = closing_refusals(complaint, visited=visited, waiver=waiver)
    if missing:
        raise ValidationFailed(_("尚不能办结：%(what)s") % {"what": "；".join(missing)}, problems=missing)
    complaint.status = Status.CLOSED
    complaint.closed_at = timezone.now()
    complaint.close_reason = reason if len(reason) <= 200 else reason[:199] + "…"  # the whole of it is the event's note
    dues.set_due(complaint, dues.REVIEW_WINDOW)


@transaction.atomic(durable=True)
def follow_up(*, actor: User, number: str, data: FollowUp) -> Complaint:
    """Record a return visit (one attempt, tousu.followup). Satisfied closes; unsatisfied reopens for
    handling again unless the centre closes it with a reason, and a second unsatisfied answer after
    that is put under supervision (督办, seed 001-30); an unreachable complainant may be closed after
    the preset's number of failed attempts."""
    complaint, before = begin(actor, number, "follow_up", data)
    choice(data.satisfaction, Satisfaction, "satisfaction")
    earlier_unsatisfied = followup.unsatisfied_before(complaint)
    visit = followup.record_visit(complaint, actor=actor, data=data)
    escalated = False
    if data.satisfaction == Satisfaction.UNREACHABLE:
        complaint.followup_attempts += 1
        if data.close_unreachable:
            if complaint.followup_attempts < active().thresholds.unreachable_attempts:
                raise ValidationFailed(
                    _("联系不上须满 %(n)d 次方可办结（现为第 %(k)d 次）")
                    % {"n": active().thresholds.unreachable_attempts, "k": complaint.followup_attempts},
                    field="close_unreachable",
                )
            complaint.satisfaction = data.satisfaction
            _close(complaint, UNREACHABLE)
    elif data.satisfaction == Satisfaction.UNSATISFIED:
        complaint.satisfaction = data.satisfaction
        if data.close_anyway:  # the centre's call only (the action table's vet)
            _close(complaint, require(data.note, "note", _("请说明不满意仍办结的理由")))
        else:
            complaint.status = Status.IN_PROGRESS if complaint.handling_unit_id else Status.ACCEPTED
            dues.set_due(complaint, dues.HANDLING)
            if earlier_unsatisfied:
                escalated = True
                complaint.supervise_count += 1
    else:
        complaint.satisfaction = data.satisfaction
        _close(complaint)
    finish(
        complaint,
        actor=actor,
        action="follow_up",
        before=before,
        note=data.note,
        payload={
            "satisfaction": data.satisfaction,
            "attempts": complaint.followup_attempts,
            "visit": visit.attempt,
            "method": visit.method,
            "visited_at": visit.visited_at,
            **({"escalated": True, "supervise_count": complaint.supervise_count} if escalated else {}),
        },
    )
    if escalated:
        from tousu.complaints.services.dispatching import tell_supervision

        tell_supervision(complaint, actor, earlier_unsatisfied + 1)
    return complaint


@transaction.atomic(durable=True)
def close(*, actor: User, number: str, data: Close) -> Complaint:
    """The centre closes a replied case without a return visit, where the preset allows it, with
    the reason on record (the complainant declined visits, left no way to be reached…)."""
    complaint, before = begin(actor, number, "close", data)
    reason = require(data.reason, "reason", _("请说明免予回访的理由"))
    _close(complaint, WAIVED + reason, visited=False, waiver=reason)
    return finish(complaint, actor=actor, action="close", before=before, note=reason, payload={"waived": True})


def _reviewer_payload(complaint: Complaint) -> dict[str, object]:
    """Who decides the review, for the events: the unit above, or the fallback said as such."""
    r = reviewing.review_unit(complaint)
    if r is None:
        return {}
    payload: dict[str, object] = {"review_unit": r.unit.code}
    if r.fallback:
        payload["fallback"] = reviewing.fallback_note(r)
    return payload


@transaction.atomic(durable=True)
def request_review(*, actor: User, number: str, data: Reason) -> Complaint:
    """The complainant (on the portal, or staff on their behalf) asks the unit above the one that
    decided to review the result, within the window and once per result (the row's guard); the
    review deadline (the preset's ``review`` kind) runs from now."""
    complaint, before = begin(actor, number, "request_review", data)
    reason = require(data.reason, "reason", _("请填写复核理由"))
    complaint.review_from = complaint.status
    complaint.status = Status.UNDER_REVIEW
    dues.set_due(complaint, dues.REVIEW)
    return finish(
        complaint,
        actor=actor,
        action="request_review",
        before=before,
        note=reason,
        payload={"review_due": complaint.review_due, **_reviewer_payload(complaint)},
    )


@transaction.atomic(durable=True)
def decide_review(*, actor: User, number: str, data: DecideReview) -> Complaint:
    """The higher unit's decision (the row's guard: ``reviewing.may_decide_review``), which is
    final: upheld (维持) restores the result as it was; overturned (撤销) reopens the case for
    handling again, with the same unit (IN_PROGRESS) or for dispatch anew (ACCEPTED), under the
    reviewer's instructions."""
    complaint, before = begin(actor, number, "decide_review", data)
    if not isinstance(data.upheld, bool):
        raise ValidationFailed(_("请选择复核结论"), field="upheld")
    note = require(data.note, "note", _("请填写复核意见"))
    reviewer = _reviewer_payload(complaint)
    if data.upheld:
        complaint.status = complaint.review_from or Status.CLOSED
        decision = _("维持原处理结果。复核决定为最终决定。")
    else:
        if complaint.review_from == Status.CLOSED and complaint.handling_unit_id:
            complaint.status = Status.IN_PROGRESS
        else:
            complaint.status = Status.ACCEPTED
        complaint.closed_at = None
        dues.set_due(complaint, dues.HANDLING)
        decision = _("撤销原处理结果，按复核意见重新办理。复核决定为最终决定。")
    return finish(
        complaint,
        actor=actor,
        action="decide_review",
        before=before,
        note=note,
        payload={
            "upheld": data.upheld,
            "final": True,
            "decision": decision,
            **({} if data.upheld else {"instructions": note}),
            **reviewer,
        },
    )


@transaction.atomic(durable=True)
def archive(*, actor: User, number: str, data: Note) -> Complaint:
    complaint, before = begin(actor, number, "archive", data)
    complaint.status = Status.ARCHIVED
    complaint.archived_at = timezone.now()
    return finish(complaint, actor=actor, action="archive", before=before, note=data.note)


@transaction.atomic(durable=True)
def reopen(*, actor: User, number: str, data: Reopen) -> Complaint:
    complaint, before = begin(actor, number, "reopen", data)
    complaint.status = Status.ACCEPTED
    complaint.closed_at = None
    complaint.handling_unit = complaint.handler = None
    complaint.dispatch_mode = ""
    dues.set_due(complaint, dues.HANDLING)
    return finish(
        complaint,
        actor=actor,
        action="reopen",
        before=before,
        note=require(data.facts, "facts", _("请填写新的事实或理由")),
    )
