"""The shapes of what the selectors return (HC ``CheckDict``): the list row, the complaint as a
user may see it, an event, a notice.

Declared once, here: ``selectors.py`` annotates its rows with them, the API answers them as they
are (``response={200: ComplaintDetail, …}``) and checks every answer against them, and the
OpenAPI document is generated from them. Every key is always present; ``X | None`` marks the
keys that may be null. Times are aware date-times (ISO 8601 on the wire), amounts decimal strings.

TypedDicts from ``typing_extensions``: pydantic reads the standard library's only from Python 3.12.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, cast

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict

from tousu.complaints.codes import (
    ActionCode,
    ChannelCode,
    FormActionCode,
    KindCode,
    MethodCode,
    ModeCode,
    NoticeKindCode,
    PlanStateCode,
    RoleCode,
    SatisfactionCode,
    ScopeCode,
    StatusCode,
    SubstantiatedCode,
    TimingCode,
    ValidityCode,
)
from tousu.detection.rows import DetectionRow, GatheringRef
from tousu.followup.rows import ReplyRecordRow, VisitRow
from tousu.replycheck.rows import DemandItemRow
from tousu.solution.rows import SolutionRow

# An amount in yuan: a decimal string on the wire ("1280.00"), never a float that loses a fen.
Money = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "type": "string",
            "format": "decimal",
            "pattern": r"^-?\d+(\.\d+)?$",
            "description": '金额（元），十进制字符串，如 "1280.00"',
        },
        mode="serialization",
    ),
]
Code = Annotated[str, Field(description="代码")]
Username = Annotated[str, Field(description="用户名")]
# The value of a preset-defined extra field (inputs.ExtraValue, as stored).
Extra = str | int | float | bool | None


class ListRow(TypedDict):
    """One complaint in a list. ``hidden``: the redacted view (摘转) applies, so the summary is the
    scrubbed one and no complainant is named."""

    number: str
    kind: KindCode
    status: StatusCode
    channel: ChannelCode
    received_at: dt.datetime
    category: Code | None
    grade: Code | None
    handling_unit: Code | None
    handler: Username | None
    due_at: dt.datetime | None
    due_rule: Annotated[str | None, Field(description="当前期限所依据的规则名")]
    timing: TimingCode
    version: int
    summary: str
    hidden: bool
    complainant: str | None
    phone: Annotated[str | None, Field(description="掩码后的电话，如 138****5678")]
    custom: Annotated[dict[str, str], Field(description="预置方案的自定义字段；可识别投诉人的字段按身份规则隐去")]


class ShownRow(ListRow):
    """A list row as a page shows it: the API's row and the names beside its codes."""

    category_name: str | None
    handling_unit_name: str | None
    anonymous: bool
    closed: bool


LIST_KEYS = tuple(ListRow.__annotations__)


def api_row(row: ShownRow) -> ListRow:
    """The API's row: the keys ListRow declares, nothing a page adds."""
    return cast(ListRow, {k: row[k] for k in LIST_KEYS})  # type: ignore[literal-required]


class FlagMark(TypedDict):
    """Who or which rule set a flag (SPEC §4)."""

    by: Username | None
    rule: str | None
    at: dt.datetime


class DueRule(TypedDict):
    """The policy rule behind one due date, and what moved it."""

    rule: str
    label: NotRequired[str]
    start: dt.datetime
    added: NotRequired[int]
    provisional: NotRequired[bool]


class Dues(TypedDict):
    """Every due date of SPEC §6 (``dues.DUE_FIELDS``), null where none runs."""

    acceptance: dt.datetime | None
    sign_for: dt.datetime | None
    handling: dt.datetime | None
    report_back: dt.datetime | None
    follow_up: dt.datetime | None
    review: dt.datetime | None
    review_window: dt.datetime | None
    co_opinion: dt.datetime | None


class OpinionRow(TypedDict):
    unit: Code
    unit_name: str
    author: Username
    author_name: str
    text: str
    given_at: dt.datetime


class PlannedDispatch(TypedDict):
    """The dispatch a plan proposes, as the dispatch action would take it."""

    unit: Code
    mode: ModeCode
    redacted: bool
    handler: Annotated[str, Field(description="用户名；空字符串：未指定")]
    co_units: list[Code]
    note: str


