"""Re-chain the event log with the keyed, per-complaint chain."""
from django.db import migrations


def rechain(apps, schema_editor):  # noqa: ANN001, ANN201
    pass  # placeholder: the audit work fills this in


class Migration(migrations.Migration):
    dependencies = [("complaints", "0011_fill_redacted_text")]
    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
