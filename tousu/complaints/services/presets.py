"""Administration of the preset in force (SPEC §12): categories, grades, reason codes and their
templates, deadline rules, custom fields, thresholds — every change validated by the same schema
as the preset files, stored (the database is authoritative after ``tousu init``), and logged with
who, when, before and after. ``preview`` shows a change's effect on due dates before it is made.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from tousu.accounts.models import User
from tousu.accounts.services import log, require_admin
from tousu.complaints.dues import DUE_FIELDS, RulePolicy
from tousu.complaints.preset import active, problems, store
from tousu.core.errors import ValidationFailed
from tousu.presets.base import DeadlineRule, Preset, differences

# The sections an administrator may change (the preset's name and sources stay as shipped).
EDITABLE = (
    "title",
    "description",
    "labels",
    "channels",
    "kinds",
    "dispatch_modes",
    "categories",
    "grades",
    "reasons",
    "deadlines",
    "business_hours",
    "thresholds",
    "flags",
    "dispatch_approval",
    "always_redact",
    "unit_caller_lookup",
    "custom_fields",
    "duties",
    "basis",
)


def revised(changes: dict[str, Any]) -> Preset:
    """The preset in force with ``changes`` applied and checked; ``ValidationFailed`` names the
    path and the reason of the first problem, and nothing is stored."""
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed(_("请说明要修改的内容"), field="changes")
    refused = sorted(set(changes) - set(EDITABLE))
    if refused:
        raise ValidationFailed(
            _("不能修改：%(k)s") % {"k": "、".join(refused)}, field=f"changes.{refused[0]}", allowed=list(EDITABLE)
        )
    try:
        preset = active().revised(**changes)
    except ValidationError as err:
        first = err.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if not path:  # a check across the preset names its path first ("categories: 'Z1' appears twice")
            head, sep, rest = message.partition(": ")
            path, message = (head, rest) if sep and " " not in head else ("changes", message)
        raise ValidationFailed(f"{path}：{message}", field=path) from None
    found = problems(preset)
    if found:
        path, message = found[0]
        raise ValidationFailed(f"{path}：{message}", field=path)
    return preset


def revise(*, actor: User, changes: dict[str, Any]) -> Preset:
    """Apply ``changes`` (section → new value; a mapping merges into its section) to the preset in
    force, store it and log every changed value with its before and after."""
    require_admin(actor)
    before = active()
    after = revised(changes)
    changed = differences(before, after)
    if not changed:
        return before
    revision = store(after, by=actor.username)
    log(
        actor,
        "preset.revise",
        after.name,
        {
            "revision": revision,
            "changes": [{"path": path, "before": old, "after": new} for path, old, new in changed],
        },
    )
    return after


def revise_rule(*, actor: User, name: str, changes: dict[str, Any]) -> Preset:
    """Change one deadline rule (amount, unit, extension cap, reminder, start, conditions)."""
    rules = [r.model_dump(mode="json") for r in active().deadlines]
    index = next((i for i, r in enumerate(rules) if r["name"] == name), None)
    if index is None:
        raise ValidationFailed(_("没有名为「%(n)s」的期限规则") % {"n": name}, field="name")
    rules[index] = {**rules[index], **changes}
    return revise(actor=actor, changes={"deadlines": rules})


def revise_item(
    *, actor: User, section: tuple[str, ...], code: str, values: dict[str, Any], new: bool = False
) -> Preset:
    """Change (or, with ``new``, add) the item ``code`` of a coded list — ``("grades",)``,
    ``("reasons", "decline")`` — keeping its other fields; the list's order is kept and a new item
    goes last."""
    plain = active().model_dump(mode="json", by_alias=True)
    holder: Any = plain
    for key in section[:-1]:
        holder = holder.get(key) if isinstance(holder, dict) else None
    items = holder.get(section[-1]) if isinstance(holder, dict) else None
    if not isinstance(items, list):
        raise ValidationFailed(_("没有这一节：%(s)s") % {"s": ".".join(section)}, field="section")
    index = next((i for i, item in enumerate(items) if item.get("code") == code), None)
    if new and index is not None:
        raise ValidationFailed(_("编码「%(c)s」已存在") % {"c": code}, field="code")
    if not new and index is None:
        raise ValidationFailed(_("没有编码为「%(c)s」的条目") % {"c": code}, field="code")
    if index is None:
        items.append({"code": code, **values})
    else:
        items[index] = {**items[index], **values}
    return revise(actor=actor, changes={section[0]: plain[section[0]]})


def preview(
    *,
    changes: dict[str, Any] | None = None,
    received_at: dt.datetime | None = None,
    kind: str = "complaint",
    channel: str = "hotline",
    category: str = "",
    grade: str = "",
    mode: str = "",
) -> list[dict[str, Any]]:
    """For a complaint of this kind, channel, category, grade and dispatch mode received at
    ``received_at`` (now), each deadline kind's rule and due moment under the preset in force, or
    under it as ``changes`` would leave it. Counted from receipt: what a clerk or an
    administrator wants to see ("a grade-II complaint received today by phone is due on …")."""
    preset = revised(changes) if changes else active()
    start = received_at or timezone.now()
    complaint = SimpleNamespace(
        kind=kind,
        channel=channel,
        category=SimpleNamespace(code=category) if category else None,
        grade=SimpleNamespace(code=grade) if grade else None,
        dispatch_mode=mode,
        handling_level=0,
        extra={},
    )
    policy = RulePolicy(list(preset.deadlines))
    rows = []
    for due_kind in DUE_FIELDS:
        rule: DeadlineRule | None = policy.rule_for(complaint, due_kind)
        due = policy.due(complaint, due_kind, start) if rule else None
        rows.append(
            {
                "kind": due_kind,
                "rule": rule.name if rule else None,
                "period": rule.label() if rule else None,
                "due_at": due.at if due else None,
                "provisional": due.provisional if due else False,
            }
        )
    return rows
