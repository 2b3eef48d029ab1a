"""``tousu verify-audit``: check the hash chain and every complaint's history; exit 1 on tampering."""
from django.core.management.base import BaseCommand, CommandError

from tousu.complaints.events import verify_audit


class Command(BaseCommand):
    help = "Verify the append-only, hash-chained event log."

    def handle(self, *args, **options):  # noqa: ANN001, ANN201
        report = verify_audit()
        if not report.ok:
            for line in report.problems:
                self.stderr.write(line)
            raise CommandError(f"audit FAILED: {len(report.problems)} problem(s) in {report.events} events")
        self.stdout.write(f"audit OK: {report.events} events, {report.complaints} complaints, chain intact")
