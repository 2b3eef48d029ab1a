"""The demand items of a complaint: split at registration, edited by the clerk, checked against
the result and the reply (answered, or declined with a reason) before either is accepted.

``record`` and ``enforce`` run inside the complaint service's transaction (``intake.register``,
``handling.submit_result``, ``closing.reply``); ``edit_items`` is a service of its own, on record
as ``edit_demands``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import User
from tousu.complaints.inputs import Input
from tousu.complaints.models import Complaint
from tousu.core.errors import ValidationFailed
from tousu.replycheck.match import check
from tousu.replycheck.models import DemandItem
from tousu.replycheck.split import MAX_ITEM_LENGTH, MAX_ITEMS, split_demands

EDIT = "edit_demands"


class EditDemands(Input):
    items: list[str] = Field(max_length=MAX_ITEMS)
    # Optional: a client that sends the version it read is refused (409) if someone changed the
    # complaint since, rather than overwriting their edit (tousu.complaints.services.common.begin).
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="投诉件的当前版本（乐观锁）；填写时，版本不符答复 409"
    )


def record(complaint: Complaint, demands: str) -> list[DemandItem]:
    """The items of ``demands``, stored for a complaint just inserted (or on its first check)."""
    return DemandItem.objects.bulk_create(
        DemandItem(complaint=complaint, position=i, text=text) for i, text in enumerate(split_demands(demands), 1)
    )


def items_of(complaint: Complaint) -> list[DemandItem]:
    """The complaint's items. A complaint registered before items existed gets them on its first
    check, split from its demands, unless the clerk has set its items (to none) since."""
    items = list(DemandItem.objects.filter(complaint=complaint).order_by("position"))
    if items or not complaint.demands.strip() or complaint.events.filter(action=EDIT).exists():
        return items
    return record(complaint, complaint.demands)


def _clean_items(items: list[str]) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        raise ValidationFailed(_("诉求事项须为文字列表"), field="items")
    cleaned = [" ".join(t.split()) for t in items]
    cleaned = [t for t in cleaned if t]
    if len(cleaned) > MAX_ITEMS:
        raise ValidationFailed(_("诉求事项不超过%(n)d项") % {"n": MAX_ITEMS}, field="items")
    for i, text in enumerate(cleaned, 1):
        if len(text) > MAX_ITEM_LENGTH:
            raise ValidationFailed(
                _("第%(i)d项诉求不超过%(n)d字") % {"i": i, "n": MAX_ITEM_LENGTH}, field="items", position=i
            )
    return cleaned


@transaction.atomic(durable=True)
def edit_items(*, actor: User, number: str, items: list[str], version: int | None = None) -> list[DemandItem]:
    """The clerk's split of the demands replaces the system's (or an earlier edit): the items are
    checked afresh at the next result or reply."""
    from tousu.complaints.services.common import begin, finish

    cleaned = _clean_items(items)
    complaint, before = begin(actor, number, EDIT, EditDemands(items=cleaned, version=version))
    old = [i.text for i in items_of(complaint)]
    if old == cleaned:
        raise ValidationFailed(_("诉求事项没有变化"), field="items")
    DemandItem.objects.filter(complaint=complaint).delete()
    rows = DemandItem.objects.bulk_create(
        DemandItem(complaint=complaint, position=i, text=text) for i, text in enumerate(cleaned, 1)
    )
    finish(complaint, actor=actor, action=EDIT, before=before, payload={"items": cleaned, "before": old})
    return rows


def enforce(
    complaint: Complaint, *, actor: User, action: str, answer: str, declined: Mapping[int, str]
) -> dict[str, Any]:
    """Check ``answer`` against every demand item; refuse (ValidationFailed on ``declined``, naming
    the items) unless each is answered or declined with a reason. Saves the check on the items and
    returns it for the action's event: ``{"answered": [...], "declined": {position: reason}}``
    (empty when the complaint has no items: nothing was asked)."""
    items = items_of(complaint)
    positions = {i.position for i in items}
    reasons: dict[int, str] = {}
    for position, reason in (declined or {}).items():
        if position not in positions:
            raise ValidationFailed(_("没有第%(n)s项诉求") % {"n": position}, field="declined", position=position)
        if not (reason or "").strip():
            raise ValidationFailed(
                _("请填写第%(n)s项诉求不予回应的理由") % {"n": position}, field="declined", position=position
            )
        reasons[position] = " ".join(reason.split())
    if not items:
        return {}
    now = timezone.now()
    unanswered = []
    for item, result in zip(items, check([i.text for i in items], answer), strict=True):
        item.evidence = result.evidence()
        if item.position in reasons:
            item.state, item.reason = DemandItem.State.DECLINED, reasons[item.position]
        elif result.answered:
            item.state, item.reason = DemandItem.State.ANSWERED, ""
        elif action == "reply" and item.state == DemandItem.State.DECLINED and item.reason:
            pass  # declined with the result, which the approver saw: the reason stands
        else:
            item.state = DemandItem.State.OPEN
            unanswered.append(item)
        item.checked_for, item.checked_at = action, now
    if unanswered:
        shown = _shown_to(actor, complaint)
        named = "；".join(_("第%(n)d项「%(text)s」") % {"n": i.position, "text": shown(i.text)} for i in unanswered)
        raise ValidationFailed(
            _("以下诉求未得到回应：%(items)s。请在答复中逐项回应，或勾选不予回应并说明理由。") % {"items": named},
            code="demand_unanswered",
            field="declined",
            unanswered=[
                {"position": i.position, "text": shown(i.text), "evidence": shown(i.evidence)} for i in unanswered
            ],
        )
    DemandItem.objects.bulk_update(items, ["state", "reason", "evidence", "checked_for", "checked_at"])
    return {
        "answered": [i.position for i in items if i.state == DemandItem.State.ANSWERED],
        "declined": {str(i.position): i.reason for i in items if i.state == DemandItem.State.DECLINED},
    }


def _shown_to(actor: User, complaint: Complaint) -> Callable[[Any], Any]:
    """An item's text (or its evidence) as ``actor`` may read it: scrubbed of the complainants'
    identity where the redacted view (摘转) applies, as on every other surface."""
    from tousu.complaints.confidentiality import scrubber_for, sees_identity

    if sees_identity(actor, complaint):
        return lambda value: value
    return scrubber_for(complaint).deep
