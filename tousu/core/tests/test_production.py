"""Production mode refuses development secrets; `check --deploy` is clean with the documented
production settings and flags the same secrets elsewhere."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tousu.core import crypto


def production_env(tmp_path, **overrides: str) -> dict[str, str]:
    """The environment README's "Production" section documents, with fresh random keys."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TOUSU_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tousu.settings",
            "TOUSU_DATA_DIR": str(tmp_path),
            "TOUSU_PRODUCTION": "1",
            "TOUSU_HTTPS": "1",
            "TOUSU_PROXY": "1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "TOUSU_PII_KEY": secrets.token_urlsafe(32),
            "TOUSU_AUDIT_KEY": secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": "tousu.example.gov.cn",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "django", *args], env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_gives_no_warning_with_the_documented_production_settings(tmp_path):
    result = django(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_the_development_secret_key(tmp_path):
    result = django(production_env(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is the public development key" in result.stderr


def test_production_mode_refuses_missing_pii_and_audit_keys(tmp_path):
    result = django(production_env(tmp_path, TOUSU_PII_KEY="", TOUSU_AUDIT_KEY=""), "check")
    assert result.returncode != 0
    assert "TOUSU_PII_KEY is not set" in result.stderr and "TOUSU_AUDIT_KEY is not set" in result.stderr


def test_production_mode_refuses_a_pii_key_equal_to_the_secret_key_and_debug(tmp_path):
    key = secrets.token_urlsafe(50)
    result = django(production_env(tmp_path, SECRET_KEY=key, TOUSU_PII_KEY=key, DEBUG="1"), "check")
    assert result.returncode != 0
    assert "TOUSU_PII_KEY must differ from SECRET_KEY" in result.stderr and "DEBUG must be off" in result.stderr


def test_https_and_proxy_turn_on_hsts_secure_cookies_and_the_forwarded_scheme(tmp_path):
    code = (
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=production_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split(None, 4) == [
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ], result.stderr


def test_production_mode_takes_a_key_ring_instead_of_one_key(tmp_path):
    ring = f"2={secrets.token_urlsafe(32)},0={secrets.token_urlsafe(32)}"
    env = production_env(tmp_path, TOUSU_PII_KEY="", TOUSU_PII_KEYS=ring)
    result = django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_flags_development_secrets_outside_production_mode(settings):
    settings.SECRET_KEY = settings.TOUSU_DEVELOPMENT_SECRET_KEY
    settings.TOUSU_PII_KEY = ""
    settings.TOUSU_AUDIT_KEY = ""
    settings.TOUSU_PRODUCTION = False
    ids = {m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])}
    assert {"tousu.W001", "tousu.W002", "tousu.W004", "tousu.W005"} <= ids
    assert not {"tousu.W001", "tousu.W002"} & {m.id for m in checks.run_checks(tags=[checks.Tags.security])}


def test_in_production_the_pii_key_is_never_derived_from_the_secret_key(settings):
    settings.TOUSU_PRODUCTION = True
    settings.TOUSU_PII_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="TOUSU_PII_KEY"):
        crypto.encrypt("13812345678")


def test_a_pii_key_set_to_the_old_secret_key_keeps_existing_data_readable(settings):
    settings.TOUSU_PII_KEY = ""
    stored = crypto.encrypt("13812345678")  # written while the key was derived from SECRET_KEY
    settings.TOUSU_PII_KEY, settings.SECRET_KEY = settings.SECRET_KEY, secrets.token_urlsafe(50)
    assert crypto.decrypt(stored) == "13812345678"


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    """JIT compiling costs more than a list or a count of complaints takes (settings.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (the suite's second run)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
