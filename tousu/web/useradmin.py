"""The administrators' pages for people: the users (create, edit, deactivate and reactivate, reset
the password) and the administration log, where every change to users, units and rules shows
as ``field: before → after`` in names, not codes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts import adminlog, users
from tousu.accounts.models import AdminLog, Role, Scope, Unit, User
from tousu.accounts.services import require_admin
from tousu.complaints.models import Channel, DispatchMode, RoutingRule
from tousu.complaints.preset import own_label
from tousu.core.errors import NotPermitted, TousuError, ValidationFailed
from tousu.mailgate.models import OutgoingMail
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view

# The fields of the create and edit forms, as the page posts them.
PROFILE = ("display_name", "role", "unit", "scope", "email")

ACTION_LABELS = {
    "create_user": gettext_lazy("新建用户"),
    "update_user": gettext_lazy("修改用户"),
    "deactivate_user": gettext_lazy("停用用户"),
    "activate_user": gettext_lazy("启用用户"),
    "reset_password": gettext_lazy("重置密码"),
    "retry_mail": gettext_lazy("重新发送邮件"),
    "create_unit": gettext_lazy("新建单位"),
    "update_unit": gettext_lazy("修改单位"),
    "move_unit": gettext_lazy("移动单位"),
    "deactivate_unit": gettext_lazy("停用单位"),
    "activate_unit": gettext_lazy("启用单位"),
    "save_routing_rule": gettext_lazy("保存分办规则"),
    "delete_routing_rule": gettext_lazy("删除分办规则"),
    "preset.revise": gettext_lazy("修改预置方案"),
    "ledger_export": gettext_lazy("导出台账"),
    "report_generate": gettext_lazy("生成报告"),
    "report_edit": gettext_lazy("修改报告"),
    "report_issue": gettext_lazy("印发报告"),
}
FIELD_LABELS = {
    "username": gettext_lazy("用户名"),
    "display_name": gettext_lazy("姓名"),
    "role": gettext_lazy("角色"),
    "unit": gettext_lazy("单位"),
    "scope": gettext_lazy("数据范围"),
    "email": gettext_lazy("电子邮件"),
    "active": gettext_lazy("状态"),
    "superuser": gettext_lazy("超级用户"),
    "name": gettext_lazy("名称"),
    "parent": gettext_lazy("上级单位"),
    "head": gettext_lazy("负责人"),
    "business_hours": gettext_lazy("办公时间"),
    "authority_level": gettext_lazy("权限层级"),
    "is_center": gettext_lazy("投诉中心"),
    "state": gettext_lazy("发送状态"),
    "attempts": gettext_lazy("已尝试次数"),
    "last_error": gettext_lazy("最近一次错误"),
    "number": gettext_lazy("投诉编号"),
}
UNIT_FIELDS = ("unit", "parent", "respondent_units")
USER_FIELDS = ("head",)


def _admin_only(request: StaffRequest, message: str) -> None:
    try:
        require_admin(request.user, message)
    except NotPermitted as err:
        raise PermissionDenied(err.message) from None


def role_label(code: str) -> str:
    try:
        return own_label("roles", code, str(Role(code).label))
    except ValueError:
        return code


def scope_label(code: str) -> str:
    try:
        return str(Scope(code).label)
    except ValueError:
        return code


# -- the users page -----------------------------------------------------------------------------


class Failed:
    """A refused form: which one, the values it posted (never a password) and the error, placed
    at its field when the field is on the form."""

    def __init__(self, op: str, username: str, err: TousuError, posted: QueryDict, fields: tuple[str, ...]) -> None:
        self.op, self.username = op, username
        self.values = {f: posted.get(f, "") for f in fields if not f.startswith("password")}
        field = str(err.data.get("field") or "")
        self.errors = {field: err.message} if field in fields else {}
        self.error = "" if self.errors else err.message


def _form(values: dict[str, Any], failed: Failed | None, op: str, username: str = "") -> dict[str, Any]:
    """A form's values and errors: the refused input where this is the form that was refused."""
    if failed is not None and failed.op == op and failed.username == username:
        return {"values": {**values, **failed.values}, "errors": failed.errors, "error": failed.error, "open": True}
    return {"values": values, "errors": {}, "error": "", "open": False}


