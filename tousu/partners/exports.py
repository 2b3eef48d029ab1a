"""A statement as an xlsx workbook (issue 15 §5): Chinese headers, names rather than codes, amounts
as numbers (two decimals) so the partner's finance staff can add them up."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from tousu.core import downloads
from tousu.partners.selectors import StatementRow

MONEY = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ("序号", "项目", "投诉编号", "说明", "金额（元）", "异议", "异议原因", "处理意见", "核减")


def statement_xlsx(row: StatementRow) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "服务费用结算"
    bold = Font(bold=True)
    sheet.append(["合作方", row["partner_name"]])
    sheet.append(["结算月份", row["month"]])
    sheet.append(["状态", row["status_name"]])
    sheet.append(["异议截止日", row["dispute_until"].isoformat() if row["dispute_until"] else ""])
    if row["no_reduction"]:
        sheet.append(["当月不得核减", row["no_reduction_why"]])
    sheet.append([])
    sheet.append(list(HEADERS))
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for item in row["items"]:
        sheet.append(
            [
                item["position"],
                item["kind_name"],
                item["complaint"] or "",
                item["description"],
                item["amount"],
                item["dispute_name"] if item["dispute"] else "",
                item["reason"],
                item["decision_note"],
                "是" if item["reduced"] else "",
            ]
        )
        sheet.cell(sheet.max_row, 5).number_format = MONEY
    sheet.append([])
    for label, value in [
        ("原始金额合计（元）", row["original_total"]),
        ("核减金额（元）", row["reduced"]),
        ("结算金额（元）", row["final_total"]),
    ]:
        sheet.append(["", label, "", "", value])
        sheet.cell(sheet.max_row, 2).font = bold
        sheet.cell(sheet.max_row, 5).number_format = MONEY
    sheet.append(["", "投诉量（原始数据）", "", "", row["original_count"]])
    sheet.append(["", "投诉量（核减后）", "", "", row["final_count"]])
    for column, width in zip("ABCDEFGHI", (6, 22, 20, 48, 14, 18, 36, 30, 6), strict=True):
        sheet.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def disposition(row: StatementRow) -> str:
    """The download's file name: the partner's name and the month, with an ASCII fallback."""
    name = f"{row['partner_name']}-{row['month']}-服务费用结算.xlsx"
    return downloads.disposition(f"statement-{row['id']}.xlsx", name)
