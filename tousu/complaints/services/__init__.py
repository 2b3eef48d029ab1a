"""The service layer: one function per SPEC §5 action, called by the API, the web UI and the CLI."""
from tousu.complaints.services.closing import (
    archive, decide_review, follow_up, reopen, reply, request_review,
)
from tousu.complaints.services.dispatching import (
    assign_handler, decide_dispatch, dispatch, escalate, give_opinion, lift_conflict, mark_conflict, propose_dispatch,
    refuse_return, return_, sign, sub_dispatch, supervise, urge,
)
from tousu.complaints.services.handling import (
    approve, decide_extension, reject_result, request_extension, resume, submit_result, suspend,
)
from tousu.complaints.services.intake import (
    ComplainantIn, Registration, RespondentIn, accept, add_attachment, convert, decline, merge,
    register, resolve_on_spot, withdraw,
)

# The action name (as in SPEC §3, the API route and Event.action) → its service.
ACTIONS = {
    "accept": accept, "decline": decline, "resolve_on_spot": resolve_on_spot, "convert": convert,
    "dispatch": dispatch, "sign": sign, "return": return_, "request_extension": request_extension,
    "decide_extension": decide_extension, "suspend": suspend, "resume": resume, "escalate": escalate,
    "urge": urge, "supervise": supervise, "submit_result": submit_result, "approve": approve,
    "reject_result": reject_result, "reply": reply, "follow_up": follow_up,
    "request_review": request_review, "decide_review": decide_review, "archive": archive,
    "withdraw": withdraw, "merge": merge, "reopen": reopen, "refuse_return": refuse_return,
    "assign_handler": assign_handler, "sub_dispatch": sub_dispatch, "give_opinion": give_opinion,
    "mark_conflict": mark_conflict, "lift_conflict": lift_conflict, "propose_dispatch": propose_dispatch, "decide_dispatch": decide_dispatch,
}

__all__ = ["ACTIONS", "ComplainantIn", "Registration", "RespondentIn", "add_attachment", "register"]
