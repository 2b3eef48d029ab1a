"""Recusal (回避) is the centre's decision or the panel's, recorded with its reason, and lifted on
record — a unit head cannot lock the centre out of a case (security issue, found item 4)."""

import pytest

from tousu.complaints.models import Conflict, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(register, walk):
    return walk(register(), "accept", "dispatch", "sign")


def post(api, actor, case, action, **body):
    from tousu.complaints.models import Complaint

    version = Complaint.objects.get(number=case.number).version
    return api.post(actor, f"/complaints/{case.number}/{action}", {"version": version, **body})


def test_a_unit_head_cannot_mark_the_centre_in_conflict(api_client, org, case):
    response = post(api_client, org["head"], case, "mark_conflict", user="center", reason="我说他有利害关系")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "not_permitted"
    assert not Conflict.objects.exists()
    detail = api_client.get(org["center"], f"/complaints/{case.number}").json()
    assert "urge" in detail["allowed_actions"] and "mark_conflict" in detail["allowed_actions"]


def test_the_web_form_refuses_a_head_marking_a_conflict(client, org, case):
    client.force_login(org["head"])
    response = client.post(
        f"/c/{case.number}/mark_conflict/", {"version": case.version, "user": "center", "reason": "有利害关系"}
    )
    assert response.status_code == 403
    assert not Conflict.objects.exists()


@pytest.mark.parametrize("who", ["center", "panel"])
def test_the_centre_or_the_panel_marks_and_lifts_a_conflict_on_record(api_client, org, case, who):
    marker = org[who]
    response = post(api_client, marker, case, "mark_conflict", user="handler", reason="与投诉人系同学")
    assert response.status_code == 200, response.content
    assert "sign" not in response.json()["allowed_actions"]
    # The marked handler is off the case and can take no action on it.
    detail = api_client.get(org["handler"], f"/complaints/{case.number}")
    assert detail.status_code in (200, 404)
    if detail.status_code == 200:
        assert detail.json()["allowed_actions"] == []

    response = post(api_client, marker, case, "lift_conflict", user="handler", reason="经核实并非同学")
    assert response.status_code == 200, response.content
    mark = Conflict.objects.get()
    assert mark.lifted_by == marker and mark.lifted_at and mark.lift_reason == "经核实并非同学"
    lifted = Event.objects.get(action="lift_conflict")
    assert lifted.note == "经核实并非同学" and lifted.payload["user"] == "handler"
    assert Event.objects.get(action="mark_conflict").note == "与投诉人系同学"  # the mark stays in the history
    # Marked again after lifting: a new mark, the old one kept.
    assert post(api_client, marker, case, "mark_conflict", user="handler", reason="又查明是亲属").status_code == 200
    assert Conflict.objects.count() == 2


def test_a_centre_supervisor_in_conflict_is_released_by_another(api_client, org, case):
    assert (
        post(api_client, org["center"], case, "mark_conflict", user="center2", reason="其配偶为投诉人").status_code
        == 200
    )
    refused = post(api_client, org["center2"], case, "lift_conflict", user="center2", reason="不需要")
    assert refused.status_code == 403 and refused.json()["code"] == "recusal_required"
    assert (
        post(api_client, org["panel"], case, "lift_conflict", user="center2", reason="经核实已离婚").status_code == 200
    )
    detail = api_client.get(org["center2"], f"/complaints/{case.number}").json()
    assert "urge" in detail["allowed_actions"]


def test_lifting_needs_someone_in_conflict_and_a_reason(api_client, org, case):
    response = post(api_client, org["center"], case, "lift_conflict", user="handler", reason="无")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    post(api_client, org["center"], case, "mark_conflict", user="handler", reason="亲属")
    response = post(api_client, org["center"], case, "lift_conflict", user="housing", reason="无")
    assert response.status_code == 422 and response.json()["data"]["field"] == "user"
    response = post(api_client, org["center"], case, "lift_conflict", user="handler", reason=" ")
    assert response.status_code == 422
    assert Conflict.objects.get().lifted_at is None
