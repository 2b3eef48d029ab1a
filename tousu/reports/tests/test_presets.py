"""The regulator's half-yearly report on the bank preset's demo, as the bank's consumer-protection
office would hand it in: every number from the indicator code, names not codes, typical cases
without the customers' identity."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from tousu.accounts.models import User
from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.complaints.reference import load_preset
from tousu.indicators import periods
from tousu.indicators.stats import StatsQuery, stats
from tousu.presets import REGISTRY, demo_data
from tousu.presets.demo import build
from tousu.reports import render, services
from tousu.reports.selectors import report_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(settings):
    settings.TOUSU_PRESET = "bank"
    load_preset(REGISTRY["bank"])
    data = demo_data("bank").model_copy(update={"rounds": 1})
    build(data, perform)
    return data


def test_the_bank_regulator_half_yearly_report(bank):
    center = User.objects.filter(role="center").order_by("id").first()
    assert center is not None
    # The demo's complaints were received over the last 25 days (of the current half-year, mostly).
    current = periods.containing(timezone.now().astimezone(periods.BEIJING).date(), "half").code
    report = services.generate(actor=center, data=services.GenerateIn(kind="regulator_half_yearly", period=current))
    row = report_of(center, report.pk)
    figures = stats(center, StatsQuery(period=current))["total"]
    assert row["snapshot"]["total"]["received"] == figures["received"] > 0
    # Up to three closed complaints of the half-year, chosen by themselves.
    chosen = row["snapshot"]["cases"]
    assert 1 <= len(chosen) <= 3
    assert all(Complaint.objects.get(number=c["number"]).status in ("closed", "archived") for c in chosen)

    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(render.pdf(row))).pages).split())
    assert f"共受理投诉{figures['received']}件" in text
    assert "按业务类别统计" in text and "按分支机构统计" in text and "五、典型案例" in text

    doc = Document(io.BytesIO(render.docx(row)))
    by_category = next(t for t in doc.tables if t.rows[0].cells[0].text == "类别")
    names = [r.cells[0].text for r in by_category.rows[1:-1]]
    codes = {c.code for c, _parent in REGISTRY["bank"].walk_categories()}
    assert names and not set(names) & codes  # names, never codes
    everything = text + "".join(p.text for p in doc.paragraphs)
    for name in bank.names:
        assert name not in everything
