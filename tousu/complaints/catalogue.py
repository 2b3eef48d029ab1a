"""The reference data a client needs to fill in any input (GET /api/v1/reference): the closed sets
with their labels, the preset's and the organisation's codes, the action table, and the caller.

A selector: it reads and never writes. Labels are the Chinese ones whatever the request's
language, as in the OpenAPI document (``codes.Labelled``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from tousu.accounts.models import Role, Scope, Unit, User
from tousu.complaints import codes
from tousu.complaints.actions import SAME, TABLE, Action
from tousu.complaints.models import (
    CONVERTIBLE_KINDS,
    DIRECT_CHANNELS,
    WRITTEN_CHANNELS,
    WRITTEN_REPLY_METHODS,
    Category,
    Channel,
    DispatchMode,
    Grade,
    Kind,
    ReasonCode,
    ReplyMethod,
    Satisfaction,
    Substantiated,
    Validity,
)
from tousu.complaints.preset import active, own_label
from tousu.complaints.rows import (
    ActionInfo,
    Caller,
    CategoryNode,
    ReasonLists,
    ReasonOption,
    Reference,
    UnitNode,
)
from tousu.complaints.states import OPEN, Status


def reference(actor: User) -> Reference:
    """Everything a form or a client may send, as codes with labels; ``me`` is ``actor``."""
    preset = active()
    with translation.override(None):  # the source strings: Chinese
        return {
            "preset": {"name": preset.name, "title": preset.title, "description": preset.description},
            "channels": [
                {
                    "code": codes.ChannelCode(c),
                    "label": own_label("channels", c.value, str(c.label)),
                    "direct": c in DIRECT_CHANNELS,
                    "written": c in WRITTEN_CHANNELS,
                    "in_preset": c.value in preset.channels,
                }
                for c in Channel
            ],
            "kinds": [
                {
                    "code": codes.KindCode(k),
                    "label": own_label("kinds", k.value, str(k.label)),
                    "convertible": k in CONVERTIBLE_KINDS,
                    "in_preset": k.value in preset.kinds,
                }
                for k in Kind
            ],
            "statuses": [{"code": codes.StatusCode(s), "label": str(s.label), "open": s in OPEN} for s in Status],
            "dispatch_modes": [
                {"code": codes.ModeCode(m), "label": str(m.label), "in_preset": m.value in preset.dispatch_modes}
                for m in DispatchMode
            ],
            "reply_methods": [
                {"code": codes.MethodCode(m), "label": str(m.label), "written": m in WRITTEN_REPLY_METHODS}
                for m in ReplyMethod
            ],
            "satisfaction": [{"code": codes.SatisfactionCode(s), "label": str(s.label)} for s in Satisfaction],
            "substantiated": [{"code": codes.SubstantiatedCode(s), "label": str(s.label)} for s in Substantiated],
            "validity": [{"code": codes.ValidityCode(v), "label": str(v.label)} for v in Validity],
            "roles": [{"code": codes.RoleCode(r), "label": own_label("roles", r.value, str(r.label))} for r in Role],
            "scopes": [{"code": codes.ScopeCode(s), "label": str(s.label)} for s in Scope],
            "categories": _categories(),
            "grades": [
                {"code": g.code, "label": g.name, "description": g.description, "rank": g.rank}
                for g in Grade.objects.in_force().order_by("rank", "code")
            ],
            "reasons": _reasons(),
            "units": _units(),
            "flags": [{"code": f.code, "label": f.label} for f in preset.flags],
            "custom_fields": [
                {
                    "code": f.code,
                    "label": f.label,
                    "type": f.type,
                    "pattern": f.pattern,
                    "choices": list(f.choices),
                    "max_length": f.max_length,
                    "required": f.required,
                    "help": f.help,
                    "identifying": f.identifying,
                }
                for f in preset.custom_fields
            ],
            "actions": [_action(a) for a in TABLE],
            "me": _caller(actor),
        }


def _categories() -> list[CategoryNode]:
    rows = list(Category.objects.in_force().filter(active=True).order_by("code"))
    return _tree(rows, lambda c: {"code": c.code, "label": c.name, "children": []})


def _units() -> list[UnitNode]:
    rows = list(Unit.objects.filter(active=True).order_by("path"))
    return _tree(rows, lambda u: {"code": u.code, "label": u.name, "is_center": u.is_center, "children": []})


def _tree(rows: Iterable[Any], node: Any) -> list[Any]:
    """Rows (with ``parent_id``) as nested nodes; a row whose parent is not among them (inactive)
    becomes a root, so that no active code is left out."""
    nodes = {r.pk: node(r) for r in rows}
    roots: list[Any] = []
    for r in rows:
        parent = nodes.get(r.parent_id)
        (parent["children"] if parent is not None else roots).append(nodes[r.pk])
    return roots


def _reasons() -> ReasonLists:
    lists: dict[str, list[ReasonOption]] = {group: [] for group in ReasonCode.Group.values}
    for r in ReasonCode.objects.in_force().order_by("group", "code"):
        lists.setdefault(r.group, []).append(
            {
                "code": r.code,
                "label": r.name,
                "template": r.template,
                "needs_approval": r.needs_approval,
                "needs_forward": r.needs_forward,
            }
        )
    return {
        "decline": lists["decline"],
        "return": lists["return"],
        "suspend": lists["suspend"],
        "invalid": lists["invalid"],
    }


def _action(a: Action) -> ActionInfo:
    same = a.targets == (SAME,)
    return {
        "name": a.name,
        "label": str(a.label),
        "sources": [codes.StatusCode(s) for s in Status if s in a.sources],
        "targets": [] if same else [codes.StatusCode(t) for t in a.targets],
        "same_state": same,
        "roles": [codes.RoleCode(r) for r in Role if r in a.roles],
        "versioned": a.versioned,
        "face": a.face.value,
        "secondary": a.secondary,
        "input": a.input.__name__,
    }


def _caller(actor: User) -> Caller:
    role, scope = Role(actor.role), Scope(actor.scope)
    return {
        "username": actor.username,
        "name": str(actor),
        "role": {"code": codes.RoleCode(role), "label": own_label("roles", role.value, str(role.label))},
        "scope": {"code": codes.ScopeCode(scope), "label": str(scope.label)},
        "unit": actor.unit.code if actor.unit else None,
        "actions": [a.name for a in TABLE if actor.role in a.roles],
    }
