"""Shares and the apportionment of a loss (SPEC §10, seed 002): exact arithmetic, no rounding loss.

A share is a percentage, typed as a decimal (``33.33``) or as a fraction (``100/3``, for thirds
that no decimal writes exactly); the shares of a determination sum to exactly 100. A loss is
apportioned to the cent by the largest remainder: each share gets its amount rounded down to the
cent, and the cents left over go one each to the largest remainders (the earlier share first on a
tie), so the amounts always add up to the loss.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

HUNDRED = Fraction(100)
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,6})?)\s*%?\s*$")
_FRACTION = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*%?\s*$")


def parse_percent(text: str) -> Fraction | None:
    """``33.33``, ``33.33%`` or ``100/3`` as an exact percentage; None if it reads as neither or is
    not above 0 and at most 100."""
    if (m := _PERCENT.match(text)) is not None:
        value = Fraction(Decimal(m.group(1)))
    elif (m := _FRACTION.match(text)) is not None and int(m.group(2)) > 0:
        value = Fraction(int(m.group(1)), int(m.group(2)))
    else:
        return None
    return value if 0 < value <= HUNDRED else None


def shown(percent: Fraction) -> str:
    """A percentage for people: exact where a decimal writes it (33.33), else to two places (33.33…)."""
    exact = Decimal(percent.numerator) / Decimal(percent.denominator)
    if percent.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 50, 100, 1000, 10000):
        return f"{exact.normalize():f}"
    return f"{exact.quantize(Decimal('0.01'))}…"


def apportion(total: Decimal, percents: list[Fraction]) -> list[Decimal]:
    """``total`` (元, to the cent) split by ``percents`` (summing to 100) by the largest remainder."""
    cents = int((total * 100).to_integral_value())
    raw = [Fraction(cents) * p / HUNDRED for p in percents]
    floors = [r.numerator // r.denominator for r in raw]
    left = cents - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) / 100 for f in floors]
