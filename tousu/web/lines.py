"""The solution lines' editor on the web result form (solution/_lines_editor.html): its rows as
posted and shown again. Each line is checked by ``tousu.solution.services.clean_lines`` in the
service, as the API's are; this only reads what the clerk typed."""

from __future__ import annotations

import itertools
import re
import unicodedata
from decimal import Decimal

from django.http import QueryDict

LINE_ROWS = 5  # the lines editor's rows without JavaScript (its script adds more)
_LINE_PARTS = ("kind", "amount", "note")


def filled(row: dict[str, str]) -> bool:
    return any(str(v).strip() for v in row.values())


def rows(typed: list[dict[str, str]]) -> list[dict[str, str]]:
    """The editor's rows: those filled, then empty ones up to ``LINE_ROWS`` (at least one)."""
    empty = max(LINE_ROWS - len(typed), 1)
    return [*typed, *(dict.fromkeys(_LINE_PARTS, "") for _n in range(empty))]


def amount(text: str) -> str:
    """An amount as a clerk may type it: full-width digits, thousands separators, a trailing 元."""
    return unicodedata.normalize("NFKC", text).strip().replace(",", "").removesuffix("元").strip()


def total(shown: list[dict[str, str]]) -> str:
    """The sum of the amounts that read as money (the others are refused on submission); the
    editor's script sums by the same rule."""
    amounts = (amount(r["amount"]) for r in shown)
    added = sum((Decimal(a) for a in amounts if _MONEY.match(a)), Decimal(0))
    return f"{added.quantize(Decimal('0.01')):f}"


_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$", re.ASCII)


def posted(data: QueryDict) -> list[dict[str, str]]:
    """The rows as typed (``line_kind``, ``line_amount``, ``line_note``, one of each per row), the
    filled ones first, so that 「第n项」 in a message is the n-th row on the page."""
    columns = [data.getlist(f"line_{part}")[:100] for part in _LINE_PARTS]
    typed = [dict(zip(_LINE_PARTS, values, strict=True)) for values in itertools.zip_longest(*columns, fillvalue="")]
    return rows([r for r in typed if filled(r)])
