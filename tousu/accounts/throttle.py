"""Login throttling (SPEC §14): after repeated failures for one user name, refuse for a while."""
from __future__ import annotations

from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _key(username: str) -> str:
    return f"login-failures:{username.strip().lower()[:150]}"


def locked(username: str) -> bool:
    return cache.get(_key(username), 0) >= MAX_FAILURES


def failed(username: str) -> None:
    key = _key(username)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)


def succeeded(username: str) -> None:
    cache.delete(_key(username))
