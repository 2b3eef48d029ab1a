"""The ledger's reads (SPEC §11, issue 16 §1): the complaints the reader may see, filtered, in the
chosen order, one page at a time by keyset — the page after a row is found from the row's sort
value and id, through the index, however deep in the ledger it lies — or all of them in batches
for an export. The filters are the complaint list's (``ListIn``) and the ledger's own
(``LedgerIn``); scope and the redacted view apply to every row (``tousu.ledger.rows``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal, NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import User
from tousu.accounts.services import get_unit
from tousu.complaints.codes import SatisfactionCode
from tousu.complaints.inputs import Blank, ListIn
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.complaints.selectors import filter_complaints
from tousu.core.errors import ValidationFailed
from tousu.indicators import periods
from tousu.ledger import rows
from tousu.ledger.columns import Column, columns_of
from tousu.presets.ledger import Layout

# The orders a ledger may be read in: a date column and its direction; rows with no date come last.
SORTS: dict[str, tuple[str, bool]] = {
    "-id": ("id", True),
    "id": ("id", False),
    "-received_at": ("received_at", True),
    "received_at": ("received_at", False),
    "handling_due": ("handling_due", False),
    "-handling_due": ("handling_due", True),
    "closed_at": ("closed_at", False),
    "-closed_at": ("closed_at", True),
}
SortCode = Literal[
    "-id", "id", "-received_at", "received_at", "handling_due", "-handling_due", "closed_at", "-closed_at"
]
BATCH = 500  # rows an export reads at a time


class LedgerIn(ListIn):
    """The list's filters and the ledger's own. ``cursor`` of the list is not used here: the
    ledger's ``after`` carries the sort value with the id."""

    period: str = Field("", max_length=40, description="统计期：2026-11、2026-Q4、2026-H2、2026，按北京时间的受理日期")
    subtree: bool = Field(False, description="承办单位含其下级单位")
    respondent: str = Field("", max_length=100, description="被投诉单位或人员（部分匹配）")
    product: str = Field("", max_length=100, description="产品名称（部分匹配）")
    batch: str = Field("", max_length=100, description="批号（部分匹配）")
    satisfaction: Annotated[SatisfactionCode | Blank, Field(description="满意度")] = ""
    liable: bool | None = Field(None, description="责任认定有责（true）或无责（false）")
    layout: str = Field("", max_length=40, description="台账格式的编码；空为预设的第一个")
    sort: SortCode = "-id"
    after: str = Field("", max_length=80, description="下一页的位置（上一页返回的 next）")


class LedgerPage(NamedTuple):
    layout: Layout
    columns: list[Column]
    rows: list[rows.Row]
    total: int
    next: str | None  # the ``after`` of the next page, None at the end


def layout_of(code: str) -> Layout:
    found = active().ledger.layout(code)
    if found is None:
        codes = [layout.code for layout in active().ledger.layouts]
        raise ValidationFailed(_("没有这个台账格式：%(c)s") % {"c": code}, field="layout", allowed=codes)
    return found


def matching(actor: User, f: LedgerIn) -> QuerySet[Complaint]:
    """Every complaint of the ledger ``f`` asks for that ``actor`` may see."""
    listed = f.model_copy(update={"unit": "" if f.subtree else f.unit, "cursor": None})
    qs = filter_complaints(actor, listed)
    if f.subtree and f.unit:
        qs = qs.filter(handling_unit__path__startswith=get_unit(f.unit, field="unit").path)
    if f.period:
        qs = qs.filter(periods.parse(f.period).received())
    said = {"respondent": f.respondent.strip(), "product": f.product.strip(), "batch": f.batch.strip()}
    if any(said.values()):
        from tousu.complaints.models import Respondent

        named = Q()
        if said["respondent"]:
            named &= Q(unit_name__icontains=said["respondent"]) | Q(staff_name__icontains=said["respondent"])
        if said["product"]:
            named &= Q(product_name__icontains=said["product"])
        if said["batch"]:
            named &= Q(batch__icontains=said["batch"])
        qs = qs.filter(id__in=Respondent.objects.filter(named).values("complaint_id"))
    if f.satisfaction:
        qs = qs.filter(satisfaction=f.satisfaction)
    if f.liable is not None:
        from tousu.accountability.models import Determination

        standing = Determination.objects.filter(complaint=OuterRef("pk"), superseded=False, liable=True)
        qs = qs.filter(Exists(standing)) if f.liable else qs.exclude(Exists(standing))
    return qs


