"""API tokens (issue 17 item 4): scopes checked on every route, expiry and revocation refused with
their own codes, a per-token rate with Retry-After, and /api/v1/tokens to list, make and revoke."""

from datetime import timedelta

import pytest
import time_machine
from django.db.models import F
from django.utils import timezone

from tousu.accounts import tokens
from tousu.accounts.models import AdminLog, ApiToken, TokenGeneration
from tousu.accounts.users import set_user_active, update_user
from tousu.api.api import api

pytestmark = pytest.mark.django_db


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def issue(org):
    def make(username: str = "clerk", scopes: tuple[str, ...] = ("read", "write"), **kwargs) -> str:
        return ApiToken.issue(org[username], "test", scopes=scopes, **kwargs)

    return make


# -- which scope each route needs ------------------------------------------------------------------
def test_every_route_needs_one_known_scope_and_bulk_exports_need_export():
    document = api.get_openapi_schema()
    needed = {
        (method.upper(), path): tokens.required_scope(method, path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert set(needed.values()) == set(tokens.SCOPES)
    assert needed[("GET", "/api/v1/complaints")] == "read"
    assert needed[("POST", "/api/v1/complaints/{number}/accept")] == "write"
    assert needed[("GET", "/api/v1/ledger/export")] == "export"
    assert needed[("POST", "/api/v1/ledger/exports")] == "export"
    assert needed[("GET", "/api/v1/ledger/exports/{key}/file")] == "export"
    assert needed[("GET", "/api/v1/scorecards.xlsx")] == "export"
    assert needed[("GET", "/api/v1/complaints/{number}/archive")] == "export"
    assert needed[("POST", "/api/v1/complaints/{number}/archive")] == "write"  # the lifecycle action
    assert needed[("GET", "/api/v1/admin/users")] == "admin"
    assert needed[("POST", "/api/v1/units")] == "admin"
    assert needed[("GET", "/api/v1/units")] == "read"
    assert needed[("PUT", "/api/v1/calendar/days/{day}")] == "admin"
    assert needed[("DELETE", "/api/v1/tokens/{token_id}")] == "write"
    # Every answer that may come of a scope or a rate is in the document.
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            if op.get("security"):
                assert {"401", "403", "429"} <= {str(s) for s in op["responses"]}, (method, path)


def test_a_read_token_reads_but_may_not_act(client, issue, org):
    key = issue(scopes=("read",))
    assert client.get("/api/v1/complaints", **bearer(key)).status_code == 200
    refused = client.post("/api/v1/complaints", {}, content_type="application/json", **bearer(key))
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "scope_missing" and body["data"] == {"scope": "write"}
    assert "「办理」" in body["message"] and "write" in body["message"]


def test_an_export_needs_the_export_scope(client, issue):
    key = issue("center", scopes=("read", "write"))
    refused = client.get("/api/v1/ledger/export", **bearer(key))
    assert refused.status_code == 403 and refused.json()["data"] == {"scope": "export"}
    allowed = client.get("/api/v1/ledger/export", **bearer(issue("center", scopes=("read", "export"))))
    assert allowed.status_code != 403


def test_a_scope_never_widens_the_role(client, issue):
    key = issue("clerk", scopes=tuple(tokens.SCOPES))
    refused = client.get("/api/v1/admin/users", **bearer(key))
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    assert client.get("/api/v1/admin/users", **bearer(issue("admin", scopes=("admin",)))).status_code == 200


# -- expiry, revocation, deactivation, a change of role ---------------------------------------------
def test_an_expired_token_is_refused_with_token_expired(client, issue):
    key = issue(expires_at=timezone.now() + timedelta(days=30))
    assert client.get("/api/v1/complaints", **bearer(key)).status_code == 200  # and now cached
    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1), tick=False):
        refused = client.get("/api/v1/complaints", **bearer(key))
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Bearer"
    assert refused.json()["code"] == "token_expired" and "过期" in refused.json()["message"]


