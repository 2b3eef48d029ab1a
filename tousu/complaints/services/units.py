"""Deactivating a unit that still holds cases (SPEC §7).

``accounts`` keeps the unit tree and knows nothing of complaints; this service adds the rule that
needs both: a unit with open cases cannot be deactivated. The faces call it instead of
``accounts.services.set_active``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts import services as accounts
from tousu.accounts.models import Unit, User
from tousu.complaints.models import Complaint
from tousu.complaints.states import OPEN
from tousu.core.errors import ValidationFailed


@transaction.atomic
def set_unit_active(*, actor: User, code: str, active: bool) -> Unit:
    """Deactivate (no new work; history kept) or reactivate a unit; a unit still handling open
    cases stays active until they are finished or dispatched elsewhere."""
    accounts.require_admin(actor)  # before anything about the unit is told
    if not active:
        unit = accounts.get_unit(code)
        open_cases = Complaint.objects.filter(handling_unit=unit, status__in=OPEN).count()
        if open_cases:
            raise ValidationFailed(
                _("该单位还有 %(n)d 件在办投诉，请先办结或改派") % {"n": open_cases},
                field="code",
                open_cases=open_cases,
            )
    return accounts.set_active(actor=actor, code=code, active=active)
