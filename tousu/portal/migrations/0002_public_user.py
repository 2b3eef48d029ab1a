"""The account the public acts as on the portal (services.public_actor): inactive, no usable
password, the intake clerk's role, all complaints in scope (the query code is the right of access)."""

from django.db import migrations

USERNAME = "public"


def create(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.get_or_create(
        username=USERNAME,
        defaults={
            "display_name": "投诉人（网上）",
            "role": "clerk",
            "scope": "all",
            "is_active": False,
            "password": "!portal-no-login",  # "!" starts an unusable password (Django's convention)
        },
    )


def remove(apps, schema_editor):
    # Only while nothing refers to it: a public user who acted stays (PROTECT keeps the history whole).
    User = apps.get_model("accounts", "User")
    Complaint = apps.get_model("complaints", "Complaint")
    user = User.objects.filter(username=USERNAME).first()
    if user is not None and not Complaint.objects.filter(registered_by=user).exists():
        try:
            user.delete()
        except Exception:  # noqa: BLE001  (referenced by events or attachments: keep it)
            pass


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_portal_ratings_and_code_failures"), ("accounts", "0005_login_failures")]

    operations = [migrations.RunPython(create, remove)]
