"""A report as Word (python-docx) and PDF (WeasyPrint), with the same parts in the same order:
文号, title, addressee, the period, the narrative sections, the statistics tables (numbers from the
frozen snapshot, names not codes, rates as 83.33%) each with its chart, the issuer and the date
line (2026年12月1日). The CJK font is the letters' (``tousu.letters.render.cjk_font``)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tousu.indicators.definitions import LABELS
from tousu.indicators.stats import BUCKETS
from tousu.letters.render import cjk_font
from tousu.reports import charts, narrative
from tousu.reports.kinds import KINDS, Table
from tousu.reports.selectors import ReportRow

BY_LABELS = {
    "category": "类别",
    "grade": "等级",
    "channel": "渠道",
    "unit": "承办单位",
    "respondent": "被投诉单位",
    "product": "产品",
    "region": "地区",
    "cause": "原因",
}
OVERVIEW = ("received", "closed", "closure_rate", "on_time_rate", "satisfaction_rate", "overdue", "repeat_rate")
EXTRA_LABELS = {
    "share": "占比",
    "avg_working_days": "平均办理工作日",
    "upgraded": "升级投诉量",
    "upgraded_rate": "升级投诉率",
}


@dataclass
class TableView:
    title: str
    headers: list[str]
    rows: list[list[str]]
    chart: bytes | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def chart_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.chart).decode() if self.chart else ""


def _label(column: str) -> str:
    return str(EXTRA_LABELS.get(column) or LABELS.get(column) or column)


def overview_table(snap: dict[str, Any]) -> TableView:
    """The period's headline figures beside the previous period's (环比) and last year's (同比)."""
    total, previous, last_year = snap["total"], snap.get("previous"), snap.get("last_year")
    change = snap.get("change") or {}
    headers = [_("指标"), _("本期")]
    if previous is not None:
        headers += [_("上期"), _("环比")]
    if last_year is not None:
        headers += [_("去年同期"), _("同比")]
    columns = list(OVERVIEW) + (["avg_working_days"] if "avg_working_days" in total else [])
    rows = []
    for column in columns:
        row = [_label(column), narrative.cell(column, total)]
        moved = change.get(column) or {}
        if previous is not None:
            row += [narrative.cell(column, previous), narrative.change(moved.get("mom")) if moved else "—"]
        if last_year is not None:
            row += [narrative.cell(column, last_year), narrative.change(moved.get("yoy")) if moved else "—"]
        rows.append(row)
    return TableView(_("总体情况"), headers, rows)


def group_table(table: Table, snap: dict[str, Any], with_chart: bool = True) -> TableView:
    data = (snap.get("tables") or {}).get(table.by) or {"groups": [], "pareto": []}
    groups = list(data["groups"])
    if table.by not in BUCKETS:  # a category, unit… nothing was received from: not a row of the table
        groups = [g for g in groups if int(g["figures"].get("received") or 0) > 0]
    total = snap["total"]
    received = int(total.get("received") or 0)
    first = BY_LABELS.get(table.by, _("时间"))
    headers = ([_("名次")] if table.ranking else []) + [first] + [_label(c) for c in table.columns]
    shown = groups[: table.limit] if table.limit else groups
    rows = []
    for i, g in enumerate(shown, 1):
        cells = [narrative.cell(c, g["figures"], received) for c in table.columns]
        rank = str(i) if g.get("key") not in (None, "") else ""
        rows.append(([rank] if table.ranking else []) + [g["label"]] + cells)
    rest = groups[len(shown) :]
    if rest:
        others = {"received": sum(int(g["figures"].get("received") or 0) for g in rest)}
        others["closed"] = sum(int(g["figures"].get("closed") or 0) for g in rest)
        cells = [
            narrative.cell(c, others, received) if c in ("received", "closed", "share") else "—" for c in table.columns
        ]
        rows.append(([""] if table.ranking else []) + [_("其他（%(n)d项）") % {"n": len(rest)}] + cells)
    if groups:
        rows.append(
            ([""] if table.ranking else []) + [_("合计")] + [narrative.cell(c, total, received) for c in table.columns]
        )
    view = TableView(_(table.title), headers, rows)
    if not groups:
        view.notes.append(_("本期无数据。"))
    if with_chart and groups and table.chart:
        view.chart = _chart(table, groups, data.get("pareto") or [])
    return view