def users_page(actor: User, failed: Failed | None = None) -> dict[str, Any]:
    active_units = Unit.objects.filter(active=True).order_by("path")
    units = [("", "—")] + [(u.code, "\u3000" * max(u.path.count("/") - 2, 0) + u.name) for u in active_units]
    rows = []
    for user in users.list_users(actor=actor):
        row: dict[str, Any] = dict(users.user_row(user))
        row["role_label"], row["scope_label"] = role_label(user.role), scope_label(user.scope)
        row["is_self"] = user.pk == actor.pk
        shown = {f: row[f] or "" for f in PROFILE}
        row["edit"] = _form(shown, failed, "update", user.username)
        row["password"] = _form({}, failed, "password", user.username)
        row["switch"] = _form({}, failed, "deactivate" if user.is_active else "activate", user.username)
        row["open"] = row["edit"]["open"] or row["password"]["open"] or row["switch"]["open"]
        # A user of a unit deactivated since keeps it on the form: saving his e-mail is no move.
        row["units"] = units
        if user.unit is not None and not user.unit.active:
            row["units"] = units + [(user.unit.code, _("%(name)s（已停用）") % {"name": user.unit.name})]
        rows.append(row)
    return {
        "users": rows,
        "new": _form({"role": Role.HANDLER, "scope": Scope.UNIT}, failed, "create"),
        "roles": [(r.value, role_label(r.value)) for r in Role],
        "scopes": [(s.value, str(s.label)) for s in Scope],
        "units": units,
        "password_rules": password_validation.password_validators_help_texts(),
    }


# The user form's fields, as the services name them.
FORM_FIELDS = ("username", "display_name", "role", "unit", "scope", "email")


def _fields(data: QueryDict) -> dict[str, str]:
    return {name: str(data.get(name, "")) for name in FORM_FIELDS}


def _create(request: StaffRequest, data: QueryDict) -> str:
    _same_password(data)
    user = users.create_user(actor=request.user, **_fields(data), password=str(data.get("password", "")))
    return _("已新建用户 %(name)s（%(username)s）") % {"name": user, "username": user.username}


def _update(request: StaffRequest, data: QueryDict) -> str:
    user = users.update_user(actor=request.user, **_fields(data))
    return _("已保存用户 %(name)s") % {"name": user}


def _password(request: StaffRequest, data: QueryDict) -> str:
    _same_password(data)
    user = users.reset_password(
        actor=request.user, username=data.get("username", ""), password=data.get("password", "")
    )
    return _("已重置 %(name)s 的密码") % {"name": user}


def _same_password(data: QueryDict) -> None:
    if data.get("password", "") != data.get("password2", ""):
        raise ValidationFailed(_("两次输入的密码不一致。"), field="password2")


def _switch(request: StaffRequest, data: QueryDict) -> str:
    active = data.get("op") == "activate"
    user = users.set_user_active(actor=request.user, username=data.get("username", ""), active=active)
    return (_("已启用用户 %(name)s") if active else _("已停用用户 %(name)s")) % {"name": user}


# op → (what it does, the fields of its form)
OPS = {
    "create": (_create, ("username", *PROFILE, "password", "password2")),
    "update": (_update, PROFILE),
    "password": (_password, ("password", "password2")),
    "deactivate": (_switch, ()),
    "activate": (_switch, ()),
}


@staff_view
def users_admin(request: StaffRequest) -> HttpResponse:
    """The users: who has which role, unit and data scope; create, edit, (de)activate, reset."""
    _admin_only(request, _("只有管理员可以管理用户"))
    if request.method == "POST":
        op, username = request.POST.get("op", ""), request.POST.get("username", "")
        if op not in OPS:
            messages.error(request, _("未知的操作"))
            return redirect("web:users")
        perform, fields = OPS[op]
        try:
            done = perform(request, request.POST)
        except ValidationFailed as err:
            failed = Failed(op, "" if op == "create" else username, err, request.POST, fields)
            return render(request, "web/users.html", users_page(request.user, failed), status=err.status)
        messages.success(request, done)
        return redirect(reverse("web:users") + f"#user-{request.POST.get('username', '').strip()}")
    return render(request, "web/users.html", users_page(request.user))


# -- the administration log ---------------------------------------------------------------------


def _field_label(field: str) -> str:
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    rule_fields = {f.name: f.verbose_name for f in RoutingRule._meta.fields}
    return str(rule_fields.get(field, field))  # else a preset's path, such as thresholds.group_threshold


