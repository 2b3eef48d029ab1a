"""The action table: every change a complaint can undergo, declared once (SPEC §5, STYLE §10).

Each row names the action, the states it leaves from and may go to, the roles that may take it,
its input model, its service and its guard. Everything else is derived from this table: the scope,
role, version and state checks every service starts with (``services.common.begin``), the
``allowed_actions`` of a complaint, the API's action routes, the web UI's action forms, the tests
that walk the lifecycle. A new action is one row here and one service.

Besides the lifecycle of SPEC §5 the table holds the writes that are not a step of it but still
change the record — registration, attachments, identity grants, the deadline scan's automatic
urging and the recomputation of due dates — so that every change goes the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Role
from tousu.complaints import attachments, guards, inputs
from tousu.complaints.services import closing, dispatching, grants, handling, intake, timekeeping
from tousu.complaints.states import OPEN, Status

S = Status
ANY = frozenset(Status)
# Every state but archived: an archived record is frozen for everyone (services.common.READS lists
# the audited reads it still allows).
LIVE = ANY - {S.ARCHIVED}
SAME = "="  # a target meaning "stays in its current state"

CLERK, CENTER, HEAD, HANDLER = Role.CLERK, Role.CENTER, Role.HEAD, Role.HANDLER
INTAKE = frozenset({CLERK, CENTER})
UNIT = frozenset({HANDLER, HEAD})
UNIT_AND_CENTER = UNIT | {CENTER}
STAFF = frozenset(set(Role) - {Role.ADMIN, Role.AUDITOR})
# Where a closed case's sanctions are settled: closed, or under review meanwhile (it cannot be
# archived while one is open, guards.sanctions_settled).
SETTLING = frozenset({S.CLOSED, S.UNDER_REVIEW})
SYSTEM: frozenset[str] = frozenset()  # only the system takes it (the deadline scan, a calendar change)

Guard = Callable[[Any, Any], "str | None"]
Vet = Callable[[Any, Any, Any], None]


class Face(Enum):
    """How users reach an action."""

    FORM = "form"  # a generic form: POST /api/v1/complaints/{number}/{name}, and a form on the page
    OWN = "own"  # a route and a page of its own (registration, upload, identity requests)
    SYSTEM = "system"  # no face: background work


@dataclass(frozen=True)
class Action:
    name: str
    label: str | Promise
    sources: frozenset[str]  # the states it may leave from; empty for registration (no complaint yet)
    targets: tuple[str, ...]  # the first is the usual outcome; the service picks among the others
    roles: frozenset[str]
    input: type[inputs.Input]
    service: Callable[..., Any]
    guard: Guard | None = None
    # The actor must belong to the handling unit (or head a unit above it) rather than the centre.
    unit_action: bool = False
    # The actor must belong to one of the co-units (联办) instead.
    co_unit_action: bool = False
    # False where the action only adds (material, a request): it needs no version, as a portal user
    # or a colleague adding a file cannot have read the latest one.
    versioned: bool = True
    face: Face = Face.FORM
    # Routine actions that leave the state as it is, shown after the main ones ("其他操作").
    secondary: bool = False
    # Checks of the input that depend on who acts: (actor, complaint, input) → raises if refused.
    vet: Vet | None = None

    @property
    def target(self) -> str:
        return self.targets[0]


def _row(
    name: str,
    label: Promise,
    sources: Any,
    targets: Any,
    roles: Any,
    input: type[inputs.Input],
    service: Callable[..., Any],
    **more: Any,
) -> Action:
    targets = (targets,) if isinstance(targets, str) else tuple(targets)
    return Action(name, label, frozenset(sources), targets, frozenset(roles), input, service, **more)


def _imported(**_kwargs: Any) -> None:
    """The import's events are written by ``tousu.ledger`` through ``complaints.bulk``, never here."""
    raise NotImplementedError("use tousu.ledger")


