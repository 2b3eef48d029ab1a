"""User administration (SPEC §2, §7): create, edit, deactivate and reactivate staff accounts and
reset their passwords. Administrators only; every change is written to ``AdminLog`` with its
before and after values (never a password or its hash).

Input is checked here, not in the faces, so that the API and the web pages refuse the same things
with the same messages: a refusal raises ``ValidationFailed`` with the ``field`` at fault and
changes nothing. Whether the person still holds open cases is not looked at: a deactivated handler's
cases stay with the unit, whose head reassigns them (accounts knows nothing of complaints,
core/tests/test_layers.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict

from django.contrib.auth import password_validation
from django.contrib.auth.models import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Scope, Unit, User
from tousu.accounts.services import is_admin, log, require_admin
from tousu.core.errors import NotFound, ValidationFailed

# Django's own rule for usernames, in ASCII: the login form, the API paths and the log's targets
# carry it, and a name a keyboard cannot type is a support call.
USERNAME = re.compile(r"^[A-Za-z0-9@.+_-]{1,150}$")
MAX_PASSWORD = 256
# Roles whose work is a unit's work (sign for, handle, head): they need a unit to belong to.
UNIT_ROLES = (Role.HANDLER, Role.HEAD)
# Scopes that are read off the user's unit.
UNIT_SCOPES = (Scope.UNIT, Scope.SUBTREE)
# What the log records of a user, in this order (an edit also records ``superuser`` if the
# role change takes it away).
SHOWN = ("username", "display_name", "role", "unit", "scope", "email", "active")


class UserRow(TypedDict):
    username: str
    display_name: str
    role: str
    unit: str | None
    unit_name: str | None
    scope: str
    email: str
    active: bool
    last_login: dt.datetime | None
    date_joined: dt.datetime


def _require(actor: User | None) -> None:
    require_admin(actor, _("只有管理员可以管理用户"))


# -- reads --------------------------------------------------------------------------------------


def user_row(user: User) -> UserRow:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit": user.unit.code if user.unit else None,
        "unit_name": user.unit.name if user.unit else None,
        "scope": user.scope,
        "email": user.email,
        "active": user.is_active,
        "last_login": user.last_login,
        "date_joined": user.date_joined,
    }


def list_users(*, actor: User) -> list[User]:
    """Every user, by unit (in tree order, those without one last) and username."""
    _require(actor)
    return list(User.objects.select_related("unit").order_by("unit__path", "username"))


def get_user(*, actor: User, username: str) -> User:
    _require(actor)
    return _get(username)


def _get(username: str, *, for_update: bool = False) -> User:
    if "\x00" in username:  # no database stores it (PostgreSQL refuses the query): nobody has it
        raise NotFound(_("用户 %(u)s 不存在") % {"u": username.replace("\x00", "")}, field="username")
    qs = User.objects.select_related("unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    user = qs.filter(username=username).first()
    if user is None:
        raise NotFound(_("用户 %(u)s 不存在") % {"u": username}, field="username")
    return user


def _shown(user: User, fields: tuple[str, ...] = SHOWN) -> dict[str, Any]:
    """The user's values as the log records them: codes, not objects."""
    values = {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit": user.unit.code if user.unit else None,
        "scope": user.scope,
        "email": user.email,
        "active": user.is_active,
        "superuser": user.is_superuser,
    }
    return {f: values[f] for f in fields}


# -- checks of the input ------------------------------------------------------------------------


def _username(value: str) -> str:
    username = (value or "").strip()
    if not USERNAME.match(username):
        raise ValidationFailed(_("用户名只能用英文字母、数字和 @ . + - _，不超过150个字符。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("用户名 %(u)s 已被使用（不区分大小写）。") % {"u": username}, field="username")
    return username


def _display_name(value: str) -> str:
    name = (value or "").strip()
    if not name or len(name) > 60 or "\x00" in name:
        raise ValidationFailed(_("请填写姓名（不超过60个字）。"), field="display_name")
    return name


def _role(value: str) -> str:
    if value not in Role.values:
        raise ValidationFailed(_("未知的角色：%(r)s") % {"r": value}, field="role", allowed=list(Role.values))
    return Role(value).value  # the plain code, also when given an enum member


def _scope(value: str) -> str:
    if value not in Scope.values:
        raise ValidationFailed(_("未知的数据范围：%(s)s") % {"s": value}, field="scope", allowed=list(Scope.values))
    return Scope(value).value


def _unit(code: str) -> Unit | None:
    """The unit a user is put in (an active one), or None for an empty code."""
    code = (code or "").strip()
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first() if "\x00" not in code else None
    if unit is None:
        raise ValidationFailed(_("单位 %(code)s 不存在。") % {"code": code}, field="unit")
    if not unit.active:
        raise ValidationFailed(_("单位「%(name)s」已停用。") % {"name": unit.name}, field="unit")
    return unit


def _email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("电子邮件地址格式不正确。"), field="email") from None
    if len(email) > 254:
        raise ValidationFailed(_("电子邮件地址格式不正确。"), field="email")
    return BaseUserManager.normalize_email(email)


def _fits(role: str, scope: str, unit: Unit | None) -> None:
    """A handler or head belongs to a unit, and a unit scope needs the unit it is read off."""
    if unit is not None:
        return
    if role in UNIT_ROLES:
        raise ValidationFailed(_("承办人和部门负责人须属于一个单位，请选择所属单位。"), field="unit")
    if scope in UNIT_SCOPES:
        raise ValidationFailed(_("数据范围为本单位或本单位及下级时，须选择所属单位。"), field="unit")


def _password(password: str, user: User) -> str:
    """The password, if it passes the validators of ``AUTH_PASSWORD_VALIDATORS`` (similarity to
    the user's own names is checked against ``user``, which need not be saved yet)."""
    if len(password or "") > MAX_PASSWORD:
        raise ValidationFailed(_("密码不超过 %(n)d 个字符。") % {"n": MAX_PASSWORD}, field="password")
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as err:
        raise ValidationFailed(" ".join(err.messages), field="password", messages=err.messages) from None
    return password


def _admins() -> Q:
    return Q(is_active=True) & (Q(role=Role.ADMIN) | Q(is_superuser=True))


def _keep_an_admin(user: User) -> None:
    """Refuse to take away the rights of the last active administrator (``user``, as stored).
    The other administrators' rows are locked first, so that two administrators demoting each
    other at the same moment cannot both pass (SQLite's IMMEDIATE transactions serialise anyway)."""
    others = User.objects.select_for_update().filter(_admins()).exclude(pk=user.pk)
    if not list(others.values_list("pk", flat=True)):
        raise ValidationFailed(_("不能停用或降级最后一个启用的管理员。"), field="username")


# -- writes -------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_user(
    *,
    actor: User,
    username: str,
    display_name: str,
    role: str,
    unit: str,
    scope: str,
    email: str = "",
    password: str,
) -> User:
    """A new, active staff account that can log in with ``password`` at once."""
    _require(actor)
    user = User(
        username=_username(username),
        display_name=_display_name(display_name),
        role=_role(role),
        scope=_scope(scope),
        unit=_unit(unit),
        email=_email(email),
        is_active=True,
    )
    _fits(user.role, user.scope, user.unit)
    user.set_password(_password(password, user))
    user.save()
    log(actor, "create_user", user.username, {"before": {}, "after": _shown(user)})
    return user


