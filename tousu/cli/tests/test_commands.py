"""The `tousu` console commands: init (idempotent), token, verify-audit; the OpenAPI schema."""

import pytest
from django.core.management import CommandError, call_command

from tousu.accounts.models import User
from tousu.complaints.models import Category, Complaint, Event
from tousu.complaints.states import Status


@pytest.mark.django_db
def test_init_loads_the_preset_and_demo_once(settings, capsys):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("init", preset="government", demo=True)
    out = capsys.readouterr().out
    assert "Demo logins" in out and "clerk" in out
    counts = (Complaint.objects.count(), Event.objects.count(), User.objects.count(), Category.objects.count())
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Status.values)
    call_command("init", preset="government", demo=True)
    assert "nothing added" in capsys.readouterr().out
    assert (Complaint.objects.count(), Event.objects.count(), User.objects.count(), Category.objects.count()) == counts
    call_command("verify_audit")


@pytest.mark.django_db
def test_init_refuses_an_unknown_preset():
    with pytest.raises(CommandError, match="unknown preset"):
        call_command("init", preset="atlantis")


@pytest.mark.django_db
def test_token_prints_a_working_bearer_token(org, client, capsys):
    call_command("token", "center")
    token = capsys.readouterr().out.strip()
    response = client.get("/api/v1/complaints", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["items"] == []
    with pytest.raises(CommandError):
        call_command("token", "nobody")


@pytest.mark.django_db
def test_the_openapi_schema_lists_every_action(client):
    from tousu.complaints.actions import FORM_ACTIONS

    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/v1/complaints" in paths and "/api/v1/complaints/{number}/events" in paths
    for action in FORM_ACTIONS:
        assert f"/api/v1/complaints/{{number}}/{action}" in paths
