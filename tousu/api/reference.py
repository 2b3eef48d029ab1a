"""/api/v1/reference: the codes a client sends, with their labels (SPEC §13).

With the OpenAPI document this is all a client needs: the enums are listed in both, the preset's
and the organisation's codes (categories, grades, reasons, units, flags) only here.
"""

from ninja import Router

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import ActionOut, ReferenceOut, contract
from tousu.complaints import catalogue
from tousu.complaints.actions import ACTIONS, Face
from tousu.complaints.rows import ActionInfo

router = Router(tags=["reference"])

# The actions with a route of their own (Face.OWN), where that route is.
OWN_ROUTES = {
    "register": "POST /api/v1/complaints",
    "attach": "POST /api/v1/complaints/{number}/attachments",
    "request_identity": "POST /api/v1/complaints/{number}/identity-requests",
    "reveal_contact": "POST /api/v1/complaints/{number}/contact-details",
    "decide_identity": "POST /api/v1/complaints/{number}/identity-requests/{grant_id}/decision",
    "release_attachment": "POST /api/v1/complaints/{number}/attachments/{attachment_id}/release",
}
# The rows whose events another package writes (``_elsewhere``) and that staff reach through that
# package's route.
ELSEWHERE_ROUTES = {
    "confirm_repeat": "POST /api/v1/complaints/{number}/repeat-decision",
    "reject_repeat": "POST /api/v1/complaints/{number}/repeat-decision",
    "override_grade": "POST /api/v1/complaints/{number}/grade-override",
    "edit_demands": "PUT /api/v1/complaints/{number}/demand-items",
    "make_letter": "POST /api/v1/complaints/{number}/letters",
    "export_archive": "GET /api/v1/complaints/{number}/archive",
    "sign_solution": "POST /api/v1/complaints/{number}/solution-signoffs",
    "refuse_solution": "POST /api/v1/complaints/{number}/solution-signoffs",
    "record_investigation": "POST /api/v1/complaints/{number}/investigation/entries",
    "determine": "POST /api/v1/complaints/{number}/determination",
    "rectify": "POST /api/v1/capa",
    "confirm_sanction": "POST /api/v1/complaints/{number}/sanctions/{sanction}/confirm",
    "appeal_sanction": "POST /api/v1/sanctions/{sanction}/appeal",
    "decide_appeal": "POST /api/v1/complaints/{number}/sanctions/{sanction}/appeal-decision",
}


def _routed(action: ActionInfo) -> ActionOut:
    face = ACTIONS[action["name"]].face
    route = (
        f"POST /api/v1/complaints/{{number}}/{action['name']}"
        if face is Face.FORM
        else OWN_ROUTES.get(action["name"]) or ELSEWHERE_ROUTES.get(action["name"])
    )
    return {**action, "route": route}


@router.get("", **contract({200: ReferenceOut}), summary="参考数据 reference")
def reference(request: AuthedRequest) -> ReferenceOut:
    """渠道、类型、状态等取值及其中文名称，预置方案的类别、等级、原因，单位树，操作表，以及调用者的角色与可执行的操作。"""
    data = catalogue.reference(request.auth)
    return {**data, "actions": [_routed(a) for a in data["actions"]]}
