"""A preset's own fields (SPEC §12): checked at intake, shown on the complaint page, filtered in the
list and exported, and hidden like the identity where they tell who complained."""

from __future__ import annotations

import csv
import io

import pytest

from tousu.complaints.models import Complaint
from tousu.presets import demo_data

FIELDS = [
    {"code": "plate", "label": "车牌号", "pattern": "[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}", "help": "如粤A12345"},
    {"code": "contract", "label": "合同号", "max_length": 20},
    {"code": "level", "label": "服务等级", "type": "choice", "choices": ["金卡", "普卡"]},
    {"code": "account", "label": "客户账号", "identifying": True},
]
PASSWORD = demo_data("government").password


@pytest.fixture
def fields(use_preset):
    return use_preset(custom_fields=FIELDS)


def body(**custom: str) -> dict:
    return {
        "channel": "hotline",
        "summary": "车辆年检窗口推诿",
        "content": "到车管所窗口办理年检，工作人员推诿。",
        "complainants": [{"name": "张三", "phone": "13812345678"}],
        "respondents": [{"unit": "amr"}],
        "custom": custom,
    }


@pytest.mark.django_db
def test_custom_values_are_checked_stored_shown_filtered_and_exported(fields, api_client, org, client) -> None:
    clerk = org["clerk"]
    made = api_client.post(clerk, "/complaints", body(plate="粤A12345", contract="HT-2026-001", level="金卡"))
    assert made.status_code == 201, made.json()
    number = made.json()["number"]
    assert Complaint.objects.get(number=number).custom == {
        "plate": "粤A12345",
        "contract": "HT-2026-001",
        "level": "金卡",
    }
    api_client.post(clerk, "/complaints", body(plate="京B54321"))

    found = api_client.get(clerk, "/complaints", custom="plate:粤A").json()["items"]
    assert [r["number"] for r in found] == [number]
    assert api_client.get(clerk, "/complaints", custom="level:普卡").json()["items"] == []
    assert api_client.get(clerk, "/complaints", custom="colour:red").status_code == 422

    reference = api_client.get(clerk, "/reference").json()
    assert [f["code"] for f in reference["custom_fields"]] == ["plate", "contract", "level", "account"]

    client.login(username="clerk", password=PASSWORD)
    page = client.get(f"/c/{number}/").content.decode()
    assert "车牌号" in page and "粤A12345" in page
    listed = client.get("/list/", {"cf_plate": "粤A"}).content.decode()
    assert number in listed and 'name="cf_plate"' in listed
    exported = client.get("/list/export/", {"format": "csv", "cf_contract": "HT-2026"})
    rows = list(csv.reader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    assert rows[0][-4:] == ["车牌号", "合同号", "服务等级", "客户账号"]
    assert [r[0] for r in rows[1:]] == [number] and rows[1][-4:] == ["粤A12345", "HT-2026-001", "金卡", ""]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("custom", "field", "message"),
    [
        ({"plate": "A12345"}, "custom.plate", "车牌号：格式不符（如粤A12345）"),
        ({"level": "钻石卡"}, "custom.level", "服务等级：应为：金卡、普卡"),
        ({"contract": "x" * 21}, "custom.contract", "合同号：不超过20个字符"),
        ({"colour": "red"}, "custom.colour", "未知的自定义字段：colour"),
    ],
)
def test_a_bad_custom_value_is_refused_and_nothing_is_written(fields, api_client, org, custom, field, message) -> None:
    refused = api_client.post(org["clerk"], "/complaints", body(**custom))
    assert refused.status_code == 422
    assert refused.json()["data"]["field"] == field and refused.json()["message"] == message
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_the_intake_form_offers_the_custom_fields_and_shows_their_errors(fields, org, client) -> None:
    client.login(username="clerk", password=PASSWORD)
    form = client.get("/intake/").content.decode()
    assert 'name="custom_plate"' in form and "如粤A12345" in form and "金卡" in form
    posted = client.post(
        "/intake/",
        {
            "phone": "13812345678",
            "name": "张三",
            "channel": "hotline",
            "kind": "complaint",
            "summary": "年检推诿",
            "respondent_unit": "amr",
            "custom_plate": "12345",
        },
    )
    assert posted.status_code == 422 and "格式不符" in posted.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_an_identifying_field_is_hidden_and_unsearchable_where_the_identity_is(fields, api_client, org) -> None:
    clerk, center, head = org["clerk"], org["center"], org["head"]
    number = api_client.post(clerk, "/complaints", body(account="6222020200112233")).json()["number"]
    c = Complaint.objects.get(number=number)
    for action, who, fields_ in (
        ("accept", clerk, {"category": "G0201", "grade": "normal"}),
        ("dispatch", center, {"unit": "amr", "mode": "assign", "redacted": True}),
    ):
        c.refresh_from_db()
        assert (
            api_client.post(who, f"/complaints/{number}/{action}", {"version": c.version, **fields_}).status_code == 200
        )
    assert api_client.get(clerk, f"/complaints/{number}").json()["custom"]["account"] == "6222020200112233"
    assert api_client.get(head, f"/complaints/{number}").json()["custom"]["account"] == "（已隐去）"
    listed = api_client.get(head, "/complaints").json()["items"]
    assert [r["custom"].get("account") for r in listed if r["number"] == number] == ["（已隐去）"]
    assert api_client.get(head, "/complaints", custom="account:6222").json()["items"] == []
    assert [r["number"] for r in api_client.get(clerk, "/complaints", custom="account:6222").json()["items"]] == [
        number
    ]