def _elsewhere(package: str) -> Any:
    """The service of a row whose events another package writes (through ``common.finish``, so
    they are audited like the rest): the row names the event, who may write it and its label."""

    def service(**_kwargs: Any) -> None:
        raise NotImplementedError(f"written by {package}")

    return service


# fmt: off
# One row per action, one line per row where it fits: the table reads as a table, column by column
# (the formatter would give every argument a line of its own).
I = inputs  # noqa: E741  (the inputs module, the table's input column, as S is its statuses)
TABLE: tuple[Action, ...] = (
    # -- intake ---------------------------------------------------------------------------------
    _row("register", _("登记"), (), S.REGISTERED, INTAKE, I.RegisterIn, intake.register, versioned=False,
         face=Face.OWN),
    _row("accept", _("受理"), {S.REGISTERED}, S.ACCEPTED, INTAKE, I.Accept, intake.accept),
    _row("decline", _("不予受理"), {S.REGISTERED}, S.DECLINED, INTAKE, I.Decline, intake.decline,
         vet=guards.decline_authority),
    _row("resolve_on_spot", _("当场办结"), {S.REGISTERED, S.ACCEPTED}, S.REPLIED, INTAKE, I.ResolveOnSpot,
         intake.resolve_on_spot),
    _row("convert", _("转为投诉"), {S.REGISTERED}, S.REGISTERED, INTAKE, I.Convert, intake.convert,
         guard=guards.convertible),
    # -- dispatch (SPEC §7) ---------------------------------------------------------------------
    _row("dispatch", _("分办"), {S.ACCEPTED}, (S.DISPATCHED, S.IN_PROGRESS), {CENTER}, I.Dispatch,
         dispatching.dispatch, guard=guards.dispatch_directly),
    _row("propose_dispatch", _("提出分办意见"), {S.ACCEPTED}, SAME, {CENTER}, I.Dispatch,
         dispatching.propose_dispatch, guard=guards.may_propose),
    _row("decide_dispatch", _("审批分办意见"), {S.ACCEPTED}, (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS),
         {CENTER, HEAD}, I.DecideDispatch, dispatching.decide_dispatch, guard=guards.step_approver),
    _row("sign", _("签收"), {S.DISPATCHED}, S.IN_PROGRESS, UNIT, I.Note, dispatching.sign, unit_action=True),
    _row("return", _("退回"), {S.DISPATCHED}, (S.ACCEPTED, S.IN_PROGRESS), UNIT, I.Return, dispatching.return_,
         unit_action=True),
    _row("refuse_return", _("不同意退回"), {S.ACCEPTED}, S.DISPATCHED, {CENTER}, I.RequiredNote,
         dispatching.refuse_return, guard=guards.returned),
    _row("assign_handler", _("指定承办人"), {S.DISPATCHED, S.IN_PROGRESS}, SAME, {HEAD, CENTER}, I.AssignHandler,
         dispatching.assign_handler, unit_action=True),
    _row("sub_dispatch", _("下转"), {S.DISPATCHED, S.IN_PROGRESS}, S.DISPATCHED, {HEAD}, I.SubDispatch,
         dispatching.sub_dispatch, unit_action=True, guard=guards.not_transfer),
    _row("give_opinion", _("协办意见"), {S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED}, SAME, UNIT, I.GiveOpinion,
         dispatching.give_opinion, co_unit_action=True, guard=guards.co_unit),
    # Recusal is decided by the centre (or the accountability panel), never by the unit whose staff
    # it concerns; a mark is lifted on record, never deleted.
    _row("mark_conflict", _("标记回避"), OPEN, SAME, {CENTER, Role.PANEL}, I.MarkConflict,
         dispatching.mark_conflict, secondary=True),
    _row("lift_conflict", _("解除回避"), OPEN, SAME, {CENTER, Role.PANEL}, I.LiftConflict,
         dispatching.lift_conflict, guard=guards.someone_in_conflict, secondary=True),
    # -- handling -------------------------------------------------------------------------------
    _row("request_extension", _("申请延期"), {S.IN_PROGRESS}, S.IN_PROGRESS, UNIT_AND_CENTER, I.RequestExtension,
         handling.request_extension, unit_action=True, guard=guards.no_pending_extension),
    _row("decide_extension", _("审批延期"), {S.IN_PROGRESS}, S.IN_PROGRESS, {HEAD, CENTER}, I.DecideExtension,
         handling.decide_extension, unit_action=True, guard=guards.pending_extension),
    _row("suspend", _("中止"), {S.IN_PROGRESS}, S.SUSPENDED, UNIT_AND_CENTER, I.Suspend, handling.suspend,
         unit_action=True),
    _row("resume", _("恢复"), {S.SUSPENDED}, S.IN_PROGRESS, UNIT_AND_CENTER, I.Note, handling.resume,
         unit_action=True),
    _row("escalate", _("上报"), OPEN, SAME, UNIT_AND_CENTER, I.Reason, dispatching.escalate, unit_action=True,
         secondary=True),
    _row("urge", _("催办"), OPEN, SAME, {CENTER}, I.RequiredNote, dispatching.urge, secondary=True),
    _row("supervise", _("督办"), OPEN, SAME, {CENTER}, I.Supervise, dispatching.supervise, secondary=True),
    _row("submit_result", _("提交办理结果"), {S.IN_PROGRESS}, S.PENDING_APPROVAL, UNIT_AND_CENTER, I.SubmitResult,
         handling.submit_result, unit_action=True, guard=guards.opinions_in),
    _row("approve", _("审核通过"), {S.PENDING_APPROVAL}, S.APPROVED, {HEAD, CENTER}, I.Note, handling.approve,
         unit_action=True, guard=guards.approver_signed),
    _row("reject_result", _("审核退回"), {S.PENDING_APPROVAL}, S.IN_PROGRESS, {HEAD, CENTER}, I.RequiredNote,
         handling.reject_result, unit_action=True, guard=guards.approver),
    # -- closing --------------------------------------------------------------------------------
    _row("reply", _("答复"), {S.APPROVED}, S.REPLIED, UNIT_AND_CENTER, I.Reply, closing.reply, unit_action=True),
    # By the follow-up staff or the unit the preset names (complaints/visiting.py); the centre may always.
    _row("follow_up", _("回访"), {S.REPLIED}, (S.CLOSED, S.IN_PROGRESS, S.ACCEPTED, S.REPLIED),
         {Role.FOLLOWUP, CENTER} | UNIT, I.FollowUp, closing.follow_up, guard=guards.visitor,
         vet=guards.closing_anyway),
    _row("close", _("免予回访办结"), {S.REPLIED}, S.CLOSED, {CENTER}, I.Close, closing.close,
         guard=guards.waivable, secondary=True),
    _row("request_review", _("申请复核"), {S.CLOSED, S.DECLINED}, S.UNDER_REVIEW, INTAKE, I.Reason,
         closing.request_review, guard=guards.review_window),
    # The unit above the one whose result is reviewed decides (complaints/reviewing.py), its head
    # or members in these roles; the centre's supervisors as such are refused by the guard.
    _row("decide_review", _("复核决定"), {S.UNDER_REVIEW}, (S.CLOSED, S.IN_PROGRESS, S.ACCEPTED, S.DECLINED),
         {CENTER, HEAD}, I.DecideReview, closing.decide_review, guard=guards.review_decider),
    _row("archive", _("归档"), {S.CLOSED}, S.ARCHIVED, {CENTER}, I.Note, closing.archive,
         guard=guards.sanctions_settled),
    _row("withdraw", _("撤诉"), OPEN, S.WITHDRAWN, INTAKE, I.Withdraw, intake.withdraw, secondary=True),
    _row("merge", _("合并"), OPEN, S.MERGED, {CENTER}, I.Merge, intake.merge, secondary=True),
    _row("reopen", _("重新办理"), {S.CLOSED, S.DECLINED}, S.ACCEPTED, {CENTER}, I.Reopen, closing.reopen),
    # -- material and confidentiality (摘转) -----------------------------------------------------
    _row("attach", _("上传附件"), ANY - {S.ARCHIVED}, SAME, STAFF, I.Attach, attachments.add,
         versioned=False, face=Face.OWN),
    _row("request_identity", _("申请查看投诉人信息"), LIVE, SAME, UNIT, I.IdentityRequest,
         grants.request_identity, versioned=False, face=Face.OWN, guard=guards.identity_requestable),
    _row("reveal_contact", _("查看完整联系方式"), ANY, SAME, STAFF, I.RevealContact, grants.reveal_contact,
         versioned=False, face=Face.OWN, guard=guards.contact_revealable),
    _row("decide_identity", _("审批查看投诉人信息"), LIVE, SAME, {CENTER}, I.IdentityDecision,
         grants.decide_identity, versioned=False, face=Face.OWN),
    _row("release_attachment", _("放行附件"), LIVE, SAME, {CENTER}, I.ReleaseAttachment,
         grants.release_attachment, versioned=False, face=Face.OWN),
    # -- the system's own writes ----------------------------------------------------------------
    _row("recompute_dues", _("重新计算期限"), OPEN, SAME, SYSTEM, I.Input, timekeeping.recompute_one,
         face=Face.SYSTEM),
    # A complaint from an Excel ledger (SPEC §11) arrives in the state its ledger gives: its first
    # event says it was imported (tousu.ledger, written through complaints.bulk).
    _row("import", _("台账导入"), (), tuple(Status), {Role.ADMIN, CENTER}, I.Input, _imported, face=Face.SYSTEM),
    # The complainant on the public portal (tousu.portal, acting as its internal clerk "public").
    _row("rate", _("投诉人评价"), {S.REPLIED, S.CLOSED}, SAME, {CLERK}, I.Input,
         _elsewhere("tousu.portal"), face=Face.SYSTEM),
    _row("add_material", _("投诉人补充材料"), OPEN | {S.CLOSED, S.DECLINED}, SAME, {CLERK}, I.Input,
         _elsewhere("tousu.portal"),
         face=Face.SYSTEM),
    # Detection (tousu.detection): what the system found, and staff's decisions on it.
    _row("detect_repeat", _("识别为重复投诉"), LIVE, SAME, SYSTEM, I.Input, _elsewhere("tousu.detection"),
         face=Face.SYSTEM),
    _row("detect_group", _("列入群体投诉"), LIVE, SAME, SYSTEM, I.Input, _elsewhere("tousu.detection"),
         face=Face.SYSTEM),
    _row("detect_grade", _("逾期未解决，自动提级"), OPEN, SAME, SYSTEM, I.Input, _elsewhere("tousu.detection"),
         face=Face.SYSTEM),
    _row("confirm_repeat", _("确认重复投诉"), LIVE, SAME, INTAKE, I.Input, _elsewhere("tousu.detection"),
         face=Face.SYSTEM),
    _row("reject_repeat", _("否认重复投诉"), LIVE, SAME, INTAKE, I.Input, _elsewhere("tousu.detection"),
         face=Face.SYSTEM),
    _row("override_grade", _("人工调整等级"), LIVE, SAME, INTAKE, I.Input, _elsewhere("tousu.detection"),
         face=Face.SYSTEM),
    # The demands split into items (tousu.replycheck), each to be answered: the clerk corrects the split.
    _row("edit_demands", _("修改诉求事项"), OPEN, SAME, INTAKE, I.Input, _elsewhere("tousu.replycheck"),
         versioned=False, face=Face.SYSTEM),
    # Letters (tousu.letters): a letter made from the preset's library, its 文号 and text on record.
    _row("make_letter", _("制作文书"), ANY - {S.ARCHIVED}, SAME, INTAKE | UNIT, I.Input,
         _elsewhere("tousu.letters"), versioned=False, face=Face.SYSTEM),
    # The investigation record (tousu.investigation): entries, root cause, batch trace, by the unit.
    _row("record_investigation", _("记录调查"), {S.IN_PROGRESS, S.SUSPENDED}, SAME, UNIT_AND_CENTER, I.Input,
         _elsewhere("tousu.investigation"), unit_action=True, versioned=False, face=Face.SYSTEM),
    # The solution's sign-offs (tousu.solution): by the head of a unit or a role the preset names,
    # above its amount and grade thresholds, before the result may be approved.
    _row("sign_solution", _("签批处理方案"), {S.PENDING_APPROVAL}, SAME, {CENTER, HEAD, Role.QUALITY}, I.Input,
         _elsewhere("tousu.solution"), guard=guards.solution_signer, face=Face.SYSTEM),
    _row("refuse_solution", _("不同意处理方案"), {S.PENDING_APPROVAL}, S.IN_PROGRESS, {CENTER, HEAD, Role.QUALITY},
         I.Input, _elsewhere("tousu.solution"), guard=guards.solution_signer, face=Face.SYSTEM),
    # The responsibility determination (tousu.accountability): by the panel, once the case is closed.
    _row("determine", _("责任认定"), {S.CLOSED}, SAME, {Role.PANEL}, I.Input, _elsewhere("tousu.accountability"),
         versioned=False, face=Face.SYSTEM),
    # The sanctions the policy engine proposed with it: the panel confirms or changes each, the
    # sanctioned appeal, the level above decides finally, the scan makes the unappealed final.
    _row("confirm_sanction", _("确认处理"), SETTLING, SAME, {Role.PANEL}, I.Input, _elsewhere("tousu.accountability"),
         versioned=False, face=Face.SYSTEM),
    _row("appeal_sanction", _("申诉"), SETTLING, SAME, STAFF, I.Input, _elsewhere("tousu.accountability"),
         versioned=False, face=Face.SYSTEM),
    _row("decide_appeal", _("申诉决定"), SETTLING, SAME, {HEAD, Role.PANEL}, I.Input,
         _elsewhere("tousu.accountability"), versioned=False, face=Face.SYSTEM),
    _row("finalise_sanction", _("处理生效"), SETTLING, SAME, SYSTEM, I.Input, _elsewhere("tousu.accountability"),
         versioned=False, face=Face.SYSTEM),
    # Rectification (tousu.capa): an action linked to the case, and each change of its status.
    _row("rectify", _("整改措施"), LIVE, SAME, {Role.QUALITY, CENTER, HEAD, Role.PANEL}, I.Input,
         _elsewhere("tousu.capa"), versioned=False, face=Face.SYSTEM),
    # The archive file (tousu.archive): an audited read, on the record of whoever may read the case.
    _row("export_archive", _("导出归档文件"), ANY, SAME, frozenset(Role), I.Input, _elsewhere("tousu.archive"),
         versioned=False, face=Face.SYSTEM),
)
# fmt: on

ACTIONS: dict[str, Action] = {a.name: a for a in TABLE}
# Events the system records outside the table, which no one takes (tousu.archive.retention).
SYSTEM_EVENTS: dict[str, Promise] = {"anonymise": _("匿名化（保存期限届满）")}


def event_label(code: str) -> str:
    """The name of an event's action: the table's, or a system event's."""
    action = ACTIONS.get(code)
    return str(action.label if action else SYSTEM_EVENTS.get(code, code))


# The lifecycle actions users take through a generic form (API route and web form).
FORM_ACTIONS: dict[str, Action] = {a.name: a for a in TABLE if a.face is Face.FORM}


def perform(name: str, actor: Any, number: str | None, fields: dict[str, Any]) -> Any:
    """Take action ``name`` with its input built from plain ``fields`` (validated by the action's
    input model): for scripts, the demo and tests that drive the real services by name. Faces call
    the service with the input they parsed themselves."""
    action = ACTIONS[name]
    data = action.input.model_validate(fields)
    if number is None:
        return action.service(actor=actor, data=data)
    return action.service(actor=actor, number=number, data=data)
