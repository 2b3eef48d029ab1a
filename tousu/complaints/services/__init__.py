"""The service layer: one function per action of the action table (``complaints/actions.py``),
called by the API, the web UI, the CLI and the background jobs. Each takes the actor, the
complaint's number and the action's typed input (``complaints/inputs.py``)."""
from tousu.complaints.services.closing import (
    archive, decide_review, follow_up, reopen, reply, request_review,
)
from tousu.complaints.services.grants import decide_identity, release_attachment, request_identity
from tousu.complaints.services.dispatching import (
    assign_handler, decide_dispatch, dispatch, escalate, give_opinion, lift_conflict, mark_conflict, propose_dispatch,
    refuse_return, return_, sign, sub_dispatch, supervise, urge,
)
from tousu.complaints.services.handling import (
    approve, decide_extension, reject_result, request_extension, resume, submit_result, suspend,
)
from tousu.complaints.services.intake import (
    Registered, accept, convert, decline, merge, register, resolve_on_spot, withdraw,
)

__all__ = [
    "Registered", "accept", "approve", "archive", "assign_handler", "convert", "decide_dispatch",
    "decide_extension", "decide_identity", "decide_review", "decline", "dispatch", "escalate", "follow_up",
    "give_opinion", "lift_conflict", "mark_conflict", "merge", "propose_dispatch", "refuse_return", "register",
    "reject_result", "release_attachment", "reopen", "reply", "request_extension", "request_identity",
    "request_review", "resolve_on_spot", "resume", "return_", "sign", "sub_dispatch", "submit_result", "supervise",
    "suspend", "urge", "withdraw",
]
