"""Complainant.phone_tail_index: the keyed index of a phone number's last four digits, so that the
list's search and the caller look-up find a caller by 尾号 without storing any digit in clear; the
rows registered before it are filled here.

The schema change comes first and the fill last, so no table is altered after rows were updated in
the same transaction (PostgreSQL refuses that while trigger events are pending). The index is a
frozen copy of tousu.core.crypto.phone_tail_index as it was when this migration was written
(migrations copy their helpers rather than import them); the phone is read through the field
class the earlier migrations name, which decrypts it.
"""

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, migrations, models

BATCH = 2000


def _index_key() -> bytes:
    secret = settings.TOUSU_PII_KEY
    if not secret:
        if settings.TOUSU_PRODUCTION:
            raise ImproperlyConfigured("TOUSU_PII_KEY is not set (required with TOUSU_PRODUCTION=1).")
        secret = settings.SECRET_KEY
    material = hashlib.sha256(("tousu-pii:" + secret).encode()).digest()
    return hashlib.sha256(b"idx" + material).digest()


def _tail_index(key: bytes, phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 4:
        return ""
    return hmac.new(key, ("tail:" + digits[-4:]).encode(), hashlib.sha256).hexdigest()[:32]


def fill_tail_index(apps, schema_editor):  # noqa: ANN001, ANN201
    Complainant = apps.get_model("complaints", "Complainant")
    connection = schema_editor.connection if schema_editor is not None else connections["default"]
    table = connection.ops.quote_name(Complainant._meta.db_table)
    key = _index_key()
    # An empty phone is stored empty (only given ones are encrypted).
    rows = Complainant.objects.using(connection.alias).exclude(phone="").order_by("id").only("id", "phone")
    last = 0
    while True:
        batch = list(rows.filter(id__gt=last)[:BATCH])
        if not batch:
            return
        values = [(_tail_index(key, p.phone), p.id) for p in batch]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET phone_tail_index = %s WHERE id = %s", values)
        last = batch[-1].id


def clear_tail_index(apps, schema_editor):  # noqa: ANN001, ANN201
    alias = schema_editor.connection.alias if schema_editor is not None else "default"
    apps.get_model("complaints", "Complainant").objects.using(alias).update(phone_tail_index="")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0017_preset_state")]

    operations = [
        migrations.AddField(
            model_name="complainant",
            name="phone_tail_index",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddIndex(
            model_name="complainant",
            index=models.Index(fields=["phone_tail_index", "complaint"], name="complainant_phone_tail"),
        ),
        migrations.RunPython(fill_tail_index, clear_tail_index),
    ]
