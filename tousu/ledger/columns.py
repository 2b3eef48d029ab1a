"""The columns a ledger layout may name (SPEC §11; ``tousu.presets.ledger.COLUMN_KEYS``): the
header each is written under, the kind of cell it is (text, a date, a number, an amount — so a
spreadsheet sorts and sums it), its width, and what it reads from the complaint.

``fields`` are the complaint's columns the ledger reads for it (a page reads only what its layout
shows); ``needs`` names the facts read in one query per batch of rows (``tousu.ledger.rows``)."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext_lazy

from tousu.core.sheets import Cell, Column
from tousu.presets.ledger import COLUMN_KEYS, COLUMN_LABELS, CUSTOM_PREFIX, Layout

Need = Literal["people", "respondents", "determination", "capa", "repeat_of", "merged_into"]


def _c(key: str, cell: Cell = "text", width: int = 12, fields: tuple[str, ...] = (), *needs: Need) -> Column:
    return Column(key, gettext_lazy(COLUMN_LABELS[key]), cell, width, fields, frozenset(needs))


CATALOGUE: dict[str, Column] = {
    c.key: c
    for c in (
        _c("seq", "int", 6),
        _c("number", "text", 16),
        _c("received_on", "date", 11),
        _c("received_at", "datetime", 16),
        _c("channel", "text", 10, ("channel",)),
        _c("kind", "text", 8, ("kind",)),
        _c("status", "text", 10, ("status",)),
        _c("complainant", "text", 10, ("anonymous",), "people"),
        _c("contact", "text", 14, ("anonymous",), "people"),
        _c("address", "text", 24, ("anonymous",), "people"),
        _c("respondent", "text", 20, (), "respondents"),
        _c("product", "text", 20, (), "respondents"),
        _c("product_name", "text", 18, (), "respondents"),
        _c("batch", "text", 14, (), "respondents"),
        _c("quantity", "text", 8, (), "respondents"),
        _c("purchase_place", "text", 18, (), "respondents"),
        _c("category", "text", 14, ("category__name",)),
        _c("grade", "text", 8, ("grade__name",)),
        _c("summary", "long", 36, ("summary", "summary_redacted"), "people"),
        _c("content", "long", 48, ("content", "content_redacted"), "people"),
        _c("demands", "long", 30, ("demands",), "people"),
        _c("findings", "long", 36, ("findings",), "people"),
        _c("measures", "long", 36, ("solution",), "people"),
        _c("handling_unit", "text", 18, ("handling_unit__name",)),
        _c("handler", "text", 10, ("handler__display_name", "handler__username")),
        _c("handling_due", "date", 11, ("handling_due",)),
        _c("closed_on", "date", 11, ("closed_at",)),
        _c("overdue", "text", 8, ("status", "closed_at", "handling_due", "due_at")),
        _c("result", "long", 36, ("status", "reply_text", "solution", "close_reason"), "people"),
        _c("reply_method", "text", 10, ("reply_method",)),
        _c("replied_on", "date", 11, ("replied_at",)),
        _c("satisfaction", "text", 10, ("satisfaction",)),
        _c("determination", "text", 20, (), "determination"),
        _c("capa", "text", 24, (), "capa"),
        _c("amount", "money", 12, ("amount",)),
        _c("compensation", "money", 12, ("compensation_amount",)),
        _c("registered_by", "text", 10, ("registered_by__display_name", "registered_by__username")),
        _c(
            "remarks",
            "text",
            24,
            ("flags", "redacted", "upgraded_from", "upgraded_source", "status"),
            "repeat_of",
            "merged_into",
        ),
    )
}
assert tuple(CATALOGUE) == COLUMN_KEYS, "the catalogue and the preset's column keys must agree"


def columns_of(layout: Layout) -> list[Column]:
    """The layout's columns, a custom field's under its own label."""
    from tousu.complaints import custom

    own = {f.code: f for f in custom.fields()}
    out = []
    for key in layout.columns:
        if key.startswith(CUSTOM_PREFIX):
            code = key.removeprefix(CUSTOM_PREFIX)
            known = own.get(code)
            out.append(Column(key, known.label if known else code, "text", 14, ("custom",)))
        else:
            out.append(CATALOGUE[key])
    return out
