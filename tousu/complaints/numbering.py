"""A complaint's identity (SPEC §4): its gap-free number per year and its portal query code.

Registration takes one number at a time and the bulk writer (``complaints.bulk``) a block; both go
through ``reserve_numbers``, so they share one sequence row per year and one lock. A batch may bring
numbers of its own (a ledger import): ``reserve_for`` keeps them, and moves the sequence past those
in our own format (``keep_sequence_ahead``), so the sequence stays gap-free.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.utils.translation import gettext as _

from tousu.complaints.models import NumberSequence
from tousu.core.errors import ValidationFailed

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


# -- batches written through complaints.bulk (the seeder, the ledger import) --------------------
def reserve_for(years: list[int], given: Sequence[str] = ()) -> list[str]:
    """A number for each complaint, in order within its year (oldest first if the batch is); a
    given number is kept, and one in our own format moves its year's sequence past it first, so
    that no later registration takes it."""
    given = list(given) or [""] * len(years)
    keep_sequence_ahead(n for n in given if n)
    fresh = Counter(year for year, number in zip(years, given, strict=True) if not number)
    first = {year: reserve_numbers(year=year, count=n) for year, n in sorted(fresh.items())}
    out = []
    for year, number in zip(years, given, strict=True):
        if number:
            out.append(number)
            continue
        out.append(format_number(year=year, n=first[year]))
        first[year] += 1
    return out


def own_number(number: str) -> tuple[int, int] | None:
    """(year, n) of a number in our own format (TS2026000123), as ``tousu verify-audit`` reads it."""
    m = _OWN_NUMBER.fullmatch(number[len(settings.TOUSU_NUMBER_PREFIX) :])
    return (int(m[1]), int(m[2])) if m and number.startswith(settings.TOUSU_NUMBER_PREFIX) else None


_OWN_NUMBER = re.compile(r"(\d{4})(\d{6,})")


def keep_sequence_ahead(numbers: Iterable[str]) -> None:
    """Given numbers in our own format (a ledger exported by another tousu) take their places in
    their year's sequence, which must stay gap-free (``tousu verify-audit``): each year's must
    continue it, one after the other; refused otherwise."""
    wanted: dict[int, list[int]] = {}
    for number in numbers:
        if (own := own_number(number)) is not None:
            wanted.setdefault(own[0], []).append(own[1])
    for year, ns in sorted(wanted.items()):
        NumberSequence.objects.bulk_create([NumberSequence(year=year, last=0)], ignore_conflicts=True)
        sequence = NumberSequence.objects.select_for_update().get(year=year)
        if sorted(ns) != list(range(sequence.last + 1, sequence.last + 1 + len(ns))):
            raise ValidationFailed(
                _("本系统格式的编号须紧接%(year)d年已发出的编号（至%(last)s）依次排列、不留空缺")
                % {"year": year, "last": format_number(year=year, n=sequence.last)},
                field="number",
            )
        sequence.last += len(ns)
        sequence.save(update_fields=["last"])
