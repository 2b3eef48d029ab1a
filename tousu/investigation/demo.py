"""The demo's investigator: where the preset requires the root cause (and the batch) before a
result, the demo data and the presets' walks record a complete one first, through the services,
as a handler would (``presets.demo.build``, ``presets.tests.walk.Walk``)."""

from __future__ import annotations

from django.utils import timezone

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.investigation import rules, services

TEXTS = {
    "D1": "成立由品质部主持、工程部和生产部参加的调查小组",
    "D2": "确认为产品品质问题，记录不良现象、数量和对客户的影响",
    "D3": "隔离库存品及在制品，按客户要求挑选、返工或退货",
    "D4": "三部门会议分析，查明根本原因为工艺参数控制不当",
    "D5": "修订作业指导书，调整工艺参数，经理审批后确认永久对策",
    "D6": "实施改善方案，品质部跟踪验证有效",
    "D7": "水平展开到同类产品，追踪后三批出货反馈",
    "D8": "总结经验，通报表扬调查小组",
    "what": "核实投诉所述质量问题",
    "why": "查明原因并评估对其他批次的影响",
    "where": "生产车间、仓库和留样室",
    "when": "收到投诉后即时调查",
    "who": "质量管理部门会同生产部门",
    "how": "核对批生产记录，检查留样和相关批次",
}


def complete(actor: User, complaint: Complaint) -> Complaint:
    """Record what the preset still needs before ``complaint``'s result (the root cause in full
    with the preset's method; the batch where it can be read from the complaint) and return the
    complaint as it is now. Nothing happens where nothing is missing."""
    if not rules.missing(complaint):
        return complaint
    policy = rules.policy()
    if policy.root_cause != "none":
        today = timezone.localdate()
        parts = {
            code: services.PartIn(text=TEXTS[code], owner=str(actor), date=today)
            for code, _label in rules.DISCIPLINES[policy.root_cause]
        }
        data = services.RootCauseIn(method=policy.root_cause, parts=parts)
        services.set_root_cause(actor=actor, number=complaint.number, data=data)
    batch = rules.known_batch(complaint)
    if policy.batch_required and batch:
        services.set_batch_trace(actor=actor, number=complaint.number, data=services.BatchIn(batch=batch))
    return Complaint.objects.get(pk=complaint.pk)
