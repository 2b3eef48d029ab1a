"""The print's JSON written as UTF-8 without spaces (core.jsontext.StoredJSON): state only, no
table rebuilt (see complaints 0024); rows written before are read as they were."""

import tousu.core.jsontext
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0002_timed_rule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaintprint",
                    name="data",
                    field=models.JSONField(default=dict, encoder=tousu.core.jsontext.StoredJSON),
                ),
                migrations.AlterField(
                    model_name="complaintprint",
                    name="evidence",
                    field=models.JSONField(default=dict, encoder=tousu.core.jsontext.StoredJSON),
                ),
                migrations.AlterField(
                    model_name="complaintprint",
                    name="people",
                    field=models.JSONField(default=list, encoder=tousu.core.jsontext.StoredJSON),
                ),
            ],
        ),
    ]
