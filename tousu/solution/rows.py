"""The shapes the solution's selectors return (``tousu.complaints.rows`` style): imported by the
complaint detail, so no models here."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict


class SolutionLineRow(TypedDict):
    kind: Annotated[
        Literal["refund", "return", "exchange", "repair", "compensation", "goodwill", "apology"],
        Field(description="退款 / 退货 / 换货 / 维修 / 赔偿 / 慰问、补偿 / 道歉"),
    ]
    kind_label: str
    amount: Annotated[Decimal, Field(description="金额（元），道歉为 0")]
    note: str


class SignOffRow(TypedDict):
    label: Annotated[str, Field(description="签批步骤，如「单位主要负责人签批」")]
    rule: Annotated[str, Field(description="要求此步的预设规则，如「补偿金额超过50000元」")]
    signer: Annotated[str | None, Field(description="签批人用户名；按角色签批时为空")]
    signer_text: str
    approved: Annotated[bool | None, Field(description="true 已签批，false 不同意，null 未签")]
    by: str | None
    by_name: str
    note: str
    at: str | None


class SolutionRow(TypedDict):
    total: Annotated[Decimal, Field(description="合计金额（元）")]
    state: Annotated[
        Literal["none", "pending", "signed", "refused", "withdrawn"],
        Field(description="无须签批 / 待签批 / 已签批 / 未同意 / 结果已退回"),
    ]
    state_label: str
    lines: list[SolutionLineRow]
    signoffs: list[SignOffRow]
    due: Annotated[str | None, Field(description="当前应由谁签批；无则为空")]
