"""What the portal keeps of its own (issue 13): the complainant's rating of a reply, and every
refused query code, which both counts towards the guessing limit and is the audit of guessing."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint, Satisfaction


class Rating(models.Model):
    """The complainant's own rating of the reply, given once on the portal. (The follow-up
    agent's ``Complaint.satisfaction`` stays theirs: a return visit may still ask.)"""

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="portal_rating")
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("网上评价")
        verbose_name_plural = _("网上评价")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.satisfaction}"


class CodeFailure(models.Model):
    """One wrong query code: for which number, from which address, when, through which face.
    Append-only. Counted per number and per address over a sliding window (``throttle``); the rows
    stay as the record of guessing for ``TOUSU_PORTAL_FAILURE_KEEP_DAYS`` (``housekeeping``)."""

    number = models.CharField(_("编号"), max_length=32, db_index=True)
    address = models.CharField(_("来源地址"), max_length=64, db_index=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    face = models.CharField(_("入口"), max_length=8)  # "web" or "api"
    known = models.BooleanField(_("编号存在"), default=False)

    class Meta:
        verbose_name = _("查询码错误记录")
        verbose_name_plural = _("查询码错误记录")

    def __str__(self) -> str:
        return f"{self.number} {self.address} {self.at:%Y-%m-%d %H:%M}"