class PlanStep(TypedDict):
    label: str
    up: int
    approver: Username
    approver_name: NotRequired[str]
    approved: bool | None
    note: str
    at: dt.datetime | None


class PlanRow(TypedDict):
    id: int
    proposed_by: Username
    proposed_by_name: str
    proposed_at: dt.datetime
    plan: PlannedDispatch
    steps: list[PlanStep]
    state: PlanStateCode


class ConflictRow(TypedDict):
    user: Username
    user_name: str
    reason: str
    marked_by: Username
    marked_at: dt.datetime
    lifted: bool
    lifted_by: Username | None
    lifted_at: dt.datetime | None
    lift_reason: str


class ComplainantRow(TypedDict):
    name: str
    phone: Annotated[
        str, Field(description="掩码后的电话；完整号码经 POST /api/v1/complaints/{number}/contact-details 查看并留痕")
    ]
    phone_masked: str
    email: str
    address: str
    id_number_masked: str
    organisation: str
    real_name: bool
    preferred_reply: MethodCode | Literal[""]
    is_representative: bool


class RespondentRow(TypedDict):
    unit: Code | None
    unit_name: str
    staff: Username | None
    staff_name: str
    product_name: str
    specification: str
    batch: str
    quantity: str
    production_date: dt.date | None
    purchase_place: str
    partner_name: str


class AttachmentRow(TypedDict):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    uploaded_by: Username
    released: Annotated[bool, Field(description="已放行：摘转视图下也可见")]


class ExtensionRow(TypedDict):
    days: int
    reason: str
    approved: Annotated[bool | None, Field(description="null：待审批")]
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    notice_method: MethodCode | None
    notice_at: dt.datetime | None


class IdentityRequestRow(TypedDict):
    id: int
    user: Username
    user_name: str
    reason: str
    requested_at: dt.datetime
    approved: Annotated[bool | None, Field(description="null：待审批")]
    decided_at: dt.datetime | None


class ComplaintDetail(ListRow):
    """The record as the caller may see it. Where the redacted view applies (``identity_hidden``)
    every text is scrubbed of the complainants' identity, ``complainants`` is empty and
    ``repeat_of`` null. ``allowed_actions``: what the caller may do now, each a
    ``POST /api/v1/complaints/{number}/{action}``."""

    validity: ValidityCode
    validity_reason: str
    direct: bool
    anonymous: bool
    upgraded_source: str
    content: str
    demands: str
    occurred_at: dt.datetime | None
    place: str
    amount: Money | None
    registered_at: dt.datetime
    registered_by: Username
    first_owner: Username
    flags: Annotated[dict[str, FlagMark], Field(description="标记代码（见 reference 的 flags）→ 由谁或哪条规则设置")]
    extra: Annotated[dict[str, Extra], Field(description="预置方案定义的扩展字段")]
    dispatch_mode: ModeCode | None
    handling_level: int
    co_units: list[Code]
    dispatched_unit: Code | None
    returned_from: Code | None
    opinions: list[OpinionRow]
    dispatch_plans: list[PlanRow]
    conflicts: list[ConflictRow]
    due: Dues
    due_rules: Annotated[dict[str, DueRule], Field(description="期限种类（同 due 的键）→ 依据的规则")]
    dues_provisional: bool
    agreed_due: dt.datetime | None
    working_days_used: int
    returns_count: int
    urge_count: int
    supervise_count: int
    followup_attempts: int
    decline_reason: Code | None
    decline_text: str
    forwarded_to: str
    substantiated: SubstantiatedCode | None
    findings: str
    solution: str
    compensation_type: str
    compensation_amount: Money | None
    proposed_reply: str
    reply_method: MethodCode | None
    reply_text: str
    replied_at: dt.datetime | None
    satisfaction: SatisfactionCode | None
    close_reason: str
    closed_at: dt.datetime | None
    archived_at: dt.datetime | None
    repeat_of: str | None
    merged_into: str | None
    group_event: GatheringRef | None
    hot_issue: GatheringRef | None
    detection: Annotated[DetectionRow, Field(description="重复投诉的相似依据、归入同一事项的依据、自动定级命中的规则")]
    demand_items: Annotated[
        list[DemandItemRow], Field(description="诉求事项，及办理结果、答复对每一项的回应情况（答非所问检查）")
    ]
    solution_plan: Annotated[
        SolutionRow | None, Field(description="最近一次办理结果的处理方案明细（退款、赔偿等）、合计金额及签批情况")
    ]
    replies: Annotated[list[ReplyRecordRow], Field(description="每一次答复：方式、内容、答复人、所附文书、时间")]
    visits: Annotated[list[VisitRow], Field(description="每一次回访：时间、方式、结果")]
    # Only in the answer to the reply that sent it: the SMS with the number and a new query code,
    # for the one who sends it (only the code's hash is kept); empty everywhere else.
    sms_text: Annotated[
        str, Field(description="短信答复的短信内容（含新的查询密码），仅在该次答复的响应中给出，其余为空")
    ]
    complainants: list[ComplainantRow]
    respondents: list[RespondentRow]
    attachments: list[AttachmentRow]
    extensions: list[ExtensionRow]
    identity_requests: list[IdentityRequestRow]
    allowed_actions: list[FormActionCode]
    identity_hidden: bool
    identity_requestable: bool


