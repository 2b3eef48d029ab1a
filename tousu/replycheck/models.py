"""A complaint's demand items and how its answer met each (SPEC §9, issue 14 part 7)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.models import Complaint


class DemandItem(models.Model):
    """One item of a complaint's demands (诉求), split at registration (the clerk may edit the
    split), and the last check of an answer against it: answered with its evidence, declined by
    the handler with a reason, or open."""

    class State(models.TextChoices):
        OPEN = "open", _("未回应")
        ANSWERED = "answered", _("已回应")
        DECLINED = "declined", _("说明理由不予回应")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="demand_items")
    position = models.PositiveSmallIntegerField(_("序号"))  # from 1, as shown
    text = models.CharField(_("诉求事项"), max_length=500)
    state = models.CharField(_("回应情况"), max_length=10, choices=State.choices, default=State.OPEN)
    reason = models.CharField(_("不予回应的理由"), max_length=500, blank=True)
    # The check's evidence: score, matched and missing key terms, rule (match.ItemResult.evidence).
    evidence = models.JSONField(default=dict, blank=True)
    checked_for = models.CharField(_("检查于"), max_length=20, blank=True)  # submit_result or reply
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("诉求事项")
        verbose_name_plural = _("诉求事项")
        ordering = ("complaint", "position")
        constraints = [
            models.UniqueConstraint(fields=("complaint", "position"), name="replycheck_item_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"
