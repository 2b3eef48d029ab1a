"""The input of each action, defined once: the services take these models, the API validates
request bodies with them and the web UI renders and validates its action forms from them (the
action table, ``actions.py``, names each action's input).

``json_schema_extra={"choices": ...}`` names where a select's options come from; ``"widget":
"textarea"`` asks for a text area. A closed set is typed with its enum (``tousu.complaints.codes``),
so the schema lists its codes and labels; preset data that differs between installations
(categories, grades, reasons, units, flags) stays ``str``, and its ``x-reference`` names the list of
``GET /api/v1/reference`` that holds its codes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

from tousu.calendar.workdays import FIRST, LAST
from tousu.complaints.codes import (
    ChannelCode,
    KindCode,
    MethodCode,
    ModeCode,
    SatisfactionCode,
    StatusCode,
    SubstantiatedCode,
)

# Every face reads a time without an offset as Beijing time (SPEC §4: times are Asia/Shanghai), so
# a hotline system sending local "2026-11-27T10:00:00" means what its operator sees on the wall.
BEIJING = ZoneInfo("Asia/Shanghai")
# Database integer columns are 64-bit signed; a larger id or count cannot exist.
MAX_ID = 2**63 - 1
RANGE_MESSAGE = f"须在 {FIRST.isoformat()} 至 {LAST.isoformat()} 之间"


def _moment(value: datetime) -> datetime:
    """An aware time in Beijing, its day within the calendar's range (2000–2099)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    try:
        local = value.astimezone(BEIJING)
    except (OverflowError, ValueError):
        raise ValueError(RANGE_MESSAGE) from None
    if not FIRST <= local.date() <= LAST:
        raise ValueError(RANGE_MESSAGE)
    return local


def _day(value: date) -> date:
    if not FIRST <= value <= LAST:
        raise ValueError(RANGE_MESSAGE)
    return value


def _past(value: datetime) -> datetime:
    # A few minutes of leeway for a caller's clock running ahead.
    if value > datetime.now(BEIJING) + timedelta(minutes=5):
        raise ValueError("不能晚于现在")
    return value


