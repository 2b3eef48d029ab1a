"""The ledger import's saved column mappings and its runs (SPEC §11)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerMapping(models.Model):
    """How one source's sheets name their columns: ``columns`` maps a sheet header (编号, 受理日期,
    …) to a field of the import (``tousu.ledger.mapping.FIELDS``). Saved per source so the next
    ledger from the same office imports without asking again."""

    name = models.CharField(_("来源"), max_length=60, unique=True)
    columns = models.JSONField(_("列对应"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("台账列对应")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """One import of one sheet: the rows done so far, so that an interrupted import resumes after
    its last committed batch (rows already imported are skipped by number in any case)."""

    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    mapping = models.CharField(max_length=60)
    started_by = models.CharField(max_length=150)
    started_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)  # data rows handled (imported or already there)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["sha256", "mapping"], name="ledger_run_file")]

    def __str__(self) -> str:
        return f"{self.file_name} {self.done}/{self.total}"


class Export(models.Model):
    """One export of the ledger to a file, made in the background when it is large (issue 16 §2):
    what was asked (the filters, as the ledger reads them), how far it has got, and the file. Only
    the user who asked may download it; the file is deleted after ``KEEP_DAYS``."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导出")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    KEEP_DAYS = 7

    key = models.CharField(max_length=32, unique=True)  # the file's name and the URL's id: not guessable
    user = models.ForeignKey("accounts.User", models.CASCADE, related_name="+")
    format = models.CharField(max_length=8)
    filters = models.JSONField(default=dict)
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="ledger_export_user")]

    def __str__(self) -> str:
        return f"{self.title} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
