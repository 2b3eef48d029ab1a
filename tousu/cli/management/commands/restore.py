"""``tousu restore DIR``: check a backup whole, restore it into this (empty) installation, bring
its schema up to date, verify the audit log and compare the counts (tousu.core.backup)."""

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.complaints.audit import verify_audit
from tousu.core.backup import BackupError, check, restore


class Command(BaseCommand):
    help = "Restore the backup in DIR into this installation (refused if it holds data, unless --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--force", action="store_true", help="overwrite an installation that holds data")
        parser.add_argument("--check", action="store_true", help="only check the backup's files; restore nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check"]:
                manifest = check(options["directory"])
                self.stdout.write(f"backup intact: {len(manifest['files'])} files match the manifest")
                return
            done = restore(options["directory"], force=options["force"])
        except BackupError as e:
            raise CommandError(str(e)) from None
        call_command("migrate", interactive=False, verbosity=0)  # a backup of an older tousu
        report = verify_audit()
        for note in report.notes:
            self.stderr.write(f"note: {note}")
        counts = ", ".join(f"{n} {name}" for name, n in done.counts.items())
        if not report.ok:
            for line in report.problems:
                self.stderr.write(line)
            raise CommandError(
                f"restored ({counts}), but the audit log does NOT verify: {report.problem_count} problem(s)"
            )
        self.stdout.write(
            f"restored the backup of {done.manifest['created_at']} ({counts}, {done.files} attachment files); "
            f"counts match the manifest; audit OK: chains, state seals, anchors and numbering intact"
        )
