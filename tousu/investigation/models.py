"""The investigation record of a complaint (issue 14): entries made while it is handled, the
structured root cause (8D or 5W1H, as the preset says) and, for product presets, the batch trace.

Each write is on the complaint's audited record as ``record_investigation`` (services.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Attachment, Complaint


class EntryKind(models.TextChoices):
    NOTE = "note", _("调查笔记")
    EVIDENCE = "evidence", _("证据")
    VISIT = "visit", _("现场走访")
    TEST = "test", _("检验检测")


class Entry(models.Model):
    """One step of the investigation. Which fields a kind needs is checked by the service: a
    visit has when, where and who; a test what was tested, the result and by whom."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="investigation_entries")
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    text = models.TextField(_("内容"))
    occurred_at = models.DateTimeField(_("时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    people = models.CharField(_("人员"), max_length=200, blank=True)
    subject = models.CharField(_("检验项目"), max_length=200, blank=True)
    outcome = models.CharField(_("检验结果"), max_length=500, blank=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调查记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.pk}"


class RootCause(models.Model):
    """The root-cause record: ``parts`` maps a discipline code (D1…D8, or what/why/…) to
    ``{"text", "owner", "date"}`` (owner and date for 8D)."""

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="root_cause")
    method = models.CharField(_("分析方法"), max_length=8)
    parts = models.JSONField(default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("根本原因")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.method}"


class BatchTrace(models.Model):
    """What the investigator entered on the batch: where the respondent rows already carry the
    batch or production date, those are shown and these fill in or correct them."""

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="batch_trace")
    batch = models.CharField(_("批号"), max_length=100, blank=True)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    retained_sample = models.CharField(_("留样"), max_length=200, blank=True)
    sample_result = models.CharField(_("留样检查结果"), max_length=500, blank=True)
    related_batches = models.CharField(_("相关批次"), max_length=500, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("批次追溯")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.batch}"
