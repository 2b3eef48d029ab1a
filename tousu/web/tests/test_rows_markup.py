"""The complaint table (``{% complaint_rows %}``): built in Python for speed, it must escape what a
template would, cut long texts the same way, and say when there is nothing; the side navigation,
cached per role, shows each role its own links."""

from __future__ import annotations

import pytest

from tousu.complaints.states import Status
from tousu.web.templatetags.tousu_rows import complaint_rows
from tousu.web.templatetags.tousu_web import cut, options


def _row(**over):
    row = {
        "number": "TS2026000001",
        "kind": "complaint",
        "status": "dispatched",
        "channel": "hotline",
        "received_at": None,
        "category": "G01",
        "grade": None,
        "handling_unit": "amr",
        "handler": None,
        "due_at": None,
        "due_rule": None,
        "timing": "on_time",
        "version": 3,
        "summary": "窗口办事拖拉",
        "hidden": False,
        "complainant": "张三",
        "phone": "138****5678",
        "custom": {},
        "category_name": "行政审批",
        "handling_unit_name": "县市场监督管理局",
        "anonymous": False,
        "closed": False,
    }
    row.update(over)
    return row


@pytest.mark.django_db
def test_every_text_is_escaped():
    html = complaint_rows(
        [_row(summary='<script>alert("x")</script>', complainant="<b>王</b>", handling_unit_name="A&B")]
    )
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;王&lt;/b&gt;" in html and "A&amp;B" in html


@pytest.mark.django_db
def test_hidden_and_anonymous_rows_name_nobody():
    html = complaint_rows([_row(hidden=True, complainant=None, phone=None), _row(anonymous=True, complainant=None)])
    assert "（保密）" in html and "匿名" in html and "张三" not in html


@pytest.mark.django_db
def test_names_not_codes_and_labels_of_the_codes():
    html = complaint_rows([_row()])
    assert "县市场监督管理局" in html and "行政审批" in html and 'data-status="dispatched"' in html
    assert f">{Status.DISPATCHED.label}<" in html  # the status's label, not its code
    assert ">amr<" not in html


@pytest.mark.django_db
def test_the_short_table_drops_columns_and_the_empty_one_says_so():
    assert "<th>电话</th>" in complaint_rows([_row()]) and "<th>电话</th>" not in complaint_rows([_row()], short=True)
    assert "没有符合条件的投诉件" in complaint_rows([])


def test_cut_is_truncatechars():
    from django.template.defaultfilters import truncatechars

    for text in ("短", "一二三四五六七八九十" * 5, "abc", "abcd"):
        for n in (1, 2, 3, 4, 10, 40):
            assert cut(text, n) == truncatechars(text, n)


def test_options_escape_and_mark_the_choice():
    html = options([("a<1", "甲<乙>"), ("b", [("b1", "子&")])], "a<1")
    assert '<option value="a&lt;1" selected>甲&lt;乙&gt;</option>' in html
    assert '<optgroup label="b"><option value="b1">子&amp;</option></optgroup>' in html


@pytest.mark.django_db
def test_the_cached_navigation_follows_the_role(client, org):
    client.force_login(org["admin"])
    assert "/units/" in client.get("/list/").content.decode()
    client.force_login(org["handler"])
    page = client.get("/list/").content.decode()
    assert "/units/" not in page and "/list/" in page
    client.force_login(org["clerk"])
    assert "/intake/" in client.get("/list/").content.decode()
