"""The users page and the administration log page: administrators only; a refused form keeps its
input and shows the error at its field; the log shows names, not codes."""

import pytest
from django.forms.models import model_to_dict

from tousu.accounts.models import AdminLog, User

pytestmark = pytest.mark.django_db

PASSWORD = "Qiuzhi-lan-2026"
NEW = {
    "op": "create",
    "username": "zhaolei",
    "display_name": "赵磊",
    "role": "handler",
    "unit": "housing",
    "scope": "unit",
    "email": "",
    "password": PASSWORD,
    "password2": PASSWORD,
}


def snapshot() -> tuple[list[dict], int]:
    return [model_to_dict(u) for u in User.objects.order_by("pk")], AdminLog.objects.count()


def test_the_pages_are_for_administrators_only(client, org):
    client.force_login(org["center"])
    assert client.get("/users/").status_code == 403
    assert client.post("/users/", NEW).status_code == 403
    assert client.get("/admin-log/").status_code == 403
    assert 'href="/users/"' not in client.get("/").content.decode()
    assert not User.objects.filter(username="zhaolei").exists()
    client.force_login(org["admin"])
    home = client.get("/").content.decode()
    assert 'href="/users/"' in home and 'href="/admin-log/"' in home


def test_the_users_page_lists_names_roles_units_and_scopes(client, org):
    client.force_login(org["admin"])
    html = client.get("/users/").content.decode()
    assert "陈静" in html and "承办人" in html and "县市场监督管理局" in html and "本单位" in html
    assert 'value="handler"' in html  # the edit form's user
    assert "你的密码必须包含至少 10 个字符。" in html  # the password rules beside the form


def test_an_administrator_creates_edits_and_deactivates_a_user(client, org):
    client.force_login(org["admin"])
    response = client.post("/users/", NEW, follow=True)
    assert "已新建用户 赵磊（zhaolei）" in response.content.decode()
    edit = {"op": "update", "username": "zhaolei", "display_name": "赵磊", "role": "head", "unit": "housing"}
    client.post("/users/", {**edit, "scope": "subtree", "email": "zl@example.gov.cn"})
    client.post("/users/", {"op": "deactivate", "username": "zhaolei"})
    user = User.objects.get(username="zhaolei")
    assert (user.role, user.scope, user.email, user.is_active) == ("head", "subtree", "zl@example.gov.cn", False)
    assert list(AdminLog.objects.order_by("id").values_list("action", flat=True)) == [
        "create_user",
        "update_user",
        "deactivate_user",
    ]


def test_a_refused_form_keeps_its_input_and_shows_the_error_at_its_field(client, org):
    client.force_login(org["admin"])
    before = snapshot()
    response = client.post("/users/", {**NEW, "username": "Handler"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "用户名 Handler 已被使用（不区分大小写）。" in html
    assert 'value="Handler"' in html and 'value="赵磊"' in html  # kept, but never the password
    assert PASSWORD not in html
    response = client.post("/users/", {**NEW, "password2": "something-else"})
    assert response.status_code == 422 and "两次输入的密码不一致。" in response.content.decode()
    response = client.post("/users/", {"op": "password", "username": "handler", "password": "1", "password2": "1"})
    assert response.status_code == 422 and "密码太短" in response.content.decode()
    response = client.post("/users/", {"op": "deactivate", "username": "admin"})
    assert response.status_code == 422 and "不能停用自己的账号。" in response.content.decode()
    assert client.post("/users/", {"op": "deactivate", "username": "nobody"}).status_code == 404
    assert client.post("/users/", {"op": "deactivate", "username": "hand\x00ler"}).status_code == 404
    assert snapshot() == before


def test_the_log_page_shows_before_and_after_in_names(client, org):
    client.force_login(org["admin"])
    edit = {"op": "update", "username": "handler", "display_name": "陈静", "role": "head", "unit": "amr-consumer"}
    client.post("/users/", {**edit, "scope": "subtree", "email": ""})
    client.post("/units/", {"op": "create", "code": "hrss-pension", "name": "养老保险股", "parent": "hrss"})
    html = client.get("/admin-log/").content.decode()
    assert "修改用户" in html and "陈静（handler）" in html
    assert "承办人 → 部门负责人" in html and "本单位 → 本单位及下级" in html
    assert "县市场监督管理局 → 消费者权益保护股" in html
    assert "新建单位" in html and "养老保险股" in html and "县人力资源和社会保障局" in html
    filtered = client.get("/admin-log/", {"action": "create_unit"}).content.decode()
    assert "养老保险股" in filtered and "修改用户" not in filtered.split("</select>", 1)[1]


def test_the_log_page_goes_back_a_page_at_a_time(client, org):
    client.force_login(org["admin"])
    for _ in range(55):
        AdminLog.objects.create(actor=org["admin"], actor_name="admin", action="move_unit", target="amr", payload={})
    first = client.get("/admin-log/").content.decode()
    assert first.count("<tr>") == 50 + 1 and "更早的记录" in first
    cursor = AdminLog.objects.order_by("-id")[49].pk
    assert f"?cursor={cursor}" in first
    second = client.get("/admin-log/", {"cursor": cursor}).content.decode()
    assert second.count("<tr>") == 5 + 1 and "更早的记录" not in second


def test_the_pages_read_in_english_too(client, org):
    client.force_login(org["admin"])
    client.post("/users/", {"op": "deactivate", "username": "handler"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/users/"})
    html = client.get("/users/").content.decode()
    assert "Users" in html and "Initial password" in html and "Last login" in html and "Handler" in html
    html = client.get("/admin-log/").content.decode()
    assert "Administration log" in html and "User deactivated" in html and "Active → Inactive" in html


def test_a_user_of_a_deactivated_unit_can_still_be_edited(client, org):
    client.force_login(org["admin"])
    client.post("/units/", {"op": "deactivate", "code": "amr-consumer"})
    html = client.get("/users/").content.decode()
    assert '<option value="amr-consumer" selected>消费者权益保护股（已停用）</option>' in html
    edit = {"op": "update", "username": "consumer", "display_name": "高敏", "role": "handler", "unit": "amr-consumer"}
    response = client.post("/users/", {**edit, "scope": "unit", "email": "gm@example.gov.cn"})
    assert response.status_code == 302
    assert User.objects.get(username="consumer").email == "gm@example.gov.cn"
