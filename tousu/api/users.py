"""/api/v1/admin/users and /api/v1/admin/log: staff accounts and the administration log
(administrators only; everyone else gets 403). A NUL in a path or query is 400
(core.middleware.RejectNulMiddleware), so the routes with a username or a query declare 400."""

from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from tousu.accounts import adminlog, users
from tousu.accounts.models import AdminLog, Role, Scope, User
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, AdminLogPage, UserOut, Users, contract
from tousu.complaints.codes import RoleCode, ScopeCode
from tousu.complaints.preset import own_label

router = Router(tags=["users"])

UNIT = "所属单位的编码（GET /api/v1/units）"


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, description="字母、数字和 @ . + - _；不区分大小写地唯一")
    display_name: str = Field(..., min_length=1, max_length=60)
    role: RoleCode
    unit: str = Field("", max_length=40, description=UNIT + "；空：无（承办人、部门负责人必填）")
    scope: ScopeCode
    email: str = Field("", max_length=254)
    password: str = Field(..., max_length=users.MAX_PASSWORD, description="初始密码，须通过密码规则")


class UserChange(Schema):
    """Only the fields sent change."""

    display_name: str | None = Field(None, min_length=1, max_length=60)
    role: RoleCode | None = None
    unit: str | None = Field(None, max_length=40, description=UNIT + "；空字符串：无")
    scope: ScopeCode | None = None
    email: str | None = Field(None, max_length=254, description="空字符串：无")


class PasswordIn(Schema):
    password: str = Field(..., max_length=users.MAX_PASSWORD, description="新密码，须通过密码规则")


class LogQuery(Schema):
    action: str = Field("", max_length=40, description="只看此操作，如 update_user")
    target: str = Field("", max_length=120, description="只看此对象，如用户名或单位编码")
    cursor: int | None = Field(None, ge=1, description="上一页的 next_cursor")
    limit: int = Field(50, ge=1, le=adminlog.MAX_PAGE)


def _out(user: User) -> dict[str, Any]:
    row = users.user_row(user)
    return {
        **row,
        "role_label": own_label("roles", row["role"], str(Role(row["role"]).label)),
        "scope_label": str(Scope(row["scope"]).label),
    }


def _entry(entry: AdminLog) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at,
        "actor": entry.actor.username if entry.actor else None,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target": entry.target,
        "payload": entry.payload,
        "changes": adminlog.changes(entry.action, entry.payload),
    }


@router.get("/users", **contract({200: Users}, 403), summary="用户列表 users")
def list_users(request: AuthedRequest) -> dict[str, Any]:
    return {"items": [_out(u) for u in users.list_users(actor=request.auth)]}


@router.post("/users", **contract({201: UserOut}, *BODY, 403), summary="新建用户")
def create_user(request: AuthedRequest, body: UserIn) -> Status[dict[str, Any]]:
    user = users.create_user(
        actor=request.auth,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        unit=body.unit,
        scope=body.scope,
        email=body.email,
        password=body.password,
    )
    return Status(201, _out(user))


@router.get("/users/{username}", **contract({200: UserOut}, 400, 403, 404), summary="用户")
def get_user(request: AuthedRequest, username: str) -> dict[str, Any]:
    return _out(users.get_user(actor=request.auth, username=username))


@router.patch("/users/{username}", **contract({200: UserOut}, *BODY, 403, 404), summary="修改用户")
def update_user(request: AuthedRequest, username: str, body: UserChange) -> dict[str, Any]:
    user = users.update_user(
        actor=request.auth,
        username=username,
        display_name=body.display_name,
        role=body.role,
        unit=body.unit,
        scope=body.scope,
        email=body.email,
    )
    return _out(user)


@router.post("/users/{username}/deactivate", **contract({200: UserOut}, 400, 403, 404, 422), summary="停用用户")
def deactivate_user(request: AuthedRequest, username: str) -> dict[str, Any]:
    return _out(users.set_user_active(actor=request.auth, username=username, active=False))


@router.post("/users/{username}/activate", **contract({200: UserOut}, 400, 403, 404), summary="启用用户")
def activate_user(request: AuthedRequest, username: str) -> dict[str, Any]:
    return _out(users.set_user_active(actor=request.auth, username=username, active=True))


@router.post("/users/{username}/password", **contract({200: UserOut}, *BODY, 403, 404), summary="重置密码")
def reset_password(request: AuthedRequest, username: str, body: PasswordIn) -> dict[str, Any]:
    return _out(users.reset_password(actor=request.auth, username=username, password=body.password))


@router.get("/log", **contract({200: AdminLogPage}, 400, 403, 422), summary="管理日志 administration log")
def admin_log(request: AuthedRequest, query: Query[LogQuery]) -> dict[str, Any]:
    rows, next_cursor = adminlog.entries(
        actor=request.auth, action=query.action, target=query.target, cursor=query.cursor, limit=query.limit
    )
    return {"items": [_entry(e) for e in rows], "next_cursor": next_cursor}
