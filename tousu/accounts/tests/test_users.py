"""User administration (SPEC §2, §7): every change is the administrator's, checked, logged with its
before and after values, and a refusal changes nothing and logs nothing."""

import json

import pytest
from django.contrib.auth import authenticate
from django.forms.models import model_to_dict

from tousu.accounts import adminlog, users
from tousu.accounts.models import AdminLog, Role, Scope, Unit, User
from tousu.core.errors import NotFound, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db

PASSWORD = "Qiuzhi-lan-2026"

NEW = {
    "username": "zhaolei",
    "display_name": "赵磊",
    "role": Role.HANDLER,
    "unit": "housing",
    "scope": Scope.UNIT,
    "email": "zhaolei@example.gov.cn",
    "password": PASSWORD,
}


def snapshot() -> tuple[list[dict], int]:
    """Every user as stored (password hashes included) and the number of log entries."""
    return [model_to_dict(u) for u in User.objects.order_by("pk")], AdminLog.objects.count()


def test_an_administrator_creates_a_user_who_can_log_in_at_once(org):
    user = users.create_user(actor=org["admin"], **NEW)
    assert (user.role, user.scope, user.unit.code, user.is_active) == ("handler", "unit", "housing", True)
    assert authenticate(username="zhaolei", password=PASSWORD) == user
    entry = AdminLog.objects.get()
    assert (entry.actor, entry.action, entry.target) == (org["admin"], "create_user", "zhaolei")
    assert entry.payload == {
        "before": {},
        "after": {
            "username": "zhaolei",
            "display_name": "赵磊",
            "role": "handler",
            "unit": "housing",
            "scope": "unit",
            "email": "zhaolei@example.gov.cn",
            "active": True,
        },
    }
    assert PASSWORD not in json.dumps(entry.payload) and user.password not in json.dumps(entry.payload)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"username": "赵 磊"}, "username"),
        ({"username": "HANDLER"}, "username"),  # "handler" exists: case does not make another name
        ({"username": ""}, "username"),
        ({"display_name": "  "}, "display_name"),
        ({"display_name": "赵" * 61}, "display_name"),
        ({"role": "boss"}, "role"),
        ({"scope": "world"}, "scope"),
        ({"unit": "nowhere"}, "unit"),
        ({"unit": ""}, "unit"),  # a handler belongs to a unit
        ({"role": "clerk", "unit": ""}, "unit"),  # a unit scope is read off the unit
        ({"email": "zhaolei@"}, "email"),
        ({"password": "Qz-2026"}, "password"),  # too short
        ({"password": "1234567890"}, "password"),  # numeric and common
        ({"password": "zhaolei2026"}, "password"),  # too like the username
        ({"password": "x" * 257}, "password"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(org, changes, field):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        users.create_user(actor=org["admin"], **{**NEW, **changes})
    assert refused.value.data["field"] == field
    assert refused.value.message and refused.value.status == 422
    assert snapshot() == before


def test_it_refuses_a_deactivated_unit(org):
    Unit.objects.filter(code="housing").update(active=False)
    before = snapshot()
    with pytest.raises(ValidationFailed, match="已停用") as refused:
        users.create_user(actor=org["admin"], **NEW)
    assert refused.value.data["field"] == "unit"
    assert snapshot() == before


def test_non_administrators_may_not_administer_users(org):
    before = snapshot()
    attempts = [
        lambda who: users.create_user(actor=who, **NEW),
        lambda who: users.update_user(actor=who, username="handler", role="head"),
        lambda who: users.set_user_active(actor=who, username="handler", active=False),
        lambda who: users.reset_password(actor=who, username="handler", password=PASSWORD),
        lambda who: users.list_users(actor=who),
        lambda who: users.get_user(actor=who, username="handler"),
        lambda who: adminlog.entries(actor=who),
    ]
    for who in ("center", "head", "clerk", "auditor"):
        for attempt in attempts:
            with pytest.raises(NotPermitted):
                attempt(org[who])
    assert snapshot() == before


def test_an_edit_changes_and_logs_only_what_changed(org):
    user = users.update_user(
        actor=org["admin"],
        username="handler",
        display_name="陈静",  # as before
        role="head",
        unit="amr-consumer",
        scope="subtree",
        email="",
    )
    assert (user.role, user.unit.code, user.scope) == ("head", "amr-consumer", "subtree")
    entry = AdminLog.objects.get()
    assert (entry.action, entry.target) == ("update_user", "handler")
    assert entry.payload == {
        "before": {"role": "handler", "unit": "amr", "scope": "unit"},
        "after": {"role": "head", "unit": "amr-consumer", "scope": "subtree"},
    }


def test_an_edit_that_changes_nothing_logs_nothing(org):
    users.update_user(actor=org["admin"], username="handler", display_name="陈静", role="handler")
    assert not AdminLog.objects.exists()


def test_an_edit_is_made_whole_or_not_at_all(org):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        users.update_user(actor=org["admin"], username="handler", display_name="陈小静", unit="nowhere")
    assert refused.value.data["field"] == "unit"
    with pytest.raises(ValidationFailed) as refused:  # a handler without a unit
        users.update_user(actor=org["admin"], username="handler", scope="own", unit="")
    assert refused.value.data["field"] == "unit"
    assert snapshot() == before


def test_it_refuses_to_move_a_units_head_out_of_the_unit(org):
    Unit.objects.filter(code="amr").update(head=org["head"])
    before = snapshot()
    with pytest.raises(ValidationFailed, match="负责人") as refused:
        users.update_user(actor=org["admin"], username="head", unit="housing")
    assert refused.value.data["field"] == "unit"
    assert snapshot() == before


def test_an_unknown_user_is_not_found(org):
    with pytest.raises(NotFound):
        users.update_user(actor=org["admin"], username="nobody", role="head")
    with pytest.raises(NotFound):
        users.set_user_active(actor=org["admin"], username="nobody", active=False)


def test_a_deactivated_user_cannot_log_in_until_reactivated(org):
    users.set_user_active(actor=org["admin"], username="handler", active=False)
    assert authenticate(username="handler", password=org_password()) is None
    users.set_user_active(actor=org["admin"], username="handler", active=False)  # already: nothing to log
    users.set_user_active(actor=org["admin"], username="handler", active=True)
    assert authenticate(username="handler", password=org_password()) == org["handler"]
    logged = list(AdminLog.objects.order_by("id").values_list("action", "payload"))
    assert logged == [
        ("deactivate_user", {"before": {"active": True}, "after": {"active": False}}),
        ("activate_user", {"before": {"active": False}, "after": {"active": True}}),
    ]


def test_an_administrator_cannot_deactivate_himself(org):
    before = snapshot()
    with pytest.raises(ValidationFailed, match="自己") as refused:
        users.set_user_active(actor=org["admin"], username="admin", active=False)
    assert refused.value.data["field"] == "username"
    assert snapshot() == before


def test_the_last_active_administrator_stays_one(org):
    before = snapshot()
    with pytest.raises(ValidationFailed, match="最后一个") as refused:
        users.update_user(actor=org["admin"], username="admin", role="clerk")
    assert refused.value.data["field"] == "username"
    assert snapshot() == before
    # With a second administrator, either may step down or be deactivated.
    second = users.create_user(actor=org["admin"], **{**NEW, "role": "admin", "scope": "all"})
    users.set_user_active(actor=org["admin"], username=second.username, active=False)
    with pytest.raises(ValidationFailed, match="最后一个"):  # the second one no longer counts
        users.update_user(actor=org["admin"], username="admin", role="clerk")
    users.set_user_active(actor=org["admin"], username=second.username, active=True)
    users.update_user(actor=org["admin"], username="admin", role="clerk")
    demoted = User.objects.get(username="admin")
    assert (demoted.role, demoted.is_superuser, demoted.is_staff) == ("clerk", False, False)
    assert AdminLog.objects.filter(action="update_user", target="admin").get().payload == {
        "before": {"role": "admin", "superuser": True},
        "after": {"role": "clerk", "superuser": False},
    }


def test_a_reset_password_is_validated_and_replaces_the_old_one(org):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        users.reset_password(actor=org["admin"], username="handler", password="chenjing")
    assert refused.value.data["field"] == "password"
    assert snapshot() == before
    users.reset_password(actor=org["admin"], username="handler", password=PASSWORD)
    assert authenticate(username="handler", password=PASSWORD) == org["handler"]
    assert authenticate(username="handler", password=org_password()) is None
    entry = AdminLog.objects.get()
    assert (entry.action, entry.target, entry.payload) == ("reset_password", "handler", {"changed": ["password"]})


def test_an_administrator_changes_his_own_password_on_the_password_page(org):
    before = snapshot()
    with pytest.raises(ValidationFailed, match="修改密码"):
        users.reset_password(actor=org["admin"], username="admin", password=PASSWORD)
    assert snapshot() == before


def test_the_log_is_read_newest_first_a_page_at_a_time(org):
    admin = org["admin"]
    for name in ("handler", "housing", "hrss", "consumer"):
        users.set_user_active(actor=admin, username=name, active=False)
    users.update_user(actor=admin, username="head", display_name="张伟强")
    page, cursor = adminlog.entries(actor=admin, limit=3)
    assert [e.target for e in page] == ["head", "consumer", "hrss"]
    assert cursor == page[-1].pk
    rest, end = adminlog.entries(actor=admin, limit=3, cursor=cursor)
    assert [e.target for e in rest] == ["housing", "handler"] and end is None
    only, _ = adminlog.entries(actor=admin, action="deactivate_user", target="hrss")
    assert [(e.action, e.target) for e in only] == [("deactivate_user", "hrss")]


@pytest.mark.parametrize(
    "action, payload, expected",
    [
        (
            "update_user",
            {"before": {"role": "handler"}, "after": {"role": "head"}},
            [("role", "handler", "head")],
        ),
        ("create_user", {"before": {}, "after": {"role": "head"}}, [("role", None, "head")]),
        ("update_unit", {"changes": {"name": "新"}, "before": {"name": "旧"}}, [("name", "旧", "新")]),
        ("move_unit", {"from": "amr", "to": None}, [("parent", "amr", None)]),
        (
            "preset.revise",
            {"revision": 2, "changes": [{"path": "thresholds.group_threshold", "before": 5, "after": 3}]},
            [("thresholds.group_threshold", 5, 3)],
        ),
        ("create_unit", {"name": "质量股"}, [("name", None, "质量股")]),
        ("delete_routing_rule", {"name": "物业"}, [("name", "物业", None)]),
        ("deactivate_unit", {}, []),
        ("reset_password", {"changed": ["password"]}, []),
    ],
)
def test_changes_reads_every_shape_of_payload(action, payload, expected):
    found = [(c["field"], c["before"], c["after"]) for c in adminlog.changes(action, payload)]
    assert found == expected


def org_password() -> str:
    from tousu.presets import demo_data

    return demo_data("government").password
