"""Abuse limits of the portal (issue 13), the login throttle's approach (``accounts/throttle.py``)
applied to the public:

- request rates — submissions per address per hour, requests per address and per number per
  minute — are counters in the Django cache: cheap, and a restart forgetting them costs nothing;
- wrong query codes are rows (``CodeFailure``), counted per number and per address over a sliding
  ``WINDOW``, so every worker sees one count, a restart resets nothing, and each row is the audit
  of one wrong try. While a limit holds, tries are refused before the code is checked and are not
  counted, so the right code tells a guesser nothing either.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.core.errors import TousuError
from tousu.portal.models import CodeFailure

log = logging.getLogger(__name__)
WINDOW = timedelta(minutes=15)


class Throttled(TousuError):
    code = "throttled"
    status = 429
    default_message = gettext_lazy("请求过于频繁，请稍后再试。")


def _hit(key: str, limit: int, seconds: int) -> bool:
    """Count one request under ``key``; whether it is still within ``limit`` per ``seconds``."""
    cache.add(key, 0, seconds)  # starts the window; a no-op while it runs
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit


def check_rate(address: str, number: str = "") -> None:
    """One request from ``address`` (about ``number``): refused past the per-minute limits."""
    limit = settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE
    if not _hit(f"portal:addr:{address}", limit, 60) or (number and not _hit(f"portal:num:{number}", limit, 60)):
        raise Throttled(_("请求过于频繁，请一分钟后再试。"))


def check_submit_rate(address: str) -> None:
    if not _hit(f"portal:submit:{address}", settings.TOUSU_PORTAL_SUBMITS_PER_HOUR, 3600):
        raise Throttled(_("提交次数过多，请一小时后再试。"))


def code_locked(number: str, address: str) -> bool:
    """Whether query codes for ``number`` from ``address`` are refused now, right or wrong."""
    since = timezone.now() - WINDOW
    counts = (
        CodeFailure.objects.filter(at__gte=since)
        .filter(Q(number=number) | Q(address=address))
        .aggregate(number=Count("id", filter=Q(number=number)), address=Count("id", filter=Q(address=address)))
    )
    return (
        counts["number"] >= settings.TOUSU_PORTAL_CODE_TRIES_PER_NUMBER
        or counts["address"] >= settings.TOUSU_PORTAL_CODE_TRIES_PER_ADDRESS
    )


def code_failed(number: str, address: str, *, face: str, known: bool) -> None:
    """Record one wrong code (the row is the audit of the try; the log line is for the operator)."""
    CodeFailure.objects.create(number=number[:32], address=address[:64], at=timezone.now(), face=face, known=known)
    log.warning("portal: wrong query code for %s from %s (%s)", number[:32], address[:64], face)
