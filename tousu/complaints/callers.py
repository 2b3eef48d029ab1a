"""The caller look-up (SPEC §8): a hotline clerk finds a caller's earlier complaints by the phone
number, or by its last four digits or more."""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.access import visible_complaints
from tousu.complaints.confidentiality import hidden_q, may_look_up_callers
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import phone_q
from tousu.core.crypto import PHONE_TAIL, mask_phone, normalize_phone
from tousu.core.errors import NotPermitted


def callers_by_phone(actor: User, phone: str, limit: int = 10) -> list[Complaint]:
    """Earlier complaints of a caller, newest first (hotline look-up, SPEC §8): by the whole number,
    or by its last four digits or more (``phone_q``), which may be several callers'.

    A caller's history says who complained: unit staff may look callers up only where the preset
    allows it, and never see a case whose identity is hidden from them (SPEC §7)."""
    if not may_look_up_callers(actor):
        raise NotPermitted(_("承办单位人员不能查询来电历史"), code="caller_lookup_refused")
    digits = normalize_phone(unicodedata.normalize("NFKC", phone or ""))
    if len(digits) < PHONE_TAIL:
        return []
    from tousu.complaints.models import Complainant

    matching = Complainant.objects.filter(phone_q(digits))
    found = list(
        visible_complaints(actor)
        .filter(id__in=matching.values("complaint_id"))
        .exclude(hidden_q(actor))
        .select_related("handling_unit")
        .order_by("-id")[:limit]
    )
    # Which of each case's complainants the number matched: a match on the last digits may be
    # several callers', so each row says whose (a name, unless anonymous, and the masked number).
    people: dict[int, list[Complainant]] = {}
    for person in matching.filter(complaint__in=[c.pk for c in found]).order_by("position"):
        people.setdefault(person.complaint_id, []).append(person)
    for c in found:
        c.matched_callers = [  # type: ignore[attr-defined]
            CallerMatch("" if c.anonymous else p.name, mask_phone(p.phone), p.phone == digits)
            for p in people.get(c.pk, [])
        ]
    return found


class CallerMatch(NamedTuple):
    """One complainant a caller look-up matched: the name (empty when anonymous), the masked
    number, and whether it is the very number looked up rather than one ending with it."""

    name: str
    phone: str
    exact: bool
