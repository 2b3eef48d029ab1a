"""An archived complaint refuses every change, for everyone (issue 14, part 6): every row of the
action table is tried through the API and through its service, each refused with a 409 in
Chinese and nothing changed; reading (the record, the history, the contact details on record,
the archive file) still works."""

from typing import Any

import pytest

from tousu.complaints import attachments, inputs
from tousu.complaints.actions import ACTIONS, TABLE, Face
from tousu.complaints.models import Attachment, Complaint, Event, IdentityGrant
from tousu.complaints.numbering import hash_query_code
from tousu.complaints.services.common import READS, finish
from tousu.conftest import STEPS
from tousu.core.errors import InvalidTransition
from tousu.letters.models import Letter
from tousu.replycheck.models import DemandItem

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# The generic form's fields of the actions the walk (conftest.STEPS) does not take: a valid body,
# so that what answers is the archived state, not the input's validation.
# A determination that would stand on a closed case (tousu.accountability).
DETERMINATION = {"liable": False, "reasons": ["misunderstanding"], "panel": ["panel"]}
RECTIFICATION = {"kind": "corrective", "title": "改进窗口办事流程", "owner": "handler"}
FIELDS: dict[str, dict[str, Any]] = {
    "convert": {"reason": "实为投诉"},
    "propose_dispatch": {"unit": "amr", "mode": "assign"},
    "decide_dispatch": {"approved": True},
    "refuse_return": {"note": "应由本单位办理"},
    "assign_handler": {"handler": "handler"},
    "sub_dispatch": {"unit": "amr"},
    "give_opinion": {"text": "同意"},
    "mark_conflict": {"user": "handler", "reason": "亲属关系"},
    "lift_conflict": {"user": "handler", "reason": "已核实"},
    "merge": {"target": "TS2026999999"},
    "close": {"reason": "投诉人表示无须回访"},
}


def fields_of(name: str, org: dict) -> dict[str, Any]:
    return STEPS[name](org)[1] if name in STEPS else FIELDS.get(name, {})


def snapshot(c: Complaint) -> tuple:
    """Everything an action could change: the row, its history and the rows hanging off it."""
    return (
        Complaint.objects.filter(pk=c.pk).values().get(),
        list(Event.objects.filter(complaint=c).values_list("seq", "action")),
        list(Attachment.objects.filter(complaint=c).values_list("id", "released")),
        Letter.objects.filter(complaint=c).count(),
        IdentityGrant.objects.filter(complaint=c).count(),
        list(DemandItem.objects.filter(complaint=c).values_list("text", "state")),
    )


@pytest.fixture
def frozen(archived, register):
    """The archived case, with a query code the test knows (the portal's rows) and a pending
    repeat link (detection's), so every writer reaches its archived check."""
    from tousu.detection.models import RepeatLink

    Complaint.objects.filter(pk=archived.pk).update(query_code_hash=hash_query_code(archived.number, "ABCD2345"))
    other = register(
        summary="另一件投诉", content="另一件事情", complainants=[{"name": "王五", "phone": "13700001111"}]
    )
    RepeatLink.objects.create(complaint=archived, original=other, score=0.9, shared=[], rule="test")
    archived.refresh_from_db()
    return archived