class EventRow(TypedDict):
    """One entry of the append-only, hash-chained history (SPEC §5)."""

    seq: int
    action: ActionCode
    actor: Annotated[str, Field(description="用户名；system：系统")]
    from_status: StatusCode | None
    to_status: StatusCode
    version: int
    note: str
    payload: dict[str, Any]
    created_at: dt.datetime
    hash: str


class NotificationRow(TypedDict):
    id: int
    kind: NoticeKindCode
    number: str
    message: str
    due_at: dt.datetime
    created_at: dt.datetime
    read: bool


# ---- the dispatch letter (letters.dispatch_letter) -----------------------------------------


class LetterComplainant(TypedDict):
    name: str
    phone: str
    address: str


class LetterDeadline(TypedDict):
    what: str
    by: Annotated[str, Field(description="如 2026年12月01日 17:00")]


# "from" is a Python keyword: the functional form keeps the key as the letter spells it.
DispatchLetter = TypedDict(
    "DispatchLetter",
    {
        "title": str,
        "from": str,
        "reference": Annotated[str, Field(description="文号，如 县行政效能投诉中心交办〔2026〕42号")],
        "note": Annotated[str, Field(description="投诉中心的分办意见")],
        "co_units": Annotated[list[str], Field(description="协办单位名称")],
        "number": str,
        "to": str,
        "date": Annotated[str, Field(description="成文日期，如 2026年12月1日")],
        "summary": str,
        "content": str,
        "demands": str,
        "received_at": str,
        "category": str,
        "complainants": list[LetterComplainant],
        "redacted": bool,
        "deadlines": list[LetterDeadline],
        "duties": list[str],
    },
)


# ---- the reference data (catalogue.reference): what a client may send, with its labels ----------


class Option(TypedDict):
    code: str
    label: str


class ChannelOption(TypedDict):
    code: ChannelCode
    label: str
    direct: Annotated[bool, Field(description="直接渠道（来电、来访、窗口、在线客服），其余为间接")]
    written: Annotated[bool, Field(description="书面渠道：须书面答复（答复方式 letter 或 email）")]
    in_preset: Annotated[bool, Field(description="本机构的预置方案使用此渠道")]


class KindOption(TypedDict):
    code: KindCode
    label: str
    convertible: Annotated[bool, Field(description="可转为投诉（convert）")]
    in_preset: Annotated[bool, Field(description="本机构的预置方案使用此类型")]


class StatusOption(TypedDict):
    code: StatusCode
    label: str
    open: Annotated[bool, Field(description="未办结：仍在办理流程中")]


class ModeOption(TypedDict):
    code: ModeCode
    label: str
    in_preset: Annotated[bool, Field(description="本机构的预置方案使用此分办方式")]