@transaction.atomic(durable=True)
def update_user(
    *,
    actor: User,
    username: str,
    display_name: str | None = None,
    role: str | None = None,
    unit: str | None = None,
    scope: str | None = None,
    email: str | None = None,
) -> User:
    """Change a user's name, role, unit, data scope or e-mail. ``None`` leaves a field as it is;
    an empty ``unit`` or ``email`` removes it. All of the changes are made, or none."""
    _require(actor)
    user = _get(username, for_update=True)
    fields = (*SHOWN, "superuser")
    before, was_admin = _shown(user, fields), is_admin(user)
    if display_name is not None:
        user.display_name = _display_name(display_name)
    if role is not None:
        user.role = _role(role)
        if before["role"] == Role.ADMIN and user.role != Role.ADMIN:
            # A superuser is an administrator whatever his role (is_admin) and sees every case
            # (scope_filter): the rights go with the role, or the page would show a clerk who
            # is not one.
            user.is_superuser = user.is_staff = False
    if scope is not None:
        user.scope = _scope(scope)
    if email is not None:
        user.email = _email(email)
    if unit is not None and (unit.strip() or None) != before["unit"]:
        _leaves(user)
        user.unit = _unit(unit)
    _fits(user.role, user.scope, user.unit)
    after = _shown(user, fields)
    changed = tuple(f for f in fields if after[f] != before[f])
    if not changed:
        return user
    if was_admin and not is_admin(user) and user.is_active:
        _keep_an_admin(user)
    user.save()
    log(
        actor,
        "update_user",
        user.username,
        {"before": {f: before[f] for f in changed}, "after": {f: after[f] for f in changed}},
    )
    return user


def _leaves(user: User) -> None:
    """A unit's head stays in the unit (``services.update_unit`` checks the same when a head is
    set): moving the head out asks for a new head first."""
    headed = Unit.objects.filter(head=user).first()
    if headed is not None:
        raise ValidationFailed(
            _("%(user)s 是「%(unit)s」的负责人，请先在单位管理中更换负责人。") % {"user": user, "unit": headed.name},
            field="unit",
        )


@transaction.atomic(durable=True)
def set_user_active(*, actor: User, username: str, active: bool) -> User:
    """Deactivate a user (no login, no API token, history kept) or reactivate one. Nobody
    deactivates himself, and the last active administrator stays. Already so: nothing changes
    and nothing is logged."""
    _require(actor)
    user = _get(username, for_update=True)
    if user.is_active == active:
        return user
    if not active:
        if user.pk == actor.pk:
            raise ValidationFailed(_("不能停用自己的账号。"), field="username")
        if is_admin(user):
            _keep_an_admin(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    # Deactivation ends the user's sessions and tokens at once: both are checked against
    # is_active on every request (web/tests/test_sessions.py).
    log(
        actor,
        "activate_user" if active else "deactivate_user",
        user.username,
        {"before": {"active": not active}, "after": {"active": active}},
    )
    return user


@transaction.atomic(durable=True)
def reset_password(*, actor: User, username: str, password: str) -> User:
    """Give a user a new password, checked by the password validators. The user's sessions end
    (Django checks a session against the password it was opened with); the log records that the
    password was reset, never the password. An administrator changes his own on the password
    page, which asks for the old one."""
    _require(actor)
    user = _get(username, for_update=True)
    if user.pk == actor.pk:
        raise ValidationFailed(_("请在「修改密码」页面修改自己的密码。"), field="password")
    user.set_password(_password(password, user))
    user.save(update_fields=["password"])
    log(actor, "reset_password", user.username, {"changed": ["password"]})
    return user
