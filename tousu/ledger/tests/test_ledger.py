"""The ledger (投诉台账, issue 16 §1–2): the preset's layouts, the filters, keyset pages in every
order, and the exports — Excel reopened with openpyxl (title, frozen header, auto-filter, dates as
dates, contacts masked for a unit's staff), CSV with the byte-order mark, the large ones written by
the task queue with their progress, through the API and the page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.ledger import exports
from tousu.ledger.models import Export
from tousu.ledger.selectors import LedgerIn, every, page
from tousu.presets.ledger import STANDARD_COLUMNS

pytestmark = pytest.mark.django_db

HEADERS = [
    "序号", "编号", "受理日期", "渠道", "投诉人", "联系方式", "被投诉单位/人员", "产品/批号", "类别", "等级", "内容摘要",
    "诉求", "承办单位", "办理期限", "办结日期", "是否超期", "处理结果", "答复方式", "回访/满意度", "责任认定", "整改措施", "备注",
]  # fmt: skip


@pytest.fixture
def cases(org, use_preset, register, walk):
    """Five complaints: three with the amr bureau (one closed and rated), one with housing, one not
    yet dispatched; identities shown to the units (the government preset would redact them)."""
    use_preset(always_redact=False)
    out = [
        register(
            summary=f"第{i}件",
            complainants=[{"name": f"投诉人{i}", "phone": f"1381234000{i}"}],
            # The respondent is a market stall, not the bureau: the bureau's staff see who complained.
            respondents=[{"unit_name": "城东农贸市场", "staff_name": f"摊主{i}"}],
        )
        for i in range(5)
    ]
    out = [Complaint.objects.get(pk=c.pk) for c in out]  # registration's own checks may have moved the version

    def dispatched(c):  # sent in full, not redacted: the bureau's staff see who complained
        c = walk(c, "accept")
        fields = {"version": c.version, "unit": "amr", "mode": "assign", "handler": "handler", "redacted": False}
        return perform("dispatch", org["center"], c.number, fields)

    walk(dispatched(out[0]), "sign", "submit_result", "approve", "reply", "follow_up")
    walk(dispatched(out[1]), "sign")
    dispatched(out[2])
    return [Complaint.objects.get(pk=c.pk) for c in out]


def test_the_standard_layout_has_specs_twenty_two_columns_in_order(org, cases):
    found = page(org["center"], LedgerIn())
    assert [str(c.label) for c in found.columns] == HEADERS
    assert found.layout.columns == STANDARD_COLUMNS and found.total == 5
    assert [r["seq"] for r in found.rows] == [1, 2, 3, 4, 5]
    closed = next(r for r in found.rows if r["number"] == cases[0].number)
    assert closed["handling_unit"] == "县市场监督管理局" and closed["satisfaction"] in {"满意", "基本满意", "不满意"}
    assert closed["closed_on"] == timezone.localdate(Complaint.objects.get(pk=cases[0].pk).closed_at)
    assert closed["overdue"] == "否" and closed["received_on"] == timezone.localdate(cases[0].received_at)
    assert closed["channel"] == "热线电话" or closed["channel"]  # a name, never the code
    assert closed["channel"] != "hotline"


def test_contacts_are_full_for_the_centre_and_masked_for_a_units_staff(org, cases):
    centre = {r["number"]: r["contact"] for r in page(org["center"], LedgerIn()).rows}
    assert centre[cases[1].number] == "13812340001"
    unit = {r["number"]: r for r in page(org["handler"], LedgerIn()).rows}
    assert set(unit) == {cases[0].number, cases[1].number, cases[2].number}  # scope: the amr bureau's
    assert unit[cases[1].number]["contact"] == "138****0001" and unit[cases[1].number]["complainant"] == "投诉人1"


def test_keyset_pages_walk_the_whole_ledger_in_every_order(org, cases):
    for sort in (
        "-id",
        "id",
        "received_at",
        "-received_at",
        "handling_due",
        "-handling_due",
        "closed_at",
        "-closed_at",
    ):
        seen, after, seqs = [], "", []
        while True:
            found = page(org["center"], LedgerIn(limit=2, sort=sort, after=after))
            seen += [r["number"] for r in found.rows]
            seqs += [r["seq"] for r in found.rows]
            if found.next is None:
                break
            after = found.next
        assert sorted(seen) == sorted(c.number for c in cases), sort
        assert seqs == [1, 2, 3, 4, 5], sort
    dues = [r["handling_due"] for r in page(org["center"], LedgerIn(sort="handling_due")).rows]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated) and dues[len(dated) :] == [None] * (len(dues) - len(dated))  # no date last


def test_the_filters_narrow_the_ledger(org, cases):
    def numbers(**f):
        return {r["number"] for r in page(org["center"], LedgerIn(**f)).rows}

    assert numbers(unit="amr") == {cases[0].number, cases[1].number, cases[2].number}
    assert numbers(satisfaction=Complaint.objects.get(pk=cases[0].pk).satisfaction) == {cases[0].number}
    assert numbers(respondent="摊主1") == {cases[1].number}
    assert numbers(period=timezone.localdate().strftime("%Y-%m")) == {c.number for c in cases}
    assert numbers(period="2001-01") == set()
    assert numbers(liable=True) == set()
    assert numbers(open=False) == {cases[0].number}


def test_bad_filters_are_clear_errors(org, cases, api_client):
    for query, field in (
        ({"period": "2026-13"}, "period"),
        ({"layout": "nope"}, "layout"),
        ({"after": "garbage"}, "after"),
        ({"sort": "summary"}, "sort"),
        ({"satisfaction": "happy"}, "satisfaction"),
    ):
        r = api_client.get(org["center"], "/ledger", **query)
        assert r.status_code in (400, 422), (query, r.status_code)
        assert field in r.content.decode() or r.json()["message"], query


def test_the_api_pages_the_ledger_with_names(org, cases, api_client):
    r = api_client.get(org["center"], "/ledger", limit=3)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5 and len(body["items"]) == 3 and body["next"]
    assert [c["label"] for c in body["columns"]] == HEADERS
    more = api_client.get(org["center"], "/ledger", limit=3, after=body["next"]).json()
    assert [i["seq"] for i in more["items"]] == [4, 5] and more["next"] is None


def test_the_xlsx_export_reopens_with_its_title_header_filter_dates_and_masked_contacts(org, cases, api_client):
    r = api_client.get(org["handler"], "/ledger/export", format="xlsx")
    assert r.status_code == 200 and r["Content-Type"] == exports.XLSX
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    assert sheet["A1"].value.startswith("投诉台账")
    assert [c.value for c in sheet[2]] == HEADERS
    assert sheet.max_row == 2 + 3  # the amr bureau's three
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:V5"
    from tousu.accounts.models import AdminLog

    logged = AdminLog.objects.get(action="ledger_export")
    assert logged.actor == org["handler"] and logged.payload["rows"] == 3 and logged.payload["full_contacts"] is False
    contacts = {sheet.cell(row, 2).value: sheet.cell(row, 6).value for row in range(3, 6)}
    assert contacts[cases[1].number] == "138****0001"
    received = sheet.cell(3, 3)
    assert received.is_date and isinstance(received.value, dt.datetime)
    assert {sheet.cell(row, 5).value for row in range(3, 6)} == {"投诉人0", "投诉人1", "投诉人2"}
    assert received.number_format == "yyyy-mm-dd"
    assert sheet.cell(3, 1).value == 1 and isinstance(sheet.cell(3, 1).value, int)


def test_the_bureau_complained_about_reads_no_contact_at_all(org, cases, register, walk, api_client):
    """Where the unit is the respondent itself, its staff read the redacted view: no complainant,
    no contact (stricter than masked), whatever the dispatcher chose."""
    c = walk(Complaint.objects.get(pk=register(summary="市场监管局窗口态度差").pk), "accept")
    fields = {"version": c.version, "unit": "amr", "mode": "assign", "handler": "handler", "redacted": False}
    perform("dispatch", org["center"], c.number, fields)
    r = api_client.get(org["handler"], "/ledger/export", format="xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    line = next(row for row in range(3, sheet.max_row + 1) if sheet.cell(row, 2).value == c.number)
    assert sheet.cell(line, 5).value == "（已隐去）" and sheet.cell(line, 6).value is None
    assert "13812345678" not in str([[cell.value for cell in row] for row in sheet.iter_rows()])


def test_a_formula_in_a_complaint_is_written_as_text(org, register, api_client):
    register(summary='=HYPERLINK("http://127.0.0.1")')
    r = api_client.get(org["center"], "/ledger/export", format="xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    cell = sheet.cell(3, 11)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    r = api_client.get(org["center"], "/ledger/export", format="csv")
    text = b"".join(r.streaming_content).decode("utf-8")
    assert "'=HYPERLINK" in text


def test_the_csv_export_has_the_byte_order_mark_and_every_row(org, cases, api_client):
    r = api_client.get(org["center"], "/ledger/export", format="csv")
    raw = b"".join(r.streaming_content)
    assert raw.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == HEADERS and len(lines) == 6


def test_a_large_ledger_is_written_by_the_task_queue_with_its_progress(
    org, cases, api_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "DIRECT_LIMIT", 2)
    r = api_client.get(org["center"], "/ledger/export", format="xlsx")
    assert r.status_code == 409 and r.json()["code"] == "too_large"
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued once the export is saved
        r = api_client.post(org["center"], "/ledger/exports", {"format": "xlsx", "unit": "amr"})
    assert r.status_code == 202, r.content
    key = r.json()["id"]
    state = api_client.get(org["center"], f"/ledger/exports/{key}").json()
    assert state["state"] == "done" and state["done"] == state["total"] == 3 and state["percent"] == 100
    got = api_client.get(org["center"], f"/ledger/exports/{key}/file")
    sheet = load_workbook(io.BytesIO(b"".join(got.streaming_content))).active
    assert sheet.max_row == 5
    # Nobody else's: another user is told there is no such export.
    assert api_client.get(org["handler"], f"/ledger/exports/{key}").status_code == 404
    assert api_client.get(org["handler"], f"/ledger/exports/{key}/file").status_code == 404


def test_the_batches_of_an_export_cover_every_row_once(org, cases):
    _layout, _columns, total, batches = every(org["center"], LedgerIn(sort="received_at"), batch=2)
    numbers = [r["number"] for b in batches for r in b]
    assert total == 5 and len(numbers) == len(set(numbers)) == 5


def test_old_exports_expire_with_their_files(org, cases, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        e = exports.start(org["center"], LedgerIn(), "csv")
    e.refresh_from_db()
    assert e.state == Export.State.DONE and exports.path_of(e).exists()
    Export.objects.filter(pk=e.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert exports.expire() == 1 and not exports.path_of(e).exists()


def test_the_page_lists_filters_and_exports(org, cases, client, monkeypatch, django_capture_on_commit_callbacks):
    client.force_login(org["center"])
    r = client.get("/ledger/", {"unit": "amr"})
    text = r.content.decode()
    assert r.status_code == 200 and "投诉台账" in text and cases[1].number in text and cases[3].number not in text
    assert "13812340001" in text
    r = client.get("/ledger/", {"period": "2026-13"})
    assert r.status_code == 200 and "月份" in r.content.decode()
    r = client.post("/ledger/export/?unit=amr", {"format": "csv"})
    assert r.status_code == 200 and b"".join(r.streaming_content).decode("utf-8-sig").count("\n") == 4
    monkeypatch.setattr(exports, "DIRECT_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/ledger/export/?unit=amr", {"format": "xlsx"})
    text = client.get(r["Location"]).content.decode()
    assert "后台导出" in text and "已完成" in text
    e = Export.objects.get()
    assert client.get(f"/ledger/exports/{e.key}/").json()["percent"] == 100
    assert client.get(f"/ledger/exports/{e.key}/file/").status_code == 200
    client.force_login(org["handler"])
    assert client.get(f"/ledger/exports/{e.key}/file/").status_code == 404


def test_a_product_preset_offers_the_seed_registers(org, cases):
    from tousu.presets import REGISTRY

    layouts = {x.code: x for x in REGISTRY["manufacturing"].ledger.layouts}
    assert set(layouts) == {"standard", "handling_register", "quality_record"}
    assert "batch" in layouts["handling_register"].columns and "purchase_place" in layouts["quality_record"].columns


def test_the_command_writes_the_ledger_with_a_progress_bar(org, cases, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    target = tmp_path / "amr.xlsx"
    call_command("export", "-o", str(target), "--as", "center", "--unit", "amr", "--filter", "open=true")
    sheet = load_workbook(target).active
    assert sheet.max_row == 2 + 2 and sheet["A1"].value.startswith("投诉台账")  # the amr bureau's two open cases
    assert "export" in capsys.readouterr().err  # tqdm's bar, on stderr
    call_command("export", "-o", str(tmp_path / "all.csv"), "--as", "handler", "--quiet")
    assert (tmp_path / "all.csv").read_bytes().decode("utf-8-sig").count("\n") == 1 + 3  # the handler's scope
    with pytest.raises(CommandError, match="liable"):
        call_command("export", "-o", str(tmp_path / "x.csv"), "--filter", "liable=maybe")
    with pytest.raises(CommandError, match="格式"):
        call_command("export", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.csv").exists()
