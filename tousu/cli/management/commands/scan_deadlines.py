"""``tousu scan-deadlines``: reminders, urging and escalation of overdue cases (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from tousu.complaints.services.timekeeping import scan_deadlines


class Command(BaseCommand):
    help = "Remind before deadlines, urge overdue cases and escalate those long overdue; safe to repeat."

    def handle(self, *args: Any, **options: Any) -> None:
        r = scan_deadlines()
        self.stdout.write(
            f"reminded {r.reminders}, urged {r.overdue}, escalated {r.escalated} case(s); {r.emails} e-mail(s) queued"
        )
