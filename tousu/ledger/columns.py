"""The columns a ledger layout may name (SPEC §11; ``tousu.presets.ledger.COLUMN_KEYS``): the
header each is written under, the kind of cell it is (text, a date, a number, an amount — so a
spreadsheet sorts and sums it), its width, and what it reads from the complaint.

``fields`` are the complaint's columns the ledger reads for it (a page reads only what its layout
shows); ``needs`` names the facts read in one query per batch of rows (``tousu.ledger.rows``)."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

from tousu.core.sheets import Cell, Column
from tousu.presets.ledger import COLUMN_KEYS, CUSTOM_PREFIX, Layout

Need = Literal["people", "respondents", "determination", "capa", "repeat_of", "merged_into"]


def _c(
    key: str, label: Any, cell: Cell = "text", width: int = 12, fields: tuple[str, ...] = (), *needs: Need
) -> Column:
    return Column(key, label, cell, width, fields, frozenset(needs))


CATALOGUE: dict[str, Column] = {
    c.key: c
    for c in (
        _c("seq", _("序号"), "int", 6),
        _c("number", _("编号"), "text", 16),
        _c("received_on", _("受理日期"), "date", 11),
        _c("received_at", _("受理时间"), "datetime", 16),
        _c("channel", _("渠道"), "text", 10, ("channel",)),
        _c("kind", _("类型"), "text", 8, ("kind",)),
        _c("status", _("状态"), "text", 10, ("status",)),
        _c("complainant", _("投诉人"), "text", 10, ("anonymous",), "people"),
        _c("contact", _("联系方式"), "text", 14, ("anonymous",), "people"),
        _c("address", _("地址"), "text", 24, ("anonymous",), "people"),
        _c("respondent", _("被投诉单位/人员"), "text", 20, (), "respondents"),
        _c("product", _("产品/批号"), "text", 20, (), "respondents"),
        _c("product_name", _("投诉产品名称"), "text", 18, (), "respondents"),
        _c("batch", _("生产批号"), "text", 14, (), "respondents"),
        _c("quantity", _("数量"), "text", 8, (), "respondents"),
        _c("purchase_place", _("购买地点"), "text", 18, (), "respondents"),
        _c("category", _("类别"), "text", 14, ("category__name",)),
        _c("grade", _("等级"), "text", 8, ("grade__name",)),
        _c("summary", _("内容摘要"), "long", 36, ("summary", "summary_redacted"), "people"),
        _c("content", _("投诉内容"), "long", 48, ("content", "content_redacted"), "people"),
        _c("demands", _("诉求"), "long", 30, ("demands",), "people"),
        _c("findings", _("调查情况"), "long", 36, ("findings",), "people"),
        _c("measures", _("处理措施"), "long", 36, ("solution",), "people"),
        _c("handling_unit", _("承办单位"), "text", 18, ("handling_unit__name",)),
        _c("handler", _("承办人"), "text", 10, ("handler__display_name", "handler__username")),
        _c("handling_due", _("办理期限"), "date", 11, ("handling_due",)),
        _c("closed_on", _("办结日期"), "date", 11, ("closed_at",)),
        _c("overdue", _("是否超期"), "text", 8, ("status", "closed_at", "handling_due", "due_at")),
        _c("result", _("处理结果"), "long", 36, ("status", "reply_text", "solution", "close_reason"), "people"),
        _c("reply_method", _("答复方式"), "text", 10, ("reply_method",)),
        _c("replied_on", _("答复日期"), "date", 11, ("replied_at",)),
        _c("satisfaction", _("回访/满意度"), "text", 10, ("satisfaction",)),
        _c("determination", _("责任认定"), "text", 20, (), "determination"),
        _c("capa", _("整改措施"), "text", 24, (), "capa"),
        _c("amount", _("涉及金额（元）"), "money", 12, ("amount",)),
        _c("compensation", _("补偿金额（元）"), "money", 12, ("compensation_amount",)),
        _c("registered_by", _("记录人"), "text", 10, ("registered_by__display_name", "registered_by__username")),
        _c(
            "remarks",
            _("备注"),
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
