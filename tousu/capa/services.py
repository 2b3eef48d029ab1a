"""Rectification actions (整改措施, CAPA; SPEC §10, issue 15 §6): made, done, batches recorded,
cancelled — by people; verified — by the system (``tousu.capa.verification``).

An action is linked to one or many complaints; the actor must see every one of them and hold a role
of the ``rectify`` row of the action table (``begin``: 404 outside the scope, 403 for another role,
409 on an archived complaint). Each change is on the action's own history (``Step``) and on the
record of each linked complaint (event ``rectify``, its ``step`` in the payload); a complaint
archived since is a frozen record and gets no event, the action's history still has it.

Lifecycle: 待完成 (open) → 已完成 (done: with evidence) → 验证中 (verifying, where the action has
an effectiveness criterion) → 有效 | 无效 (effective | ineffective, by the system); 已取消
(cancelled, with a reason) from open or verifying. An ineffective action (seed 000-119:
「立即组织有关部门进行分析」) stays in its owner's queue, due within the preset's re-analysis working
days, until a follow-up action is made for it (``follows``): that action is linked to its
complaints and to the one that broke it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import Role, Unit, User
from tousu.calendar.store import current as calendar
from tousu.capa.models import Action, Batch, Kind, Measure, Scope, Status, Step
from tousu.complaints.access import visible_complaints
from tousu.complaints.inputs import Day, Id, Input
from tousu.complaints.models import Attachment, Category, Complaint
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, finish, in_calendar
from tousu.complaints.states import Status as S
from tousu.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed

ROW = "rectify"  # the action table's row (tousu.complaints.actions)


class CreateIn(Input):
    complaints: list[str] = Field(min_length=1, max_length=20, description="关联的投诉编号（一个或多个）")
    kind: str = Field(max_length=32, description="措施类型：预设提供的类型代码，如 containment、corrective、preventive")
    title: str = Field(max_length=200, description="措施名称")
    description: str = Field("", max_length=5000, description="措施内容")
    owner: str = Field(max_length=150, description="责任人用户名")
    due_on: Day | None = Field(None, description="完成期限；默认按预设的工作日数从今天起算")
    scope: Literal["", "product", "category", "unit"] | None = Field(
        None,
        description="有效性验证范围：product 同一产品、category 同一类别（含下级）、unit 同一被投诉单位（含下级）、空为不验证；默认取预设",
    )
    product_name: str = Field("", max_length=200, description="产品；默认取关联投诉的产品")
    category: str = Field("", max_length=40, description="类别代码；默认取关联投诉的类别")
    unit: str = Field("", max_length=40, description="被投诉单位代码；默认取关联投诉的被投诉单位")
    measure: Literal["days", "batches"] | None = Field(
        None, description="days 完成后若干日内不再发生；batches 此后若干批次不再发生；默认取预设"
    )
    count: int | None = Field(None, ge=1, le=3650, description="天数或批数；默认取预设")
    follows: Id | None = Field(None, description="接续的无效措施编号（000-119：措施无效后重新分析制定的措施）")


class DoneIn(Input):
    evidence: str = Field(max_length=5000, description="完成情况及证据")
    attachments: list[Id] = Field(default_factory=list, max_length=20, description="证据附件：关联投诉的附件编号")


# Not "BatchIn": the OpenAPI document names a schema by its class, and the investigation's batch
# trace has a BatchIn of its own (one would declare the other's body).
class ProducedBatchIn(Input):
    number: str = Field(max_length=100, description="批号")
    produced_on: Day | None = Field(None, description="生产日期")


class BatchesIn(Input):
    batches: list[ProducedBatchIn] = Field(min_length=1, max_length=20, description="措施完成后生产的批次")


class CancelIn(Input):
    reason: str = Field(max_length=2000, description="取消原因")


# -- access -------------------------------------------------------------------------------------
def access_action(actor: User, action_id: int, *, for_update: bool = False) -> Action:
    """The action, if the actor is its owner or sees every complaint linked to it; else NotFound."""
    qs = Action.objects.select_related("owner", "owner_unit", "category", "unit", "broken_by", "follows")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    action = qs.filter(pk=action_id).first()
    if action is None or not may_see(actor, action):
        raise NotFound(_("整改措施 %(id)s 不存在或不在您的权限范围内") % {"id": action_id}, id=action_id)
    return action


def may_see(actor: User, action: Action) -> bool:
    if action.owner_id == actor.pk:
        return True
    linked = action.complaints.values_list("pk", flat=True)
    return not linked.exclude(pk__in=visible_complaints(actor).values("pk")).exists()


def may_manage(actor: User) -> bool:
    from tousu.complaints.actions import ACTIONS

    return actor.role in ACTIONS[ROW].roles


# -- records ------------------------------------------------------------------------------------
def record_step(action: Action, actor: User | None, step: str, note: str = "", **payload: Any) -> None:
    """One change: on the action's history, and on the record of each linked complaint not archived."""
    Step.objects.create(
        action=action, at=timezone.now(), actor=actor, step=step, status=action.status, note=note, payload=payload
    )
    ids = list(action.complaints.order_by("pk").values_list("pk", flat=True))
    for complaint in Complaint.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"):
        if complaint.status == S.ARCHIVED:
            continue  # a frozen record (SPEC §5); the action's own history has it
        finish(
            complaint,
            actor=actor,
            action=ROW,
            before=complaint.status,
            note=note,
            payload={"capa": action.pk, "step": step, "kind": action.kind, "title": action.title,
                     "status": action.status, **payload},
        )  # fmt: skip