class CustomFieldInfo(TypedDict):
    """A field of the preset's own (SPEC §12), sent at registration as ``custom: {code: value}``."""

    code: str
    label: str
    type: Literal["text", "number", "date", "choice"]
    pattern: Annotated[str | None, Field(description="文本须整体匹配的正则表达式")]
    choices: list[str]
    max_length: int
    required: bool
    help: str
    identifying: Annotated[bool, Field(description="可识别投诉人：对看不到身份的用户隐去")]


class MethodOption(TypedDict):
    code: MethodCode
    label: str
    written: Annotated[bool, Field(description="书面答复方式")]


class SatisfactionOption(TypedDict):
    code: SatisfactionCode
    label: str


class SubstantiatedOption(TypedDict):
    code: SubstantiatedCode
    label: str


class ValidityOption(TypedDict):
    code: ValidityCode
    label: str


class RoleOption(TypedDict):
    code: RoleCode
    label: str


class ScopeOption(TypedDict):
    code: ScopeCode
    label: str


class CategoryNode(TypedDict):
    """A category of the preset's tree (active ones only); send the code of any node."""

    code: str
    label: str
    children: list[CategoryNode]


class GradeOption(TypedDict):
    code: str
    label: str
    description: str
    rank: Annotated[int, Field(description="越大越重")]


class ReasonOption(TypedDict):
    code: str
    label: str
    template: Annotated[str, Field(description="告知投诉人的文书模板（不予受理原因）")]
    needs_approval: Annotated[bool, Field(description="须投诉中心决定")]
    needs_forward: Annotated[bool, Field(description="须写明移送的有权处理机关（forwarded_to）")]


# "return" is a Python keyword: the functional form keeps the key as the API spells it.
ReasonLists = TypedDict(
    "ReasonLists",
    {
        "decline": list[ReasonOption],
        "return": list[ReasonOption],
        "suspend": list[ReasonOption],
        "invalid": list[ReasonOption],
    },
)


class UnitNode(TypedDict):
    """An active unit of the organisation's tree."""

    code: str
    label: str
    is_center: Annotated[bool, Field(description="投诉中心")]
    children: list[UnitNode]


class PresetInfo(TypedDict):
    name: str
    title: str
    description: str


class ActionInfo(TypedDict):
    """One row of the action table (SPEC §5)."""

    name: ActionCode
    label: str
    sources: Annotated[list[StatusCode], Field(description="可从哪些状态发起；登记为空")]
    targets: Annotated[list[StatusCode], Field(description="可能到达的状态，第一个为通常结果；状态不变时为空")]
    same_state: Annotated[bool, Field(description="不改变状态（如催办、督办）")]
    roles: list[RoleCode]
    versioned: Annotated[bool, Field(description="须带 version（乐观锁）：取投诉详情的 version")]
    face: Annotated[
        Literal["form", "own", "system"],
        Field(
            description="form：POST /api/v1/complaints/{number}/{name}；own：专门的接口（见 route）；system：仅系统执行"
        ),
    ]
    secondary: Annotated[bool, Field(description="不改变状态的日常操作，界面上列在“其他操作”")]
    input: Annotated[str, Field(description="请求体的 schema 名（见 openapi.json 的 components.schemas）")]


class Caller(TypedDict):
    """Who is asking, and which actions the role may take (each still subject to the complaint's
    state, the caller's unit and scope: a complaint's ``allowed_actions`` says what is possible now)."""

    username: str
    name: str
    role: RoleOption
    scope: ScopeOption
    unit: str | None
    actions: list[ActionCode]


class Reference(TypedDict):
    preset: PresetInfo
    channels: list[ChannelOption]
    kinds: list[KindOption]
    statuses: list[StatusOption]
    dispatch_modes: list[ModeOption]
    reply_methods: list[MethodOption]
    satisfaction: list[SatisfactionOption]
    substantiated: list[SubstantiatedOption]
    validity: list[ValidityOption]
    roles: list[RoleOption]
    scopes: list[ScopeOption]
    categories: list[CategoryNode]
    grades: list[GradeOption]
    reasons: ReasonLists
    units: list[UnitNode]
    flags: list[Option]
    custom_fields: list[CustomFieldInfo]
    actions: list[ActionInfo]
    me: Caller


class ContactPerson(TypedDict):
    """A complainant's full contact details, revealed on record (services.reveal_contact)."""

    name: str
    phone: str
    email: str
