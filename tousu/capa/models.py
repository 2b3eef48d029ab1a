"""Rectification actions (整改措施, CAPA; SPEC §10, issue 15 §6) and how their effectiveness is
verified against the complaints that come after them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Unit
from tousu.complaints.models import Category, Complaint


class Kind(models.TextChoices):
    CONTAINMENT = "containment", _("临时措施")
    CORRECTIVE = "corrective", _("纠正措施")
    PREVENTIVE = "preventive", _("预防措施")
    QUARANTINE = "quarantine", _("隔离库存及在制品")
    HAZARD_ANALYSIS = "hazard_analysis", _("危害分析")
    RECALL_DECISION = "recall_decision", _("召回决定")
    HORIZONTAL_DEPLOYMENT = "horizontal_deployment", _("横向展开")


class Status(models.TextChoices):
    OPEN = "open", _("待完成")
    DONE = "done", _("已完成")  # done, and not verified (no criterion)
    VERIFYING = "verifying", _("验证中")
    EFFECTIVE = "effective", _("有效")
    INEFFECTIVE = "ineffective", _("无效")
    CANCELLED = "cancelled", _("已取消")


class Scope(models.TextChoices):
    NONE = "", _("不验证")
    PRODUCT = "product", _("同一产品")
    CATEGORY = "category", _("同一类别")
    UNIT = "unit", _("同一被投诉单位")


class Measure(models.TextChoices):
    NONE = "", _("不验证")
    DAYS = "days", _("完成后若干日内不再发生")
    BATCHES = "batches", _("此后若干批次不再发生")


class Action(models.Model):
    kind = models.CharField(_("措施类型"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("措施名称"), max_length=200)
    description = models.TextField(_("措施内容"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="capa_actions", verbose_name=_("责任人")
    )
    owner_unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    complaints = models.ManyToManyField(Complaint, related_name="capa_actions", verbose_name=_("关联投诉"))
    # The effectiveness criterion (empty scope: not verified).
    scope = models.CharField(_("验证范围"), max_length=16, choices=Scope.choices, blank=True)
    product_name = models.CharField(_("产品"), max_length=200, blank=True)
    category = models.ForeignKey(Category, models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    measure = models.CharField(_("验证方式"), max_length=16, choices=Measure.choices, blank=True)
    count = models.PositiveIntegerField(_("天数或批数"), null=True, blank=True)
    observation_days = models.PositiveIntegerField(_("末批后观察天数"), null=True, blank=True)
    # Done: the evidence, and the references of attachments on a linked complaint.
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    evidence = models.TextField(_("完成证据"), blank=True)
    evidence_files = models.JSONField(_("证据附件"), default=list, blank=True)
    # Verified: when, the outcome's reason, and the complaint that broke it.
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verdict = models.TextField(_("验证结论"), blank=True)
    broken_by = models.ForeignKey(
        Complaint, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("再次发生的投诉")
    )
    cancelled_reason = models.TextField(_("取消原因"), blank=True)
    # 000-119: an ineffective action is re-analysed; the new action it led to.
    follows = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="followed_by", verbose_name=_("接续的无效措施")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改措施")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class Batch(models.Model):
    """A batch produced after the action was done (the batches criterion: 001-14 「追踪下三批出货反馈」)."""

    action = models.ForeignKey(Action, models.CASCADE, related_name="batches")
    number = models.CharField(_("批号"), max_length=100)
    produced_on = models.DateField(_("生产日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["action", "recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["action", "number"], name="capa_batch_once")]


class Step(models.Model):
    """The action's own history: every change, by whom (none: the system), even where every linked
    complaint's record is already frozen (archived)."""

    action = models.ForeignKey(Action, models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    step = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["action", "at", "id"]
