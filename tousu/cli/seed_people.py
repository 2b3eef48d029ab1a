"""Who acts in the seeded history (``tousu seed``): intake, centre and follow-up staff, each unit's
handler and the head above it, and who decides a review of each unit's result."""

from __future__ import annotations

from django.core.management.base import CommandError

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.models import Complaint
from tousu.complaints.reviewing import reviewers

INIT_HINT = "run `tousu migrate` and `tousu init --preset government --demo` first"


def _probe(unit: Unit | None) -> Complaint:
    return Complaint(handling_unit=unit, dispatched_unit=unit, review_from="closed" if unit else "declined")


class People:
    """Who acts: intake, centre, follow-up staff, and per unit its handler and the head above it."""

    def __init__(self, units: list[Unit]) -> None:
        by_role: dict[str, list[User]] = {}
        for u in User.objects.filter(is_active=True).select_related("unit"):
            by_role.setdefault(u.role, []).append(u)
        missing = [r for r in (Role.CLERK, Role.CENTER, Role.FOLLOWUP) if not by_role.get(r)]
        if missing:
            raise CommandError(f"no active user with role {', '.join(missing)}: {INIT_HINT}")
        self.clerks, self.center, self.followup = by_role[Role.CLERK], by_role[Role.CENTER], by_role[Role.FOLLOWUP]
        self.handler = {
            unit.id: next((u for u in by_role.get(Role.HANDLER, []) if u.unit_id == unit.id), None) for unit in units
        }
        heads = [(u.unit.path, u) for u in by_role.get(Role.HEAD, []) if u.unit]
        self.head = {
            unit.id: max(
                ((len(p), u) for p, u in heads if unit.path.startswith(p)),  # the nearest above
                key=lambda pair: pair[0],
                default=(0, None),
            )[1]
            for unit in units
        }

        # Who decides a review of each unit's result (None: the centre's), by complaints.reviewing.
        self.reviewer = {u.id if u else None: next(iter(reviewers(_probe(u))), self.center[0]) for u in [None, *units]}

    def unit(self, unit_id: int) -> User | None:
        """Who acts for the unit: its handler, else the head above it (the table allows no one else)."""
        return self.handler.get(unit_id) or self.head.get(unit_id)
