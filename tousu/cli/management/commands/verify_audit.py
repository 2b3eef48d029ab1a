"""``tousu verify-audit``: check every complaint's keyed chain, its state against its last event,
the anchor file and the numbering; name what changed and where, and exit 1 on any problem."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.complaints.audit import verify_audit


class Command(BaseCommand):
    help = "Verify the event log: chains, state seals, anchors and numbering (exit 1 on any problem)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="problems to list (200); all are counted")
        parser.add_argument(
            "--anchor-file",
            type=Path,
            default=None,
            help="check against this copy of the anchor file (e.g. the one shipped off "
            "the machine) instead of TOUSU_AUDIT_ANCHOR_FILE",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_audit(limit_problems=max(options["limit"], 1), anchor_file=options["anchor_file"])
        for note in report.notes:
            self.stderr.write(f"note: {note}")
        if not report.ok:
            for line in report.problems:
                self.stderr.write(line)
            if report.problem_count > len(report.problems):
                self.stderr.write(f"… and {report.problem_count - len(report.problems)} more")
            raise CommandError(
                f"audit FAILED: {report.problem_count} problem(s) in {report.events} events of "
                f"{report.complaints} complaints"
            )
        self.stdout.write(
            f"audit OK: {report.events} events, {report.complaints} complaints, "
            f"{report.anchor_lines} anchor lines; chains, state seals and numbering intact"
        )
