"""Responsibility determinations (责任认定, SPEC §10): liable or not, with the preset's reason
codes, the units and persons responsible with their shares, and the loss apportioned among them."""

from __future__ import annotations

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
