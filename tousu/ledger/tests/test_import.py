"""The Excel ledger import (issue 13 part 4): the dry run of a broken sheet, the fixed sheet, the
idempotent re-run, resumable batches, and the export → import round trip."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tousu.complaints import exports
from tousu.complaints.audit import verify_audit
from tousu.complaints.inputs import ListIn
from tousu.complaints.models import Complainant, Complaint, Event, NumberSequence, Respondent
from tousu.core.errors import NotPermitted, ValidationFailed
from tousu.ledger import importer
from tousu.ledger.models import ImportRun, LedgerMapping

HEADER = ["编号", "受理日期", "渠道", "投诉人", "联系电话", "被投诉单位", "类别", "等级", "内容摘要", "诉求",
          "承办单位", "办结日期", "处理结果"]  # fmt: skip
GOOD = [
    ["GX2024-001", "2024-03-01", "热线电话", "张建华", "13812345678", "县市场监督管理局", "工作作风", "一般",
     "窗口人员态度恶劣", "要求道歉", "县市场监督管理局", "2024-03-20", "已批评教育"],
    ["GX2024-002", "2024/3/5 10:30", "来信", "李秀英", "0571-87654321", "县住房和城乡建设局", "办事效率", "重要",
     "维修资金申请拖延", "限时办结", "县住房和城乡建设局", None, None],
    ["GX2024-003", "2024年3月8日", "来访", "王海涛", "13900001111", "县人力资源和社会保障局", "G03", "normal",
     "拖欠工资投诉未受理", "依法受理", None, None, None],
]  # fmt: skip


def _sheet(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["某县行政效能投诉台账（2024年）"] + [None] * (len(header) - 1))  # a title line above the header
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _broken() -> bytes:
    rows = [list(r) for r in GOOD]
    rows[0][1] = "2024-13-45"  # bad date (sheet row 3)
    rows[1][6] = "不存在的类别"  # unknown category (row 4)
    rows[2][4] = "12345"  # bad phone (row 5)
    missing = ["GX2024-004", "2024-03-09", "热线电话", "赵德明", "13700002222", "", "", "", "", "", "", "", ""]
    duplicate = [*GOOD[0]]  # the number of row 3 again (row 7)
    return _sheet([*rows, missing, duplicate])


@pytest.mark.django_db
def test_the_dry_run_of_a_broken_sheet_lists_every_bad_row_and_writes_nothing(center):
    report = importer.run(actor=center, data=_broken(), file_name="broken.xlsx", dry_run=True)
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(3, "受理日期"), (4, "类别"), (5, "联系电话"), (6, "内容摘要"), (7, "编号")}
    reasons = {p.row: p.reason for p in report.problems}
    assert "日期无法识别" in reasons[3] and "不存在的类别" in reasons[4]
    assert "电话号码格式不正确" in reasons[5] and "缺少内容摘要" in reasons[6] and "第3行" in reasons[7]
    assert Complaint.objects.count() == 0 and Event.objects.count() == 0
    assert LedgerMapping.objects.count() == 0 and ImportRun.objects.count() == 0
    # A real run of the same sheet refuses it whole and writes nothing either.
    report = importer.run(actor=center, data=_broken(), file_name="broken.xlsx", dry_run=False)
    assert len(report.problems) == 5 and report.imported == 0 and Complaint.objects.count() == 0


@pytest.mark.django_db
def test_the_fixed_sheet_imports_with_its_numbers_dates_and_history(center):
    dry = importer.run(actor=center, data=_sheet(GOOD), file_name="ledger.xlsx", dry_run=True)
    assert dry.ok and dry.ready == 3 and Complaint.objects.count() == 0
    report = importer.run(actor=center, data=_sheet(GOOD), file_name="ledger.xlsx", dry_run=False, batch=2)
    assert report.ok and report.imported == 3
    assert report.numbers == ["GX2024-001", "GX2024-002", "GX2024-003"]
    first = Complaint.objects.get(number="GX2024-001")
    assert first.status == "closed" and first.channel == "hotline" and first.category.code == "G01"
    assert first.grade.code == "normal" and first.handling_unit.code == "amr" and first.reply_text == "已批评教育"
    assert timezone.localtime(first.received_at).isoformat() == "2024-03-01T00:00:00+08:00"
    assert timezone.localtime(first.closed_at).date().isoformat() == "2024-03-20"
    assert Complainant.objects.get(complaint=first).phone == "13812345678"
    assert Respondent.objects.get(complaint=first).unit.code == "amr"
    second = Complaint.objects.get(number="GX2024-002")
    assert second.status == "registered" and timezone.localtime(second.received_at).hour == 10
    assert second.channel == "letter"
    event = first.events.get()
    assert event.action == "import" and event.to_status == "closed" and event.actor == center
    assert event.payload["row"] == 3 and event.payload["file"] == "ledger.xlsx"
    assert ImportRun.objects.get().done == 3 and ImportRun.objects.get().imported == 3
    assert LedgerMapping.objects.get(name="default").columns["受理日期"] == "received_at"
    report = verify_audit()
    assert report.ok, report.problems
    call_command("verify_audit")


@pytest.mark.django_db
def test_the_rerun_imports_nothing_new(center):
    importer.run(actor=center, data=_sheet(GOOD), file_name="ledger.xlsx", dry_run=False)
    again = importer.run(actor=center, data=_sheet(GOOD), file_name="ledger.xlsx", dry_run=False)
    assert again.ok and again.imported == 0 and again.existing == 3
    assert Complaint.objects.count() == 3
    # An interrupted import resumes: the rows already written are skipped, the rest follow.
    more = [*GOOD, ["GX2024-005", "2024-04-01", "网站", "", "", "", "", "", "网站咨询无人回复", "", "", "", ""]]
    resumed = importer.run(actor=center, data=_sheet(more), file_name="ledger.xlsx", dry_run=False)
    assert (resumed.existing, resumed.imported) == (3, 1) and Complaint.objects.count() == 4
    assert Complaint.objects.get(number="GX2024-005").anonymous


@pytest.mark.django_db
def test_rows_without_a_number_take_new_gap_free_numbers_once(center, register):
    rows = [["", *r[1:]] for r in GOOD]
    register()  # TS<year>000001 by registration
    importer.run(actor=center, data=_sheet(rows), file_name="n.xlsx", dry_run=False)
    assert importer.run(actor=center, data=_sheet(rows), file_name="n.xlsx", dry_run=False).imported == 0
    numbers = sorted(Complaint.objects.filter(number__startswith="TS2024").values_list("number", flat=True))
    assert numbers == ["TS2024000001", "TS2024000002", "TS2024000003"]
    assert NumberSequence.objects.get(year=2024).last == 3


@pytest.mark.django_db
def test_numbers_in_our_own_format_continue_the_sequence_without_a_gap(center, clerk):
    from tousu.complaints import services
    from tousu.conftest import registration

    year = timezone.localdate().year

    def row(n: int) -> list[Any]:
        return [f"TS{year}{n:06d}", f"{year}-01-02", "热线电话", "", "", "", "", "", f"旧系统的投诉{n}", "", "", "", ""]

    gap = importer.run(actor=center, data=_sheet([row(2), row(1), row(4)]), file_name="own.xlsx", dry_run=True)
    assert [(p.row, p.column) for p in gap.problems] == [(5, "编号")]
    assert f"TS{year}000004" in gap.problems[0].reason and f"下一个是 TS{year}000003" in gap.problems[0].reason
    done = importer.run(actor=center, data=_sheet([row(2), row(1), row(3)]), file_name="own.xlsx", dry_run=False)
    assert done.imported == 3 and NumberSequence.objects.get(year=year).last == 3
    made = services.register(actor=clerk, data=registration()).complaint
    assert made.number == f"TS{year}000004"
    report = verify_audit()
    assert report.ok, report.problems
    # A number this installation issued already is no new complaint: it is skipped.
    assert importer.run(actor=center, data=_sheet([row(4)]), file_name="own.xlsx", dry_run=False).existing == 1


@pytest.mark.django_db
def test_another_system_s_numbers_pass_the_audit(center):
    rows = [
        [number, "2024-01-02", "热线电话", "", "", "", "", "", "旧系统的投诉", "", "", "", ""]
        for number in ("2024000123", "12345-2024-000888", "GX2024-001")
    ]
    assert importer.run(actor=center, data=_sheet(rows), file_name="x.xlsx", dry_run=False).imported == 3
    report = verify_audit()
    assert report.ok, report.problems


@pytest.mark.django_db
def test_only_administrators_and_the_centre_import(clerk):
    with pytest.raises(NotPermitted):
        importer.run(actor=clerk, data=_sheet(GOOD), file_name="x.xlsx")


@pytest.mark.django_db
def test_a_file_that_is_no_workbook_is_refused(center):
    with pytest.raises(ValidationFailed, match="无法读取"):
        importer.run(actor=center, data=b"PK\x03\x04 not a workbook", file_name="x.xlsx")
    with pytest.raises(ValidationFailed, match="旧版 Excel"):
        importer.run(actor=center, data=b"\xd0\xcf\x11\xe0" + b"\x00" * 100, file_name="x.xls")
    with pytest.raises(ValidationFailed, match="无法读取"):
        importer.run(actor=center, data=b"\x00\xff\xfe\x00" * 10, file_name="x.bin")
    with pytest.raises(ValidationFailed, match="受理日期"):
        importer.run(actor=center, data=_sheet(GOOD, header=["编号", "内容摘要"]), file_name="x.xlsx")


@pytest.mark.django_db
def test_a_saved_mapping_reads_another_office_s_headers(center):
    header = ["工单号", "来电时间", "来源渠道", "反映内容", "奇怪的列"]
    sheet = _sheet([["W-1", "2024-05-06 08:00", "热线电话", "路灯不亮", "x"]], header=header)
    columns = {"奇怪的列": "ignored"}
    report = importer.run(actor=center, data=sheet, file_name="w.xlsx", mapping_name="县热线", columns=columns,
                          dry_run=False)  # fmt: skip
    assert report.imported == 1 and report.columns["反映内容"] == "content"
    assert LedgerMapping.objects.get(name="县热线").columns["奇怪的列"] == "ignored"
    assert Complaint.objects.get(number="W-1").summary == "路灯不亮"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_imports_back_with_every_field(center, register, walk, org, fmt):
    made = [register(), register(anonymous=True, complainants=[]), register(summary="材料反复退回", grade="major")]
    walk(made[0], "accept", "dispatch", "sign")
    walk(made[2], "accept")
    walk(register(summary="=HYPERLINK(1) 已经诉讼", channel="letter"), "decline")
    chunks, _type, _name = exports.export(center, ListIn(), fmt)
    body = b"".join(chunks)
    before = _cells(body, fmt)
    assert len(before) == 5
    # The same ledger in an installation that has none of it (the rows removed behind the log's back).
    Event.objects.all().delete()
    Complainant.objects.all().delete()
    Respondent.objects.all().delete()
    Complaint.objects.all().delete()
    NumberSequence.objects.all().delete()
    report = importer.run(actor=center, data=body, file_name=f"export.{fmt}", dry_run=False)
    assert report.ok, report.problems
    assert report.imported == 4 and not report.ignored_columns
    assert Complaint.objects.get(channel="letter").summary == "=HYPERLINK(1) 已经诉讼"
    chunks, _type, _name = exports.export(center, ListIn(), fmt)
    again = b"".join(chunks)
    assert _cells(again, fmt) == before
    assert verify_audit().ok


def _cells(body: bytes, fmt: str = "xlsx") -> list[tuple[Any, ...]]:
    if fmt == "csv":
        return sorted(tuple(r) for r in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return sorted(tuple(r) for r in sheet.iter_rows(values_only=True))


@pytest.mark.django_db
def test_the_command_dry_runs_imports_and_refuses_a_broken_sheet(center, tmp_path, capsys):
    good, broken = tmp_path / "good.xlsx", tmp_path / "broken.xlsx"
    good.write_bytes(_sheet(GOOD))
    broken.write_bytes(_broken())
    with pytest.raises(CommandError, match="5"):
        call_command("import", str(broken), "--actor", "center")
    out = capsys.readouterr().out
    assert "第3行" in out and "「受理日期」" in out and Complaint.objects.count() == 0
    call_command("import", str(good), "--actor", "center", "--dry-run")
    assert "可导入 3" in capsys.readouterr().out and Complaint.objects.count() == 0
    call_command("import", str(good), "--actor", "center", "--dry-run", "--json")
    printed = capsys.readouterr().out
    assert json.loads(printed[: printed.rindex("}") + 1])["ready"] == 3
    with pytest.raises(CommandError, match="没有用户"):
        call_command("import", str(good), "--actor", "nobody")
    call_command("import", str(good), "--actor", "center", "--batch", "2")
    assert "已导入 3" in capsys.readouterr().out and Complaint.objects.count() == 3
    call_command("import", str(good), "--actor", "center")
    assert "已导入 0" in capsys.readouterr().out and Complaint.objects.count() == 3


@pytest.mark.django_db
def test_a_number_taken_while_importing_stops_the_batch_cleanly(center, monkeypatch):
    importer.run(actor=center, data=_sheet(GOOD[:1]), file_name="a.xlsx", dry_run=False)
    # As if another import wrote GX2024-001 between this run's check and its write.
    monkeypatch.setattr(importer, "_not_yet_imported", lambda parsed: list(parsed))
    with pytest.raises(ValidationFailed, match="编号已被占用"):
        importer.run(actor=center, data=_sheet(GOOD), file_name="a.xlsx", dry_run=False)
    assert Complaint.objects.count() == 1 and verify_audit().ok
