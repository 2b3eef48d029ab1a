"""The shapes the follow-up selectors return (``tousu.complaints.rows`` style): imported by the
complaint detail, so no models here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from tousu.complaints.codes import MethodCode, SatisfactionCode


class ReplyRecordRow(TypedDict):
    method: MethodCode
    method_label: str
    text: str
    given_by: Annotated[str, Field(description="答复人（口头答复写明姓名及职务）")]
    letter: Annotated[str | None, Field(description="所附文书的文号；非书面答复为空")]
    letter_id: int | None
    sent_to: Annotated[str, Field(description="短信接收号码（已隐去中间四位）；非短信为空")]
    query_code_sent: Annotated[bool, Field(description="短信中已告知投诉编号及新的查询密码")]
    replied_at: dt.datetime
    recorded_by: str


class VisitRow(TypedDict):
    attempt: Annotated[int, Field(description="第几次回访")]
    method: MethodCode
    method_label: str
    outcome: SatisfactionCode
    outcome_label: str
    note: str
    visited_at: dt.datetime
    by: Annotated[str, Field(description="回访人姓名")]
