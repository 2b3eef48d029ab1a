"""The keyed per-complaint chain needs no global head: every writer used to queue on that one row.
The anchoring job finds the chains that moved since its last run by the events' time."""
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0012_rechain_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(
            name='AuditHead',
        ),
        migrations.AlterModelOptions(
            name='event',
            options={'ordering': ['complaint', 'seq']},
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['created_at'], name='event_created_at'),
        ),
    ]
