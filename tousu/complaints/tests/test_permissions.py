"""Every role × every action: who may take it, written out here from SPEC §2 so that a change to
the action table that widens or narrows a role is a visible, deliberate change of this test."""

import pytest

from tousu.accounts.models import Role, Scope, Unit, User
from tousu.complaints import inputs
from tousu.complaints.access import check_role
from tousu.complaints.actions import ACTIONS
from tousu.core.errors import NotPermitted

CLERK, CENTER, HEAD, HANDLER = Role.CLERK, Role.CENTER, Role.HEAD, Role.HANDLER
FOLLOWUP, PANEL = Role.FOLLOWUP, Role.PANEL
UNIT = {HANDLER, HEAD}

EXPECTED = {
    "accept": {CLERK, CENTER},
    "decline": {CLERK, CENTER},
    "resolve_on_spot": {CLERK, CENTER},
    "convert": {CLERK, CENTER},
    "dispatch": {CENTER},
    "propose_dispatch": {CENTER},
    "decide_dispatch": {CENTER, HEAD},
    "sign": UNIT,
    "return": UNIT,
    "refuse_return": {CENTER},
    "assign_handler": {HEAD, CENTER},
    "sub_dispatch": {HEAD},
    "give_opinion": UNIT,
    "mark_conflict": {CENTER, PANEL},
    "lift_conflict": {CENTER, PANEL},
    "request_extension": UNIT | {CENTER},
    "decide_extension": {HEAD, CENTER},
    "suspend": UNIT | {CENTER},
    "resume": UNIT | {CENTER},
    "escalate": UNIT | {CENTER},
    "urge": {CENTER},
    "supervise": {CENTER},
    "submit_result": UNIT | {CENTER},
    "approve": {HEAD, CENTER},
    "reject_result": {HEAD, CENTER},
    "reply": UNIT | {CENTER},
    "follow_up": {FOLLOWUP, CENTER} | UNIT,  # a unit visits where the preset says (complaints/visiting.py)
    "close": {CENTER},
    "determine": {PANEL},  # the responsibility panel (tousu.accountability)
    # Its sanctions: the panel confirms; the sanctioned appeal, whatever their role (the service
    # lets only the subject); the level above decides (the service checks the level); the scan
    # makes them final.
    "confirm_sanction": {PANEL},
    "appeal_sanction": set(Role) - {Role.ADMIN, Role.AUDITOR},
    "decide_appeal": {HEAD, PANEL},
    "finalise_sanction": set(),
    "rectify": {Role.QUALITY, CENTER, HEAD, PANEL},  # rectification (tousu.capa)
    "request_review": {CLERK, CENTER},
    # The roles of the unit above the one reviewed; the guard picks the unit (complaints/reviewing.py).
    "decide_review": {CENTER, HEAD},
    "archive": {CENTER},
    "withdraw": {CLERK, CENTER},
    "merge": {CENTER},
    "reopen": {CENTER},
    "register": {CLERK, CENTER},
    "attach": set(Role) - {Role.ADMIN, Role.AUDITOR},
    "request_identity": UNIT,
    # The table lets all staff ask; the preset's contact_reveal_roles and the identity rule decide.
    "reveal_contact": set(Role) - {Role.ADMIN, Role.AUDITOR},
    "decide_identity": {CENTER},
    "release_attachment": {CENTER},
    "recompute_dues": set(),  # the system's own write: no user may take it
    "import": {Role.ADMIN, CENTER},  # tousu import / the ledger upload page
    # Written by the portal as its internal clerk "public" (the complainant).
    "rate": {CLERK},
    "add_material": {CLERK},
    # Detection: the system's findings, and the intake staff's decisions on them.
    "detect_repeat": set(),
    "detect_group": set(),
    "detect_grade": set(),
    "confirm_repeat": {CLERK, CENTER},
    "reject_repeat": {CLERK, CENTER},
    "override_grade": {CLERK, CENTER},
    "edit_demands": {CLERK, CENTER},
    # Letters: the intake staff and the handling unit (which letters each may make: tousu.letters).
    "make_letter": {CLERK, CENTER, HEAD, HANDLER},
    # The archive file: an audited read, for whoever may read the case (tousu.archive).
    "export_archive": set(Role),
    # The investigation record: the handling unit and the centre (tousu.investigation).
    "record_investigation": {CENTER, HEAD, HANDLER},
    # The solution's sign-offs: the unit heads, the centre or the quality head the preset names
    # (tousu.solution; the guard lets only the one whose signature is due).
    "sign_solution": {CENTER, HEAD, Role.QUALITY},
    "refuse_solution": {CENTER, HEAD, Role.QUALITY},
}


def test_the_expected_table_names_every_action():
    assert set(EXPECTED) == set(ACTIONS)


@pytest.fixture
def case(register, walk, org):
    """A case handled by 市场监管局 with 住建局 as co-unit: every unit condition can be met."""
    from tousu.complaints import services

    c = walk(register(), "accept")
    return services.dispatch(
        actor=org["center"],
        number=c.number,
        data=inputs.Dispatch(version=c.version, unit="amr", mode="assign", co_units=["housing"]),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_take_exactly_its_actions(case, role):
    for action, t in ACTIONS.items():
        # Placed where the action's unit condition holds, so only the role decides.
        code = "housing" if t.co_unit_action else "amr"
        user = User.objects.create(
            username=f"{role}-{action}"[:150], role=role, scope=Scope.ALL, unit=Unit.objects.get(code=code)
        )
        try:
            check_role(user, case, t)
            allowed = True
        except NotPermitted:
            allowed = False
        assert allowed == (role in EXPECTED[action]), (role, action)
