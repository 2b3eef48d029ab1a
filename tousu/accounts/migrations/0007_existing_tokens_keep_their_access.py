"""Tokens issued before scopes existed could do whatever their user may: they keep every scope and
no expiry, so that no running integration breaks on upgrade. An operator narrows or revokes them
with `tousu token list` / `tousu token revoke` (docs/security.md)."""

from django.db import migrations

ALL = "read,write,export,admin"


def widen(apps, schema_editor):
    apps.get_model("accounts", "ApiToken").objects.all().update(scopes=ALL, expires_at=None)


def narrow(apps, schema_editor):
    pass  # the columns go with the schema migration's reverse


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_token_scopes_expiry_revocation")]

    operations = [migrations.RunPython(widen, narrow)]