def test_a_revoked_token_is_refused_on_its_next_request(client, issue, org):
    key = issue()
    assert client.get("/api/v1/complaints", **bearer(key)).status_code == 200  # cached
    token = ApiToken.objects.get(key_hash=ApiToken.digest(key))
    tokens.revoke(actor=org["clerk"], token_id=token.pk)
    refused = client.get("/api/v1/complaints", **bearer(key))
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert "撤销" in refused.json()["message"]


def test_a_revocation_in_another_worker_reaches_this_one_through_the_generation(client, issue):
    """Another process revokes: it raises the counter in the database; this worker's cache does not
    hear of it except through that counter, read at most once a second (here: the second is up)."""
    key = issue()
    assert client.get("/api/v1/complaints", **bearer(key)).status_code == 200  # cached
    ApiToken.objects.filter(key_hash=ApiToken.digest(key)).update(revoked_at=timezone.now())  # no signal
    assert client.get("/api/v1/complaints", **bearer(key)).status_code == 200  # still trusted here
    TokenGeneration.objects.update_or_create(pk=1, defaults={"value": F("value") + 1})  # the other worker
    tokens._generation["checked"] = float("-inf")  # a second has passed
    assert client.get("/api/v1/complaints", **bearer(key)).json()["code"] == "token_revoked"


def test_a_deactivated_user_is_refused_on_the_next_request(client, issue, org):
    key = issue()
    assert client.get("/api/v1/complaints", **bearer(key)).status_code == 200
    set_user_active(actor=org["admin"], username="clerk", active=False)
    refused = client.get("/api/v1/complaints", **bearer(key))
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"


def test_a_change_of_role_acts_on_the_next_request(client, issue, org):
    key = issue("clerk", scopes=tuple(tokens.SCOPES))
    assert client.get("/api/v1/admin/users", **bearer(key)).status_code == 403
    update_user(actor=org["admin"], username="clerk", role="admin")
    assert client.get("/api/v1/admin/users", **bearer(key)).status_code == 200


