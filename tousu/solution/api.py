"""The solution's sign-off route under /api/v1/: the due signer signs or refuses. The lines and
sign-offs are in the complaint detail (``solution``)."""

from __future__ import annotations

from ninja import Router

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.complaints import selectors as complaint_selectors
from tousu.complaints.access import access_complaint
from tousu.complaints.rows import ComplaintDetail
from tousu.solution import services

router = Router(tags=["solution 处理方案"])


@router.post(
    "/complaints/{number}/solution-signoffs",
    **contract({200: ComplaintDetail}, *BODY, 403, 404, 409),
    summary="签批处理方案 sign or refuse the solution",
    description="处理方案（补偿等）金额或等级达到预设门槛时，须按顺序经各签批人签批后方可审核通过。"
    "approved=true 签批（sign_solution），false 不同意并退回承办人重新办理（refuse_solution，须填理由）。"
    "不是当前签批人或没有待签批的方案 409。",
)
def decide(request: AuthedRequest, number: str, body: services.SignOff) -> ComplaintDetail:
    services.decide(actor=request.auth, number=number, data=body)
    return complaint_selectors.complaint_detail(request.auth, access_complaint(request.auth, number))
