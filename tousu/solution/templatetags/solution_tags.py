from __future__ import annotations

from django import template

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.solution.selectors import is_due_signer

register = template.Library()


@register.simple_tag
def due_signer(user: User, c: Complaint) -> bool:
    """Whether ``user``'s signature on the solution of ``c`` is due now (the sign/refuse form)."""
    return bool(getattr(user, "is_authenticated", False)) and is_due_signer(user, c)
