"""Storage (issue 17 item 9; bench/README.md, "Storage: where the bytes go").

- JSON fields that hold Chinese text or many keys per complaint write UTF-8 without spaces
  (``core.jsontext.StoredJSON``): a change of the Python side only; rows written before are read
  as they were.
- The foreign keys category, handling_unit and handler of a complaint and complaint of an event
  lose their own index: a composite index starting with the same column serves every query
  (cmp_category_id, cmp_unit_id, cmp_handler_id, event_complaint_seq).
- dues_provisional and event_action_at become partial indexes over the few rows queried.

No table is rebuilt. SQLite remakes a table for any AlterField (every row copied: minutes and the
table's size again in free space at a million complaints), so the field changes are state only and
the database changes are the indexes alone.
"""

import django.db.models.deletion
import tousu.core.jsontext
from django.conf import settings
from django.db import migrations, models


def _own_indexes(schema_editor, table: str, column: str) -> list[str]:  # noqa: ANN001
    """The plain single-column indexes of ``table.column`` (Django's names differ per backend)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, c in found.items()
        if c["index"] and not c["unique"] and not c["primary_key"] and c["columns"] == [column]
    ]


UNINDEXED = [("complaint", "category"), ("complaint", "handling_unit"), ("complaint", "handler"),
             ("complaint", "dues_provisional"), ("event", "complaint")]  # fmt: skip


def drop_own_indexes(apps, schema_editor):  # noqa: ANN001, ANN201
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("complaints", model_name)
        column = model._meta.get_field(field_name).column
        for name in _own_indexes(schema_editor, model._meta.db_table, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_own_indexes(apps, schema_editor):  # noqa: ANN001, ANN201
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("complaints", model_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field_name)]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_existing_tokens_keep_their_access"),
        ("complaints", "0023_encrypt_complainant_identity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="event",
            name="event_action_at",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="complaints.category",
                        verbose_name="类别",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="custom",
                    field=models.JSONField(
                        blank=True, default=dict, encoder=tousu.core.jsontext.StoredJSON, verbose_name="自定义字段"
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="due_rules",
                    field=models.JSONField(blank=True, default=dict, encoder=tousu.core.jsontext.StoredJSON),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="dues_provisional",
                    field=models.BooleanField(default=False, verbose_name="期限暂定"),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="extra",
                    field=models.JSONField(
                        blank=True, default=dict, encoder=tousu.core.jsontext.StoredJSON, verbose_name="扩展字段"
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="flags",
                    field=models.JSONField(
                        blank=True, default=dict, encoder=tousu.core.jsontext.StoredJSON, verbose_name="标记"
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="handler",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承办人",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="handling_unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.unit",
                        verbose_name="承办单位",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="complaint",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="complaints.complaint",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="payload",
                    field=models.JSONField(default=dict, encoder=tousu.core.jsontext.StoredJSON),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="state_prints",
                    field=models.JSONField(blank=True, db_default={}, encoder=tousu.core.jsontext.StoredJSON),
                ),
            ],
            database_operations=[migrations.RunPython(drop_own_indexes, create_own_indexes)],
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("dues_provisional", True)), fields=["dues_provisional"], name="cmp_dues_provisional"
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(condition=models.Q(("action", "return")), fields=["created_at"], name="event_returns"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("action", "anonymise")), fields=["complaint"], name="event_anonymised"
            ),
        ),
    ]
