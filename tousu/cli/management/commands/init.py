"""``tousu init --preset NAME [--demo]``: put a preset in force, and once, its demo organisation."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import Role, User
from tousu.complaints.preset import problems, store, stored
from tousu.complaints.reference import load_preset
from tousu.presets import BROKEN, FOLDER, REGISTRY
from tousu.presets.base import Preset, PresetError, load_folder


class Command(BaseCommand):
    help = (
        "Put a preset in force (the database holds it from then on); with --demo also its demo units, "
        "users and complaints (once). Another preset already in force is changed with `tousu preset switch`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--preset", required=True, help=f"one of: {', '.join(REGISTRY)}; or the path of a preset folder"
        )
        parser.add_argument("--demo", action="store_true", help="create demo data the first time")

    def handle(self, *args: Any, **options: Any) -> None:
        from tousu.presets.demo import build, load_demo

        folder, preset = _preset(options["preset"])
        current = stored()
        if current is not None and current.name != preset.name:
            raise CommandError(
                f"preset {current.name!r} is in force here; `tousu preset switch {preset.name} --dry-run` "
                "says what changing it would do"
            )
        try:
            demo = load_demo(folder, preset) if options["demo"] else None
            if current is None:
                revision = store(preset, by="tousu init")
                self.stdout.write(f"preset {preset.name} ({preset.title}) in force, revision {revision}")
            else:
                counts = load_preset(current)  # the stored preset, as the administrators left it
                added = ", ".join(f"{v} new {k}" for k, v in counts.items() if v) or "nothing new"
                self.stdout.write(f"preset {preset.name} ({preset.title}) already in force: {added}")
        except PresetError as err:
            raise CommandError(str(err)) from None
        if demo is None:
            return
        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already present: nothing added")
        else:
            from tousu.complaints.actions import perform

            made = build(demo, perform)
            self.stdout.write("demo data: " + ", ".join(f"{v} {k}" for k, v in made.items()))
        self.stdout.write(f"\nDemo logins (password for all: {demo.password}):")
        units = {u.code: u.name for u in demo.units}
        for u in demo.users:
            label = preset.labels.roles.get(u.role) or Role(u.role).label
            self.stdout.write(f"  {u.username:<13} {u.name:<6} {label} · {units[u.unit]}")


def _preset(asked: str) -> tuple[Path, Preset]:
    """The folder and the preset ``asked`` names: a shipped preset's name, or a folder's path."""
    if asked in BROKEN:
        raise CommandError(str(BROKEN[asked]))
    if asked in REGISTRY:
        return FOLDER / asked, REGISTRY[asked]
    path = Path(asked)
    if not path.is_dir():
        raise CommandError(f"unknown preset {asked!r}; choose from: {', '.join(REGISTRY)}, or give a preset folder")
    try:
        preset = load_folder(path.resolve())
    except PresetError as err:
        raise CommandError(str(err)) from None
    found = problems(preset)
    if found:
        raise CommandError(str(PresetError(preset.name, str(path / "preset.yaml"), found)))
    return path.resolve(), preset
