"""``tousu backup DIR``: a consistent backup of the database, the attachments and the anchor file,
with a manifest of checksums, taken while the app runs (tousu.core.backup)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database, attachments and audit anchor file into the new directory DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a new (or empty) directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["directory"])
        except BackupError as e:
            raise CommandError(str(e)) from None
        counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        size = sum(f["size"] for f in manifest["files"].values())
        self.stdout.write(
            f"backup of {manifest['vendor']} written to {options['directory']}: {counts}; "
            f"{len(manifest['files'])} files, {size:,} bytes"
        )