# A time (naive → Beijing) and a day, both within the working-day calendar's range.
Moment = Annotated[datetime, AfterValidator(_moment)]
PastMoment = Annotated[datetime, AfterValidator(_moment), AfterValidator(_past)]
Day = Annotated[date, AfterValidator(_day)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _no_huge_integers(value: Any) -> Any:
    # Checked before the union below would quietly turn 2**70 into a float.
    if isinstance(value, dict) and any(
        isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_ID for v in value.values()
    ):
        raise ValueError(f"整数须在 ±{MAX_ID} 之内")
    return value


# A preset-defined extra field's value: short text, a finite number, an integer a database column
# holds, a yes/no, or nothing.
ExtraValue = (
    Annotated[str, Field(max_length=2000)]
    | Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | bool
    | None
)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class Input(BaseModel):
    """Refuses NUL characters anywhere in the input: no database stores them (PostgreSQL refuses)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data


class ActionIn(Input):
    model_config = ConfigDict(extra="forbid", str_max_length=20000)
    version: int = Field(
        title="版本", ge=1, le=2**31 - 1, description="the complaint's current version (optimistic locking)"
    )


def _text(title: str, required: bool = True, long: bool = False, max_length: int = 5000) -> Any:
    extra: JsonDict = {"widget": "textarea"} if long else {}
    if required:
        return Field(title=title, min_length=1, max_length=max_length, json_schema_extra=extra)
    return Field("", title=title, max_length=max_length, json_schema_extra=extra)


# "Nothing chosen", where a closed set is optional: the empty option of a select, as the web form
# posts it and a service stores it (a blank column).
Blank = Annotated[Literal[""], Field(description="空字符串：未选择")]


def _one_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A code or blank refused as one error on the field, not one per alternative of the union
    (whose locations would name pydantic's internals: ``notice_method.literal['']``)."""
    try:
        return handler(value)
    except ValidationError as exc:
        expected = next((str(e["ctx"]["expected"]) for e in exc.errors() if e["type"] == "enum"), "")
        raise PydanticCustomError("enum", "Input should be {expected} or ''", {"expected": expected}) from None


# Applied to ``Code | Blank``.
CODE_OR_BLANK = WrapValidator(_one_error)

# Where a preset's codes are listed (a choice source → its place in GET /api/v1/reference).
REFERENCE_LISTS = {
    "categories": "categories",
    "grades": "grades",
    "units": "units",
    "reasons:decline": "reasons.decline",
    "reasons:return": "reasons.return",
    "reasons:suspend": "reasons.suspend",
}


def _listed(path: str) -> dict[str, Any]:
    """Field arguments of a code listed in GET /api/v1/reference at ``path``, said for people
    (the description) and for programs (``x-reference``)."""
    return {"description": f"GET /api/v1/reference 的 {path} 中某项的 code", "json_schema_extra": {"x-reference": path}}


def _choice(title: str, source: str, required: bool = True) -> Any:
    """A code from preset data or the organisation (its options differ between installations)."""
    listed = REFERENCE_LISTS.get(source)
    extra: dict[str, Any] = {"choices": source}
    description = "用户名（username）" if source in {"handlers", "staff"} else None
    if listed:
        description, extra["x-reference"] = _listed(listed)["description"], listed
    if required:
        return Field(title=title, min_length=1, max_length=64, description=description, json_schema_extra=extra)
    return Field("", title=title, max_length=64, description=description, json_schema_extra=extra)


def _pick(title: str, source: str, required: bool = True) -> Any:
    """A code of a closed set (typed with its enum); optional ones default to ``""``, none."""
    if required:
        return Field(title=title, json_schema_extra={"choices": source})
    return Field("", title=title, json_schema_extra={"choices": source})


# The demand items (tousu.replycheck) the handler declines to meet, each with its reason: item
# number (from 1) → reason. Absent: none declined, as before the check existed.
Declined = dict[Annotated[int, Field(ge=1, le=20)], Annotated[str, Field(max_length=500)]]


def _declined() -> Any:
    return Field(
        default_factory=dict, title="不予回应的诉求事项", max_length=20, json_schema_extra={"widget": "demand_items"}
    )


class Accept(ActionIn):
    category: str = _choice("类别", "categories")
    grade: str = _choice("等级", "grades")
    agreed_due: Day | None = Field(None, title="与投诉人约定的期限（可选，不晚于法定期限）")
    note: str = _text("备注", required=False)


class Decline(ActionIn):
    reason: str = _choice("不予受理原因", "reasons:decline")
    reply_text: str = _text("告知投诉人的理由（留空则用模板）", required=False, long=True)
    forwarded_to: str = _text("移送的有权处理机关", required=False, max_length=200)
    invalid: bool = Field(False, title="认定为无效投诉")
    note: str = _text("备注", required=False)


class ResolveOnSpot(ActionIn):
    solution: str = _text("处理意见", long=True)
    reply_method: MethodCode = _pick("答复方式", "reply_methods")
    reply_text: str = _text("答复内容", long=True)
    note: str = _text("备注", required=False)
    declined: Declined = _declined()


class Convert(ActionIn):
    reason: str = _text("转为投诉的原因")


class Dispatch(ActionIn):
    unit: str = _choice("承办单位", "units")
    mode: ModeCode = _pick("分办方式", "dispatch_modes")
    redacted: bool = Field(True, title="摘转（隐去投诉人身份）")
    handler: str = _choice("承办人（可选）", "handlers", required=False)
    co_units: list[str] = Field(
        default_factory=list, title="协办单位", max_length=20, json_schema_extra={"choices": "units", "multiple": True}
    )
    note: str = _text("分办意见", required=False)


class Note(ActionIn):
    note: str = _text("备注", required=False)


class Return(ActionIn):
    reason: str = _choice("退回原因", "reasons:return")
    note: str = _text("说明", required=False)


class RequestExtension(ActionIn):
    days: int = Field(title="延期天数", ge=1, le=365)
    reason: str = _text("延期理由", long=True)


class DecideExtension(ActionIn):
    approved: bool = Field(title="批准延期")
    # Required when approving for a complainant who is not anonymous (the service says so).
    notice_method: Annotated[MethodCode | Blank, CODE_OR_BLANK] = _pick(
        "告知投诉人的方式", "reply_methods", required=False
    )
    note: str = _text("审批意见", required=False)


class Suspend(ActionIn):
    reason: str = _choice("中止原因", "reasons:suspend")
    note: str = _text("说明", required=False)


class Reason(ActionIn):
    reason: str = _text("原因", long=True)


class RequiredNote(ActionIn):
    note: str = _text("意见", long=True)


class Supervise(ActionIn):
    note: str = _text("督办意见", long=True)
    deadline: Day | None = Field(None, title="督办期限（可选）")


class SolutionLineIn(Input):
    """One line of the solution (tousu.solution): kind, amount in 元 (0 for an apology), a note.
    Checked by ``tousu.solution.services`` with messages that name the line."""

    kind: str = Field(
        title="类型", max_length=20, description="refund/return/exchange/repair/compensation/goodwill/apology"
    )
    amount: str | int | float = Field("0", title="金额（元）", description="非负，最多12位整数、2位小数")
    note: str = Field("", title="说明", max_length=500)


class SubmitResult(ActionIn):
    substantiated: SubstantiatedCode = _pick("是否属实", "substantiated")
    findings: str = _text("调查情况", long=True)
    solution: str = _text("处理意见", long=True)
    proposed_reply: str = _text("拟答复意见", long=True)
    compensation_type: str = _text("补偿方式（退款/退货/换货/维修/赔偿/道歉）", required=False, max_length=20)
    compensation_amount: str = Field("", title="补偿金额（元）", max_length=20, pattern=r"^(\d{1,12}(\.\d{1,2})?)?$")
    # The solution's lines (tousu.solution); without them the two fields above make one line.
    lines: list[SolutionLineIn] = Field(
        default_factory=list, title="处理方案明细", max_length=20, json_schema_extra={"widget": "solution_lines"}
    )
    declined: Declined = _declined()


class Reply(ActionIn):
    """The reply as given (tousu.followup keeps each one): how, what, by whom, when; a written reply
    carries one of the complaint's letters (the latest, unless ``letter`` names another); an SMS
    goes to ``sms_to`` (the complainant's mobile by default) with the number and a new query code."""

    method: MethodCode = _pick("答复方式", "reply_methods")
    text: str = _text("答复内容", long=True)
    given_by: str = _text("答复人（口头答复须写明姓名及职务）", required=False, max_length=100)
    sms_to: str = _text("短信接收号码（默认投诉人手机）", required=False, max_length=20)
    replied_at: PastMoment | None = Field(
        None, title="答复时间（默认现在）", description="without an offset: Beijing time"
    )
    letter: Id | None = Field(
        None,
        title="书面答复所附文书",
        description="GET /api/v1/complaints/{number}/letters 中某份文书的 id；书面答复时默认最新一份",
        json_schema_extra={"widget": "none"},
    )
    declined: Declined = _declined()


class FollowUp(ActionIn):
    satisfaction: SatisfactionCode = _pick("满意度", "satisfaction")
    method: Annotated[MethodCode | Blank, CODE_OR_BLANK] = _pick(
        "回访方式（默认电话）", "visit_methods", required=False
    )
    visited_at: PastMoment | None = Field(
        None, title="回访时间（默认现在）", description="without an offset: Beijing time"
    )
    note: str = _text("回访记录", required=False, long=True)
    close_unreachable: bool = Field(False, title="多次联系不上，办结")
    close_anyway: bool = Field(False, title="不满意但说明理由后办结（投诉中心）")


class Close(ActionIn):
    reason: str = _text("免予回访的理由", long=True)


class DecideReview(ActionIn):
    upheld: bool = Field(title="维持原处理结果")
    note: str = _text("复核意见", long=True)


class Withdraw(ActionIn):
    statement: str = _text("撤诉说明", long=True)


class Merge(ActionIn):
    target: str = Field(title="合并到的投诉编号", min_length=1, max_length=32)
    note: str = _text("备注", required=False)


class Reopen(ActionIn):
    facts: str = _text("新的事实或理由", long=True)


class DecideDispatch(ActionIn):
    approved: bool = Field(title="同意分办意见")
    note: str = _text("审批意见", required=False)


class AssignHandler(ActionIn):
    handler: str = _choice("承办人", "handlers")
    note: str = _text("备注", required=False)


class SubDispatch(ActionIn):
    unit: str = _choice("下级科室或分支机构", "units")
    handler: str = _choice("承办人（可选）", "handlers", required=False)
    note: str = _text("下转意见", required=False)


class GiveOpinion(ActionIn):
    text: str = _text("协办意见", long=True)


class MarkConflict(ActionIn):
    user: str = _choice("须回避的人员", "staff")
    reason: str = _text("回避理由", long=True)


class LiftConflict(ActionIn):
    user: str = _choice("解除回避的人员", "staff")
    reason: str = _text("解除理由", long=True)


class Attach(Input):
    """A file for the case. No version: adding material changes nothing another user relies on."""

    name: str = Field(title="文件名", max_length=255)
    content: bytes = Field(title="文件内容")
    note: str = Field("", title="说明", max_length=500)


class IdentityRequest(Input):
    reason: str = _text("需要查看投诉人信息的理由", long=True, max_length=2000)


class RevealContact(Input):
    reason: str = _text("查看完整联系方式的理由（如回访、电话答复）", long=False, max_length=500)


class IdentityDecision(Input):
    grant: Id = Field(title="申请")
    approved: bool = Field(title="批准")
    note: str = _text("审批意见", required=False, max_length=2000)


class ReleaseAttachment(Input):
    attachment: Id = Field(title="附件")


class ComplainantSchema(Input):
    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=200)
    address: str = Field("", max_length=300)
    id_number: str = Field("", max_length=18)
    organisation: str = Field("", max_length=200)
    real_name: bool = True
    preferred_reply: Annotated[MethodCode | Blank, CODE_OR_BLANK] = ""
    is_representative: bool = False