class Names:
    """Unit and user names for the codes the entries of a page mention, two queries in all."""

    def __init__(self, entries: list[AdminLog]) -> None:
        units: set[str] = set()
        people: set[str] = set()
        for e in entries:
            people.add(e.actor_name)
            (people if e.action.endswith("_user") or e.action == "reset_password" else units).add(e.target)
            for c in adminlog.changes(e.action, e.payload):
                bucket = units if c["field"] in UNIT_FIELDS else people if c["field"] in USER_FIELDS else None
                if bucket is not None:
                    for value in (c["before"], c["after"]):
                        bucket.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
        self.units = dict(Unit.objects.filter(code__in=units).values_list("code", "name"))
        self.people = {u.username: str(u) for u in User.objects.filter(username__in=people)}

    def value(self, field: str, value: Any) -> str:
        """A logged value as a person reads it."""
        if value in (None, "", [], {}):
            return "—"
        if isinstance(value, bool):
            if field == "active":
                return _("启用") if value else _("已停用")
            return _("是") if value else _("否")
        if field == "business_hours" and isinstance(value, list):
            return ", ".join("-".join(map(str, p)) if isinstance(p, list) else str(p) for p in value)
        if isinstance(value, list):
            return "、".join(self.value(field, v) for v in value)
        if isinstance(value, str):
            if field == "role":
                return role_label(value)
            if field == "scope":
                return scope_label(value)
            if field == "mode" and value in DispatchMode.values:  # a routing rule's
                return str(DispatchMode(value).label)
            if field == "channels" and value in Channel.values:
                return own_label("channels", value, str(Channel(value).label))
            if field == "state" and value in OutgoingMail.State.values:
                return str(OutgoingMail.State(value).label)
            if field in UNIT_FIELDS:
                return self.units.get(value, value)
            if field in USER_FIELDS:
                return self.people.get(value, value)
        return str(value)

    def target(self, entry: AdminLog) -> str:
        if entry.action.endswith("routing_rule") and isinstance(entry.payload.get("name"), str):
            return entry.payload["name"]
        if entry.action == "retry_mail":
            number = (entry.payload.get("after") or {}).get("number") if isinstance(entry.payload, dict) else ""
            return _("外发邮件（%(number)s）") % {"number": number or entry.target}
        if entry.action.endswith("_user") or entry.action == "reset_password":
            name = self.people.get(entry.target)
            return f"{name}（{entry.target}）" if name and name != entry.target else entry.target
        return self.units.get(entry.target, entry.target)


def _is_diff(payload: Any) -> bool:
    """Whether the entry records changed values (shown as before → after) rather than the values
    of something made or deleted (shown as they are)."""
    if not isinstance(payload, dict):
        return False
    return "changes" in payload or set(payload) == {"from", "to"} or bool(payload.get("before"))


def log_page(actor: User, query: QueryDict) -> dict[str, Any]:
    action, target = query.get("action", "")[:40], query.get("target", "").strip()[:120]
    cursor = query.get("cursor", "")
    rows, next_cursor = adminlog.entries(
        actor=actor, action=action, target=target, cursor=int(cursor) if cursor.isdigit() else None
    )
    names = Names(rows)
    shown = [
        {
            "at": e.at,
            "actor": names.people.get(e.actor_name) or e.actor_name,
            "action": str(ACTION_LABELS.get(e.action, e.action)),
            "target": names.target(e),
            "changes": [
                {
                    "field": _field_label(c["field"]),
                    "before": names.value(c["field"], c["before"]),
                    "after": names.value(c["field"], c["after"]),
                }
                for c in adminlog.changes(e.action, e.payload)
            ],
            "diff": _is_diff(e.payload),
        }
        for e in rows
    ]
    more = QueryDict(mutable=True)
    more.update({k: v for k, v in {"action": action, "target": target}.items() if v})
    if next_cursor is not None:
        more["cursor"] = str(next_cursor)
    return {
        "rows": shown,
        "action": action,
        "target": target,
        "actions": [(a, str(ACTION_LABELS.get(a, a))) for a in adminlog.actions()],
        "next": more.urlencode() if next_cursor is not None else "",
        "filtered": bool(action or target or cursor),
    }


@staff_view
def admin_log(request: StaffRequest) -> HttpResponse:
    """The administration log, newest first: who changed what, when, from what to what."""
    _admin_only(request, _("只有管理员可以查看管理日志"))
    return render(request, "web/admin_log.html", log_page(request.user, request.GET))