def _order(field: str, descending: bool) -> list[Any]:
    if field == "id":
        return ["-id" if descending else "id"]
    column = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return [column, "-id" if descending else "id"]


def _cursor(row: dict[str, Any], field: str, seq: int) -> str:
    """Where the next page starts: after this row's sort value and id; ``seq`` is the position of
    the next page's first row, carried along so that no page counts the rows before it."""
    value = row[field]
    shown = value.isoformat() if isinstance(value, dt.datetime) else "" if value is None else str(value)
    return f"{shown}~{row['id']}~{seq}"


def _after(after: str, field: str, descending: bool) -> tuple[Q, int | None]:
    """The rows after the one ``after`` names, in the order (field, id), and the position of the
    first of them where the cursor tells it."""
    bad = ValidationFailed(_("翻页位置无效，请从第一页重新开始"), field="after")
    parts = after.split("~")
    if len(parts) not in (2, 3):
        raise bad
    shown, raw_id = parts[0], parts[1]
    try:
        pk = int(raw_id)
        seq = int(parts[2]) if len(parts) == 3 else None
        value: Any = (
            None if field != "id" and shown == "" else int(shown) if field == "id" else dt.datetime.fromisoformat(shown)
        )
    except ValueError:
        raise bad from None
    if isinstance(value, dt.datetime) and value.tzinfo is None or (seq is not None and not 1 <= seq <= 10**9):
        raise bad
    beyond = "lt" if descending else "gt"
    if field == "id":
        return Q(**{f"id__{beyond}": pk}), seq
    if value is None:  # among the rows with no date, which come last
        return Q(**{f"{field}__isnull": True, f"id__{beyond}": pk}), seq
    later = (
        Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": pk}) | Q(**{f"{field}__isnull": True})
    )
    return later, seq


def page(actor: User, f: LedgerIn) -> LedgerPage:
    """One page of the ledger, its rows numbered from where the page starts."""
    layout = layout_of(f.layout)
    columns = columns_of(layout)
    field, descending = SORTS[f.sort]
    qs = matching(actor, f)
    total = qs.count()
    ordered = qs.order_by(*_order(field, descending))
    first = 1
    if f.after:
        where, seq = _after(f.after, field, descending)
        ordered = ordered.filter(where)
        first = seq if seq is not None else total - qs.filter(where).count() + 1
    batch = list(rows.values(ordered, actor, columns, field)[: f.limit + 1])
    more = len(batch) > f.limit
    batch = batch[: f.limit]
    built = rows.build(actor, columns, batch, rows.Names(), first_seq=first)
    return LedgerPage(layout, columns, built, total, _cursor(batch[-1], field, first + len(batch)) if more else None)


def every(actor: User, f: LedgerIn, batch: int = BATCH) -> tuple[Layout, list[Column], int, Iterator[list[rows.Row]]]:
    """The whole ledger ``f`` asks for, in batches (for an export): its layout, columns, the
    number of rows and the batches, each read by keyset as ``page`` reads a page."""
    layout = layout_of(f.layout)
    columns = columns_of(layout)
    total = matching(actor, f).count()

    def batches() -> Iterator[list[rows.Row]]:
        names = rows.Names()
        after, seq = "", 1
        field, descending = SORTS[f.sort]
        qs = matching(actor, f).order_by(*_order(field, descending))
        while True:
            chunk = list(
                rows.values(qs.filter(_after(after, field, descending)[0]) if after else qs, actor, columns, field)[
                    :batch
                ]
            )
            if not chunk:
                return
            yield rows.build(actor, columns, chunk, names, first_seq=seq)
            seq += len(chunk)
            if len(chunk) < batch:
                return
            after = _cursor(chunk[-1], field, seq)

    return layout, columns, total, batches()
