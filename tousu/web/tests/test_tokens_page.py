"""/tokens/ (issue 17 item 4): a user sees, makes and revokes their own API tokens, the new key shown
once; an administrator sees and revokes anyone's; nobody else touches another's."""

import pytest

from tousu.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_user_makes_a_token_sees_its_key_once_and_revokes_it(client, org):
    client.force_login(org["clerk"])
    page = client.post("/tokens/", {"op": "create", "label": "热线对接", "days": "30", "scopes": ["read"]})
    assert page.status_code == 200
    row = ApiToken.objects.get(user=org["clerk"])
    key = page.context["key"]
    assert row.key_hash == ApiToken.digest(key) and row.scope_set == {"read"} and key in page.content.decode()
    listing = client.get("/tokens/").content.decode()
    assert "热线对接" in listing and key not in listing
    done = client.post("/tokens/", {"op": "revoke", "id": str(row.pk)}, follow=True)
    assert "已撤销" in done.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_bad_input_makes_no_token_and_says_why(client, org):
    client.force_login(org["clerk"])
    page = client.post("/tokens/", {"op": "create", "days": "400", "scopes": ["read"]})
    assert page.status_code == 422 and "有效天数" in page.content.decode()
    page = client.post("/tokens/", {"op": "create", "days": "30"})
    assert page.status_code == 422 and "权限范围" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_only_an_administrator_sees_and_revokes_another_users_token(client, org):
    theirs = ApiToken.objects.get(key_hash=ApiToken.digest(ApiToken.issue(org["handler"], "承办对接")))
    client.force_login(org["clerk"])
    assert "承办对接" not in client.get("/tokens/").content.decode()
    client.post("/tokens/", {"op": "revoke", "id": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.force_login(org["admin"])
    assert "承办对接" in client.get("/tokens/").content.decode()
    client.post("/tokens/", {"op": "revoke", "id": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None
