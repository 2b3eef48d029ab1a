"""What the API answers, declared once per shape (STYLE §10, "Contracts in the schema").

The complaint, its list row, its history and a notice are the selectors' own shapes
(``tousu.complaints.rows``); this module adds the envelopes around them, the error, and the
answers of the routes that have no selector of their own. Every route declares its answers with
:func:`contract`, so that the OpenAPI document lists the errors a route can really give, and
ninja checks every answer against its declaration before sending it — except the hot list, whose
rows the selector builds to the declared shape and :func:`as_declared` sends as they are (the
contract tests, schemathesis among them, check those answers against the schema).

Serialisation conventions: every key is present (nullable ones are ``X | None``), times are
ISO 8601 date-times with an offset, days ISO dates, amounts decimal strings.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from tousu.complaints.codes import ChannelCode, ModeCode, RoleCode, ScopeCode, StatusCode
from tousu.complaints.rows import (
    ActionInfo,
    ComplaintDetail,
    ContactPerson,
    EventRow,
    ListRow,
    NotificationRow,
    Reference,
)


def as_declared(body: Any, status: int = 200) -> HttpResponse:
    """An answer already in its declared shape, rendered as the API renders (ninja's JSON encoder:
    ISO date-times, decimal strings) without validating it again."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )


class Out(Schema):
    """An answer: in the schema every field is required, since every answer carries it."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class ErrorOut(Out):
    """Every error: services raise, the API's handlers answer this (STYLE §4)."""

    code: str = Field(
        description="稳定的错误代码，如 not_found、not_permitted、invalid_transition、stale_version、"
        "validation_failed、not_authenticated、bad_request、too_large"
    )
    message: str = Field(description="可直接展示给用户的说明")
    data: dict[str, Any] = Field(
        description="细节：如 field（出错的字段）、allowed（可用的取值）、errors（逐项的输入错误：loc、msg、type）"
    )


# Why each error status is given, for the description of the answer.
WHY = {
    400: "请求无法解析：请求体的 JSON 或 multipart 格式有误，或路径、查询参数含有非法字符（NUL）",
    401: "未提供令牌或令牌无效、已过期（token_expired）或已撤销（token_revoked）",
    403: "角色或单位无权执行此操作，或令牌缺少所需的权限范围（scope_missing）",
    404: "不存在，或不在调用者的数据范围内",
    409: "与记录的当前状态冲突：状态不允许、版本已过期（stale_version）或其他冲突",
    413: "请求体超过上限",
    422: "输入有误",
    429: "此令牌的请求过于频繁（rate_limited），按 Retry-After 的秒数等待后重试",
}
# What a route that reads a JSON body may always answer, besides its own refusals.
BODY = (400, 413, 422)


