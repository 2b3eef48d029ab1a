"""No input produces a 500: random JSON bodies against registration and every action route."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tousu.complaints.actions import FORM_ACTIONS

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        ["amr", "G0201", "normal", "hotline", "phone", "yes", "C_litigation", "2026-01-01", "TS2026000001"]
    ),
)
keys = st.sampled_from(
    [
        "version",
        "unit",
        "mode",
        "category",
        "grade",
        "reason",
        "note",
        "days",
        "approved",
        "method",
        "text",
        "satisfaction",
        "target",
        "channel",
        "content",
        "complainants",
        "respondents",
        "received_at",
        "amount",
        "flags",
        "extra",
        "anonymous",
        "upheld",
    ]
)
bodies = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=12,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, action=st.sampled_from(sorted(FORM_ACTIONS)))
def test_no_body_makes_an_action_fail_with_500(client, api_client, register, walk, org, body, action):
    c = walk(register(), "accept")
    api_client.get(org["center"], "/complaints")
    token = api_client.tokens[org["center"].pk]
    if isinstance(body, dict) and "version" not in body:
        body["version"] = c.version
    response = client.post(
        f"/api/v1/complaints/{c.number}/{action}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code < 500, response.content
    assert "code" in response.json()


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_no_body_makes_registration_fail_with_500(client, api_client, org, body):
    api_client.get(org["clerk"], "/complaints")
    token = api_client.tokens[org["clerk"].pk]
    response = client.post(
        "/api/v1/complaints", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code < 500, response.content


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "status",
                "unit",
                "category",
                "grade",
                "channel",
                "kind",
                "received_from",
                "received_to",
                "overdue",
                "due_soon",
                "q",
                "cursor",
                "limit",
                "mine",
                "handler",
            ]
        ),
        st.text(max_size=12),
        max_size=5,
    )
)
def test_no_query_makes_the_list_fail_with_500(api_client, org, params):
    response = api_client.get(org["center"], "/complaints", **params)
    assert response.status_code in (200, 400, 422), response.content


@pytest.mark.django_db
def test_nul_characters_are_refused_not_crashed(api_client, org):
    assert api_client.get(org["center"], "/complaints", q="a\x00b").status_code in (400, 422)
    response = api_client.post(
        org["clerk"], "/complaints", {"channel": "hotline", "content": "a\x00b", "anonymous": True}
    )
    assert response.status_code in (201, 422), response.content


@pytest.mark.django_db
def test_nul_in_the_path_is_refused(api_client, org, register):
    c = register()
    assert api_client.get(org["center"], f"/complaints/{c.number}%00").status_code in (400, 404)
    assert api_client.post(
        org["center"], f"/complaints/{c.number}\x00/urge", {"version": 1, "note": "x"}
    ).status_code in (400, 404)
