"""The reply check's route under /api/v1/: the clerk's correction of a complaint's demand items.
The items and the check's outcome are in the complaint detail (``demand_items``)."""

from __future__ import annotations

from ninja import Router, Schema
from pydantic import Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.complaints import selectors as complaint_selectors
from tousu.complaints.access import access_complaint
from tousu.complaints.rows import ComplaintDetail
from tousu.replycheck import services

router = Router(tags=["replycheck 诉求事项"])


class DemandItemsIn(Schema):
    items: list[str] = Field(max_length=20, description="诉求事项，按顺序，每项不超过500字；空列表：无须逐项回应")
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="投诉件的当前版本（乐观锁）；填写时，版本不符答复 409"
    )


@router.put(
    "/complaints/{number}/demand-items",
    **contract({200: ComplaintDetail}, *BODY, 403, 404, 409),
    summary="修改诉求事项 edit the demand items",
    description="受理人员修改系统拆分的诉求事项（记入办理记录 edit_demands）；提交办理结果和答复时须逐项回应，"
    "或在 declined 中按序号说明不予回应的理由。",
)
def edit_demand_items(request: AuthedRequest, number: str, body: DemandItemsIn) -> ComplaintDetail:
    services.edit_items(actor=request.auth, number=number, items=body.items, version=body.version)
    return complaint_selectors.complaint_detail(request.auth, access_complaint(request.auth, number))
