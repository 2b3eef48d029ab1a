"""Reading the administration log (``AdminLog``): newest first, a page at a time, with each
entry's changes as ``field: before → after`` whatever shape its payload has.

The payload's shape grew with the log: user changes write ``{"before": {…}, "after": {…}}``, a
unit's edit ``{"changes": {…}, "before": {…}}``, a move ``{"from", "to"}``, a preset revision
``{"changes": [{"path", "before", "after"}]}``, and the older entries the values alone. The raw
payload is kept as written; :func:`changes` reads every shape.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.utils.translation import gettext as _

from tousu.accounts.models import AdminLog, User
from tousu.accounts.services import require_admin

MAX_PAGE = 200


class Change(TypedDict):
    field: str
    before: Any
    after: Any


def changes(action: str, payload: Any) -> list[Change]:
    """The entry's changed values, in the order the payload gives them. A value that did not
    exist before (a new unit's name) or no longer exists after (a deleted rule) is ``None``."""
    if not isinstance(payload, dict) or not payload:
        return []
    before, after, listed = payload.get("before"), payload.get("after"), payload.get("changes")
    if isinstance(listed, list):  # [{"path", "before", "after"}]
        return [
            {"field": str(c.get("path", "")), "before": c.get("before"), "after": c.get("after")}
            for c in listed
            if isinstance(c, dict)
        ]
    if isinstance(listed, dict):  # {"changes": new values, "before": old values}
        old = before if isinstance(before, dict) else {}
        return [{"field": k, "before": old.get(k), "after": v} for k, v in listed.items()]
    if isinstance(before, dict) and isinstance(after, dict):
        keys = list(after) + [k for k in before if k not in after]
        return [{"field": k, "before": before.get(k), "after": after.get(k)} for k in keys]
    if set(payload) == {"from", "to"}:  # a unit moved under another parent
        return [{"field": "parent", "before": payload["from"], "after": payload["to"]}]
    if set(payload) == {"changed"}:  # values not recorded (a password)
        return []
    gone = action.startswith("delete")
    return [{"field": k, "before": v if gone else None, "after": None if gone else v} for k, v in payload.items()]


def entries(
    *, actor: User, action: str = "", target: str = "", cursor: int | None = None, limit: int = 50
) -> tuple[list[AdminLog], int | None]:
    """One page of the log, newest first, and the cursor of the next page (None at the end):
    the entries older than ``cursor`` (an entry's id), of ``action`` and ``target`` if given."""
    require_admin(actor, _("只有管理员可以查看管理日志"))
    limit = max(1, min(limit, MAX_PAGE))
    qs = AdminLog.objects.select_related("actor").order_by("-id")
    if action:
        qs = qs.filter(action=action)
    if target:
        qs = qs.filter(target=target)
    if cursor:
        qs = qs.filter(id__lt=cursor)
    rows = list(qs[: limit + 1])
    next_cursor = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_cursor


def actions() -> list[str]:
    """The actions that occur in the log, for a filter's choices."""
    return sorted(AdminLog.objects.order_by().values_list("action", flat=True).distinct())
