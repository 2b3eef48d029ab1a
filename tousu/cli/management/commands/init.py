"""``tousu init --preset NAME [--demo]``: load a preset, and once, the demo organisation."""
from django.core.management.base import BaseCommand, CommandError

from tousu.accounts.models import User
from tousu.presets import REGISTRY
from tousu.presets.base import load


class Command(BaseCommand):
    help = "Load a preset's reference data; with --demo also demo units, users and complaints (once)."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--preset", required=True, help=f"one of: {', '.join(REGISTRY)}")
        parser.add_argument("--demo", action="store_true", help="create demo data the first time")

    def handle(self, *args, **options):  # noqa: ANN001, ANN201
        preset = REGISTRY.get(options["preset"])
        if preset is None:
            raise CommandError(f"unknown preset {options['preset']!r}; choose from: {', '.join(REGISTRY)}")
        counts = load(preset)
        self.stdout.write(f"preset {preset.name} ({preset.title}): "
                          + ", ".join(f"{v} new {k}" for k, v in counts.items()))
        if not options["demo"]:
            return
        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already present: nothing added")
        else:
            if preset.demo is None:
                raise CommandError(f"preset {preset.name} has no demo data")
            made = preset.demo()
            self.stdout.write("demo data: " + ", ".join(f"{v} {k}" for k, v in made.items()))
        from tousu.presets.government.demo import DEMO_PASSWORD, USERS

        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, name, role, unit, _scope in USERS:
            self.stdout.write(f"  {username:<13} {name:<6} {role.label} · {unit}")