# -- the cost of a request ---------------------------------------------------------------------------
def test_a_cached_token_costs_no_query(client, issue, monkeypatch, django_assert_num_queries):
    """Before the cache every request read the token and its user (one query); now a worker reads
    them once per TTL, and the generation once a second (pinned here, so the count is exact)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(tokens, "GENERATION_CHECK_SECONDS", 3600.0)
    key = issue()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/notifications", **bearer(key)).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/v1/notifications", **bearer(key)).status_code == 200
    token_queries = [q["sql"] for q in first.captured_queries if "accounts_apitoken" in q["sql"]]
    assert len(token_queries) == 2  # the look-up and last_used_at
    assert not [q for q in second.captured_queries if "accounts_apitoken" in q["sql"] or "tokengeneration" in q["sql"]]
    assert len(second.captured_queries) == len(first.captured_queries) - len(token_queries) - 1


def test_last_used_at_is_written_at_most_once_a_minute(client, issue):
    key = issue()
    start = timezone.now().replace(microsecond=0)
    row = ApiToken.objects.filter(key_hash=ApiToken.digest(key))
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/notifications", **bearer(key))
    assert row.get().last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        client.get("/api/v1/notifications", **bearer(key))
    assert row.get().last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/v1/notifications", **bearer(key))
    assert row.get().last_used_at == start + timedelta(seconds=61)


# -- the rate ------------------------------------------------------------------------------------------
def test_a_token_past_its_rate_gets_429_with_retry_after(client, issue, settings):
    settings.TOUSU_API_REQUESTS_PER_MINUTE = 3
    key, other = issue(), issue()
    start = timezone.now().replace(second=10, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        assert [client.get("/api/v1/notifications", **bearer(key)).status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/notifications", **bearer(key))
        assert refused.status_code == 429 and refused["Retry-After"] == "50"
        assert refused.json()["code"] == "rate_limited" and "频繁" in refused.json()["message"]
        assert client.get("/api/v1/notifications", **bearer(other)).status_code == 200  # per token
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        assert client.get("/api/v1/notifications", **bearer(key)).status_code == 200


# -- /api/v1/tokens ----------------------------------------------------------------------------------
def test_a_user_makes_lists_and_revokes_their_own_tokens(client, issue, org):
    key = issue("clerk", scopes=("read", "write"))
    made = client.post(
        "/api/v1/tokens",
        {"label": "热线对接", "scopes": ["read"], "expires_in_days": 30},
        content_type="application/json",
        **bearer(key),
    )
    assert made.status_code == 201
    body = made.json()
    assert body["key"].startswith("ts_") and body["scopes"] == ["read"] and body["state"] == "active"
    assert body["user"] == "clerk" and body["label"] == "热线对接"
    row = ApiToken.objects.get(pk=body["id"])
    assert row.key_hash == ApiToken.digest(body["key"]) and body["key"] not in str(row.__dict__)
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)
    assert AdminLog.objects.filter(action="token_create", target="clerk", payload__id=row.pk).exists()

    listed = client.get("/api/v1/tokens", **bearer(key)).json()["items"]
    assert {t["id"] for t in listed} == set(ApiToken.objects.filter(user=org["clerk"]).values_list("id", flat=True))
    assert all("key" not in t for t in listed)

    gone = client.delete(f"/api/v1/tokens/{row.pk}", **bearer(key))
    assert gone.status_code == 200 and gone.json()["state"] == "revoked"
    assert client.get("/api/v1/tokens", **bearer(body["key"])).json()["code"] == "token_revoked"
    assert row.pk not in {t["id"] for t in client.get("/api/v1/tokens", **bearer(key)).json()["items"]}
    everything = client.get("/api/v1/tokens", {"all": "true"}, **bearer(key)).json()["items"]
    assert row.pk in {t["id"] for t in everything}


def test_a_token_never_makes_a_wider_one(client, issue):
    key = issue("center", scopes=("read", "write"))
    refused = client.post(
        "/api/v1/tokens", {"scopes": ["read", "export"]}, content_type="application/json", **bearer(key)
    )
    assert refused.status_code == 403 and refused.json()["code"] == "scope_missing"
    assert refused.json()["data"] == {"scope": "export"}
    assert ApiToken.objects.count() == 1


def test_only_an_administrator_sees_and_revokes_other_users_tokens(client, issue, org):
    theirs = ApiToken.objects.get(key_hash=ApiToken.digest(issue("handler")))
    clerk = issue("clerk")
    assert client.get("/api/v1/tokens", {"username": "handler"}, **bearer(clerk)).status_code == 404
    assert client.delete(f"/api/v1/tokens/{theirs.pk}", **bearer(clerk)).status_code == 404
    made = client.post("/api/v1/tokens", {"username": "handler"}, content_type="application/json", **bearer(clerk))
    assert made.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    admin = issue("admin", scopes=("read", "write"))
    listed = client.get("/api/v1/tokens", {"username": "handler"}, **bearer(admin)).json()["items"]
    assert [t["id"] for t in listed] == [theirs.pk]
    assert client.delete(f"/api/v1/tokens/{theirs.pk}", **bearer(admin)).json()["state"] == "revoked"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["root"]}, "scopes"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"label": "x" * 61}, "label"),
    ],
)
def test_bad_input_makes_no_token(client, issue, body, field):
    key = issue()
    refused = client.post("/api/v1/tokens", body, content_type="application/json", **bearer(key))
    assert refused.status_code == 422 and field in refused.json()["message"]
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("token_id", ["999999", str(2**70)])
def test_revoking_an_unknown_token_is_404(client, issue, token_id):
    refused = client.delete(f"/api/v1/tokens/{token_id}", **bearer(issue()))
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_each_request_gets_its_own_copy_of_the_cached_user(issue, rf):
    key = issue()
    first = tokens.authenticate(rf.get("/api/v1/complaints"), key)
    assert first is not None and first.unit is not None
    first.scratch = "only this request's"
    first.unit.name = "改过的名称"
    second = tokens.authenticate(rf.get("/api/v1/complaints"), key)
    assert second is not None and second is not first and second.pk == first.pk
    assert not hasattr(second, "scratch") and second.unit.name != "改过的名称"
