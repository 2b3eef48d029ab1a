"""The shapes the reply check's selectors return (``tousu.complaints.rows`` style): imported by the
complaint detail, so no models here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import TypedDict


class DemandItemRow(TypedDict):
    position: Annotated[int, Field(description="序号，从 1 起；declined 的键")]
    text: str
    state: Annotated[Literal["open", "answered", "declined"], Field(description="未回应 / 已回应 / 说明理由不予回应")]
    reason: Annotated[str, Field(description="不予回应的理由")]
    evidence: Annotated[
        dict[str, Any], Field(description="检查依据：score（覆盖度 0–1）、matched、missing（关键词）、rule")
    ]
    checked_for: Annotated[str, Field(description="检查于哪一步：submit_result 或 reply；空：尚未检查")]
    checked_at: dt.datetime | None


class ReplyQualityRow(TypedDict):
    unit: str  # the handling unit's code
    unit_name: str
    items: int  # demand items checked at a result or reply
    answered: int  # answered in the text
    declined: int  # declined with a reason
    share_answered: float  # answered / items, 0–1
