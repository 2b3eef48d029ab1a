"""The administrator's calendar page: warning for provisional years, import, day override."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db


def test_only_the_administrator_sees_the_calendar(client, org):
    client.force_login(org["center"])
    assert client.get("/calendar/").status_code == 403
    client.force_login(org["admin"])
    page = client.get("/calendar/").content.decode()
    assert "2027" in page and "暂定" in page  # 2027 has no published schedule yet


def test_importing_a_year_clears_its_warning(client, org):
    client.force_login(org["admin"])
    upload = SimpleUploadedFile("2027.csv", "2027-01-01,休,元旦\n2027-02-20,班,春节\n".encode())
    response = client.post("/calendar/", {"op": "import", "file": upload, "source": "2027 通知"}, follow=True)
    body = response.content.decode()
    assert "已导入 2027 年共 2 天" in body and "元旦" in body
    bad = client.post("/calendar/", {"op": "import", "content": "2027-01-05,休\n2027-13-01,休"}, follow=True)
    assert "第2行：「2027-13-01」不是日期，日期应写作 YYYY-MM-DD" in bad.content.decode()  # in Chinese, naming the line
    assert "2027-01-05" not in client.get("/calendar/").content.decode()  # nothing of a bad file is kept


def test_overriding_a_day(client, org, api_client):
    client.force_login(org["admin"])
    client.post("/calendar/", {"op": "day", "date": "2026-11-27", "status": "rest", "name": "地方节日"})
    assert api_client.get(org["clerk"], "/calendar/days/2026-11-27").json()["working"] is False
    bad = client.post("/calendar/", {"op": "day", "date": "nope", "status": "rest"}, follow=True)
    assert "日期格式不正确" in bad.content.decode()