def refused(response: Any, name: str) -> None:
    assert response.status_code == 409, (name, response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "archived" and "已归档" in body["message"], (name, body)


def test_every_form_action_is_refused_through_the_api(api_client, frozen, org):
    before = snapshot(frozen)
    tried = []
    for name, action in ACTIONS.items():
        if action.face is not Face.FORM:
            continue
        body = {"version": frozen.version, **fields_of(name, org)}
        r = api_client.post(org["center"], f"/complaints/{frozen.number}/{name}", body)
        if r.status_code == 422:
            pytest.fail(f"{name}: add a valid body to FIELDS ({r.content[:200]!r})")
        refused(r, name)
        # Whoever asks: a clerk, a handler of the unit, the follow-up agent get the same answer.
        for who in ("clerk", "handler", "followup"):
            refused(api_client.post(org[who], f"/complaints/{frozen.number}/{name}", body), f"{name} by {who}")
        tried.append(name)
    assert {"accept", "dispatch", "reply", "follow_up", "reopen", "urge", "supervise", "archive"} <= set(tried)
    assert snapshot(frozen) == before


def test_every_own_route_and_package_route_is_refused(api_client, frozen, org, client):
    center, clerk, handler = org["center"], org["clerk"], org["handler"]
    n = frozen.number
    photo = Attachment.objects.filter(complaint=frozen).first()
    before = snapshot(frozen)
    calls = {
        "attach": lambda: client.post(
            f"/api/v1/complaints/{n}/attachments",
            {"file": _upload()},
            HTTP_AUTHORIZATION=api_client._auth(clerk)["HTTP_AUTHORIZATION"],
        ),
        "request_identity": lambda: api_client.post(handler, f"/complaints/{n}/identity-requests", {"reason": "回访"}),
        "decide_identity": lambda: api_client.post(
            center, f"/complaints/{n}/identity-requests/1/decision", {"approved": True}
        ),
        "release_attachment": lambda: api_client.post(center, f"/complaints/{n}/attachments/{photo.pk}/release"),
        "confirm_repeat": lambda: api_client.post(clerk, f"/complaints/{n}/repeat-decision", {"confirm": True}),
        "reject_repeat": lambda: api_client.post(
            clerk, f"/complaints/{n}/repeat-decision", {"confirm": False, "reason": "不是同一事项"}
        ),
        "override_grade": lambda: api_client.post(
            center, f"/complaints/{n}/grade-override", {"grade": "major", "reason": "影响较大"}
        ),
        "edit_demands": lambda: api_client.client_put(clerk, f"/complaints/{n}/demand-items", {"items": ["新诉求"]}),
        "make_letter": lambda: api_client.post(center, f"/complaints/{n}/letters", {"template": "reply"}),
        "record_investigation": lambda: api_client.post(
            center, f"/complaints/{n}/investigation/entries", {"kind": "note", "text": "补记"}
        ),
        "sign_solution": lambda: api_client.post(
            center, f"/complaints/{n}/solution-signoffs", {"version": frozen.version, "approved": True}
        ),
        "refuse_solution": lambda: api_client.post(
            center, f"/complaints/{n}/solution-signoffs", {"version": frozen.version, "approved": False, "note": "否"}
        ),
        "determine": lambda: api_client.post(org["panel"], f"/complaints/{n}/determination", DETERMINATION),
        "rectify": lambda: api_client.post(center, "/capa", {**RECTIFICATION, "complaints": [n]}),
    }
    for name, call in calls.items():
        refused(call(), name)
    assert snapshot(frozen) == before


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("补充.png", PNG, content_type="image/png")


def test_every_row_of_the_table_is_refused_by_its_service(frozen, org):
    """Each row's own service (or, for the rows another package writes, that package's), called
    with an input that skips validation: the archived check comes first, for everyone."""
    from tousu.accountability import sanctions
    from tousu.accountability import services as accountability
    from tousu.capa import services as capa
    from tousu.complaints.services import timekeeping
    from tousu.detection import services as detection
    from tousu.investigation import services as investigation
    from tousu.letters import services as letters
    from tousu.portal import services as portal
    from tousu.replycheck import services as replycheck
    from tousu.solution import services as solution

    center, clerk = org["center"], org["clerk"]
    caller = portal.Caller(number=frozen.number, code="ABCD2345", address="127.0.0.1", face="web")
    elsewhere = {
        "rate": lambda: portal.rate(caller=caller, satisfaction="satisfied"),
        "add_material": lambda: portal.add_material(caller=caller, text="补充说明"),
        "confirm_repeat": lambda: detection.decide_repeat(actor=clerk, number=frozen.number, confirm=True),
        "reject_repeat": lambda: detection.decide_repeat(actor=clerk, number=frozen.number, confirm=False, reason="否"),
        "override_grade": lambda: detection.override_grade(
            actor=center, number=frozen.number, grade="major", reason="影响较大"
        ),
        "edit_demands": lambda: replycheck.edit_items(actor=clerk, number=frozen.number, items=["新诉求"]),
        "make_letter": lambda: letters.make_letter(
            actor=center, number=frozen.number, data=letters.LetterIn(template="reply")
        ),
        "attach": lambda: attachments.add(
            actor=clerk, number=frozen.number, data=inputs.Attach(name="a.png", content=PNG)
        ),
        "record_investigation": lambda: investigation.add_entry(
            actor=center, number=frozen.number, data=investigation.EntryIn(kind="note", text="补记")
        ),
        "sign_solution": lambda: solution.decide(
            actor=center, number=frozen.number, data=solution.SignOff(version=frozen.version, approved=True)
        ),
        "refuse_solution": lambda: solution.decide(
            actor=center, number=frozen.number, data=solution.SignOff(version=frozen.version, approved=False, note="否")
        ),
        "determine": lambda: accountability.determine(
            actor=org["panel"], number=frozen.number, data=accountability.DeterminationIn(**DETERMINATION)
        ),
        "confirm_sanction": lambda: sanctions.confirm(
            actor=org["panel"], number=frozen.number, sanction=1, data=sanctions.ConfirmIn()
        ),
        "decide_appeal": lambda: sanctions.decide_appeal(
            actor=org["leader"],
            number=frozen.number,
            sanction=1,
            data=sanctions.DecideAppealIn(outcome="upheld", decision="维持"),
        ),
        "rectify": lambda: capa.create(actor=center, data=capa.CreateIn(**RECTIFICATION, complaints=[frozen.number])),
    }
    # The system's writes: nothing to refuse to anyone, the record is left as it is.
    system = {
        "recompute_dues": lambda: timekeeping.recompute_one(frozen.pk, None),
        "detect_repeat": lambda: _system_write(frozen, "detect_repeat"),
        "detect_group": lambda: _system_write(frozen, "detect_group"),
        "detect_grade": lambda: _system_write(frozen, "detect_grade"),
        # An archived case has no open sanction (the archive waits for them): nothing to finalise,
        # and an appeal finds no sanction to appeal (404 before any state).
        "finalise_sanction": lambda: sanctions.finalise_due(),
        "appeal_sanction": lambda: _no_appeal(org),
    }
    before = snapshot(frozen)
    for action in TABLE:
        name = action.name
        if not action.sources or name in READS:  # registration and the import make a complaint
            continue
        if name in system:
            system[name]()
        elif name in ("rate", "add_material"):  # the portal's own check of the state answers first
            with pytest.raises(InvalidTransition):
                elsewhere[name]()
        elif name in elsewhere:
            with pytest.raises(InvalidTransition, match="已归档"):
                elsewhere[name]()
        else:
            data = action.input.model_construct(version=frozen.version, **fields_of(name, org))
            with pytest.raises(InvalidTransition, match="已归档") as refusal:
                action.service(actor=center, number=frozen.number, data=data)
            assert refusal.value.code == "archived" and refusal.value.status == 409, name
        assert snapshot(frozen) == before, name


def _no_appeal(org: dict) -> None:
    from tousu.accountability import sanctions
    from tousu.core.errors import NotFound

    with pytest.raises(NotFound):
        sanctions.appeal(actor=org["handler"], sanction=1, data=sanctions.AppealIn(reason="不服"))


def _system_write(c: Complaint, action: str) -> None:
    """Detection's write on a complaint it found (a group, a repeat, a grade): the flags set, then
    ``finish`` as detection calls it, with the system as the actor."""
    c = Complaint.objects.get(pk=c.pk)
    c.flags = {**c.flags, "group": {"by": None}}
    finish(c, actor=None, action=action, before=c.status)
    assert "group" not in c.flags  # the in-memory change is dropped, not saved


def test_reading_still_works(api_client, frozen, org):
    center, handler, auditor = org["center"], org["handler"], org["auditor"]
    version = frozen.version
    for user in (center, handler, auditor):
        assert api_client.get(user, f"/complaints/{frozen.number}").json()["status"] == "archived"
        assert api_client.get(user, f"/complaints/{frozen.number}/events").status_code == 200
    detail = api_client.get(center, f"/complaints/{frozen.number}").json()
    assert detail["allowed_actions"] == [] and detail["version"] == version
    # The contact details are revealed on record (an event with the reason), the facts unchanged.
    facts = Complaint.objects.filter(pk=frozen.pk).values("status", "summary", "content", "reply_text").get()
    r = api_client.post(center, f"/complaints/{frozen.number}/contact-details", {"reason": "法院调卷核对"})
    assert r.status_code == 200, r.content
    assert "13912345678" in str(r.json())
    last = Event.objects.filter(complaint=frozen).order_by("-seq").first()
    assert last.action == "reveal_contact" and last.note == "法院调卷核对" and last.to_status == "archived"
    assert Complaint.objects.filter(pk=frozen.pk).values("status", "summary", "content", "reply_text").get() == facts
