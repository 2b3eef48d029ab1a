"""Unit tree and routing rule administration through the API and the web pages (SPEC §7)."""

import pytest

from tousu.accounts.models import AdminLog, Unit
from tousu.complaints.models import Respondent, RoutingRule

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_edits_moves_and_deactivates_units(api_client, org):
    admin = org["admin"]
    made = api_client.post(
        admin,
        "/units",
        {
            "code": "amr-quality",
            "name": "质量监督股",
            "parent": "amr",
            "business_hours": "08:00-12:00, 14:00-17:30",
            "authority_level": 1,
        },
    )
    assert made.status_code == 201, made.json()
    assert made.json()["business_hours"] == [["08:00", "12:00"], ["14:00", "17:30"]]
    unit = Unit.objects.get(code="amr-quality")
    assert unit.path.startswith(Unit.objects.get(code="amr").path)
    changed = api_client.client_patch(admin, "/units/amr", {"head": "handler", "name": "县市场监管局"})
    assert changed.status_code == 200 and changed.json()["head"] == "handler"
    moved = api_client.post(admin, "/units/amr/move", {"parent": "housing"})
    assert moved.status_code == 200
    housing = Unit.objects.get(code="housing")
    assert Unit.objects.get(code="amr-quality").path.startswith(housing.path)  # the subtree moved along
    loop = api_client.post(admin, "/units/housing/move", {"parent": "amr-quality"})
    assert loop.status_code == 422 and loop.json()["data"]["field"] == "parent"
    assert api_client.post(admin, "/units/amr-quality/deactivate").json()["active"] is False
    assert [u["code"] for u in api_client.get(org["clerk"], "/units").json()["items"]][0] == "county"
    assert set(AdminLog.objects.values_list("action", flat=True)) >= {
        "create_unit",
        "update_unit",
        "move_unit",
        "deactivate_unit",
    }


def test_unit_administration_refuses_bad_input_and_non_administrators(api_client, org, register, walk):
    admin = org["admin"]
    before = list(Unit.objects.values())
    cases = [
        ("/units", {"code": "Bad Code", "name": "x"}, 422),
        ("/units", {"code": "amr", "name": "重复"}, 422),
        ("/units", {"code": "new", "name": "x", "parent": "nowhere"}, 404),
        ("/units", {"code": "new", "name": "x", "business_hours": "17:00-08:00"}, 422),
        ("/units", {"code": "new", "name": "x", "business_hours": "早上"}, 422),
        ("/units/nowhere/move", {"parent": ""}, 404),
    ]
    for path, body, status in cases:
        response = api_client.post(admin, path, body)
        assert response.status_code == status, (body, response.json())
    assert api_client.post(org["center"], "/units", {"code": "x1", "name": "x"}).status_code == 403
    assert api_client.client_patch(admin, "/units/amr", {"head": "housing"}).status_code == 422  # not a member
    walk(register(), "accept", "dispatch")  # an open case at amr
    busy = api_client.post(admin, "/units/amr-food/deactivate")
    assert busy.status_code == 200
    refused = api_client.post(admin, "/units/amr/deactivate")
    assert refused.status_code == 422  # it has active sections and an open case
    assert list(Unit.objects.exclude(code="amr-food").values()) == [u for u in before if u["code"] != "amr-food"]


def test_a_deactivated_unit_receives_no_new_work(api_client, org, register, walk):
    assert api_client.post(org["admin"], "/units/hrss-labour/deactivate").status_code == 200
    assert api_client.post(org["admin"], "/units/hrss/deactivate").status_code == 200  # its section went first
    c = walk(register(), "accept")
    refused = api_client.post(
        org["center"], f"/complaints/{c.number}/dispatch", {"version": c.version, "unit": "hrss", "mode": "assign"}
    )
    assert refused.status_code == 422 and "停用" in refused.json()["message"]


def test_routing_rules_through_the_api(api_client, org, register, walk):
    admin = org["admin"]
    rule = api_client.post(
        admin,
        "/routing-rules",
        {"name": "物业交住建局", "priority": 5, "keywords": ["物业"], "unit": "housing", "mode": "assign"},
    )
    assert rule.status_code == 201, rule.json()
    bad = api_client.post(admin, "/routing-rules", {"name": "x", "categories": ["NOPE"], "mode": "assign"})
    assert bad.status_code == 422 and bad.json()["data"]["field"] == "categories"
    assert api_client.post(org["center"], "/routing-rules", {"name": "x", "mode": "assign"}).status_code == 403
    c = walk(register(summary="小区物业不作为"), "accept")
    proposal = api_client.get(org["center"], f"/complaints/{c.number}/routing-proposal").json()["proposal"]
    assert proposal["unit"] == "housing" and proposal["rule"] == "物业交住建局"
    rid = rule.json()["id"]
    updated = api_client.client_put(
        admin,
        f"/routing-rules/{rid}",
        {"name": "物业交住建局", "keywords": ["物业"], "unit": "hrss", "mode": "transfer"},
    )
    assert updated.status_code == 200 and updated.json()["unit"] == "hrss"
    assert api_client.client_delete(admin, f"/routing-rules/{rid}").status_code == 204
    assert not RoutingRule.objects.exists()
    assert api_client.get(org["center"], f"/complaints/{c.number}/routing-proposal").json() == {"proposal": None}


def test_the_dispatch_form_shows_the_proposal_and_the_admin_pages_work(client, org, register, walk):
    RoutingRule.objects.create(
        name="物业交住建局", priority=1, keywords=["物业"], unit=Unit.objects.get(code="housing"), mode="assign"
    )
    c = walk(register(summary="物业不作为"), "accept")
    client.force_login(org["center"])
    page = client.get(f"/c/{c.number}/").content.decode()
    assert "物业交住建局" in page and 'value="housing" selected' in page
    assert client.get("/units/").status_code == 403
    client.force_login(org["admin"])
    assert "县市场监督管理局" in client.get("/units/").content.decode()
    client.post("/units/", {"op": "create", "code": "hrss-pension", "name": "养老保险股", "parent": "hrss"})
    assert Unit.objects.get(code="hrss-pension").parent.code == "hrss"
    response = client.post("/units/", {"op": "create", "code": "hrss-pension", "name": "again"}, follow=True)
    assert "已存在" in response.content.decode()
    client.post(
        "/routing/",
        {
            "name": "劳动纠纷交人社",
            "priority": "3",
            "keywords": "工资, 社保",
            "unit": "hrss",
            "mode": "transfer",
            "redacted": "on",
            "active": "on",
        },
    )
    assert RoutingRule.objects.get(name="劳动纠纷交人社").keywords == ["工资", "社保"]
    assert "劳动纠纷交人社" in client.get("/routing/").content.decode()


def test_registration_keeps_the_respondents_rank_for_routing(api_client, org):
    body = {
        "channel": "hotline",
        "summary": "局长违规",
        "complainants": [{"name": "张三", "phone": "13800000000"}],
        "respondents": [{"unit": "amr", "staff_name": "某局长", "rank": "county_managed"}],
    }
    created = api_client.post(org["clerk"], "/complaints", body)
    assert created.status_code == 201
    assert Respondent.objects.get(complaint__number=created.json()["number"]).rank == "county_managed"
