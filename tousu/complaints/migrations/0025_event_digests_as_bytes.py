"""The audit events' digests (hash, prev_hash, state_mac) stored as their 32 bytes instead of 64 hex
characters (core.digest.DigestField): about 770 bytes less per complaint.

PostgreSQL changes the columns' type to bytea, decoding every row's hex in the same statement.
SQLite needs no change of type (a column keeps whatever a row holds): the rows are rewritten in
batches of 5,000, each in its own transaction, so that a stopped run resumes where it stopped (only
rows still holding text are read). The MACs do not change: they are computed over the hex, which
the field still gives the code.
"""

from django.db import migrations, transaction

import tousu.core.digest

TABLE = "complaints_event"
COLUMNS = ("hash", "prev_hash", "state_mac")
BATCH = 5000


def _sqlite_rewrite(connection, convert, still) -> None:  # noqa: ANN001
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, hash, prev_hash, state_mac FROM {TABLE} WHERE id > %s AND typeof(hash) = %s"
                f" ORDER BY id LIMIT {BATCH}",
                [last, still],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {TABLE} SET hash = %s, prev_hash = %s, state_mac = %s WHERE id = %s",
                [(*(convert(v) for v in row[1:]), row[0]) for row in rows],
            )


def _unhex(value):  # noqa: ANN001, ANN202
    return bytes.fromhex(value) if isinstance(value, str) else value


def _hex(value):  # noqa: ANN001, ANN202
    return bytes(value).hex() if isinstance(value, bytes | memoryview) else value


def to_bytes(apps, schema_editor):  # noqa: ANN001, ANN201
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        alter = ", ".join(f"ALTER COLUMN {c} TYPE bytea USING decode({c}, 'hex')" for c in COLUMNS)
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN state_mac DROP DEFAULT, {alter}, "
            "ALTER COLUMN state_mac SET DEFAULT '\\x'::bytea"
        )
    else:
        _sqlite_rewrite(connection, _unhex, "text")


def to_hex(apps, schema_editor):  # noqa: ANN001, ANN201
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        alter = ", ".join(f"ALTER COLUMN {c} TYPE varchar(64) USING encode({c}, 'hex')" for c in COLUMNS)
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN state_mac DROP DEFAULT, {alter}, ALTER COLUMN state_mac SET DEFAULT ''"
        )
    else:
        _sqlite_rewrite(connection, _hex, "blob")


class Migration(migrations.Migration):
    atomic = False  # SQLite: one transaction per batch (resumable)

    dependencies = [
        ("complaints", "0024_storage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="event", name="hash", field=tousu.core.digest.DigestField()),
                migrations.AlterField(model_name="event", name="prev_hash", field=tousu.core.digest.DigestField()),
                migrations.AlterField(
                    model_name="event",
                    name="state_mac",
                    field=tousu.core.digest.DigestField(blank=True, db_default=b""),
                ),
            ],
            database_operations=[migrations.RunPython(to_bytes, to_hex)],
        ),
    ]
