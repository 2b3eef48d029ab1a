"""Random action sequences (issue 17 item 7): a Hypothesis state machine registers complaints and
takes random actions of the action table on them, as random staff, with inputs that are mostly
valid (the walk's, tousu/conftest.py) and now and then stale, incomplete or nonsense, between
steps along the lifecycle's main road (``advance``, so that the random ones meet every state) —
always through the services, as every face does. After every step:

- a complaint's status is one of SPEC §5, reached from a state the action may leave from and
  into one of the states it may lead to (``ACTIONS[a].sources`` / ``targets``; a final state
  admits only the actions that list it);
- a refused action (``TousuError``, or an input its model refuses) changed nothing: status,
  version and the number of events are as they were;
- a complaint's version is the number of its events, and its chain verifies (the per-complaint
  check of ``audit.py``); at the end of a run the whole log verifies (``verify_audit``).

Bounded (40 runs of up to 20 steps); under ``CI=true`` derandomised, so that a failure in CI
is the same failure on a laptop. Each run happens in a savepoint rolled back at its end, so the
runs do not see each other's complaints and ``@reproduce_failure`` replays one exactly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pydantic
import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tousu.accounts.models import User
from tousu.api.tests.matrix_world import ACTORS, fields
from tousu.complaints import audit, services
from tousu.complaints.actions import ACTIONS, FORM_ACTIONS, SAME
from tousu.complaints.models import Complaint, Event
from tousu.complaints.states import Status
from tousu.conftest import STEPS, registration
from tousu.core.errors import TousuError

pytestmark = pytest.mark.django_db

# The staff who act: every role of the demo organisation, the co-unit (住建局), the section below
# 市场监管局 and the unit above it, so that every action has someone who may take it.
PEOPLE = ("clerk", "center", "head", "handler", "followup", "panel", "auditor", "admin", "housing",
          "housing_head", "consumer", "leader", "center_head")  # fmt: skip
# How the input is spoilt, if at all: mostly not.
SPOIL = ("valid",) * 6 + ("stale", "missing", "nonsense")
STATUSES = frozenset(Status.values)
# The main road through SPEC §5: the next action from each state.
NEXT = {
    "registered": "accept",
    "accepted": "dispatch",
    "dispatched": "sign",
    "in_progress": "submit_result",
    "suspended": "resume",
    "pending_approval": "approve",
    "approved": "reply",
    "replied": "follow_up",
    "closed": "request_review",
    "under_review": "decide_review",
    "declined": "reopen",
}


@dataclass(frozen=True)
class Seen:
    status: str
    version: int
    events: int


def seen(pk: int) -> Seen:
    c = Complaint.objects.values("status", "version").get(pk=pk)
    return Seen(c["status"], c["version"], Event.objects.filter(complaint_id=pk).count())


def spoilt(body: dict[str, Any], how: str) -> dict[str, Any]:
    if how == "stale":
        return {**body, "version": body["version"] - 1 or 99}
    if how == "missing":
        return {k: v for k, v in body.items() if k == "version"} if len(body) > 1 else {}
    if how == "nonsense":
        return {**body, **{k: "\u202e≠" * 3 for k in body if k != "version"}, "unknown": 1}
    return body


class ActionMachine(RuleBasedStateMachine):
    """Complaints and random actions on them; ``ORG`` is the demo organisation's people."""

    ORG: dict[str, User] = {}
    TAKEN: set[str] = set()  # the actions that succeeded, over all runs: the walk is not vacuous
    complaints = Bundle("complaints")

    def __init__(self) -> None:
        super().__init__()
        # Each run in a savepoint of its own (marked like a test case's block, so the services'
        # durable transactions may open inside it), rolled back in teardown.
        self._block = transaction.atomic()
        self._block._from_testcase = True  # type: ignore[attr-defined]
        self._block.__enter__()
        self.pks: list[int] = []

    def teardown(self) -> None:
        try:
            if self.pks:
                report = audit.verify_audit()
                assert report.ok, report.problems
        finally:
            transaction.set_rollback(True)
            self._block.__exit__(None, None, None)

    @initialize(target=complaints)
    def first(self) -> int:
        return self._register()

    @precondition(lambda self: len(self.pks) < 3)  # few complaints, so that each gets far
    @rule(target=complaints)
    def register(self) -> int:
        return self._register()

    def _register(self) -> int:
        complaint = services.register(actor=self.ORG["clerk"], data=registration()).complaint
        self.pks.append(complaint.pk)
        return complaint.pk

    @rule(pk=complaints, other=complaints, data=st.data())
    def act(self, pk: int, other: int, data: st.DataObject) -> None:
        """A random action, mostly one the complaint's state allows, by someone drawn mostly from
        those who may take it (the walk's persona first): else nearly every step is refused."""
        status = Complaint.objects.values_list("status", flat=True).get(pk=pk)
        everything = sorted(FORM_ACTIONS)
        now = [n for n in everything if status in ACTIONS[n].sources]
        forward = [n for n in now if not ACTIONS[n].secondary]  # the lifecycle's own steps
        name = data.draw(st.sampled_from(forward * 6 + now * 2 + everything), label="action")
        fitting = [u for u in PEOPLE if self.ORG[u].role in ACTIONS[name].roles]
        walker = ACTORS.get(name) or (STEPS[name](self.ORG)[0].username if name in STEPS else "center")
        who = data.draw(st.sampled_from([walker] * 6 + fitting * 2 + list(PEOPLE)), label="who")
        how = data.draw(st.sampled_from(SPOIL), label="input")
        self._act(pk, other, name, who, how)

    @rule(pk=complaints)
    def advance(self, pk: int) -> None:
        """The next step of the lifecycle's main road, valid and by the one whose turn it is: the
        random steps around it then meet every state, not only the first few."""
        status = Complaint.objects.values_list("status", flat=True).get(pk=pk)
        name = NEXT.get(status)
        if name == "submit_result" and not Event.objects.filter(complaint_id=pk, action="give_opinion").exists():
            name = "give_opinion"  # the co-unit's opinion first (guards.opinions_in)
        if name is not None:
            self._act(pk, pk, name, ACTORS.get(name) or STEPS[name](self.ORG)[0].username, "valid")

    def _act(self, pk: int, other: int, name: str, who: str, how: str) -> None:
        action = ACTIONS[name]
        complaint = Complaint.objects.get(pk=pk)
        before = seen(pk)
        body = fields(name, complaint)
        if name == "merge":
            body["target"] = Complaint.objects.values_list("number", flat=True).get(pk=other)
        body = spoilt(body, how)
        try:
            data = action.input.model_validate(body)
            action.service(actor=self.ORG[who], number=complaint.number, data=data)
        except (TousuError, pydantic.ValidationError):
            assert seen(pk) == before, (name, who, how, "a refused action changed the complaint")
            return
        after = seen(pk)
        type(self).TAKEN.add(name)
        assert before.status in action.sources, (name, before.status, "taken from a state it may not leave")
        targets = {before.status if t == SAME else t for t in action.targets}
        assert after.status in targets, (name, before.status, after.status, "not one of the action's outcomes")
        assert after.version > before.version, (name, "an action that wrote no event")
        last = Event.objects.filter(complaint_id=pk).order_by("-seq").values("action", "to_status").first()
        assert last is not None and last["to_status"] in ("", after.status), (name, last)

    @invariant()
    def every_complaint_is_whole(self) -> None:
        for pk in self.pks:
            now = seen(pk)
            assert now.status in STATUSES, now
            assert now.version == now.events, (pk, now, "version is not the number of events")
            problems = audit._check_again(pk, None)
            assert not problems, problems


def test_random_action_sequences_keep_every_complaint_valid_and_its_chain_whole(org):
    ActionMachine.ORG = org
    ActionMachine.TAKEN = set()
    run_state_machine_as_test(
        ActionMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            derandomize=os.environ.get("CI") == "true",
            database=None if os.environ.get("CI") == "true" else settings.default.database,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        ),
    )
    # Far into the lifecycle, not only its first steps.
    assert {"accept", "dispatch", "sign"} <= ActionMachine.TAKEN, ActionMachine.TAKEN


def test_a_suspension_by_the_centre_or_the_unit_head_is_no_server_error(org, register, walk):
    """Found by the role matrix: the hand-off notice to the handler (resume) had no deadline to
    carry — a suspended case has none running — and its insert failed (a 500)."""
    for who in ("center", "head"):
        complaint = walk(register(), "accept", "dispatch", "sign")
        suspended = services.suspend(
            actor=org[who],
            number=complaint.number,
            data=ACTIONS["suspend"].input.model_validate({"version": complaint.version, "reason": "awaiting_material"}),
        )
        assert suspended.status == Status.SUSPENDED and suspended.due_at is None
