"""Reports as Word and PDF: the figures come from the indicator code, tables and charts are in,
and the bulletin carries no complainant's identity."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document
from pypdf import PdfReader

from tousu.accounts.models import Unit
from tousu.complaints.models import Complaint
from tousu.indicators.stats import StatsQuery, stats
from tousu.indicators.tests.november import bj
from tousu.reports import render
from tousu.reports.kinds import KINDS, Table
from tousu.reports.selectors import report_of

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def docx_of(content: bytes):
    return Document(io.BytesIO(content))


def docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return squeeze("\n".join(parts))


def test_the_monthly_report_renders_with_the_months_intake(november, center, generate):
    intake = stats(center, StatsQuery(period="2026-11"))["total"]["received"]
    # By hand (indicators/tests/november.py): c1 c2 c3 c4 c6 c8 c9 c11 received in November,
    # Beijing time, counted — c5 is December's, c7 invalid, c10 an inquiry.
    assert intake == 8
    row = report_of(center, generate(center, "monthly", "2026-11").pk)

    text = pdf_text(render.pdf(row))
    assert "2026年11月投诉情况月报" in text
    assert f"2026年11月共受理投诉{intake}件" in text
    assert "统计期间：2026年11月" in text and "总体情况" in text

    doc = docx_of(render.docx(row))
    assert f"2026年11月共受理投诉{intake}件" in docx_text(doc)
    overview = doc.tables[0]
    assert [c.text for c in overview.rows[0].cells][:2] == ["指标", "本期"]
    received = next(r for r in overview.rows if r.cells[0].text == "受理量")
    assert received.cells[1].text == str(intake)
    assert len(doc.tables) == 1 + len(KINDS["monthly"].tables)
    # The unit table names the bureau (not its code) with its hand count: c1 c2 c3 c4 c6.
    amr = Unit.objects.get(code="amr").name
    by_unit = next(t for t in doc.tables if t.rows[0].cells[0].text == "承办单位")
    row_of_amr = next(r for r in by_unit.rows if r.cells[0].text == amr)
    assert row_of_amr.cells[1].text == "5" and row_of_amr.cells[2].text == "62.50%"  # 5 of 8
    assert by_unit.rows[-1].cells[0].text == "合计" and by_unit.rows[-1].cells[1].text == "8"
    assert len(doc.inline_shapes) >= 2  # the charts, as pictures
    assert "amr" not in [r.cells[0].text for r in by_unit.rows]


def test_a_group_table_shows_names_percentages_the_rest_and_the_total():
    figures = {"received": 6, "closed": 5, "closure_rate": "0.8333", "on_time_rate": None, "satisfaction_rate": "1"}
    small = {"received": 1, "closed": 1, "closure_rate": "1", "on_time_rate": "1", "satisfaction_rate": None}
    snap = {
        "total": {
            "received": 8,
            "closed": 7,
            "closure_rate": "0.875",
            "on_time_rate": "0.5",
            "satisfaction_rate": "0.6667",
        },
        "tables": {
            "category": {
                "groups": [
                    {"key": "G0201", "label": "窗口服务", "figures": figures},
                    {"key": "G03", "label": "行政执法", "figures": small},
                    {"key": "G04", "label": "政务公开", "figures": small},
                ],
                "pareto": [
                    {"key": "G0201", "label": "窗口服务", "count": 6, "share": "0.75", "cumulative": "0.75"},
                    {"key": "G03", "label": "行政执法", "count": 1, "share": "0.125", "cumulative": "0.875"},
                ],
            }
        },
    }
    view = render.group_table(Table("category", "按投诉类别统计", limit=2, chart="pareto"), snap)
    assert view.headers == ["类别", "受理量", "占比", "办结量", "办结率", "按期办结率", "满意率"]
    assert view.rows[0] == ["窗口服务", "6", "75.00%", "5", "83.33%", "—", "100.00%"]
    assert view.rows[2] == ["其他（1项）", "1", "12.50%", "1", "—", "—", "—"]
    assert view.rows[3] == ["合计", "8", "100.00%", "7", "87.50%", "50.00%", "66.67%"]
    assert view.chart is not None and view.chart.startswith(b"\x89PNG")


def test_the_government_quarterly_report_renders(november, center, generate):
    report = generate(center, "government_quarterly", "2026-Q4")
    row = report_of(center, report.pk)
    assert row["title"] == "2026年第4季度行政效能投诉统计报告"
    text = pdf_text(render.pdf(row))
    assert "二、各单位办理情况" in text and "各单位办理情况及排名" in text
    assert "2026年第4季度共受理投诉" in text
    doc = docx_of(render.docx(row))
    assert "各单位办理情况及排名" in docx_text(doc)
    # Ranked by on-time rate: housing closed c8 on time (100%), amr 2 of 3 plus c5 in December;
    # the returned c11 has no unit: listed last, unranked.
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    names = Unit.objects.in_bulk(["amr", "housing"], field_name="code")
    ranked = [(r.cells[0].text, r.cells[1].text) for r in ranking.rows[1:-1]]
    assert ranked == [("1", names["housing"].name), ("2", names["amr"].name), ("", "未分派")]
    assert "居首" in text and names["housing"].name in text


def test_the_bank_regulator_half_yearly_report_renders_with_typical_cases(november, center, generate, use_preset):
    use_preset(reports={"kinds": ["monthly", "regulator_half_yearly"], "scheduled": []})
    row = report_of(center, generate(center, "regulator_half_yearly", "2026-H2").pk)
    headings = [s["heading"] for s in row["sections"]]
    assert headings == [
        "一、消费投诉总体情况",
        "二、投诉业务类别及原因分析",
        "三、投诉地区及机构分布",
        "四、投诉处理情况",
        "五、典型案例",
        "六、存在的问题及改进措施",
    ]
    # Three closed cases of the half-year chosen by themselves, with the facts and handling.
    assert len(row["snapshot"]["cases"]) == 3
    text = pdf_text(render.pdf(row))
    assert "国家金融监督管理总局派出机构" in text and "案例1" in text and "处理情况" in text
    assert "2026年下半年共受理投诉" in text
    assert "五、典型案例" in docx_text(docx_of(render.docx(row)))


def test_the_bulletin_holds_no_complainant_name_or_phone(org, center, register, generate):
    c = register(
        summary="李红梅反映窗口办事拖拉",
        content="我叫李红梅，电话13912345678，住幸福路8号，到窗口办理营业执照跑了四趟没办成。",
        complainants=[{"name": "李红梅", "phone": "13912345678", "address": "城关镇幸福路8号"}],
    )
    Complaint.objects.filter(pk=c.pk).update(
        status="closed",
        closed_at=bj(11, 20),
        received_at=bj(11, 10),
        findings="李红梅所反映情况属实，窗口人员未一次性告知所需材料",
        solution="对窗口人员批评教育，已电话13912345678告知李女士结果",
        satisfaction="satisfied",
    )
    row = report_of(center, generate(center, "bulletin", "2026-11", [c.number]).pk)
    assert row["title"] == "2026年11月典型案例通报"
    pdf = pdf_text(render.pdf(row))
    docx = docx_text(docx_of(render.docx(row)))
    for text in (pdf, docx, squeeze(str(row["snapshot"])), squeeze(str(row["sections"]))):
        assert "李红梅" not in text and "13912345678" not in text and "幸福路8号" not in text
        assert "李女士" not in text
    assert "窗口办事拖拉" in pdf and "批评教育" in pdf and "启示" in docx
    assert Decimal(1) == Decimal(len(row["snapshot"]["cases"]))
