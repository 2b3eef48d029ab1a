"""Every shipped preset: it loads and validates, and ``tousu init --preset NAME --demo`` on an empty
database gives a working instance — its demo people log in, its complaints stand in every state
with a history that verifies, and its own names are what the users read (SPEC §12)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tousu.complaints.models import Complaint
from tousu.complaints.preset import active, problems
from tousu.complaints.states import Status
from tousu.presets import REGISTRY, demo_data

NAMES = list(REGISTRY)


def test_the_twelve_presets_of_the_sources_are_shipped() -> None:
    assert NAMES == [
        "government", "petition", "hotline", "consumer", "bank", "credit_union", "securities",
        "telecom", "pharma", "manufacturing", "property", "hospitality",
    ]  # fmt: skip
    for name in NAMES:
        preset = REGISTRY[name]
        assert problems(preset) == [], name
        assert preset.deadlines and all(rule.source for rule in preset.deadlines), f"{name}: a rule without source"


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_init_with_its_demo_gives_a_working_instance(name, client, capsys) -> None:
    call_command("init", preset=name, demo=True)
    said = capsys.readouterr().out
    assert f"preset {name}" in said and "Demo logins" in said
    assert active().name == name
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Status.values)
    call_command("verify_audit")
    demo = demo_data(name)
    for user in demo.users:
        assert client.login(username=user.username, password=demo.password), user.username
        for url in ("/", "/list/"):
            assert client.get(url).status_code == 200, (user.username, url)
    client.login(username="clerk", password=demo.password)
    form = client.get("/intake/").content.decode()
    assert all(f'name="custom_{f.code}"' in form for f in active().custom_fields)
    center = REGISTRY[name].labels.roles.get("center")
    if center:
        client.login(username="center", password=demo.password)
        assert center in client.get("/").content.decode()
