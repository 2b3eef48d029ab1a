"""Every refusal answers with the right status and code, and changes nothing at all."""

import pytest
from django.forms.models import model_to_dict

from tousu.complaints.models import Complaint, Event


def snapshot(number: str) -> tuple:
    c = Complaint.objects.get(number=number)
    row = model_to_dict(c, exclude=["co_units"])
    events = list(Event.objects.order_by("complaint", "seq").values_list("complaint", "seq", "hash"))
    return row, events, list(c.extensions.values()), list(c.attachments.values())


@pytest.fixture
def accepted(register, walk):
    return walk(register(), "accept")


def assert_refused(api, user, number, action, body, status, code):
    before = snapshot(number)
    response = api.post(user, f"/complaints/{number}/{action}", body)
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == code and data["message"] and isinstance(data["data"], dict)
    assert snapshot(number) == before
    return data


@pytest.mark.django_db
def test_it_refuses_an_illegal_transition(api_client, accepted, handler, center):
    assert_refused(
        api_client, center, accepted.number, "archive", {"version": accepted.version}, 409, "invalid_transition"
    )
    assert_refused(
        api_client, center, accepted.number, "approve", {"version": accepted.version}, 409, "invalid_transition"
    )


@pytest.mark.django_db
def test_it_refuses_a_stale_version(api_client, accepted, center):
    data = assert_refused(
        api_client,
        center,
        accepted.number,
        "dispatch",
        {"version": accepted.version - 1, "unit": "amr", "mode": "assign"},
        409,
        "stale_version",
    )
    assert data["data"]["current_version"] == accepted.version


@pytest.mark.django_db
def test_it_refuses_a_missing_field(api_client, accepted, center):
    assert_refused(
        api_client,
        center,
        accepted.number,
        "dispatch",
        {"version": accepted.version, "unit": "amr"},
        422,
        "validation_failed",
    )
    assert_refused(
        api_client, center, accepted.number, "dispatch", {"unit": "amr", "mode": "assign"}, 422, "validation_failed"
    )
    assert_refused(
        api_client,
        center,
        accepted.number,
        "dispatch",
        {"version": accepted.version, "unit": "nowhere", "mode": "assign"},
        422,
        "validation_failed",
    )
    assert_refused(
        api_client,
        center,
        accepted.number,
        "dispatch",
        {"version": accepted.version, "unit": "amr", "mode": "teleport"},
        422,
        "validation_failed",
    )
    assert_refused(
        api_client,
        center,
        accepted.number,
        "urge",
        {"version": accepted.version, "note": "  "},
        422,
        "validation_failed",
    )


@pytest.mark.django_db
def test_it_refuses_a_wrong_role(api_client, accepted, handler, auditor, clerk):
    assert_refused(
        api_client,
        clerk,
        accepted.number,
        "dispatch",
        {"version": accepted.version, "unit": "amr", "mode": "assign"},
        403,
        "not_permitted",
    )
    assert_refused(
        api_client, auditor, accepted.number, "urge", {"version": accepted.version, "note": "快"}, 403, "not_permitted"
    )


@pytest.mark.django_db
def test_it_hides_an_out_of_scope_complaint(api_client, register, walk, outsider):
    c = walk(register(), "accept", "dispatch")  # dispatched to 市场监管局; outsider is 住建局
    assert_refused(api_client, outsider, c.number, "sign", {"version": c.version}, 404, "not_found")
    assert api_client.get(outsider, f"/complaints/{c.number}").status_code == 404
    assert api_client.get(outsider, f"/complaints/{c.number}/events").status_code == 404
    assert api_client.get(outsider, "/complaints").json()["items"] == []
    unknown = api_client.get(outsider, "/complaints/TS2026999999")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_unit_cannot_act_on_another_units_case_even_in_scope_of_reading(api_client, register, walk, org):
    c = walk(register(), "accept", "dispatch")
    hrss_head = org["hrss_head"]
    assert_refused(api_client, hrss_head, c.number, "sign", {"version": c.version}, 404, "not_found")


@pytest.mark.django_db
def test_it_answers_401_without_a_valid_token(client, accepted):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer nope"}, {"HTTP_AUTHORIZATION": "Basic eA=="}):
        response = client.get(f"/api/v1/complaints/{accepted.number}", **headers)
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '"text"',
        "null",
        '{"version": "1"}',
        '{"version": true}',
        '{"version": 1, "note": 5}',
        '{"version": 1e99}',
        '{"version": 1, "extra": 1}',
    ],
)
def test_malformed_bodies_are_400_or_422_never_500(client, api_client, accepted, center, body):
    api_client.get(center, "/complaints")  # issue a token
    token = api_client.tokens[center.pk]
    before = snapshot(accepted.number)
    for action in ("urge", "accept", "dispatch", "decline", "follow_up"):
        response = client.post(
            f"/api/v1/complaints/{accepted.number}/{action}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code in (400, 409, 422), (action, body, response.content)
        assert response.json()["code"]
    assert snapshot(accepted.number) == before


@pytest.mark.django_db
def test_registration_refuses_bad_input_and_writes_nothing(api_client, clerk, handler):
    cases = [
        ({"summary": "x"}, 422),  # no channel
        ({"channel": "pigeon", "content": "x", "anonymous": True}, 422),
        ({"channel": "hotline", "anonymous": True}, 422),  # no content
        ({"channel": "hotline", "content": "x"}, 422),  # no complainant, not anonymous
        ({"channel": "hotline", "content": "x", "complainants": [{"name": "a", "phone": "12"}]}, 422),
        ({"channel": "hotline", "content": "x", "complainants": [{"name": "a", "id_number": "123"}]}, 422),
        ({"channel": "hotline", "content": "x", "anonymous": True, "category": "nope"}, 422),
        ({"channel": "hotline", "content": "x", "anonymous": True, "respondents": [{"unit": "nope"}]}, 422),
        ({"channel": "hotline", "content": "x", "anonymous": True, "flags": ["alien"]}, 422),
        ({"channel": "upgraded", "content": "x", "anonymous": True}, 422),
        (
            {
                "channel": "hotline",
                "content": "x",
                "anonymous": True,
                "complainants": [{"name": f"p{i}", "is_representative": True} for i in range(6)],
            },
            422,
        ),
    ]
    for body, status in cases:
        response = api_client.post(clerk, "/complaints", body)
        assert response.status_code == status, (body, response.content)
        assert response.json()["code"] == "validation_failed"
    forbidden = api_client.post(handler, "/complaints", {"channel": "hotline", "content": "x", "anonymous": True})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "not_permitted"
    assert Complaint.objects.count() == 0 and Event.objects.count() == 0
