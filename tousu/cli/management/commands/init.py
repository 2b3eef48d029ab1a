"""``tousu init --preset NAME [--demo]``: load a preset, and once, the demo organisation."""

from importlib import import_module
from typing import Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import User
from tousu.complaints.reference import load_preset
from tousu.presets import DEMOS, REGISTRY
from tousu.presets.base import Demo, PresetError


class Command(BaseCommand):
    help = "Load a preset's reference data; with --demo also demo units, users and complaints (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", required=True, help=f"one of: {', '.join(REGISTRY)}")
        parser.add_argument("--demo", action="store_true", help="create demo data the first time")

    def handle(self, *args: Any, **options: Any) -> None:
        preset = REGISTRY.get(options["preset"])
        if preset is None:
            raise CommandError(f"unknown preset {options['preset']!r}; choose from: {', '.join(REGISTRY)}")
        # The services follow TOUSU_PRESET, not this option: say so rather than mix two presets.
        differs = preset.name != settings.TOUSU_PRESET
        if differs and options["demo"]:
            raise CommandError(
                f"TOUSU_PRESET is {settings.TOUSU_PRESET!r}: set it to {preset.name!r} before making that preset's demo"
            )
        try:
            counts = load_preset(preset)
        except PresetError as err:
            raise CommandError(str(err)) from None
        self.stdout.write(
            f"preset {preset.name} ({preset.title}): " + ", ".join(f"{v} new {k}" for k, v in counts.items())
        )
        if differs:
            self.stderr.write(
                f"note: TOUSU_PRESET is {settings.TOUSU_PRESET!r}; the rules of {preset.name!r} "
                "apply once it is set to that"
            )
        if not options["demo"]:
            return
        if preset.name not in DEMOS:
            raise CommandError(f"preset {preset.name} has no demo data")
        demo = cast(Demo, import_module(DEMOS[preset.name]))
        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already present: nothing added")
        else:
            from tousu.complaints.actions import perform

            made = demo.build_demo(perform)
            self.stdout.write("demo data: " + ", ".join(f"{v} {k}" for k, v in made.items()))
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, name, role, unit, _scope in demo.USERS:
            self.stdout.write(f"  {username:<13} {name:<6} {role.label} · {unit}")
