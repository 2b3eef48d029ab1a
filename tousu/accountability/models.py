"""Responsibility determinations (责任认定, SPEC §10): liable or not, with the preset's reason
codes, the units and persons responsible with their shares, and the loss apportioned among them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Unit
from tousu.complaints.models import Complaint


class Determination(models.Model):
    complaint = models.ForeignKey(Complaint, models.PROTECT, related_name="determinations")
    liable = models.BooleanField(_("有责"))
    reasons = models.JSONField(_("认定理由"), default=list)  # the preset's reason codes
    loss = models.DecimalField(_("损失金额（元）"), max_digits=14, decimal_places=2, default=0)
    note = models.TextField(_("认定说明"), blank=True)
    decided_on = models.DateField(_("认定日期"))
    panel = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("认定小组成员"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    # A later determination (on appeal, issue 15) replaces this one; the old one is kept.
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["complaint", "id"]


class Share(models.Model):
    """One responsible unit or person: its share of the responsibility and of the loss."""

    determination = models.ForeignKey(Determination, models.CASCADE, related_name="shares")
    position = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # The percentage exactly as a fraction (100/3 stays a third), and as shown.
    numerator = models.PositiveBigIntegerField()
    denominator = models.PositiveBigIntegerField()
    amount = models.DecimalField(_("分摊金额（元）"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["determination", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(person__isnull=False), name="share_names_someone"
            )
        ]


class SanctionStatus(models.TextChoices):
    PROPOSED = "proposed", _("拟处理")  # the engine's proposal, awaiting the panel
    CONFIRMED = "confirmed", _("已确认，申诉期内")
    APPEALED = "appealed", _("申诉中")
    FINAL = "final", _("已生效")
    OVERTURNED = "overturned", _("已撤销")
    WAIVED = "waived", _("不予处理")  # exempt, or the panel decided against it


# A sanction counts against its subject (the progression, the year's count, the scorecards) unless
# it came to nothing.
COUNTED = (SanctionStatus.PROPOSED, SanctionStatus.CONFIRMED, SanctionStatus.APPEALED, SanctionStatus.FINAL)


class Sanction(models.Model):
    """One sanction on one person or unit for one breach: proposed by the policy engine with the
    trail of rules that produced its figures, confirmed or changed by the panel, appealable within
    the preset's window, in effect only once final (SPEC §10, issue 15 §2–3)."""

    complaint = models.ForeignKey(Complaint, models.PROTECT, related_name="sanctions")
    determination = models.ForeignKey(Determination, models.PROTECT, related_name="sanctions")
    position = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    rule = models.CharField(_("适用规则"), max_length=40)
    trigger = models.CharField(_("事由"), max_length=24)
    breach_on = models.DateField(_("过错日期"), db_index=True)
    what = models.CharField(_("过错情形"), max_length=300, blank=True)  # a process failure in words
    factors = models.JSONField(_("情节"), default=list)  # aggravating, mitigating, exempting codes
    # As proposed by the engine, and as it stands (the panel's change, the appeal's decision).
    proposed = models.JSONField(default=dict)  # {"kind", "fine", "points", "consequences"}
    kind = models.CharField(_("处理方式"), max_length=40, blank=True)  # "" where exempt
    fine = models.DecimalField(_("罚款（元）"), max_digits=12, decimal_places=2, default=0)
    points = models.DecimalField(_("扣分"), max_digits=12, decimal_places=2, default=0)
    consequences = models.JSONField(_("附带后果"), default=list)
    trail = models.JSONField(_("计算过程"), default=list)  # the rule trail, one line per step
    status = models.CharField(_("状态"), max_length=12, choices=SanctionStatus.choices, default=SanctionStatus.PROPOSED)
    change_reason = models.TextField(_("变更理由"), blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True)
    appeal_ends = models.DateField(_("申诉截止"), null=True)
    effective_on = models.DateField(_("生效日期"), null=True)

    class Meta:
        ordering = ["complaint", "position"]
        indexes = [
            models.Index(fields=["person", "breach_on"], name="sanction_person_day"),
            models.Index(fields=["unit", "breach_on"], name="sanction_unit_day"),
            models.Index(fields=["status", "appeal_ends"], name="sanction_status_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(person__isnull=False), name="sanction_names_someone"
            )
        ]

    def appeal_open(self, day: dt.date) -> bool:
        """Confirmed, and ``day`` within the appeal window: the sanctioned may appeal."""
        return self.status == SanctionStatus.CONFIRMED and self.appeal_ends is not None and day <= self.appeal_ends


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("维持原处理")
    CHANGED = "changed", _("变更处理")
    OVERTURNED = "overturned", _("撤销处理")


class Appeal(models.Model):
    """The sanctioned person's (or unit's) appeal to the level above, whose decision is final
    (seed 003-25, 002-61)."""

    sanction = models.OneToOneField(Sanction, models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reason = models.TextField(_("申诉理由"))
    filed_at = models.DateTimeField(_("申诉时间"))
    outcome = models.CharField(_("申诉结果"), max_length=12, choices=AppealOutcome.choices, blank=True)
    decision = models.TextField(_("决定理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True)
