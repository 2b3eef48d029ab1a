"""Exports of the complaint list (CSV and Excel): the rows the actor may see, as the list shows
them — out-of-scope complaints absent, identities hidden where the redacted view applies."""

from __future__ import annotations

import csv
import io
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
from tousu.core.errors import ValidationFailed

if TYPE_CHECKING:
    from tousu.complaints.rows import ListRow

LIMIT = 50_000  # rows in one export; a larger ledger goes through the statistics exports
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


def rows(actor: User, filters: selectors.ListFilters) -> Iterator[ListRow]:
    """Every matching row, newest first, in keyset batches; refuses more than ``LIMIT``."""
    f = filters.model_copy(update={"limit": BATCH, "cursor": None})
    sent = 0
    while True:
        page, cursor = selectors.list_complaints(actor, f)
        for row in selectors.list_rows(actor, page):
            sent += 1
            if sent > LIMIT:
                raise ValidationFailed(_("导出超过 %(n)d 条，请缩小筛选范围") % {"n": LIMIT}, limit=LIMIT)
            yield row
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


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(actor: User, filters: selectors.ListFilters, fmt: str) -> tuple[bytes, str, str]:
    """The file's bytes, content type and file name. All rows are read before anything is
    returned, so a refused export writes nothing."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("导出格式只能是 csv 或 xlsx"), field="format", allowed=list(FORMATS))
    own = active().custom_fields  # a column per field of the preset's own, after the common ones
    named = names()
    table = [
        [_safe(_cell(r[key])) for key, _label in COLUMNS] + [_safe(r["custom"].get(f.code, "")) for f in own]
        for r in (_labelled(listed, named) for listed in rows(actor, filters))
    ]
    header = [str(label) for _key, label in COLUMNS] + [f.label for f in own]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(table)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"tousu-{stamp}.csv"
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("投诉件"))
    sheet.append(header)
    for line in table:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return (
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"tousu-{stamp}.xlsx",
    )
