"""Login throttling (SPEC §14): repeated failures lock a user name from an address for a while.

Failures are rows in the database (``LoginFailure``), so every worker sees the same count and a
restart resets nothing. Three limits apply within a sliding window of ``WINDOW``:

- ``PAIR_MAX`` failures for one user name from one address lock that pair: the guesser is stopped
  while the same user, logging in from their own desk, is not;
- ``USER_MAX`` failures for one user name from any addresses lock the name everywhere: a guess
  spread over many addresses (a botnet, a proxy pool) still meets a limit;
- ``ADDRESS_MAX`` failures from one address over any user names lock the address: one password
  tried against every name ("spraying") meets a limit too. Behind a reverse proxy this needs
  ``TOUSU_PROXY=1``, or every client shares the proxy's address and this cap.

The wider caps are also a way to keep a user out for ``WINDOW`` on purpose; they are set well
above what a person mistyping produces. While a limit holds, attempts are refused without
checking the password and are not counted, so a locked guesser cannot push a name over the
user cap from one address.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from tousu.accounts.models import LoginFailure

PAIR_MAX = 5
USER_MAX = 20
ADDRESS_MAX = 50
WINDOW = timedelta(minutes=15)


def _name(username: str) -> str:
    return username.strip().lower()[:150]


def locked(username: str, address: str) -> bool:
    """Whether a login as ``username`` from ``address`` is refused now, whatever the password."""
    name, since = _name(username), timezone.now() - WINDOW
    counts = (
        LoginFailure.objects.filter(at__gte=since)
        .filter(Q(username=name) | Q(address=address))
        .aggregate(
            pair=Count("id", filter=Q(username=name, address=address)),
            user=Count("id", filter=Q(username=name)),
            address=Count("id", filter=Q(address=address)),
        )
    )
    return counts["pair"] >= PAIR_MAX or counts["user"] >= USER_MAX or counts["address"] >= ADDRESS_MAX


def failed(username: str, address: str) -> None:
    LoginFailure.objects.create(username=_name(username), address=address[:64], at=timezone.now())


def succeeded(username: str, address: str) -> None:
    """The right password from this address: forget this pair's failures (others stay counted)."""
    LoginFailure.objects.filter(username=_name(username), address=address).delete()


def prune() -> int:
    """Delete failures older than the window, which no limit counts any more; returns how many."""
    deleted, _by_model = LoginFailure.objects.filter(at__lt=timezone.now() - WINDOW).delete()
    return deleted
