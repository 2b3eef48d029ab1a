"""/api/v1/admin/preset: the preset in force, for its administrators (SPEC §12) — read it, change
any section with the same validation as the preset files, change one deadline rule, preview a
change's effect on due dates, and see what differs from the shipped preset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accounts.services import require_admin
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.complaints.codes import ChannelCode, KindCode, ModeCode
from tousu.complaints.preset import active
from tousu.complaints.services import presets
from tousu.presets import REGISTRY
from tousu.presets.base import TimeUnit, differences, to_plain

router = Router(tags=["preset"])


class PresetOut(TypedDict):
    name: str
    title: str
    data: dict[str, Any]


# Not "Change": the OpenAPI document names a schema by its class, and the statistics have a
# Change of their own (one would declare the other's answer).
class PresetChange(TypedDict):
    path: str
    before: Any
    after: Any


class Changes(TypedDict):
    name: str
    changes: list[PresetChange]


class DueRow(TypedDict):
    kind: str
    rule: str | None
    period: str | None
    due_at: dt.datetime | None
    provisional: bool


class Preview(TypedDict):
    rows: list[DueRow]


class ChangesIn(Schema):
    changes: dict[str, Any] = Field(
        ..., description="节 → 新值（与预置文件同一结构）；映射合并入该节，列表整体替换", max_length=20
    )


class RuleChange(Schema):
    amount: int | None = Field(None, ge=0, le=100000)
    unit: TimeUnit | None = None
    extension_cap: int | None = Field(None, ge=0, le=100000)
    reminder_hours: int | None = Field(None, ge=1, le=10000)
    start: str | None = Field(None, max_length=200)


class PreviewIn(Schema):
    changes: dict[str, Any] | None = Field(None, max_length=20)
    received_at: dt.datetime | None = Field(None, description="默认：现在")
    kind: KindCode = KindCode.COMPLAINT
    channel: ChannelCode = ChannelCode.HOTLINE
    category: str = Field("", max_length=40)
    grade: str = Field("", max_length=40)
    mode: ModeCode | None = None


def _out() -> PresetOut:
    preset = active()
    return {"name": preset.name, "title": preset.title, "data": to_plain(preset)}


@router.get("", **contract({200: PresetOut}, 403), summary="当前预置方案")
def read(request: AuthedRequest) -> PresetOut:
    require_admin(request.auth)
    return _out()


@router.patch("", **contract({200: PresetOut}, *BODY, 403), summary="修改预置方案")
def change(request: AuthedRequest, body: ChangesIn) -> PresetOut:
    presets.revise(actor=request.auth, changes=body.changes)
    return _out()


@router.patch("/deadlines/{name}", **contract({200: PresetOut}, *BODY, 403), summary="修改一条期限规则")
def change_rule(request: AuthedRequest, name: str, body: RuleChange) -> PresetOut:
    presets.revise_rule(actor=request.auth, name=name, changes=body.model_dump(exclude_unset=True))
    return _out()


@router.post("/preview", **contract({200: Preview}, *BODY, 403), summary="预览期限")
def preview(request: AuthedRequest, body: PreviewIn) -> Preview:
    require_admin(request.auth)
    fields = body.model_dump(exclude={"mode"})
    return {"rows": presets.preview(**fields, mode=body.mode.value if body.mode else "")}  # type: ignore[typeddict-item]


@router.get("/diff", **contract({200: Changes}, 403), summary="与出厂预置方案的差异")
def diff(request: AuthedRequest) -> Changes:
    require_admin(request.auth)
    preset = active()
    shipped = REGISTRY.get(preset.name)
    found = differences(shipped, preset) if shipped else []
    return {"name": preset.name, "changes": [{"path": p, "before": b, "after": a} for p, b, a in found]}
