"""The lifecycle of SPEC §5 as data: states, and for each action its sources, target and roles.

Services consult this table; the API's ``allowed_actions`` and the web UI's action forms are
derived from it, so the rule lives in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Role


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    DECLINED = "declined", _("不予受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已分办")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("已中止")
    PENDING_APPROVAL = "pending_approval", _("待审核")
    APPROVED = "approved", _("已审核")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    UNDER_REVIEW = "under_review", _("复核中")
    ARCHIVED = "archived", _("已归档")
    WITHDRAWN = "withdrawn", _("已撤诉")
    MERGED = "merged", _("已合并")


S = Status
OPEN = frozenset({S.REGISTERED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED,
                  S.PENDING_APPROVAL, S.APPROVED, S.REPLIED, S.UNDER_REVIEW})
TERMINAL = frozenset(set(Status) - OPEN)

CENTER = frozenset({Role.CENTER})
INTAKE = frozenset({Role.CLERK, Role.CENTER})
UNIT = frozenset({Role.HANDLER, Role.HEAD})
UNIT_AND_CENTER = frozenset({Role.HANDLER, Role.HEAD, Role.CENTER})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    targets: tuple[str, ...]  # the first is the usual outcome; a service picks among the others
    roles: frozenset[str]
    label: str
    # Whether the caller must belong to the handling unit (or its ancestors) rather than the centre.
    unit_action: bool = False
    # Whether the caller must belong to one of the co-units (联办) instead.
    co_unit_action: bool = False

    @property
    def target(self) -> str:
        return self.targets[0]


def _t(sources, targets, roles, label, unit_action=False, co_unit_action=False) -> Transition:  # noqa: ANN001
    if isinstance(targets, str):
        targets = (targets,)
    return Transition(frozenset(sources), tuple(targets), frozenset(roles), label, unit_action, co_unit_action)


SAME = "="  # target meaning "stays in its current state"

TRANSITIONS: dict[str, Transition] = {
    "accept": _t({S.REGISTERED}, S.ACCEPTED, INTAKE, _("受理")),
    "decline": _t({S.REGISTERED}, S.DECLINED, INTAKE, _("不予受理")),
    "resolve_on_spot": _t({S.REGISTERED, S.ACCEPTED}, S.REPLIED, INTAKE, _("当场办结")),
    "convert": _t({S.REGISTERED}, S.REGISTERED, INTAKE, _("转为投诉")),
    "dispatch": _t({S.ACCEPTED}, (S.DISPATCHED, S.IN_PROGRESS), CENTER, _("分办")),
    "propose_dispatch": _t({S.ACCEPTED}, SAME, CENTER, _("提出分办意见")),
    "decide_dispatch": _t({S.ACCEPTED}, (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS), {Role.CENTER, Role.HEAD},
                          _("审批分办意见")),
    "sign": _t({S.DISPATCHED}, S.IN_PROGRESS, UNIT, _("签收"), unit_action=True),
    "return": _t({S.DISPATCHED}, (S.ACCEPTED, S.IN_PROGRESS), UNIT, _("退回"), unit_action=True),
    "refuse_return": _t({S.ACCEPTED}, S.DISPATCHED, CENTER, _("不同意退回")),
    "assign_handler": _t({S.DISPATCHED, S.IN_PROGRESS}, SAME, {Role.HEAD, Role.CENTER}, _("指定承办人"), True),
    "sub_dispatch": _t({S.DISPATCHED, S.IN_PROGRESS}, S.DISPATCHED, {Role.HEAD}, _("下转"), unit_action=True),
    "give_opinion": _t({S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED}, SAME, UNIT, _("协办意见"),
                        co_unit_action=True),
    # Recusal is decided by the centre (or the accountability panel), never by the unit whose
    # staff it concerns; a mark is lifted on record, never deleted.
    "mark_conflict": _t(OPEN, SAME, {Role.CENTER, Role.PANEL}, _("标记回避")),
    "lift_conflict": _t(OPEN, SAME, {Role.CENTER, Role.PANEL}, _("解除回避")),
    "request_extension": _t({S.IN_PROGRESS}, S.IN_PROGRESS, UNIT_AND_CENTER, _("申请延期"), True),
    "decide_extension": _t({S.IN_PROGRESS}, S.IN_PROGRESS, {Role.HEAD, Role.CENTER}, _("审批延期"), True),
    "suspend": _t({S.IN_PROGRESS}, S.SUSPENDED, UNIT_AND_CENTER, _("中止"), True),
    "resume": _t({S.SUSPENDED}, S.IN_PROGRESS, UNIT_AND_CENTER, _("恢复"), True),
    "escalate": _t(OPEN, SAME, UNIT_AND_CENTER, _("上报"), True),
    "urge": _t(OPEN, SAME, CENTER, _("催办")),
    "supervise": _t(OPEN, SAME, CENTER, _("督办")),
    "submit_result": _t({S.IN_PROGRESS}, S.PENDING_APPROVAL, UNIT_AND_CENTER, _("提交办理结果"), True),
    "approve": _t({S.PENDING_APPROVAL}, S.APPROVED, {Role.HEAD, Role.CENTER}, _("审核通过"), True),
    "reject_result": _t({S.PENDING_APPROVAL}, S.IN_PROGRESS, {Role.HEAD, Role.CENTER}, _("审核退回"), True),
    "reply": _t({S.APPROVED}, S.REPLIED, UNIT_AND_CENTER, _("答复"), True),
    "follow_up": _t({S.REPLIED}, (S.CLOSED, S.IN_PROGRESS, S.ACCEPTED, S.REPLIED), {Role.FOLLOWUP, Role.CENTER},
                    _("回访")),
    "request_review": _t({S.CLOSED, S.DECLINED}, S.UNDER_REVIEW, INTAKE, _("申请复核")),
    "decide_review": _t({S.UNDER_REVIEW}, (S.CLOSED, S.IN_PROGRESS, S.ACCEPTED, S.DECLINED), CENTER,
                        _("复核决定")),
    "archive": _t({S.CLOSED}, S.ARCHIVED, CENTER, _("归档")),
    "withdraw": _t(OPEN, S.WITHDRAWN, INTAKE, _("撤诉")),
    "merge": _t(OPEN, S.MERGED, CENTER, _("合并")),
    "reopen": _t({S.CLOSED, S.DECLINED}, S.ACCEPTED, CENTER, _("重新办理")),
}

ACTIONS = tuple(TRANSITIONS)
