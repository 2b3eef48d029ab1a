"""Data scopes (SPEC §2): for each kind of scope, a complaint outside it is invisible and
unmodifiable through every face — web page, action form, list, queues and their counts, export,
API detail, list, history, actions and attachments — and unchanged afterwards."""

import pytest
from django.forms.models import model_to_dict

from tousu.accounts.models import Role, Scope, User
from tousu.complaints import attachments, inputs, services
from tousu.complaints.models import Complaint, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(org, register, walk, clerk):
    """One open case in each bureau's hands, and one in a section of 市场监管局."""
    made = {}
    for unit in ("amr", "housing", "hrss"):
        c = walk(register(summary=f"{unit}的投诉"), "accept")
        made[unit] = services.dispatch(
            actor=org["center"], number=c.number, data=inputs.Dispatch(version=c.version, unit=unit, mode="assign")
        )
    c = walk(register(summary="科室的投诉"), "accept")
    c = services.dispatch(
        actor=org["center"], number=c.number, data=inputs.Dispatch(version=c.version, unit="amr", mode="assign")
    )
    made["amr-consumer"] = services.sub_dispatch(
        actor=org["head"], number=c.number, data=inputs.SubDispatch(version=c.version, unit="amr-consumer")
    )
    attachments.add(actor=clerk, number=made["housing"].number, data=inputs.Attach(name="a.txt", content=b"x"))
    return made


def own_scope_user(org) -> User:
    user = User.objects.create_user(
        username="own",
        password="x",
        role=Role.HANDLER,
        unit=org["handler"].unit,
        scope=Scope.OWN,
        display_name="只看本人",
    )
    return user


# persona → the units whose cases it may see
SCOPES = {
    "handler": {"amr"},  # own unit
    "head": {"amr", "amr-consumer"},  # unit subtree
    "consumer": {"amr-consumer"},  # own unit, a section
    "housing": {"housing"},
    "own": set(),  # own cases only
    "center": {"amr", "housing", "hrss", "amr-consumer"},
    "auditor": {"amr", "housing", "hrss", "amr-consumer"},
}


ATTEMPTS = {
    "sign": {},
    "urge": {"note": "x"},
    "return": {"reason": "wrong_unit"},
    "give_opinion": {"text": "x"},
    "mark_conflict": {"user": "handler", "reason": "x"},
    "submit_result": {"substantiated": "no", "findings": "x", "solution": "x", "proposed_reply": "x"},
}


def snapshot(c: Complaint) -> tuple:
    c = Complaint.objects.get(pk=c.pk)
    return model_to_dict(c, exclude=["co_units"]), Event.objects.filter(complaint=c).count()


@pytest.mark.parametrize("persona", sorted(SCOPES))
def test_a_complaint_outside_the_scope_is_invisible_everywhere(client, api_client, org, cases, persona):
    user = own_scope_user(org) if persona == "own" else org[persona]
    client.force_login(user)
    web_list = client.get("/list/").content.decode()
    api_list = {r["number"] for r in api_client.get(user, "/complaints", limit=100).json()["items"]}
    export = api_client.get(user, "/complaints/export", format="csv").getvalue().decode("utf-8-sig")
    web_export = client.get("/list/export/", {"format": "csv"}).getvalue().decode("utf-8-sig")
    for unit, c in cases.items():
        visible = unit in SCOPES[persona]
        assert (c.number in api_list) is visible, (persona, unit)
        assert (c.number in web_list) is visible, (persona, unit)
        assert (c.number in export) is visible and (c.number in web_export) is visible, (persona, unit)
        page = client.get(f"/c/{c.number}/")
        assert page.status_code == (200 if visible else 404), (persona, unit)
        detail = api_client.get(user, f"/complaints/{c.number}")
        assert detail.status_code == (200 if visible else 404), (persona, unit)
        assert api_client.get(user, f"/complaints/{c.number}/events").status_code == (200 if visible else 404)
        if visible:
            continue
        assert detail.json()["code"] == "not_found"
        before = snapshot(c)
        for action, body in ATTEMPTS.items():
            refused = api_client.post(user, f"/complaints/{c.number}/{action}", {"version": c.version, **body})
            assert refused.status_code == 404, (persona, action, refused.json())
            form = client.post(f"/c/{c.number}/{action}/", {"version": c.version, **body})
            assert form.status_code == 404, (persona, action)
        for attachment in c.attachments.all():
            assert api_client.get(user, f"/complaints/{c.number}/attachments/{attachment.id}").status_code == 404
            assert client.get(f"/c/{c.number}/files/{attachment.id}/").status_code == 404
        assert snapshot(c) == before


@pytest.mark.parametrize("persona", ["handler", "head", "housing"])
def test_counts_leave_out_what_is_outside_the_scope(client, org, cases, persona):
    """The home page's queue counts count only the cases in scope."""
    from tousu.web.pages import queues

    user = org[persona]
    counts = {q["key"]: q["count"] for q in queues(user)}
    in_scope = [c for unit, c in cases.items() if unit in SCOPES[persona]]
    mine_or_unit = counts.get("unit", 0)
    assert mine_or_unit == sum(1 for c in in_scope if c.handling_unit_id == user.unit_id)
    numbers = set()
    for q in queues(user):
        numbers |= {row["number"] for row in q["rows"]}
    assert numbers <= {c.number for c in in_scope}