class RespondentSchema(Input):
    unit: str = Field("", max_length=40, **_listed("units"))
    unit_name: str = Field("", max_length=200)
    staff: str = Field("", max_length=150)
    staff_name: str = Field("", max_length=100)
    product_name: str = Field("", max_length=200)
    specification: str = Field("", max_length=100)
    batch: str = Field("", max_length=100)
    quantity: str = Field("", max_length=40)
    production_date: Annotated[date, Field(ge=date(1900, 1, 1), le=LAST)] | None = None
    purchase_place: str = Field("", max_length=200)
    partner_name: str = Field("", max_length=200)
    rank: str = Field("", max_length=40, description="职级, e.g. county_managed (县管干部), for routing")


class RegisterIn(Input):
    channel: ChannelCode
    kind: KindCode = KindCode.COMPLAINT
    summary: str = Field("", max_length=200)
    content: str = Field("", max_length=20000)
    demands: str = Field("", max_length=5000)
    received_at: PastMoment | None = Field(None, description="without an offset: Beijing time")
    occurred_at: PastMoment | None = Field(None, description="without an offset: Beijing time")
    place: str = Field("", max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    anonymous: bool = False
    complainants: list[ComplainantSchema] = Field(default_factory=list, max_length=200)
    respondents: list[RespondentSchema] = Field(default_factory=list, max_length=50)
    category: str = Field("", max_length=40, **_listed("categories"))
    grade: str = Field("", max_length=40, **_listed("grades"))
    upgraded_source: str = Field("", max_length=120, description="渠道为 upgraded（上级/监管转办）时必填")
    source_system: str = Field("", max_length=60, description="来源系统（热线、CTI、监管平台）的名称，记录在投诉件上")
    external_id: str = Field(
        "", max_length=100, description="来源系统中的编号：同一来源系统同一编号只登记一次，重发返回原投诉件"
    )
    flags: list[str] = Field(default_factory=list, max_length=20, **_listed("flags"))
    extra: Annotated[dict[Annotated[str, Field(max_length=64)], ExtraValue], BeforeValidator(_no_huge_integers)] = (
        Field(default_factory=dict, max_length=50)
    )
    custom: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=200)]] = Field(
        default_factory=dict,
        max_length=50,
        description="预置方案的自定义字段（见 GET /api/v1/reference 的 custom_fields）",
    )


class ListIn(Input):
    """The complaint list's filters, shared by the API, the web list and the selectors."""

    model_config = ConfigDict(extra="ignore")
    status: list[StatusCode] = Field(default_factory=list, max_length=20)
    unit: str = Field("", max_length=40, **_listed("units"))
    category: str = Field("", max_length=40, **_listed("categories"))
    grade: str = Field("", max_length=40, **_listed("grades"))
    channel: Annotated[ChannelCode | Blank, CODE_OR_BLANK] = ""
    kind: Annotated[KindCode | Blank, CODE_OR_BLANK] = ""
    received_from: Day | None = None
    received_to: Day | None = None
    overdue: bool | None = None
    due_soon: bool | None = None
    q: str = Field("", max_length=200)
    handler: str = Field("", max_length=150, description="承办人的用户名")
    custom: list[Annotated[str, Field(max_length=250)]] = Field(
        default_factory=list,
        max_length=10,
        description="自定义字段条件，写作 code:value（字段编码、冒号、取值），文本字段按部分匹配",
    )
    mine: bool = False
    open: bool | None = None
    cursor: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(25, ge=1, le=100)
