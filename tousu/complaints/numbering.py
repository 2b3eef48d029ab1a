"""A complaint's identity (SPEC §4): its gap-free number per year and its portal query code.

Registration takes one number at a time and the bulk writer (``complaints.bulk``) a block; both go
through ``reserve_numbers``, so they share one sequence row per year and one lock.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings

from tousu.complaints.models import NumberSequence

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def reserve_numbers(*, year: int, count: int) -> int:
    """Take the next ``count`` numbers of ``year`` and return the first (an int; see ``format_number``).

    Gap-free: the sequence row stays locked until the caller's transaction commits, so call it in
    the transaction that stores the complaints; if that rolls back, the numbers were never taken.
    """
    if count < 1:
        raise ValueError(f"count must be positive, not {count}")
    NumberSequence.objects.bulk_create([NumberSequence(year=year, last=0)], ignore_conflicts=True)
    sequence = NumberSequence.objects.select_for_update().get(year=year)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return first


def format_number(*, year: int, n: int) -> str:
    """The number as people see it: the prefix, the year and six digits (TS2026000123)."""
    return f"{settings.TOUSU_NUMBER_PREFIX}{year}{n:06d}"


def next_number(*, year: int) -> str:
    """One number of ``year``, as ``reserve_numbers`` (call inside the registering transaction)."""
    return format_number(year=year, n=reserve_numbers(year=year, count=1))


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))


def hash_query_code(number: str, code: str) -> str:
    """What is stored of a query code: only its hash, salted with the number."""
    return hashlib.sha256(f"{number}:{code}".encode()).hexdigest()
