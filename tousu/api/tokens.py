"""/api/v1/tokens: the caller's API tokens — list, make (the key is shown once), revoke. An
administrator lists, makes and revokes anyone's. A token never makes a token with more scopes than
its own (``tokens.create(within=…)``); which scope each route needs is ``tokens.required_scope``."""

from datetime import datetime
from typing import Any, Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from tousu.accounts import tokens
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, Out, contract

router = Router(tags=["tokens 令牌"])

ScopeCode = Literal["read", "write", "export", "admin"]
SCOPES_DOC = (
    "read 读取（GET）、write 办理（其余操作）、export 批量导出（台账导出等）、admin 系统管理（单位、用户、日历、预设）"
)


class TokenOut(Out):
    id: int
    user: str
    label: str
    scopes: list[ScopeCode] = Field(description=SCOPES_DOC)
    state: Literal["active", "expired", "revoked"] = Field(description="active 有效、expired 已过期、revoked 已撤销")
    created_at: datetime
    expires_at: datetime | None = Field(description="空：永不过期（只有服务器上的 tousu token create --expires never）")
    last_used_at: datetime | None = Field(description="最近使用时间（至多每分钟更新一次）")
    revoked_at: datetime | None


class Tokens(Out):
    items: list[TokenOut]


class NewTokenOut(TokenOut):
    key: str = Field(description="令牌本身：只在此处显示一次，系统只保存其摘要")


def _default_scopes() -> list[ScopeCode]:
    return ["read", "write"]  # tokens.DEFAULT_SCOPES


class TokenIn(Schema):
    label: str = Field("", max_length=60, description="用途，如 12345 热线对接")
    scopes: list[ScopeCode] = Field(default_factory=_default_scopes, min_length=1, description=SCOPES_DOC)
    expires_in_days: int | None = Field(
        None, ge=1, le=365, description="有效天数，1 至 365；空：按安装设置（TOUSU_TOKEN_DAYS，默认90天）"
    )
    username: str = Field("", max_length=150, description="为谁签发；空：调用者本人（为他人签发须为管理员）")


class TokenQuery(Schema):
    username: str = Field("", max_length=150, description="只看此用户的令牌（管理员）")
    all: bool = Field(False, description="true：也列出已过期和已撤销的令牌")


def _within(request: AuthedRequest) -> frozenset[str] | None:
    return getattr(request, "token_scopes", None)


@router.get("", **contract({200: Tokens}, 403, 404, 422), summary="令牌列表")
def list_tokens(request: AuthedRequest, query: Query[TokenQuery]) -> dict[str, Any]:
    rows = tokens.list_tokens(actor=request.auth, username=query.username or None, everything=query.all)
    return {"items": [tokens.token_row(t) for t in rows]}


@router.post("", **contract({201: NewTokenOut}, *BODY, 403, 404), summary="签发令牌（令牌只显示一次）")
def create_token(request: AuthedRequest, body: TokenIn) -> Status[dict[str, Any]]:
    token, key = tokens.create(
        actor=request.auth,
        username=body.username or request.auth.username,
        scopes=tuple(body.scopes),
        days=body.expires_in_days,
        label=body.label,
        within=_within(request),
    )
    return Status(201, {**tokens.token_row(token), "key": key})


@router.delete("/{token_id}", **contract({200: TokenOut}, 403, 404, 422), summary="撤销令牌")
def revoke_token(request: AuthedRequest, token_id: int) -> dict[str, Any]:
    return dict(tokens.token_row(tokens.revoke(actor=request.auth, token_id=token_id)))
