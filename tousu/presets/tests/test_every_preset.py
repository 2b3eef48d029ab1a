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


def test_no_shipped_preset_is_broken() -> None:
    from tousu.presets import BROKEN

    assert BROKEN == {}


@pytest.mark.django_db
def test_init_refuses_a_broken_preset_folder_and_writes_nothing(tmp_path) -> None:
    from django.core.management.base import CommandError

    from tousu.complaints.models import Category, PresetState
    from tousu.presets import FOLDER

    folder = tmp_path / "mine"
    folder.mkdir()
    text = (FOLDER / "government" / "preset.yaml").read_text(encoding="utf-8").replace("name: government", "name: mine")
    cases = {
        "unit: working_days": ("unit: fortnights", "deadlines.0.unit: Input should be"),
        "amount: 5\n": ("amount: five\n", "deadlines.0.amount: Input should be a valid integer"),
        "always_redact: false": ("always_redact: false\ncolour: red", "colour: Extra inputs are not permitted"),
        "    unit: working_days\n    start: receipt of the complaint": (
            "    start: receipt of the complaint",
            "deadlines.0.unit: Field required",
        ),
    }
    for old, (new, reason) in cases.items():
        assert old in text, old
        (folder / "preset.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(CommandError) as refused:
            call_command("init", preset=str(folder))
        assert str(folder / "preset.yaml") in str(refused.value) and reason in str(refused.value)
        assert not PresetState.objects.exists() and not Category.objects.exists()
    (folder / "preset.yaml").write_text(text, encoding="utf-8")
    call_command("init", preset=str(folder))
    assert PresetState.objects.get().name == "mine" and active().name == "mine"


def test_the_documentation_names_codes_as_the_screens_do() -> None:
    from django.utils import translation

    from tousu.complaints.models import Channel, DispatchMode, Kind
    from tousu.presets.docs import CODE_LABELS

    with translation.override("zh-hans"):
        for key, enum in (("kind", Kind), ("channel", Channel), ("mode", DispatchMode)):
            assert CODE_LABELS[key] == {c.value: str(c.label) for c in enum}, key