# -- make ---------------------------------------------------------------------------------------
def _owner(name: str) -> User:
    owner = User.objects.filter(username=name.strip(), is_active=True).select_related("unit").first()
    if owner is None or owner.role in (Role.ADMIN, Role.AUDITOR):
        raise ValidationFailed(_("责任人「%(name)s」不存在、已停用或不能承担整改措施") % {"name": name}, field="owner")
    return owner


def _due(kind_days: int, given: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if given is not None:
        if given < today:
            raise ValidationFailed(_("完成期限不能早于今天"), field="due_on")
        return in_calendar(given, "due_on")
    return calendar().add_working_days(today, kind_days)


def subtree(category: Category) -> list[int]:
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def _criterion(data: CreateIn, verified: bool, linked: list[Complaint], action: Action) -> None:
    """Fill the action's criterion from the input, the preset's default and the linked complaints."""
    preset = active().capa
    scope = data.scope if data.scope is not None else (preset.criterion.scope if verified else "")
    if not scope:
        if data.measure or data.count:
            raise ValidationFailed(_("不验证的措施不设验证方式和天数、批数"), field="scope")
        return
    action.scope = scope
    action.measure = data.measure or preset.criterion.measure
    action.count = data.count or preset.criterion.count
    if action.measure == Measure.BATCHES:
        action.observation_days = preset.observation_days
        if action.count > 100:
            raise ValidationFailed(_("跟踪批数不超过100批"), field="count")
    respondents = [r for c in linked for r in c.respondents.all()]
    if scope == Scope.PRODUCT:
        name = data.product_name.strip() or next((r.product_name for r in respondents if r.product_name.strip()), "")
        if not name.strip():
            raise ValidationFailed(_("按同一产品验证，须填写产品（关联投诉未载明产品）"), field="product_name")
        action.product_name = name.strip()
    elif scope == Scope.CATEGORY:
        if data.category.strip():
            action.category = Category.objects.in_force().filter(code=data.category.strip()).first()
            if action.category is None:
                raise ValidationFailed(_("类别「%(code)s」不存在") % {"code": data.category}, field="category")
        else:
            action.category = next((c.category for c in linked if c.category is not None), None)
            if action.category is None:
                raise ValidationFailed(_("按同一类别验证，须填写类别（关联投诉尚未分类）"), field="category")
    else:
        if data.unit.strip():
            action.unit = Unit.objects.filter(code=data.unit.strip()).first()
            if action.unit is None:
                raise ValidationFailed(_("单位「%(code)s」不存在") % {"code": data.unit}, field="unit")
        else:
            action.unit = next((r.unit for r in respondents if r.unit is not None), None)
            if action.unit is None:
                raise ValidationFailed(_("按同一被投诉单位验证，须填写单位（关联投诉未载明被投诉单位）"), field="unit")


def _followed(data: CreateIn) -> Action | None:
    if data.follows is None:
        return None
    old = Action.objects.select_for_update(of=("self",)).filter(pk=data.follows).first()
    if old is None or old.status != Status.INEFFECTIVE:
        raise ValidationFailed(_("只能接续已验证无效的整改措施"), field="follows")
    if Action.objects.filter(follows=old).exists():
        raise ValidationFailed(_("该无效措施已有接续措施"), field="follows")
    return old


@transaction.atomic(durable=True)
def create(*, actor: User, data: CreateIn) -> Action:
    """Make an action linked to the complaints named: 404 for one outside the actor's scope, 403
    for a role that may not, 409 for an archived one, 422 for bad input (nothing written)."""
    preset = active().capa
    kind = preset.kind(data.kind)
    if kind is None:
        raise ValidationFailed(
            _("「%(kind)s」不是本预设提供的措施类型") % {"kind": data.kind},
            field="kind",
            allowed=[k.code for k in preset.kinds],
        )
    title = data.title.strip()
    if not title:
        raise ValidationFailed(_("请填写措施名称"), field="title")
    old = _followed(data)
    numbers = list(dict.fromkeys(n.strip() for n in data.complaints if n.strip()))
    if old is not None:
        numbers += [c.number for c in old.complaints.order_by("pk") if c.number not in numbers]
        if old.broken_by is not None and old.broken_by.number not in numbers:
            numbers.append(old.broken_by.number)
    if not numbers:
        raise ValidationFailed(_("请填写关联的投诉编号"), field="complaints")
    linked = [begin(actor, number, ROW, data)[0] for number in sorted(numbers)]
    owner = _owner(data.owner)
    action = Action(
        kind=kind.code,
        title=title,
        description=data.description.strip(),
        owner=owner,
        owner_unit=owner.unit,
        due_on=_due(kind.due_working_days, data.due_on),
        created_by=actor,
        follows=old,
    )
    _criterion(data, kind.verified, linked, action)
    action.save()
    action.complaints.set(linked)
    if old is not None:
        Step.objects.create(
            action=old, at=timezone.now(), actor=actor, step="follow_up", status=old.status,
            note=_("已制定接续措施 %(id)s") % {"id": action.pk}, payload={"follow_up": action.pk},
        )  # fmt: skip
    record_step(
        action, actor, "create", action.description,
        owner=owner.username, due_on=action.due_on.isoformat(), criterion=criterion_text(action),
        complaints=[c.number for c in linked], follows=old.pk if old else None,
    )  # fmt: skip
    return action


# -- the owner's steps --------------------------------------------------------------------------
def _may_work(actor: User, action: Action) -> None:
    if action.owner_id != actor.pk and not may_manage(actor):
        raise NotPermitted(_("只有责任人或质量、投诉中心、部门负责人可以记录整改措施的完成情况"))


def _evidence_files(action: Action, ids: list[int]) -> list[dict[str, Any]]:
    found = {
        a.pk: a
        for a in Attachment.objects.filter(pk__in=ids, complaint__in=action.complaints.all()).select_related(
            "complaint"
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(_("附件 %(ids)s 不是关联投诉的附件") % {"ids": missing}, field="attachments")
    return [
        {"id": i, "complaint": found[i].complaint.number, "name": found[i].original_name} for i in dict.fromkeys(ids)
    ]


@transaction.atomic(durable=True)
def record_done(*, actor: User, action_id: int, data: DoneIn) -> Action:
    """The owner records the action done, with its evidence; where it has a criterion its
    verification starts now (验证中)."""
    action = access_action(actor, action_id, for_update=True)
    _may_work(actor, action)
    if action.status != Status.OPEN:
        raise InvalidTransition(
            _("整改措施「%(s)s」，不能再记录完成") % {"s": action.get_status_display()}, status=action.status
        )
    evidence = data.evidence.strip()
    if not evidence:
        raise ValidationFailed(_("请填写完成情况及证据"), field="evidence")
    action.evidence = evidence
    action.evidence_files = _evidence_files(action, data.attachments)
    action.done_at = timezone.now()
    action.status = Status.VERIFYING if action.scope else Status.DONE
    action.save()
    record_step(action, actor, "done", evidence, attachments=[f["id"] for f in action.evidence_files],
          late=action.done_at.date() > action.due_on)  # fmt: skip
    return action


@transaction.atomic(durable=True)
def record_batches(*, actor: User, action_id: int, data: BatchesIn) -> Action:
    """The batches produced after the fix (batches criterion): up to the number it tracks."""
    action = access_action(actor, action_id, for_update=True)
    _may_work(actor, action)
    if action.measure != Measure.BATCHES:
        raise ValidationFailed(_("该措施不按批次验证"), field="batches")
    if action.status != Status.VERIFYING:
        raise InvalidTransition(
            _("整改措施「%(s)s」，不能记录批次（完成后、验证结束前才能记录）") % {"s": action.get_status_display()},
            status=action.status,
        )
    have = set(action.batches.values_list("number", flat=True))
    numbers = [b.number.strip() for b in data.batches]
    if any(not n for n in numbers):
        raise ValidationFailed(_("请填写批号"), field="batches")
    again = sorted({n for n in numbers if n in have or numbers.count(n) > 1})
    if again:
        raise ValidationFailed(_("批号重复：%(b)s") % {"b": "、".join(again)}, field="batches")
    assert action.count is not None
    if len(have) + len(numbers) > action.count:
        raise ValidationFailed(
            _("该措施跟踪%(n)d批，已记录%(have)d批，不能再记录%(more)d批")
            % {"n": action.count, "have": len(have), "more": len(numbers)},
            field="batches",
        )
    today = timezone.localdate()
    if any(b.produced_on and b.produced_on > today for b in data.batches):
        raise ValidationFailed(_("生产日期不能晚于今天"), field="batches")
    now = timezone.now()
    Batch.objects.bulk_create(
        Batch(action=action, number=b.number.strip(), produced_on=b.produced_on, recorded_by=actor, recorded_at=now)
        for b in data.batches
    )
    record_step(action, actor, "batches", "、".join(numbers), batches=numbers)
    return action


@transaction.atomic(durable=True)
def cancel(*, actor: User, action_id: int, data: CancelIn) -> Action:
    action = access_action(actor, action_id, for_update=True)
    if not may_manage(actor):
        raise NotPermitted(_("只有质量、投诉中心、部门负责人或责任认定小组可以取消整改措施"))
    if action.status not in (Status.OPEN, Status.VERIFYING):
        raise InvalidTransition(
            _("整改措施「%(s)s」，不能取消") % {"s": action.get_status_display()}, status=action.status
        )
    reason = data.reason.strip()
    if not reason:
        raise ValidationFailed(_("请填写取消原因"), field="reason")
    action.status = Status.CANCELLED
    action.cancelled_reason = reason
    action.save()
    record_step(action, actor, "cancel", reason)
    return action


# -- reading helpers shared with verification and selectors ---------------------------------------
def criterion_text(action: Action) -> str:
    """The criterion in words: 「同一产品「X」：完成后90日内不再发生」."""
    if not action.scope:
        return _("不验证")
    if action.scope == Scope.PRODUCT:
        what = _("同一产品「%(p)s」") % {"p": action.product_name}
    elif action.scope == Scope.CATEGORY:
        what = _("同一类别「%(c)s」（含下级）") % {"c": action.category.name if action.category else "—"}
    else:
        what = _("同一被投诉单位「%(u)s」（含下级）") % {"u": action.unit.name if action.unit else "—"}
    if action.measure == Measure.BATCHES:
        how = _("此后%(n)d批产品不再发生（末批记录后观察%(d)d日）") % {
            "n": action.count or 0,
            "d": action.observation_days or 0,
        }
    else:
        how = _("完成后%(n)d日内不再发生") % {"n": action.count or 0}
    return f"{what}：{how}"


def kinds_offered() -> list[tuple[str, str]]:
    return [(k.code, k.name) for k in active().capa.kinds]


def kind_label(code: str) -> str:
    k = active().capa.kind(code)
    return k.name if k else str(Kind(code).label) if code in Kind.values else code


def linked_numbers(action: Action) -> QuerySet[Complaint]:
    return action.complaints.order_by("number")
