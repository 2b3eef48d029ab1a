"""/api/v1/admin/users and /api/v1/admin/log: administrators manage staff accounts; everyone else
gets 403 in the common error shape; bad input is 422 and changes nothing."""

import pytest
from django.forms.models import model_to_dict

from tousu.accounts.models import AdminLog, User

pytestmark = pytest.mark.django_db

PASSWORD = "Qiuzhi-lan-2026"
NEW = {
    "username": "zhaolei",
    "display_name": "赵磊",
    "role": "handler",
    "unit": "housing",
    "scope": "unit",
    "email": "zhaolei@example.gov.cn",
    "password": PASSWORD,
}


def snapshot() -> tuple[list[dict], int]:
    return [model_to_dict(u) for u in User.objects.order_by("pk")], AdminLog.objects.count()


def test_an_administrator_manages_a_user_through_the_api(api_client, client, org):
    admin = org["admin"]
    made = api_client.post(admin, "/admin/users", NEW)
    assert made.status_code == 201, made.json()
    assert made.json() | {"last_login": None, "date_joined": None} == {
        "username": "zhaolei",
        "display_name": "赵磊",
        "role": "handler",
        "role_label": "承办人",
        "unit": "housing",
        "unit_name": "县住房和城乡建设局",
        "scope": "unit",
        "scope_label": "本单位",
        "email": "zhaolei@example.gov.cn",
        "active": True,
        "last_login": None,
        "date_joined": None,
    }
    assert client.login(username="zhaolei", password=PASSWORD)
    assert api_client.get(admin, "/admin/users/zhaolei").json()["unit_name"] == "县住房和城乡建设局"
    assert "zhaolei" in [u["username"] for u in api_client.get(admin, "/admin/users").json()["items"]]

    changed = api_client.client_patch(admin, "/admin/users/zhaolei", {"role": "head", "scope": "subtree"})
    assert changed.status_code == 200 and changed.json()["role"] == "head", changed.json()
    assert changed.json()["email"] == "zhaolei@example.gov.cn"  # not sent, not changed
    assert api_client.post(admin, "/admin/users/zhaolei/deactivate").json()["active"] is False
    assert not client.login(username="zhaolei", password=PASSWORD)
    assert api_client.post(admin, "/admin/users/zhaolei/activate").json()["active"] is True
    reset = api_client.post(admin, "/admin/users/zhaolei/password", {"password": "Xinmima-2027-chun"})
    assert reset.status_code == 200
    assert client.login(username="zhaolei", password="Xinmima-2027-chun")

    log = api_client.get(admin, "/admin/log", target="zhaolei")
    assert log.status_code == 200
    entries = log.json()["items"]
    assert [e["action"] for e in entries] == [
        "reset_password",
        "activate_user",
        "deactivate_user",
        "update_user",
        "create_user",
    ]
    assert all(e["actor"] == "admin" and e["actor_name"] == "admin" for e in entries)
    assert entries[3]["payload"] == {
        "before": {"role": "handler", "scope": "unit"},
        "after": {"role": "head", "scope": "subtree"},
    }
    assert entries[3]["changes"] == [
        {"field": "role", "before": "handler", "after": "head"},
        {"field": "scope", "before": "unit", "after": "subtree"},
    ]
    assert entries[2]["changes"] == [{"field": "active", "before": True, "after": False}]
    text = log.content.decode()
    assert PASSWORD not in text and "Xinmima" not in text and "md5$" not in text


