"""`tousu token create|list|revoke` and the token services (issue 17 item 4): keys shown once and
stored as digests, scopes and expiry parsed strictly, every issue and revocation on record."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tousu.accounts import tokens
from tousu.accounts.models import AdminLog, ApiToken, TokenGeneration, Unit
from tousu.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_key_once_and_stores_its_digest(org):
    out, err = token("create", "center", "--scope", "read,export", "--expires", "30d", "--label", "报表")
    key = out.strip()
    row = ApiToken.objects.get()
    assert row.key_hash == ApiToken.digest(key) and row.scope_set == {"read", "export"} and row.label == "报表"
    assert timedelta(days=29, hours=23) < row.expires_at - timezone.now() <= timedelta(days=30)
    assert f"token {row.pk} for center: scopes read,export" in err
    assert AdminLog.objects.filter(action="token_create", target="center", actor_name="system").exists()


def test_the_older_form_still_issues_a_token_with_the_defaults(org, settings):
    out, _err = token("center")
    row = ApiToken.objects.get(key_hash=ApiToken.digest(out.strip()))
    assert row.scope_set == {"read", "write"}
    assert row.expires_at.date() == (timezone.now() + timedelta(days=settings.TOUSU_TOKEN_DAYS)).date()


def test_never_expires_only_with_a_warning(org):
    _out, err = token("create", "center", "--expires", "never")
    assert ApiToken.objects.get().expires_at is None and "never expires" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "nobody"], "no active user"),
        (["create", "center", "--scope", "read,root"], "权限范围"),
        (["create", "center", "--expires", "0d"], "有效期"),
        (["create", "center", "--expires", "soon"], "有效期"),
        (["revoke", "abc"], "usage"),
        (["revoke", "424242"], "不存在"),
        (["list", "a", "b"], "usage"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(org, args, message):
    with pytest.raises(CommandError, match=message):
        token(*args)
    assert not ApiToken.objects.exists()


def test_list_never_shows_the_key_and_revoke_keeps_the_row(org):
    key = token("create", "clerk", "--label", "对接")[0].strip()
    row = ApiToken.objects.get()
    listing = token("list")[0]
    assert "对接" in listing and "clerk" in listing and "read,write" in listing and "active" in listing
    assert key not in listing and row.key_hash not in listing
    assert f"token {row.pk} (clerk, 对接) revoked" in token("revoke", str(row.pk))[0]
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert "对接" not in token("list")[0]
    assert "revoked" in token("list", "clerk", "--all")[0]
    assert AdminLog.objects.filter(action="token_revoke", target="clerk").count() == 1
    token("revoke", str(row.pk))  # again: nothing changes, nothing more on record
    assert AdminLog.objects.filter(action="token_revoke").count() == 1


def test_a_change_to_a_token_user_or_unit_raises_the_generation(org):
    def value() -> int:
        return TokenGeneration.objects.get(pk=1).value if TokenGeneration.objects.exists() else 0

    before = value()
    ApiToken.issue(org["clerk"])
    unit = Unit.objects.get(code="amr")
    unit.name = "市场监督管理局（新）"
    unit.save()
    org["handler"].display_name = "陈静静"
    org["handler"].save()
    assert value() == before + 3
    org["clerk"].last_login = timezone.now()
    org["clerk"].save(update_fields=["last_login"])  # a web login: nothing a token reads
    assert value() == before + 3


@pytest.mark.parametrize("text, days", [("30d", 30), ("30", 30), ("12w", 84), ("3650d", 3650), ("NEVER", None)])
def test_lifetimes_parse(text, days):
    assert tokens.parse_expiry(text) == days


@pytest.mark.parametrize("text", ["", "0", "-1d", "3651d", "1y", "30 days"])
def test_bad_lifetimes_are_refused(text):
    with pytest.raises(ValidationFailed):
        tokens.parse_expiry(text)
