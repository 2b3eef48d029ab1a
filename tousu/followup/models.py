"""The record of each reply given and of each return-visit attempt (SPEC §9, issue 14): who, when,
how, with what outcome — the complaint keeps only the latest reply and satisfaction, these keep
every one (seed 001-47's 《回访记录表》)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint, ReplyMethod, Satisfaction


class ReplyRecord(models.Model):
    complaint = models.ForeignKey(Complaint, models.PROTECT, related_name="reply_records")
    method = models.CharField(_("答复方式"), max_length=10, choices=ReplyMethod.choices)
    text = models.TextField(_("答复内容"))
    # The letter sent (a written reply): one of the complaint's letters (tousu.letters).
    letter = models.ForeignKey("letters.Letter", models.PROTECT, null=True, blank=True, related_name="+")
    # Who gave the reply, as said to the complainant: an oral reply names the person and role
    # (seed 001-53: 「质量/技术负责人口头回复」).
    given_by = models.CharField(_("答复人"), max_length=100, blank=True)
    # Where an SMS went, masked (139****1234): the number itself stays on the complainant's record.
    sent_to = models.CharField(_("发送号码"), max_length=40, blank=True)
    # The SMS carried the complaint's number and a new query code (seed 004-74), shown once.
    query_code_sent = models.BooleanField(_("已发送查询密码"), default=False)
    replied_at = models.DateTimeField(_("答复时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["complaint", "replied_at", "id"]


class Visit(models.Model):
    """One return-visit attempt: its time, its method and its outcome."""

    complaint = models.ForeignKey(Complaint, models.PROTECT, related_name="visits")
    attempt = models.PositiveSmallIntegerField(_("次序"))
    method = models.CharField(_("回访方式"), max_length=10, choices=ReplyMethod.choices)
    outcome = models.CharField(_("回访结果"), max_length=12, choices=Satisfaction.choices)
    note = models.TextField(_("回访记录"), blank=True)
    visited_at = models.DateTimeField(_("回访时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["complaint", "attempt"]
        constraints = [models.UniqueConstraint(fields=["complaint", "attempt"], name="visit_attempt_once")]