def test_non_administrators_get_403_and_change_nothing(api_client, org):
    before = snapshot()
    for who in ("center", "clerk", "head", "handler", "auditor"):
        user = org[who]
        answers = [
            api_client.get(user, "/admin/users"),
            api_client.post(user, "/admin/users", NEW),
            api_client.get(user, "/admin/users/handler"),
            api_client.get(user, "/admin/users/nobody"),  # 403 too: no probing for names
            api_client.client_patch(user, "/admin/users/handler", {"role": "admin", "scope": "all"}),
            api_client.post(user, "/admin/users/handler/deactivate"),
            api_client.post(user, "/admin/users/handler/activate"),
            api_client.post(user, "/admin/users/handler/password", {"password": PASSWORD}),
            api_client.get(user, "/admin/log"),
        ]
        for answer in answers:
            assert answer.status_code == 403, (who, answer.request["PATH_INFO"], answer.json())
            assert answer.json()["code"] == "not_permitted" and answer.json()["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/admin/users", {**NEW, "role": "boss"}, None),  # not in the enum: the schema refuses it
        ("/admin/users", {**NEW, "scope": "world"}, None),
        ("/admin/users", {k: v for k, v in NEW.items() if k != "password"}, None),
        ("/admin/users", {**NEW, "username": "Handler"}, "username"),  # case-insensitive duplicate
        ("/admin/users", {**NEW, "username": "赵磊"}, "username"),
        ("/admin/users", {**NEW, "unit": "nowhere"}, "unit"),
        ("/admin/users", {**NEW, "unit": ""}, "unit"),
        ("/admin/users", {**NEW, "email": "zhaolei"}, "email"),
        ("/admin/users", {**NEW, "display_name": "赵\x00磊"}, "display_name"),  # no database stores a NUL
        ("/admin/users", {**NEW, "unit": "hous\x00ing"}, "unit"),
        ("/admin/users", {**NEW, "email": "zhao\x00lei@example.gov.cn"}, "email"),
        ("/admin/users", {**NEW, "password": "short"}, "password"),
        ("/admin/users", {**NEW, "password": "1234567890"}, "password"),
        ("/admin/users/handler/password", {"password": "12345"}, "password"),
        ("/admin/users/admin/deactivate", None, "username"),  # himself
    ],
)
def test_bad_input_is_422_and_changes_nothing(api_client, org, path, body, field):
    before = snapshot()
    answer = api_client.post(org["admin"], path, body)
    assert answer.status_code == 422, answer.json()
    error = answer.json()
    assert error["code"] == "validation_failed" and error["message"]
    if field:
        assert error["data"]["field"] == field
    assert snapshot() == before


def test_an_edit_refused_is_422_and_changes_nothing(api_client, org):
    before = snapshot()
    for body, field in [
        ({"unit": "nowhere"}, "unit"),
        ({"role": "clerk", "unit": "", "scope": "unit"}, "unit"),
        ({"display_name": ""}, None),
        ({"role": "root"}, None),
    ]:
        answer = api_client.client_patch(org["admin"], "/admin/users/handler", body)
        assert answer.status_code == 422, (body, answer.json())
        if field:
            assert answer.json()["data"]["field"] == field
    assert api_client.client_patch(org["admin"], "/admin/users/admin", {"role": "clerk"}).status_code == 422
    assert snapshot() == before


def test_an_unknown_user_is_404(api_client, org):
    admin = org["admin"]
    assert api_client.get(admin, "/admin/users/nobody").status_code == 404
    assert api_client.client_patch(admin, "/admin/users/nobody", {"role": "head"}).status_code == 404
    assert api_client.post(admin, "/admin/users/nobody/deactivate").status_code == 404
    assert api_client.post(admin, "/admin/users/nobody/password", {"password": PASSWORD}).status_code == 404


def test_the_log_is_newest_first_keyset_paginated_and_filtered(api_client, org):
    admin = org["admin"]
    for name in ("handler", "housing", "hrss"):
        api_client.post(admin, f"/admin/users/{name}/deactivate")
    api_client.client_patch(admin, "/units/amr", {"name": "县市场监管局"})
    first = api_client.get(admin, "/admin/log", limit=2).json()
    assert [e["target"] for e in first["items"]] == ["amr", "hrss"]
    assert first["items"][0]["changes"] == [{"field": "name", "before": "县市场监督管理局", "after": "县市场监管局"}]
    second = api_client.get(admin, "/admin/log", limit=2, cursor=first["next_cursor"]).json()
    assert [e["target"] for e in second["items"]] == ["housing", "handler"] and second["next_cursor"] is None
    only = api_client.get(admin, "/admin/log", action="deactivate_user", target="housing").json()["items"]
    assert [(e["action"], e["target"]) for e in only] == [("deactivate_user", "housing")]
    assert api_client.get(admin, "/admin/log", limit=0).status_code == 422
    assert api_client.get(admin, "/admin/log", cursor="x").status_code == 422
