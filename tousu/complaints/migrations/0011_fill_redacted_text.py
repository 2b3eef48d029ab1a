"""Fill Complaint.summary_redacted and content_redacted for complaints registered before they existed."""
from django.db import migrations


def fill(apps, schema_editor):  # noqa: ANN001, ANN201
    pass  # placeholder: the confidentiality work fills this in


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_redacted_text_keyed_audit_conflict_lift")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
