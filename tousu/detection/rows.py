"""The shapes detection's selectors return (``tousu.complaints.rows`` style): imported by the
complaint detail, so no models here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import TypedDict


class RepeatEvidence(TypedDict):
    original: str
    score: Annotated[float, Field(description="相似度（加权余弦，0–1）")]
    shared: Annotated[list[str], Field(description="共同的词，权重高者在前")]
    rule: str
    state: Annotated[Literal["proposed", "confirmed", "rejected"], Field(description="系统识别/已确认/已否定")]
    decided_by: str | None
    reason: str


class FiredRule(TypedDict):
    rule: str
    label: str
    why: str
    grade: str


class Grading(TypedDict):
    fired: list[FiredRule]
    grade: Annotated[str, Field(description="规则给出的等级代码（空：无规则命中）")]
    override_grade: str
    override_reason: str
    override_by: str | None


class GatheringRef(TypedDict):
    id: int
    kind: Literal["group", "hot"]
    title: str
    people: int
    size: int


class DetectionRow(TypedDict):
    repeat: RepeatEvidence | None
    matter_evidence: Annotated[dict[str, Any], Field(description="归入同一事项的依据：with、score、shared")]
    grading: Grading | None


class Member(TypedDict):
    number: str
    summary: str
    received_at: dt.datetime
    status: str


class GatheringRow(TypedDict):
    id: int
    kind: Literal["group", "hot"]
    title: str
    words: list[str]
    people: int
    first_at: dt.datetime
    last_at: dt.datetime
    state: str
    curated: bool
    history: list[dict[str, Any]]
    members: list[Member]


class RepeatCandidate(TypedDict):
    number: str
    summary: str
    received_at: dt.datetime
    status: str
    status_label: str
    open: bool
    score: float
    shared: list[str]
    due: Annotated[dt.datetime | None, Field(description="办理中：当前期限")]
    reply_text: Annotated[str, Field(description="已办结：答复内容")]
    tell: Annotated[str, Field(description="告诉来电人的话")]


class RepeatCandidates(TypedDict):
    candidates: list[RepeatCandidate]