def contract(ok: dict[int, Any], *errors: int, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """A route's declared answers, as keyword arguments of the route decorator: ``ok`` and, as
    ``ErrorOut``, 400 (a NUL anywhere in the address is refused before any route, as
    ``core.middleware.RejectNulMiddleware`` says), 401 (every route needs a token) and ``errors``,
    each described with its reason.
    ``content``: the media types of a 200 that is a file rather than JSON."""
    statuses = sorted({400, 401, 403, 429, *errors})  # 403 scope_missing, 429 rate_limited: any token
    docs: dict[int, Any] = {s: {"description": WHY[s]} for s in statuses}
    if content is not None:
        docs[200] = {"content": content}
    return {"response": {**ok, **dict.fromkeys(statuses, ErrorOut)}, "openapi_extra": {"responses": docs}}


class Registered(ComplaintDetail):
    """The complaint just registered, with the query code the complainant uses on the portal:
    shown this once and stored only hashed."""

    query_code: str


class RegisteredBrief(TypedDict):
    """The answer to a registration that asked for no more (``Prefer: return=minimal``, RFC 7240):
    what a call-centre system keeps — the number, the query code (shown once), the state and
    version for the next action, the running deadline, and the earlier case it repeats."""

    number: str
    query_code: Annotated[str, Field(description="查询码；重发时为空（只在首次登记时提供）")]
    status: StatusCode
    version: int
    due_at: dt.datetime | None
    repeat_of: str | None
    replayed: bool


class MovedOut(TypedDict):
    """The answer to an action that took the complaint out of the caller's scope (a unit's
    return to the centre, a sub-dispatch): no detail the caller may no longer read."""

    number: str
    status: StatusCode
    version: int
    allowed_actions: Annotated[list[str], Field(max_length=0, description="总是空：调用者已无权操作")]
    in_scope: Literal[False]


class ComplaintPage(Out):
    items: list[ListRow]
    next_cursor: int | None = Field(description="下一页的 cursor；null：已是最后一页")
    total: int = Field(description="符合筛选条件的投诉件总数（各页行数之和，按权限范围和保密规则计）")
    total_is_floor: bool = Field(
        False, description="true：全文检索的计数到 10000 件为止，实际件数多于 total（缩小检索范围可得确数）"
    )


class History(Out):
    number: str
    events: list[EventRow]


class AttachmentOut(Out):
    id: int
    name: str
    size: int


class GrantOut(Out):
    id: int
    approved: bool | None = Field(description="null：待审批")


class ContactOut(TypedDict):
    """The complainants' full contact details, revealed on record (the event names who and why)."""

    complainants: list[ContactPerson]


class ReleasedOut(Out):
    id: int
    released: bool


class UnitOut(Out):
    code: str
    name: str
    parent: str | None
    depth: int
    is_center: bool
    active: bool
    head: str | None = Field(description="负责人的用户名")
    head_name: str | None
    business_hours: list[list[str]] = Field(
        description='办公时间，如 [["08:30","12:00"],["14:30","17:30"]]；空：按预置方案'
    )
    authority_level: int | None


class Units(Out):
    items: list[UnitOut]


class UserOut(Out):
    username: str
    display_name: str
    role: RoleCode
    role_label: str = Field(description="角色名称（预置方案可有自己的名称）")
    unit: str | None = Field(description="所属单位的编码；null：无")
    unit_name: str | None
    scope: ScopeCode
    scope_label: str
    email: str
    active: bool = Field(description="false：已停用，不能登录，令牌失效")
    last_login: dt.datetime | None
    date_joined: dt.datetime


class Users(Out):
    items: list[UserOut]


class ChangeOut(Out):
    field: str = Field(description="改动的字段，如 role、unit、active")
    before: Any = Field(description="改动前的值；null：原来没有")
    after: Any = Field(description="改动后的值；null：已删除")


class AdminLogEntry(Out):
    id: int
    at: dt.datetime
    actor: str | None = Field(description="操作人的用户名；null：系统")
    actor_name: str
    action: str = Field(description="操作，如 create_user、update_user、deactivate_user、reset_password、update_unit")
    target: str = Field(description="对象：用户名、单位编码或规则编号")
    payload: dict[str, Any] = Field(description="记录的原样内容（从不含密码）")
    changes: list[ChangeOut] = Field(description="由 payload 读出的改动：字段、改动前、改动后")


class AdminLogPage(Out):
    items: list[AdminLogEntry]
    next_cursor: int | None = Field(description="下一页的 cursor；null：已是最后一页")


class RuleOut(Out):
    id: int
    name: str
    priority: int
    active: bool
    categories: list[str]
    respondent_units: list[str]
    respondent_ranks: list[str]
    products: list[str]
    regions: list[str]
    channels: list[ChannelCode]
    keywords: list[str]
    unit: str | None = Field(description="建议承办单位；null：被投诉单位本身")
    mode: ModeCode
    redacted: bool


class Rules(Out):
    items: list[RuleOut]


class Proposal(Out):
    unit: str
    unit_name: str
    mode: ModeCode
    redacted: bool
    rule: str
    rule_id: int


class ProposalOut(Out):
    proposal: Proposal | None = Field(description="null：没有适用的分办规则")


class UnitReturns(Out):
    unit: str
    unit_name: str
    returns: int


class Returns(Out):
    items: list[UnitReturns]


class WorkingDayOut(Out):
    date: dt.date
    provisional: bool = Field(description="所涉年份尚无国务院节假日安排，结果暂定")


class BetweenOut(Out):
    working_days: int
    provisional: bool


class DayOut(Out):
    date: dt.date
    working: bool
    holiday: str | None
    provisional: bool


class DayChanged(DayOut):
    recomputed: int = Field(description="因此重新计算期限的投诉件数")


class CalendarOverview(Out):
    covered_years: list[int]
    imported_years: list[int]
    overrides: int
    provisional_years: list[int]
    provisional_complaints: int


class ImportOut(Out):
    years: list[int]
    days: int
    recomputed: int


class Notices(Out):
    unread: int
    items: list[NotificationRow]


class Marked(Out):
    marked: int


class ActionOut(ActionInfo):
    route: Annotated[
        str | None, Field(description="调用的接口，如 POST /api/v1/complaints/{number}/accept；null：仅系统执行")
    ]


class ReferenceOut(Reference):
    """The reference data (``catalogue.reference``), each action with its route."""

    actions: list[ActionOut]  # type: ignore[misc]  # narrowed: the same rows, each with its route
