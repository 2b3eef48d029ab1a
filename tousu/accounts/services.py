"""Unit tree administration (SPEC §7): create, edit, move, deactivate and reactivate units, with
their heads, business hours and authority levels. Administrators only; every change is logged.

A deactivated unit keeps its history and its finished cases but receives no new work (dispatch
refuses it); it cannot be deactivated while it still has active lower units. That it holds no open
cases is checked by ``tousu.complaints.services.units.set_unit_active``, which the faces call:
accounts knows nothing of complaints (core/tests/test_layers.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts.models import AdminLog, Role, Unit, User, set_unit_path
from tousu.core.errors import NotFound, NotPermitted, ValidationFailed

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
FIELDS = ("name", "head", "business_hours", "authority_level", "is_center", "parent")


def is_admin(user: User | None) -> bool:
    return user is not None and (user.role == Role.ADMIN or user.is_superuser)


def require_admin(actor: User | None, message: str | None = None) -> None:
    """Administrators maintain the organisation, the routing rules and the calendar."""
    if not is_admin(actor):
        raise NotPermitted(message or _("只有管理员可以维护单位"), role=getattr(actor, "role", None))


def log(actor: User | None, action: str, target: str, payload: dict[str, Any]) -> None:
    AdminLog.objects.create(
        actor=actor, actor_name=actor.username if actor else "system", action=action, target=target, payload=payload
    )


def get_unit(code: str, field: str = "code") -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(_("单位 %(code)s 不存在") % {"code": code}, field=field)
    return unit


def parse_business_hours(value: Any) -> list[list[str]]:
    """``[["08:30", "12:00"], ["14:30", "17:30"]]`` (or ``"08:30-12:00, 14:30-17:30"``): periods
    in order, each ending after it starts; empty means none."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [part.split("-") for part in re.split(r"[,,;;\s]+", value.strip()) if part]
    message = _("办公时间格式应为 08:30-12:00, 14:30-17:30")
    if not isinstance(value, list) or len(value) > 4:
        raise ValidationFailed(message, field="business_hours")
    periods, last = [], None
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValidationFailed(message, field="business_hours")
        try:
            start, end = (dt.time.fromisoformat(str(p).strip()) for p in pair)
        except ValueError:
            raise ValidationFailed(message, field="business_hours") from None
        if start >= end or (last and start < last):
            raise ValidationFailed(_("办公时段须按先后顺序且结束晚于开始"), field="business_hours")
        last = end
        periods.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    return periods


def _head(username: str | None, unit: Unit | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("未知的人员：%(u)s") % {"u": username}, field="head")
    if unit is not None and user.unit_id != unit.pk:
        raise ValidationFailed(_("负责人须属于该单位"), field="head")
    return user


def _level(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("权限层级须是 0–9 的整数"), field="authority_level") from None
    if not 0 <= level <= 9:
        raise ValidationFailed(_("权限层级须是 0–9 的整数"), field="authority_level")
    return level


def _name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed(_("请填写单位名称（不超过120字）"), field="name")
    return name


@transaction.atomic
def create_unit(
    *,
    actor: User,
    code: str,
    name: str,
    parent: str = "",
    is_center: bool = False,
    business_hours: Any = None,
    authority_level: Any = None,
) -> Unit:
    """A new unit under ``parent`` (a root without). Its head is set once it has members."""
    require_admin(actor)
    code = (code or "").strip()
    if not CODE.match(code):
        raise ValidationFailed(_("单位编码只能用小写字母、数字、- 和 _（不超过40位）"), field="code")
    if Unit.objects.filter(code=code).exists():
        raise ValidationFailed(_("单位编码 %(code)s 已存在") % {"code": code}, field="code")
    above = get_unit(parent, "parent") if parent else None
    if above is not None and not above.active:
        raise ValidationFailed(_("上级单位“%(name)s”已停用") % {"name": above.name}, field="parent")
    unit = Unit.objects.create(
        code=code,
        name=_name(name),
        parent=above,
        is_center=bool(is_center),
        business_hours=parse_business_hours(business_hours),
        authority_level=_level(authority_level),
    )
    set_unit_path(unit)
    log(
        actor,
        "create_unit",
        code,
        {
            "name": unit.name,
            "parent": parent or None,
            "is_center": unit.is_center,
            "business_hours": unit.business_hours,
            "authority_level": unit.authority_level,
        },
    )
    return unit


