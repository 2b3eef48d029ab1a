"""A report: its kind and period, the figures frozen when it was drafted, the narrative the
managers edit, and, once issued, its 文号. An issued report never changes (``services.issue``)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import User


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")


class Report(models.Model):
    kind = models.CharField(_("报告类型"), max_length=30)
    period = models.CharField(_("统计期间"), max_length=30)  # a period code: 2026-11, 2026-Q4, 2026-W48
    period_label = models.CharField(_("期间名称"), max_length=60)
    title = models.CharField(_("标题"), max_length=120)
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # What ``tousu.indicators.stats.stats()`` gave when the report was drafted (and the chosen cases):
    # the document is rendered from this, never from the live tables, so it reads the same forever.
    snapshot = models.JSONField(_("数据快照"), encoder=DjangoJSONEncoder, default=dict)
    # [{"code": "overview", "heading": "一、总体情况", "text": "本月共受理投诉…"}, …]
    sections = models.JSONField(_("文字部分"), default=list)
    author = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    issued_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    issuer = models.CharField(_("印发单位"), max_length=120, blank=True)
    reference = models.CharField(_("文号"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("报告")
        ordering = ["-period", "kind", "-id"]
        constraints = [
            # One report of a kind per period: the scheduled draft is made once (the bulletin, a
            # selection of cases, may be made again for the same period).
            models.UniqueConstraint(
                fields=["kind", "period"], condition=~models.Q(kind="bulletin"), name="report_kind_period"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReportSequence(models.Model):
    """The last 文号 serial given in a year, locked while the next is taken."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