def _chart(table: Table, groups: list[dict[str, Any]], pareto: list[dict[str, Any]]) -> bytes:
    title = _(table.title)
    if table.chart == "trend":
        labels = [g["label"] for g in groups]
        return charts.trend(
            title,
            labels,
            [int(g["figures"].get("received") or 0) for g in groups],
            [int(g["figures"].get("closed") or 0) for g in groups],
        )
    if table.chart == "pareto":
        if pareto:
            rows = pareto[:12]
            return charts.pareto(
                title,
                [r["label"] for r in rows],
                [int(r["count"]) for r in rows],
                [float(r["cumulative"]) for r in rows],
            )
        ordered = sorted(groups, key=lambda g: -int(g["figures"].get("received") or 0))[:12]
        counts = [int(g["figures"].get("received") or 0) for g in ordered]
        whole = sum(int(g["figures"].get("received") or 0) for g in groups) or 1
        running, cumulative = 0, []
        for n in counts:
            running += n
            cumulative.append(running / whole)
        return charts.pareto(title, [g["label"] for g in ordered], counts, cumulative)
    top = sorted(groups, key=lambda g: -int(g["figures"].get("received") or 0))[:15]
    return charts.bars(title, [g["label"] for g in top], [int(g["figures"].get("received") or 0) for g in top])


def tables(row: ReportRow, with_charts: bool = True) -> list[TableView]:
    kind = KINDS.get(row["kind"])
    snap = row["snapshot"]
    if kind is None or not snap:
        return []
    out = [overview_table(snap)] if kind.tables else []
    return out + [group_table(t, snap, with_charts) for t in kind.tables]


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _context(row: ReportRow) -> dict[str, Any]:
    kind = KINDS.get(row["kind"])
    return {
        "report": row,
        "audience": _(kind.audience) if kind and kind.audience else "",
        "sections": [{"heading": s["heading"], "paragraphs": paragraphs(s["text"])} for s in row["sections"]],
        "tables": tables(row),
        "draft": row["status"] == "draft",
    }


def pdf(row: ReportRow) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only rendering needs

    family, _path = cjk_font()
    html = render_to_string("reports/report.html", {**_context(row), "font": family})
    return HTML(string=html).write_pdf()


def docx(row: ReportRow) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    family, _path = cjk_font()
    ctx = _context(row)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    for style_name in ("Normal", "Table Grid"):
        style = doc.styles[style_name]
        style.font.name = family
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)

    def line(text: str, align: Any = None, size: int | None = None, bold: bool = False) -> None:
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align

    if ctx["draft"]:
        line(_("（草稿）"), WD_ALIGN_PARAGRAPH.LEFT, size=12)
    if row["reference"]:
        line(row["reference"], WD_ALIGN_PARAGRAPH.RIGHT)
    line(row["title"], WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True)
    line(_("统计期间：%(p)s") % {"p": row["period_label"]}, WD_ALIGN_PARAGRAPH.CENTER, size=14)
    if ctx["audience"]:
        line(f"{ctx['audience']}：")
    for s in ctx["sections"]:
        line(s["heading"], bold=True)
        for text in s["paragraphs"]:
            p = doc.add_paragraph(text)
            p.paragraph_format.first_line_indent = Pt(32)  # two characters of 16 pt
    if ctx["tables"]:
        line(_("附：统计表"), bold=True)
    for view in ctx["tables"]:
        line(view.title, WD_ALIGN_PARAGRAPH.CENTER, size=14, bold=True)
        table = doc.add_table(rows=1 + len(view.rows), cols=len(view.headers))
        table.style = doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, cells in enumerate([view.headers, *view.rows]):
            for c, text in enumerate(cells):
                cell = table.cell(r, c)
                cell.text = text
                for p in cell.paragraphs:
                    p.paragraph_format.line_spacing = Pt(14)
                    for run in p.runs:
                        run.font.size = Pt(10)
                        run.bold = r == 0
        for note in view.notes:
            line(note, size=12)
        if view.chart:
            doc.add_picture(io.BytesIO(view.chart), width=Mm(150))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()
    if row["issuer"]:
        line(row["issuer"], WD_ALIGN_PARAGRAPH.RIGHT)
    line(row["date"], WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
