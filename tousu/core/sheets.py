"""Spreadsheets written as their rows are read (the ledger's and the list's exports): CSV and Excel
in constant memory, however many rows.

Excel (xlsxwriter in constant-memory mode): a title row, the header frozen under it with an
auto-filter, each column as wide as its kind, dates as dates and amounts as numbers, text written
as text (a cell starting with = is never run as a formula). CSV: UTF-8 with a byte-order mark, so
Excel opens the Chinese correctly; text that a spreadsheet would run as a formula is quoted."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = Literal["text", "long", "date", "datetime", "int", "money"]
Row = dict[str, Any]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation, or a custom field's own label
    cell: Cell = "text"
    width: int = 12  # characters, as a spreadsheet measures a column
    fields: tuple[str, ...] = ()  # what the ledger reads for it (tousu.ledger.columns)
    needs: frozenset[str] = field(default_factory=frozenset)


def _local(value: dt.datetime) -> dt.datetime:
    """A moment on the server's clock (Beijing), without its zone, as a spreadsheet holds it."""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).replace(tzinfo=None)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_chunks(
    columns: list[Column], batches: Iterator[list[Row]], progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV, a batch of rows at a time, each chunk UTF-8 (the first with the byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c.label) for c in columns])
    yield ("\ufeff" + out.getvalue()).encode("utf-8")
    for batch in batches:
        out.seek(0)
        out.truncate()
        writer.writerows([_csv_cell(row[c.key]) for c in columns] for row in batch)
        yield out.getvalue().encode("utf-8")
        if progress:
            progress(len(batch))


def write_xlsx(
    target: str | IO[bytes],
    heading: str | None,
    columns: list[Column],
    batches: Iterable[list[Row]],
    progress: Progress | None = None,
    sheet_name: str = "",
) -> int:
    """Write the rows to ``target`` (a path or a binary file) under a title row ``heading`` (none:
    the header is the first row, as a sheet meant to be imported again wants it); returns the
    number of rows."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet((sheet_name or _("投诉台账"))[:31])
    big = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True, "valign": "vcenter"})
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"}),
        "money": book.add_format({"num_format": "#,##0.00", "valign": "top"}),
        "int": book.add_format({"valign": "top"}),
        "text": book.add_format({"valign": "top"}),
        "long": book.add_format({"valign": "top", "text_wrap": True}),
    }
    last_col = len(columns) - 1
    for i, column in enumerate(columns):
        sheet.set_column(i, i, column.width)
    # Row 0 holds the title (merged across); row 1 the header, frozen with the title above it.
    top = 0
    if heading is not None:
        stamp = _("导出时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
        sheet.set_row(0, 28)
        if last_col:
            sheet.merge_range(0, 0, 0, last_col, f"{heading}　{stamp}", big)
        else:
            sheet.write_string(0, 0, f"{heading}　{stamp}", big)
        top = 1
    for i, column in enumerate(columns):
        sheet.write_string(top, i, str(column.label), head)
    sheet.freeze_panes(top + 1, 0)
    line = top + 1
    for batch in batches:
        for row in batch:
            for i, column in enumerate(columns):
                _write(sheet, line, i, row[column.key], column, formats)
            line += 1
        if progress:
            progress(len(batch))
    sheet.autofilter(top, 0, max(line - 1, top), last_col)
    book.close()
    return line - top - 1


def _write(sheet: Any, line: int, col: int, value: Any, column: Column, formats: dict[str, Any]) -> None:
    if value is None or value == "":
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(line, col, _local(value), formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(line, col, dt.datetime.combine(value, dt.time()), formats["date"])
    elif isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        sheet.write_number(line, col, float(value), formats["money" if column.cell == "money" else "int"])
    else:
        sheet.write_string(line, col, str(value), formats["long" if column.cell == "long" else "text"])


def xlsx_chunks(
    heading: str | None, columns: list[Column], batches: Iterable[list[Row]], sheet_name: str = ""
) -> Iterator[bytes]:
    """The workbook written to a temporary file (gone when closed), then read back in chunks."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(spool, heading, columns, batches, sheet_name=sheet_name)
        spool.seek(0)
        while chunk := spool.read(1 << 16):
            yield chunk
