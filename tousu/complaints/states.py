"""The states of SPEC §5. Which action leads from which state to which is the action table's
(``actions.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    DECLINED = "declined", _("不予受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已分办")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("已中止")
    PENDING_APPROVAL = "pending_approval", _("待审核")
    APPROVED = "approved", _("已审核")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    UNDER_REVIEW = "under_review", _("复核中")
    ARCHIVED = "archived", _("已归档")
    WITHDRAWN = "withdrawn", _("已撤诉")
    MERGED = "merged", _("已合并")


S = Status
OPEN = frozenset(
    {
        S.REGISTERED,
        S.ACCEPTED,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.SUSPENDED,
        S.PENDING_APPROVAL,
        S.APPROVED,
        S.REPLIED,
        S.UNDER_REVIEW,
    }
)
TERMINAL = frozenset(set(Status) - OPEN)
