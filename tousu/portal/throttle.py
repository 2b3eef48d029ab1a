"""Abuse limits of the portal (issue 13), the login throttle's approach (``accounts/throttle.py``)
applied to the public:

- request rates — submissions per address per hour, requests per address and per number per
  minute, bytes of uploaded files per address per hour — are counters in the Django cache
  (``tousu.core.ratelimit``: shared by the workers where ``CACHES`` is Redis, per process with the
  embedded default); cheap, and a restart forgetting them costs nothing. A refusal is 429
  ``rate_limited`` with ``Retry-After``;
- wrong query codes are rows (``CodeFailure``), counted per number and per address over a sliding
  ``WINDOW``, so every worker sees one count, a restart resets nothing, and each row is the audit
  of one wrong try. While a limit holds, tries are refused before the code is checked and are not
  counted, so the right code tells a guesser nothing either.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.core import ratelimit
from tousu.core.ratelimit import RateLimited
from tousu.portal.models import CodeFailure

log = logging.getLogger(__name__)
WINDOW = timedelta(minutes=15)


class Throttled(RateLimited):
    """A portal limit reached (429, ``rate_limited``; ``code_throttled`` for query-code guessing)."""


def check_rate(address: str, number: str = "") -> None:
    """One request from ``address`` (about ``number``): refused past the per-minute limits."""
    limit, message = settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE, _("请求过于频繁，请一分钟后再试。")
    wait = ratelimit.hit(f"portal:addr:{address}", limit, 60) or (
        ratelimit.hit(f"portal:num:{number}", limit, 60) if number else 0
    )
    if wait:
        raise Throttled(message, retry_after=wait)


def check_submit_rate(address: str) -> None:
    wait = ratelimit.hit(f"portal:submit:{address}", settings.TOUSU_PORTAL_SUBMITS_PER_HOUR, 3600)
    if wait:
        raise Throttled(_("提交次数过多，请一小时后再试。"), retry_after=wait)


def check_upload_rate(address: str, size: int) -> None:
    """``size`` bytes of files from ``address``: refused past ``TOUSU_PORTAL_UPLOAD_MB_PER_HOUR``, so
    that a client within the request limits still cannot fill the disk (30 uploads a minute of
    20 MB each would be 36 GB an hour)."""
    limit = settings.TOUSU_PORTAL_UPLOAD_MB_PER_HOUR * 1048576
    wait = ratelimit.hit(f"portal:bytes:{address}", limit, 3600, amount=max(size, 0)) if size else 0
    if wait:
        raise Throttled(_("上传文件过多，请一小时后再试。"), retry_after=wait)


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
