"""The ledger import page (/ledger/import/) through the Django test client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint
from tousu.ledger.tests.test_import import GOOD, _broken, _sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("台账.xlsx", data, content_type=XLSX)


@pytest.mark.django_db
def test_the_page_lists_every_bad_row_and_writes_nothing(client, org):
    client.force_login(org["admin"])
    page = client.get("/ledger/import/").content.decode()
    assert 'href="/ledger/import/" class="active"' in page  # in the administrators' menu
    answer = client.post("/ledger/import/", {"file": _upload(_broken()), "mapping": "县热线", "commit": "1"})
    assert answer.status_code == 422
    page = answer.content.decode()
    for row, column in ((3, "受理日期"), (4, "类别"), (5, "联系电话"), (6, "内容摘要"), (7, "编号")):
        assert f'<td class="mono">{row}</td><td>{column}</td>' in page
    assert "未导入任何投诉件" in page and Complaint.objects.count() == 0


@pytest.mark.django_db
def test_the_page_checks_then_imports(client, org):
    client.force_login(org["admin"])
    checked = client.post("/ledger/import/", {"file": _upload(_sheet(GOOD)), "mapping": "县热线"})
    assert checked.status_code == 200 and "检查通过" in checked.content.decode()
    assert Complaint.objects.count() == 0
    done = client.post("/ledger/import/", {"file": _upload(_sheet(GOOD)), "mapping": "县热线", "commit": "1"})
    assert done.status_code == 200 and "本次导入 3 行" in done.content.decode()
    assert Complaint.objects.count() == 3 and verify_audit().ok
    again = client.post("/ledger/import/", {"file": _upload(_sheet(GOOD)), "mapping": "县热线", "commit": "1"})
    assert "本次导入 0 行" in again.content.decode() and Complaint.objects.count() == 3


@pytest.mark.django_db
def test_the_page_refuses_no_file_a_bad_file_and_non_administrators(client, org):
    client.force_login(org["admin"])
    assert "请选择" in client.post("/ledger/import/", {}).content.decode()
    bad = client.post("/ledger/import/", {"file": _upload(b"PK\x03\x04 garbage"), "commit": "1"})
    assert bad.status_code == 422 and "无法读取" in bad.content.decode()
    client.force_login(org["clerk"])
    assert client.get("/ledger/import/").status_code == 403
    assert client.post("/ledger/import/", {"file": _upload(_sheet(GOOD)), "commit": "1"}).status_code == 403
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_the_centre_imports_too_as_the_action_table_says(client, org):
    client.force_login(org["center"])
    page = client.get("/ledger/import/")
    assert page.status_code == 200 and 'href="/ledger/import/" class="active"' in page.content.decode()
    assert (
        client.post("/ledger/import/", {"file": _upload(_sheet(GOOD)), "mapping": "县热线", "commit": "1"}).status_code
        == 200
    )
    assert Complaint.objects.count() == len(GOOD)
    client.force_login(org["handler"])
    assert 'href="/ledger/import/"' not in client.get("/list/").content.decode()
