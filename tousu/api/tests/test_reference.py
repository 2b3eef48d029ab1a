"""GET /api/v1/reference: every code a client may send, with its Chinese label, the action table
and the caller's own role (SPEC §13)."""

import pytest

from tousu.accounts.models import Role, Unit
from tousu.complaints.actions import FORM_ACTIONS, TABLE
from tousu.complaints.models import Category, Channel, DispatchMode, Grade, ReasonCode

pytestmark = pytest.mark.django_db


def reference(api_client, user):
    response = api_client.get(user, "/reference")
    assert response.status_code == 200, response.content
    return response.json()


def test_it_lists_every_closed_set_with_its_chinese_labels(api_client, clerk):
    data = reference(api_client, clerk)
    assert [(c["code"], c["label"]) for c in data["channels"]] == [(c.value, str(c.label)) for c in Channel]
    assert [m["code"] for m in data["dispatch_modes"]] == list(DispatchMode.values)
    hotline = next(c for c in data["channels"] if c["code"] == "hotline")
    assert hotline == {"code": "hotline", "label": "热线电话", "direct": True, "written": False, "in_preset": True}
    assert {"code": "registered", "label": "已登记", "open": True} in data["statuses"]
    assert {"code": "letter", "label": "书面函件", "written": True} in data["reply_methods"]
    for key in ("kinds", "satisfaction", "substantiated", "validity", "roles", "scopes"):
        assert data[key] and all(item["code"] and item["label"] for item in data[key]), key


def test_it_lists_the_presets_codes_as_trees_and_groups(api_client, clerk):
    data = reference(api_client, clerk)
    assert data["preset"]["name"] == "government" and data["preset"]["title"] == "行政效能投诉"
    tops = {c["code"]: c for c in data["categories"]}
    assert set(tops) == set(Category.objects.filter(parent=None, active=True).values_list("code", flat=True))
    assert "G0201" in [child["code"] for child in tops["G02"]["children"]]
    assert [g["code"] for g in data["grades"]] == list(Grade.objects.order_by("rank").values_list("code", flat=True))
    assert set(data["reasons"]) == set(ReasonCode.Group.values)
    decline = {r["code"]: r for r in data["reasons"]["decline"]}
    assert decline.keys() == set(ReasonCode.objects.filter(group="decline").values_list("code", flat=True))
    assert all(r["template"] for r in decline.values())  # what the complainant is told
    assert {"code": "media", "label": "媒体关注"} in data["flags"]


def test_it_lists_only_the_active_units_in_their_tree(api_client, org):
    Unit.objects.filter(code="housing").update(active=False)
    data = reference(api_client, org["clerk"])

    def codes(nodes):
        return [n["code"] for n in nodes] + [c for n in nodes for c in codes(n["children"])]

    assert "housing" not in codes(data["units"]) and "amr" in codes(data["units"])
    county = data["units"][0]
    assert county["code"] == "county" and "amr" in [u["code"] for u in county["children"]]


def test_it_gives_the_action_table_with_the_route_of_each_action(api_client, clerk):
    data = reference(api_client, clerk)
    actions = {a["name"]: a for a in data["actions"]}
    assert list(actions) == [a.name for a in TABLE]
    assert actions["dispatch"] == {
        "name": "dispatch",
        "label": "分办",
        "sources": ["accepted"],
        "targets": ["dispatched", "in_progress"],
        "same_state": False,
        "roles": ["center"],
        "versioned": True,
        "face": "form",
        "secondary": False,
        "input": "Dispatch",
        "route": "POST /api/v1/complaints/{number}/dispatch",
    }
    assert actions["urge"]["same_state"] and actions["urge"]["targets"] == []
    assert actions["register"]["route"] == "POST /api/v1/complaints" and not actions["register"]["versioned"]
    assert actions["recompute_dues"]["route"] is None and actions["recompute_dues"]["roles"] == []
    assert all(actions[name]["face"] == "form" for name in FORM_ACTIONS)


def test_it_names_the_callers_role_and_the_actions_it_may_take(api_client, org):
    me = reference(api_client, org["handler"])["me"]
    assert me["username"] == "handler" and me["unit"] == "amr"
    assert me["role"] == {"code": "handler", "label": "承办人"}
    assert me["actions"] == [a.name for a in TABLE if Role.HANDLER in a.roles]
    assert "sign" in me["actions"] and "dispatch" not in me["actions"]
    # Reads everything, changes nothing: its one action is a read on record (the archive file).
    assert reference(api_client, org["auditor"])["me"]["actions"] == ["export_archive"]


def test_it_needs_a_token(client):
    response = client.get("/api/v1/reference")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
