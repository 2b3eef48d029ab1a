"""The gateway's own user, who registers the complaints that arrive by e-mail: an internal
account no one logs in with (inactive, no usable password, no token), so it is offered in no
staff list and receives no work; a clerk who sees every case, so a reply can attach to any
complaint by its number. Services take it as the actor; they do not ask whether it can log in."""

from django.contrib.auth.hashers import make_password
from django.db import migrations
from django.db.models import ProtectedError

USERNAME = "mailgate"


def create(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if not User.objects.filter(username=USERNAME).exists():
        User.objects.create(
            username=USERNAME,
            display_name="电子邮件网关",
            role="clerk",
            scope="all",
            password=make_password(None),  # unusable: no one can log in as the gateway
            is_active=False,
        )


def remove(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    try:
        User.objects.filter(username=USERNAME, last_login__isnull=True).delete()
    except ProtectedError:  # it registered complaints: the account stays with its history
        pass


class Migration(migrations.Migration):
    dependencies = [
        ("mailgate", "0001_mail_messages"),
        ("accounts", "0005_login_failures"),
    ]

    operations = [migrations.RunPython(create, remove)]
