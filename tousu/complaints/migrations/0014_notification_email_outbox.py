"""Each notice is its own e-mail outbox: attempts, the last error, and when to try next, so a failed
e-mail is recorded as failed and retried by the periodic job instead of being marked sent."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0013_drop_audit_head_event_time_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='email_attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_error',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_next_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('email_next_at__isnull', False)), fields=['email_next_at'], name='ntf_email_pending'),
        ),
    ]