@transaction.atomic
def update_unit(*, actor: User, code: str, **changes: Any) -> Unit:
    """Change a unit's name, head, business hours, authority level, centre flag or parent; only
    the fields given change, and all of them or none (a refused move keeps the new name out)."""
    require_admin(actor)
    unit = get_unit(code)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationFailed(_("不能修改：%(f)s") % {"f": ", ".join(unknown)}, allowed=list(FIELDS))
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = _name(changes["name"])
    if "head" in changes:
        clean["head"] = _head(changes["head"], unit)
    if "business_hours" in changes:
        clean["business_hours"] = parse_business_hours(changes["business_hours"])
    if "authority_level" in changes:
        clean["authority_level"] = _level(changes["authority_level"])
    if "is_center" in changes:
        clean["is_center"] = bool(changes["is_center"])
    parent = changes.get("parent")
    moving = "parent" in changes and (parent or None) != (unit.parent.code if unit.parent else None)
    before = {k: getattr(unit, k) for k in clean}
    for k, v in clean.items():
        setattr(unit, k, v)
    unit.save()
    shown = {k: (v.username if isinstance(v, User) else v) for k, v in clean.items()}
    log(
        actor,
        "update_unit",
        code,
        {"changes": shown, "before": {k: (v.username if isinstance(v, User) else v) for k, v in before.items()}},
    )
    if moving:
        unit = move_unit(actor=actor, code=code, parent=parent or "")  # inside this transaction
    return unit


@transaction.atomic
def move_unit(*, actor: User, code: str, parent: str) -> Unit:
    """Put a unit (with its whole subtree) under another parent, or at the root."""
    require_admin(actor)
    unit = get_unit(code)
    above = get_unit(parent, "parent") if parent else None
    if above is not None and above.path.startswith(unit.path):
        raise ValidationFailed(_("不能把单位移到它自己或它的下级单位之下"), field="parent")
    if above is not None and not above.active:
        raise ValidationFailed(_("上级单位“%(name)s”已停用") % {"name": above.name}, field="parent")
    old_parent = unit.parent.code if unit.parent else None
    old_path = unit.path
    unit.parent = above
    unit.save(update_fields=["parent"])
    set_unit_path(unit)
    for lower in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
        lower.path = unit.path + lower.path[len(old_path) :]
        lower.save(update_fields=["path"])
    log(actor, "move_unit", code, {"from": old_parent, "to": parent or None})
    return unit


@transaction.atomic
def set_active(*, actor: User, code: str, active: bool) -> Unit:
    """Deactivate (no new work; history kept) or reactivate a unit. Its open cases are not
    looked at here: call ``complaints.services.units.set_unit_active``."""
    require_admin(actor)
    unit = get_unit(code)
    if not active:
        if Unit.objects.filter(parent=unit, active=True).exists():
            raise ValidationFailed(_("请先停用下级单位"), field="code")
    elif unit.parent is not None and not unit.parent.active:
        raise ValidationFailed(_("上级单位“%(name)s”已停用") % {"name": unit.parent.name}, field="code")
    unit.active = bool(active)
    unit.save(update_fields=["active"])
    log(actor, "activate_unit" if active else "deactivate_unit", code, {})
    return unit


def unit_row(u: Unit) -> dict[str, Any]:
    return {
        "code": u.code,
        "name": u.name,
        "parent": u.parent.code if u.parent else None,
        "depth": max(u.path.count("/") - 2, 0),
        "is_center": u.is_center,
        "active": u.active,
        "head": u.head.username if u.head else None,
        "head_name": str(u.head) if u.head else None,
        "business_hours": u.business_hours,
        "authority_level": u.authority_level,
    }


def unit_tree() -> list[dict[str, Any]]:
    """Every unit, in tree order."""
    return [unit_row(u) for u in Unit.objects.select_related("parent", "head").order_by("path")]
