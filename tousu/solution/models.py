"""A result's solution (its lines and total) and the sign-offs it needs (``steps``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint


class Kind(models.TextChoices):
    REFUND = "refund", _("退款")
    RETURN = "return", _("退货")
    EXCHANGE = "exchange", _("换货")
    REPAIR = "repair", _("维修")
    COMPENSATION = "compensation", _("赔偿")
    GOODWILL = "goodwill", _("慰问/补偿")
    APOLOGY = "apology", _("道歉")


class Solution(models.Model):
    """The solution submitted with one result. Each submission makes a new one; the latest is in
    force. ``steps`` are the sign-offs the preset's rules required when it was submitted, decided
    in order; ``due_user`` / ``due_role`` name whose signature is due now (for the work queue)."""

    class State(models.TextChoices):
        NONE = "none", _("无须签批")
        PENDING = "pending", _("待签批")
        SIGNED = "signed", _("已签批")
        REFUSED = "refused", _("未同意")
        WITHDRAWN = "withdrawn", _("结果已退回")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="solutions")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    total = models.DecimalField(_("合计金额"), max_digits=14, decimal_places=2, default=0)
    # [{"label", "rule", "head_of", "up", "role", "signer" (username or null for a role),
    #   "signer_name", "approved" (null until decided), "by", "by_name", "note", "at"}]
    steps = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NONE)
    due_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    due_role = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "due_user"]), models.Index(fields=["state", "due_role"])]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.total}"

    @property
    def current_step(self) -> dict | None:
        if self.state != self.State.PENDING:
            return None
        return next((s for s in self.steps if s["approved"] is None), None)


class SolutionLine(models.Model):
    solution = models.ForeignKey(Solution, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["solution", "position"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
