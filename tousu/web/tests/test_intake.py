"""The hotline intake form and the caller look-up."""

import pytest

from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

FORM = {
    "phone": "139 0000 1111",
    "name": "李四",
    "channel": "hotline",
    "kind": "complaint",
    "summary": "窗口人员态度差",
    "content": "办证时工作人员态度恶劣。",
    "demands": "要求道歉",
    "respondent_unit": "amr",
    "respondent_staff_name": "窗口工作人员",
    "category": "",
    "grade": "",
    "flags": ["media"],
    "register": "1",
}


def test_it_registers_a_complaint_and_shows_the_number_and_query_code_once(client, clerk):
    client.force_login(clerk)
    response = client.post("/intake/", FORM)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/c/{complaint.number}/"
    assert complaint.channel == "hotline" and complaint.summary == "窗口人员态度差"
    assert complaint.registered_by == clerk and list(complaint.flags) == ["media"]
    person = complaint.complainants.get()
    assert person.name == "李四" and person.phone == "13900001111"
    respondent = complaint.respondents.get()
    assert respondent.unit.code == "amr" and respondent.staff_name == "窗口工作人员"
    page = client.get(response["Location"]).content.decode()
    assert complaint.number in page and "查询码" in page
    again = client.get(response["Location"]).content.decode()
    assert "查询码" not in again  # shown once


def test_a_refused_registration_keeps_every_input_and_changes_nothing(client, clerk):
    client.force_login(clerk)
    response = client.post("/intake/", {**FORM, "content": "", "summary": "", "channel": "letter"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "请填写投诉内容或摘要" in html
    assert 'value="139 0000 1111"' in html and 'value="李四"' in html and "要求道歉" in html
    assert '<option value="letter" selected>' in html and 'value="media" checked' in html
    assert Complaint.objects.count() == 0


def test_a_field_error_from_pydantic_is_shown_at_the_field(client, clerk):
    client.force_login(clerk)
    response = client.post("/intake/", {**FORM, "summary": "长" * 201})
    assert response.status_code == 422
    assert "不超过 200 个字" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_bad_phone_number_is_reported_at_the_phone_field(client, clerk):
    client.force_login(clerk)
    html = client.post("/intake/", {**FORM, "phone": "12"}).content.decode()
    assert "电话号码格式不正确" in html
    assert html.index("电话号码格式不正确") < html.index("投诉人姓名")  # under the phone field


def test_the_caller_lookup_fragment_lists_earlier_complaints(client, clerk, register):
    earlier = register()  # phone 13812345678
    client.force_login(clerk)
    fragment = client.get("/intake/callers/", {"phone": "138-1234-5678"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert earlier.number in html and earlier.summary in html and "已登记" in html
    assert f'href="/c/{earlier.number}/"' in html
    assert earlier.number not in client.get("/intake/callers/", {"phone": "13999999999"}).content.decode()
    assert "<li>" not in client.get("/intake/callers/", {"phone": "13"}).content.decode()


def test_the_lookup_button_works_without_javascript(client, clerk, register):
    earlier = register()
    client.force_login(clerk)
    response = client.post("/intake/", {**FORM, "phone": "13812345678", "lookup": "1"})
    assert response.status_code == 200
    assert earlier.number in response.content.decode()
    assert Complaint.objects.count() == 1  # looked up, not registered


def test_the_caller_lookup_respects_scope(client, outsider, register):
    earlier = register()
    client.force_login(outsider)
    assert earlier.number not in client.get("/intake/callers/", {"phone": "13812345678"}).content.decode()
