"""Request rates (SPEC §14, issue 17 item 4): counters in fixed windows, kept in Django's cache.

One counter per key and window (``rl:<key>:<window number>``): ``cache.add`` starts it, ``cache.incr``
counts, and the window's end is when the client may try again (``Retry-After``). A fixed window lets
a client spend its whole allowance at once (a burst) and, at a window's edge, up to twice the limit
within a few seconds; that is the price of one cache operation per request.

Where the counters live follows ``CACHES``: with ``TOUSU_REDIS_URL`` every worker counts in Redis,
so a limit holds across workers and machines; with the embedded default (the in-process memory
cache) each worker process counts for itself, so with N workers a client may reach up to N times a
limit — approximate, and documented so in docs/security.md. A restart forgets the counters, which
costs nothing but a fresh allowance.
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy

from tousu.core.errors import TousuError

log = logging.getLogger(__name__)


class RateLimited(TousuError):
    """Too many requests; ``data["retry_after"]`` (seconds) becomes the ``Retry-After`` header."""

    code = "rate_limited"
    status = 429
    default_message = gettext_lazy("请求过于频繁，请稍后再试。")


def hit(key: str, limit: int, seconds: int, amount: int = 1) -> int:
    """Count ``amount`` under ``key`` in the current window of ``seconds``.

    Returns 0 while the count stays within ``limit``, else the seconds until the window ends. A
    cache that fails (Redis down) lets the request through and logs it: a limit is a guard against
    abuse, not a reason to stop the service.
    """
    now = time.time()
    window = int(now // seconds)
    try:
        count = _count(f"rl:{key}:{window}", amount, seconds + 1)
    except Exception:  # the cache backends raise errors of their own kinds
        log.warning("rate limit %s not counted: the cache failed", key, exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * seconds - now))


def _count(name: str, amount: int, ttl: int) -> int:
    """Add ``amount`` to the counter ``name`` (made with ``ttl`` seconds to live); its new value.

    On Redis one round trip (INCRBY and EXPIRE in a pipeline: Django's ``add`` + ``incr`` take
    three); elsewhere ``cache.add`` then ``cache.incr``."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(name)
        client = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]  # Django's RedisCacheClient
        pipe = client.pipeline(transaction=False)
        pipe.incrby(key, amount)
        pipe.expire(key, ttl)
        return int(pipe.execute()[0])
    cache.add(name, 0, ttl)  # starts the window; a no-op while it runs
    try:
        return int(cache.incr(name, amount))
    except ValueError:  # evicted between add and incr
        cache.set(name, amount, ttl)
        return amount


def check(key: str, limit: int, seconds: int, message: str | None = None, amount: int = 1) -> None:
    """:func:`hit`, raising :class:`RateLimited` (with ``retry_after``) past the limit."""
    wait = hit(key, limit, seconds, amount)
    if wait:
        raise RateLimited(message, retry_after=wait)


def retry_after(error: BaseException) -> int | None:
    """The seconds an error asks the client to wait, for a ``Retry-After`` header; None if none."""
    data = getattr(error, "data", None)
    value = data.get("retry_after") if isinstance(data, dict) else None
    return value if isinstance(value, int) and value > 0 else None
