"""/api/v1/units and /api/v1/routing-rules: the unit tree and the routing rules (administrators
change them; every staff user may read them), and the routing proposal for a complaint."""

from datetime import date
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from tousu.accounts import services as units
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, ProposalOut, Returns, RuleOut, Rules, UnitOut, Units, contract
from tousu.complaints import routing, selectors
from tousu.complaints.access import access_complaint
from tousu.complaints.codes import ChannelCode, ModeCode
from tousu.complaints.models import RoutingRule
from tousu.complaints.services.units import set_unit_active

router = Router(tags=["organisation"])

Hours = list[list[str]] | str | None


class UnitIn(Schema):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=120)
    parent: str = Field("", max_length=40)
    is_center: bool = False
    business_hours: Hours = Field(None, description='[["08:30","12:00"],["14:30","17:30"]]')
    authority_level: int | None = Field(None, ge=0, le=9)


class UnitChange(Schema):
    name: str | None = Field(None, max_length=120)
    head: str | None = Field(None, max_length=150, description="username, or empty for none")
    business_hours: Hours = None
    authority_level: int | None = Field(None, ge=0, le=9)
    is_center: bool | None = None


class MoveIn(Schema):
    parent: str = Field("", max_length=40, description="the new parent's code; empty for the root")


class RuleIn(Schema):
    name: str = Field(..., max_length=120)
    priority: int = Field(100, ge=0, le=9999)
    active: bool = True
    categories: list[str] = []
    respondent_units: list[str] = []
    respondent_ranks: list[str] = []
    products: list[str] = []
    regions: list[str] = []
    channels: list[ChannelCode] = []
    keywords: list[str] = []
    unit: str = Field("", max_length=40, description="empty: the respondent's own unit")
    mode: ModeCode
    redacted: bool = True


@router.get("/units", **contract({200: Units}), summary="单位树 units")
def list_units(request: AuthedRequest) -> dict[str, Any]:
    return {"items": units.unit_tree()}


@router.post("/units", **contract({201: UnitOut}, *BODY, 403, 404), summary="新建单位")
def create_unit(request: AuthedRequest, body: UnitIn) -> Status[dict[str, Any]]:
    made = units.create_unit(
        actor=request.auth,
        code=body.code,
        name=body.name,
        parent=body.parent,
        is_center=body.is_center,
        business_hours=body.business_hours,
        authority_level=body.authority_level,
    )
    return Status(201, units.unit_row(made))


@router.patch("/units/{code}", **contract({200: UnitOut}, *BODY, 403, 404), summary="修改单位")
def update_unit(request: AuthedRequest, code: str, body: UnitChange) -> dict[str, Any]:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    return units.unit_row(units.update_unit(actor=request.auth, code=code, **changes))


@router.post("/units/{code}/move", **contract({200: UnitOut}, *BODY, 403, 404), summary="移动单位")
def move_unit(request: AuthedRequest, code: str, body: MoveIn) -> dict[str, Any]:
    return units.unit_row(units.move_unit(actor=request.auth, code=code, parent=body.parent))


@router.post("/units/{code}/deactivate", **contract({200: UnitOut}, 403, 404, 422), summary="停用单位")
def deactivate_unit(request: AuthedRequest, code: str) -> dict[str, Any]:
    return units.unit_row(set_unit_active(actor=request.auth, code=code, active=False))


@router.post("/units/{code}/activate", **contract({200: UnitOut}, 403, 404, 422), summary="启用单位")
def activate_unit(request: AuthedRequest, code: str) -> dict[str, Any]:
    return units.unit_row(set_unit_active(actor=request.auth, code=code, active=True))


@router.get("/routing-rules", **contract({200: Rules}), summary="分办规则")
def list_rules(request: AuthedRequest) -> dict[str, Any]:
    return {"items": [routing.rule_row(r) for r in RoutingRule.objects.select_related("unit")]}


@router.post("/routing-rules", **contract({201: RuleOut}, *BODY, 403), summary="新建分办规则")
def create_rule(request: AuthedRequest, body: RuleIn) -> Status[dict[str, Any]]:
    return Status(201, routing.rule_row(_save_rule(request, None, body)))


@router.put("/routing-rules/{rule_id}", **contract({200: RuleOut}, *BODY, 403, 404), summary="修改分办规则")
def update_rule(request: AuthedRequest, rule_id: int, body: RuleIn) -> dict[str, Any]:
    return routing.rule_row(_save_rule(request, rule_id, body))


def _save_rule(request: AuthedRequest, rule_id: int | None, body: RuleIn) -> RoutingRule:
    """The rule as the body gives it, field by field (None: a new rule)."""
    return routing.save_rule(
        actor=request.auth,
        rule_id=rule_id,
        name=body.name,
        priority=body.priority,
        active=body.active,
        categories=body.categories,
        respondent_units=body.respondent_units,
        respondent_ranks=body.respondent_ranks,
        products=body.products,
        regions=body.regions,
        channels=body.channels,
        keywords=body.keywords,
        unit=body.unit,
        mode=body.mode,
        redacted=body.redacted,
    )


@router.delete("/routing-rules/{rule_id}", **contract({204: None}, 403, 404, 422), summary="删除分办规则")
def delete_rule(request: AuthedRequest, rule_id: int) -> Status[None]:
    routing.delete_rule(actor=request.auth, rule_id=rule_id)
    return Status(204, None)


@router.get("/complaints/{number}/routing-proposal", **contract({200: ProposalOut}, 404), summary="分办建议")
def proposal(request: AuthedRequest, number: str) -> dict[str, Any]:
    complaint = access_complaint(request.auth, number)
    p = routing.propose(complaint)
    if p is None:
        return {"proposal": None}
    return {
        "proposal": {
            "unit": p.unit.code,
            "unit_name": p.unit.name,
            "mode": p.mode,
            "redacted": p.redacted,
            "rule": p.rule,
            "rule_id": p.rule_id,
        }
    }


class Period(Schema):
    since: date | None = None
    until: date | None = None


@router.get("/stats/returns", **contract({200: Returns}, 422), summary="各单位退回次数")
def returns(request: AuthedRequest, period: Query[Period]) -> dict[str, Any]:
    return {"items": selectors.returns_by_unit(request.auth, period.since, period.until)}
