"""Exports of the complaint list (CSV and Excel): the rows the actor may see, as the list shows
them — out-of-scope complaints absent, identities hidden where the redacted view applies. Written
as the rows are read, a batch at a time (``tousu.core.sheets``), so there is no cap on the count;
the ledger (``tousu.ledger``) is the formatted register with the preset's own columns."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts.models import User
from tousu.complaints import dues, selectors
from tousu.complaints.models import Channel, Kind
from tousu.complaints.preset import active, own_label
from tousu.complaints.states import Status
from tousu.core import sheets
from tousu.core.errors import ValidationFailed

if TYPE_CHECKING:
    from tousu.complaints.rows import ListRow

BATCH = 100
FORMATS = ("csv", "xlsx")

COLUMNS = (
    ("number", gettext_lazy("编号")),
    ("received_at", gettext_lazy("收到时间")),
    ("status", gettext_lazy("状态")),
    ("kind", gettext_lazy("类型")),
    ("channel", gettext_lazy("渠道")),
    ("category", gettext_lazy("类别")),
    ("grade", gettext_lazy("等级")),
    ("handling_unit", gettext_lazy("承办单位")),
    ("handler", gettext_lazy("承办人")),
    ("complainant", gettext_lazy("投诉人")),
    ("phone", gettext_lazy("电话")),
    ("summary", gettext_lazy("摘要")),
    ("due_at", gettext_lazy("当前期限")),
    ("timing", gettext_lazy("时效")),
)
CELLS: dict[str, sheets.Cell] = {"received_at": "datetime", "due_at": "datetime", "summary": "long"}


def batches(actor: User, filters: selectors.ListFilters) -> Iterator[list[ListRow]]:
    """Every matching row, newest first, in keyset batches."""
    f = filters.model_copy(update={"limit": BATCH, "cursor": None})
    while True:
        page, cursor = selectors.list_complaints(actor, f)
        yield list(page)
        if cursor is None:
            return
        f = f.model_copy(update={"cursor": cursor})


def names() -> dict[str, dict[str, str]]:
    """The names of the codes a row holds (category, grade, unit, handler), read once per export."""
    from tousu.accounts.models import Unit
    from tousu.complaints.models import Category, Grade

    return {
        "category": dict(Category.objects.in_force().values_list("code", "name")),
        "grade": dict(Grade.objects.in_force().values_list("code", "name")),
        "handling_unit": dict(Unit.objects.values_list("code", "name")),
        "handler": {u: n for u, n in User.objects.values_list("username", "display_name") if n},
    }


def _labelled(listed: ListRow, named: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The row as a reader wants it: words for the state, kind, channel and timing, names for the
    category, grade, handling unit and handler (一般, 县市场监督管理局, 陈静 — not normal, amr, handler)."""
    row: dict[str, Any] = dict(listed)
    if row["status"] in Status.values:
        row["status"] = str(Status(row["status"]).label)
    if row["kind"] in Kind.values:
        row["kind"] = own_label("kinds", row["kind"], str(Kind(row["kind"]).label))
    if row["channel"] in Channel.values:
        row["channel"] = own_label("channels", row["channel"], str(Channel(row["channel"]).label))
    row["timing"] = str(dues.TIMING_LABELS.get(row["timing"], row["timing"] or ""))
    for key, known in named.items():
        if row[key]:
            row[key] = known.get(row[key], row[key])
    return row


def export(actor: User, filters: selectors.ListFilters, fmt: str) -> tuple[Iterator[bytes], str, str]:
    """The file's bytes as they are written, its content type and name. The filters are checked and
    the first batch read before anything is returned, so a refused export sends nothing."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("导出格式只能是 csv 或 xlsx"), field="format", allowed=list(FORMATS))
    own = active().custom_fields  # a column per field of the preset's own, after the common ones
    columns = [sheets.Column(key, label, CELLS.get(key, "text"), 14) for key, label in COLUMNS]
    columns += [sheets.Column(f"custom:{f.code}", f.label, "text", 14) for f in own]
    named = names()
    source = batches(actor, filters)
    first = next(source)  # the filters' errors surface here, before the response begins

    def labelled() -> Iterator[list[dict[str, Any]]]:
        for batch in itertools.chain([first], source):
            out = []
            for listed in batch:
                row = _labelled(listed, named)
                row.update({f"custom:{f.code}": row["custom"].get(f.code, "") for f in own})
                out.append(row)
            yield out

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return sheets.csv_chunks(columns, labelled()), sheets.CSV, f"tousu-{stamp}.csv"
    return sheets.xlsx_chunks(None, columns, labelled(), _("投诉件")), sheets.XLSX, f"tousu-{stamp}.xlsx"
