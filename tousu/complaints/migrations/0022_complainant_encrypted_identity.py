"""Complainant: name, e-mail and address encrypted at rest (core.crypto), with keyed indexes of the
e-mail, the ID number and the whole name (issue 17 §3). The rows are encrypted by the next
migration.

The index columns are nullable (NULL: no value), so adding them never rebuilds the table on SQLite
and their partial indexes hold only the rows that have a value. The three text columns become
``text`` on PostgreSQL (ciphertext outgrows varchar(100)); SQLite does not enforce a varchar's
length, so there the change is left to the model state and the table is not rebuilt.
"""

from django.db import migrations, models

import tousu.core.crypto


class AlterFieldExceptSQLite(migrations.AlterField):
    """AlterField whose database change is skipped on SQLite (the column's type is only a name there)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # noqa: ANN001, ANN201
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # noqa: ANN001, ANN201
        if schema_editor.connection.vendor != "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0021_reply_methods_home_oral")]

    operations = [
        migrations.AddField(
            model_name="complainant",
            name="email_index",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="complainant",
            name="id_index",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="complainant",
            name="name_index",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        AlterFieldExceptSQLite(
            model_name="complainant",
            name="address",
            field=tousu.core.crypto.EncryptedTextField(blank=True, max_length=300, verbose_name="地址"),
        ),
        AlterFieldExceptSQLite(
            model_name="complainant",
            name="email",
            field=tousu.core.crypto.EncryptedTextField(blank=True, max_length=200, verbose_name="电子邮件"),
        ),
        AlterFieldExceptSQLite(
            model_name="complainant",
            name="name",
            field=tousu.core.crypto.EncryptedTextField(blank=True, max_length=100, verbose_name="姓名"),
        ),
        migrations.AddIndex(
            model_name="complainant",
            index=models.Index(
                condition=models.Q(email_index__isnull=False), fields=["email_index"], name="complainant_email"
            ),
        ),
        migrations.AddIndex(
            model_name="complainant",
            index=models.Index(
                condition=models.Q(id_index__isnull=False), fields=["id_index"], name="complainant_id_number"
            ),
        ),
        migrations.AddIndex(
            model_name="complainant",
            index=models.Index(
                condition=models.Q(name_index__isnull=False), fields=["name_index"], name="complainant_name"
            ),
        ),
    ]
