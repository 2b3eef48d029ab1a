"""The portal's own rows past their keeping time (run daily by the periodic job,
``tousu.complaints.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tousu.portal.models import CodeFailure


def purge_code_failures(now: dt.datetime | None = None) -> int:
    """Delete the wrong query codes recorded more than TOUSU_PORTAL_FAILURE_KEEP_DAYS ago: the
    throttle counts only the last 15 minutes, and the record of guessing is kept that long.
    Returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.TOUSU_PORTAL_FAILURE_KEEP_DAYS)
    deleted, _by_model = CodeFailure.objects.filter(at__lt=cutoff).delete()
    return deleted
