"""/api/v1/public: the portal's operations as JSON, without a token (issue 13, SPEC §8).

The number and query code are the right of access; every route is rate-limited per address and
per number, wrong codes are counted and throttled (429), and a registration answers a challenge
(``GET /public/challenge``) unless ``TOUSU_PORTAL_CHALLENGE`` is off. The routes call the portal's
services and its one selector of the public view, as the portal's pages do.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Base64Bytes, Field

from tousu.api.schemas import WHY, ErrorOut, Out
from tousu.core.middleware import client_address
from tousu.portal import challenge, selectors, services, throttle
from tousu.portal.selectors import PublicView

router = Router(tags=["public"], auth=None)

WHY_PUBLIC = {
    **WHY,
    403: "投诉编号或查询码不正确（wrong_code）",
    404: "不存在",
    409: "当前状态不允许此操作（如未答复、已评价、超过复核期限）",
    429: "请求过于频繁（rate_limited，附 Retry-After），或查询码错误次数过多（code_throttled）",
}


def answers(ok: dict[int, Any], *errors: int) -> dict[str, Any]:
    statuses = sorted({400, 422, 429, *errors})  # 400: a NUL in the address (core.middleware)
    docs = {s: {"description": WHY_PUBLIC[s]} for s in statuses}
    return {"response": {**ok, **dict.fromkeys(statuses, ErrorOut)}, "openapi_extra": {"responses": docs}}


# -- shapes ------------------------------------------------------------------------------------------
class ChallengeOut(Out):
    enabled: bool = Field(description="false：本安装未启用验证题（TOUSU_PORTAL_CHALLENGE），可不作答")
    question: str = Field(description="中文算术题，用阿拉伯数字作答")
    token: str = Field(description="随答案一并提交；30分钟内有效，只能用一次")


class FileIn(Schema):
    name: str = Field(max_length=255, description="文件名，含扩展名")
    content: Base64Bytes = Field(description="文件内容，Base64 编码")


class SubmitIn(Schema):
    summary: str = Field("", max_length=200, description="标题")
    content: str = Field(max_length=20000, description="投诉内容")
    demands: str = Field("", max_length=5000, description="诉求")
    respondent_unit: str = Field("", max_length=200, description="被投诉单位")
    respondent_name: str = Field("", max_length=100, description="被投诉人")
    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=200)
    id_number: str = Field("", max_length=18)
    anonymous: bool = False
    preferred_reply: Literal["", "phone", "sms", "letter", "email", "portal"] = ""
    consent: bool = Field(description="已阅读隐私说明并同意（必须为 true）")
    attachments: list[FileIn] = Field(default_factory=list, max_length=services.MAX_FILES)
    challenge_token: str = Field("", max_length=500)
    challenge_answer: str = Field("", max_length=10)


class SubmittedOut(Out):
    number: str
    query_code: str = Field(description="查询码：只在此显示一次，请妥善保存")


# The answer is exactly the public view the portal's page shows (``portal.selectors.PublicView``).
PublicOut = PublicView


class CodeIn(Schema):
    code: str = Field(max_length=16, description="查询码")


class RatingIn(CodeIn):
    satisfaction: Literal["satisfied", "basic", "unsatisfied"]
    comment: str = Field("", max_length=2000)


class ReviewIn(CodeIn):
    reason: str = Field(max_length=5000, description="申请复核的理由")


class MaterialIn(CodeIn):
    text: str = Field("", max_length=5000, description="补充说明")
    attachment: FileIn | None = None


class WithdrawalIn(CodeIn):
    statement: str = Field(max_length=5000, description="撤诉说明")


def _caller(request: HttpRequest, number: str, code: str) -> services.Caller:
    return services.Caller(number=number, code=code, address=client_address(request), face="api")


def _view(number: str, request: HttpRequest, code: str) -> dict[str, Any]:
    return dict(selectors.public_view(services.authenticate(_caller(request, number, code))))


# -- routes ------------------------------------------------------------------------------------------
@router.get("/challenge", **answers({200: ChallengeOut}), summary="取验证题")
def get_challenge(request: HttpRequest) -> dict[str, Any]:
    throttle.check_rate(client_address(request))
    if not challenge.enabled():
        return {"enabled": False, "question": "", "token": ""}
    c = challenge.new()
    return {"enabled": True, "question": c.question, "token": c.token}


@router.post("/complaints", **answers({201: SubmittedOut}, 400, 413), summary="提交投诉")
def submit(request: HttpRequest, body: SubmitIn) -> Status[dict[str, Any]]:
    address = client_address(request)
    throttle.check_rate(address)
    data = services.Submission(
        summary=body.summary,
        content=body.content,
        demands=body.demands,
        respondent_unit=body.respondent_unit,
        respondent_name=body.respondent_name,
        name=body.name,
        phone=body.phone,
        email=body.email,
        id_number=body.id_number,
        anonymous=body.anonymous,
        preferred_reply=body.preferred_reply,
        consent=body.consent,
        files=[services.Upload(name=f.name, content=f.content) for f in body.attachments],
    )
    registered = services.submit(
        data=data, address=address, challenge_token=body.challenge_token, challenge_answer=body.challenge_answer
    )
    return Status(201, {"number": registered.complaint.number, "query_code": registered.query_code})


@router.get("/complaints/{number}", **answers({200: PublicOut}, 403), summary="查询办理进度")
def query(request: HttpRequest, number: str, code: Query[CodeIn]) -> dict[str, Any]:
    return _view(number, request, code.code)


@router.post("/complaints/{number}/rating", **answers({200: PublicOut}, 400, 403, 409), summary="评价答复")
def rating(request: HttpRequest, number: str, body: RatingIn) -> dict[str, Any]:
    services.rate(caller=_caller(request, number, body.code), satisfaction=body.satisfaction, comment=body.comment)
    return _view(number, request, body.code)


@router.post("/complaints/{number}/review", **answers({200: PublicOut}, 400, 403, 409), summary="申请复核")
def review(request: HttpRequest, number: str, body: ReviewIn) -> dict[str, Any]:
    services.request_review(caller=_caller(request, number, body.code), reason=body.reason)
    return _view(number, request, body.code)


@router.post("/complaints/{number}/material", **answers({200: PublicOut}, 400, 403, 409, 413), summary="补充材料")
def material(request: HttpRequest, number: str, body: MaterialIn) -> dict[str, Any]:
    upload = services.Upload(body.attachment.name, body.attachment.content) if body.attachment else None
    services.add_material(caller=_caller(request, number, body.code), text=body.text, file=upload)
    return _view(number, request, body.code)


@router.post("/complaints/{number}/withdrawal", **answers({200: PublicOut}, 400, 403, 409), summary="撤诉")
def withdrawal(request: HttpRequest, number: str, body: WithdrawalIn) -> dict[str, Any]:
    services.withdraw(caller=_caller(request, number, body.code), statement=body.statement)
    return _view(number, request, body.code)
