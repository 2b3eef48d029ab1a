"""The search index (tousu.search.index): an FTS5 table on SQLite, a table of one weighted tsvector
with a GIN index on PostgreSQL, and the progress of a rebuild.

The tables start empty: a database with complaints already in it is indexed by ``tousu reindex``
(resumable, in batches), never inline here; new complaints are indexed as they are written.
"""

from django.db import migrations, models

# The columns: the redacted view's words and pairs, then those only the plain view searches besides
# (tousu.search.documents.COLUMNS).
SQLITE = [
    "CREATE VIRTUAL TABLE search_complaint USING fts5("
    "rwords, rgrams, pwords, pgrams, tokenize='unicode61 remove_diacritics 2')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_complaint"]
# Weights A, B, C, D for the same four parts.
POSTGRESQL = [
    "CREATE TABLE search_document (complaint_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX search_document_gin ON search_document USING gin (document)",
]
POSTGRESQL_DROP = ["DROP TABLE IF EXISTS search_document"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [("complaints", "0019_work_notices_per_message")]

    operations = [
        migrations.CreateModel(
            name="Rebuild",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField()),
                ("upto", models.BigIntegerField()),
                ("done", models.BigIntegerField(default=0)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"ordering": ["-id"]},
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
