"""The world the role × endpoint matrices run in (tousu/api/tests/test_role_matrix.py,
tousu/web/tests/test_page_matrix.py; the action machine of tousu/complaints/tests takes its inputs
from here too): one persona per role, an anonymous visitor and a partner's own account; a
complaint in every state, walked through the real services; and a real object of each kind a
route's path names (attachment, identity request, letter, routing rule, report, rectification,
export, partner…), so that a refusal is the permission check's and not a missing object's.

Every request runs in a savepoint rolled back afterwards (``rolled_back``), so one principal's
success does not change what the next one meets; before the rollback the world's ``fingerprint``
is compared, which proves that a refusal changed nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tousu.accounts.models import ApiToken, Role, Scope, User
from tousu.complaints import attachments, inputs
from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.complaints.services import grants
from tousu.conftest import STEPS, declines

ANONYMOUS, PARTNER = "anonymous", "partner"
# Everyone the matrix tries: the staff roles, a visitor without credentials, and a partner's own
# account (a handler with no unit and scope 「本人案件」, fenced to the partners' routes).
PRINCIPALS: tuple[str, ...] = (*Role.values, ANONYMOUS, PARTNER)
# The demo organisation's persona for each role (tousu.presets.demo); the unit roles are the
# 市场监管局's, the handling unit of every dispatched case below. ``quality`` and ``partner`` are
# made here (the government demo has neither).
PERSONA = {r: r for r in Role.values} | {PARTNER: PARTNER}

# The fields each lifecycle action is given besides its version: the walk's (tousu/conftest.py)
# and, for the actions the walk never takes, these.
FIELDS: dict[str, dict[str, Any]] = {
    "convert": {"reason": "经核实属投诉"},
    "propose_dispatch": {"unit": "amr", "mode": "assign"},
    "decide_dispatch": {"approved": True},
    "refuse_return": {"note": "理由不成立"},
    "assign_handler": {"handler": "handler"},
    "sub_dispatch": {"unit": "amr-consumer"},
    "give_opinion": {"text": "同意主办单位意见"},
    "mark_conflict": {"user": "followup", "reason": "与投诉人系亲属"},
    "lift_conflict": {"user": "followup", "reason": "经核实无利害关系"},
    "close": {"reason": "投诉人明确表示无须回访"},
    "merge": {"note": "同一事项"},
}
# How each state is reached from registration (each state its own complaint).
DISPATCHED = ("accept", "dispatch", "assign_handler")
PATHS: dict[str, tuple[str, ...]] = {
    "registered": (),
    "accepted": ("accept",),
    "declined": ("decline",),
    "dispatched": DISPATCHED,
    "in_progress": (*DISPATCHED, "sign"),
    "suspended": (*DISPATCHED, "sign", "suspend"),
    "pending_approval": (*DISPATCHED, "sign", "give_opinion", "submit_result"),
    "approved": (*DISPATCHED, "sign", "give_opinion", "submit_result", "approve"),
    "replied": (*DISPATCHED, "sign", "give_opinion", "submit_result", "approve", "reply"),
    "closed": (*DISPATCHED, "sign", "give_opinion", "submit_result", "approve", "reply", "follow_up"),
    "under_review": (*DISPATCHED, "sign", "give_opinion", "submit_result", "approve", "reply", "follow_up",
                     "request_review"),
    "archived": (*DISPATCHED, "sign", "give_opinion", "submit_result", "approve", "reply", "follow_up", "archive"),
}  # fmt: skip
# Who takes a step the walk of tousu/conftest.py does not know, and where the walk's persona
# would not do (the co-unit gives its opinion).
ACTORS = {"give_opinion": "housing", "assign_handler": "head"}
# The dispatch of the world: assigned to 市场监管局 with 住建局 as co-unit, so that every unit
# condition of the action table can be met by some persona.
DISPATCH = {"unit": "amr", "mode": "assign", "co_units": ["housing"]}


class _Nobody(dict):
    """The walk's steps name their persona and their fields: only the fields are wanted here."""

    def __missing__(self, key: str) -> None:
        return None


_NOBODY = _Nobody()


def fields(name: str, complaint: Complaint) -> dict[str, Any]:
    """The action's input as a client sends it: the current version and sensible fields."""
    body: dict[str, Any] = {"version": complaint.version}
    if name in STEPS:
        body.update(STEPS[name](_NOBODY)[1])
    body.update(FIELDS.get(name, {}))
    if name == "dispatch":
        body.update(DISPATCH)
    if name in ("submit_result", "reply", "resolve_on_spot"):
        body["declined"] = {str(k): v for k, v in declines(complaint, body).items()}
    return body


# Tables written by the routes that change no complaint (administration, side records): a refusal
# must leave each as it was.
COUNTED = (
    "complaints.Event",
    "complaints.Complaint",
    "complaints.Attachment",
    "complaints.IdentityGrant",
    "complaints.RoutingRule",
    "accounts.User",
    "accounts.Unit",
    "accounts.AdminLog",
    "accounts.ApiToken",
    "letters.Letter",
    "reports.Report",
    "capa.Action",
    "ledger.Export",
    "partners.Partner",
    "partners.PartnerMember",
    "partners.Inquiry",
    "partners.Statement",
    "detection.GroupEvent",
    "detection.HotIssue",
    "accountability.Sanction",
    "complaints.Notification",
)


@dataclass
class World:
    org: dict[str, User]
    cases: dict[str, Complaint]  # state → a complaint in it
    query_code: str  # the portal's code of the replied case
    objects: dict[str, str] = field(default_factory=dict)  # path parameter → a real value

    def user(self, principal: str) -> User | None:
        return None if principal == ANONYMOUS else self.org[PERSONA[principal]]

    def case(self, state: str) -> Complaint:
        return Complaint.objects.get(pk=self.cases[state].pk)

    def fingerprint(self) -> tuple[Any, ...]:
        """What a write would change: the rows of the audited tables (counted in one query), every
        complaint's version and status, and every user's activity, role, unit and password."""
        tables = [connection.ops.quote_name(apps.get_model(label)._meta.db_table) for label in COUNTED]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables))
            counts = cursor.fetchone()
        versions = tuple(Complaint.objects.order_by("pk").values_list("version", "status"))
        people = tuple(User.objects.order_by("pk").values_list("is_active", "role", "unit_id", "password"))
        return counts, versions, people


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone on leaving. Marked as a test case's block, so that the services' own
    ``atomic(durable=True)`` may open inside it, as inside pytest-django's test transaction."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    with block:
        yield
        transaction.set_rollback(True)


def reach(org: dict[str, User], complaint: Complaint, state: str) -> Complaint:
    for name in PATHS[state]:
        actor = org[ACTORS[name]] if name in ACTORS else STEPS[name](org)[0]
        complaint = perform(name, actor, complaint.number, fields(name, complaint))
    assert complaint.status == state, (state, complaint.status)
    return complaint


# The partners' section on (the government preset has it off), with one violation to inquire about.
PARTNERS = {"enabled": True, "violations": [{"code": "subscription", "name": "违规定制", "points": 10}]}


def build(org: dict[str, User], client: Client, use_preset: Any) -> World:
    """The personas, a complaint in every state, and one object of each kind, in the government
    preset with the partners' desk on (``use_preset``: the fixture of tousu/conftest.py). The
    objects are made the way a client makes them (through the API, by the one whose work it is)
    where they can be."""
    use_preset(partners=PARTNERS)
    from tousu.complaints.services import register
    from tousu.conftest import registration
    from tousu.partners.models import Partner, PartnerMember

    org = dict(org)
    org[Role.QUALITY] = User.objects.create_user(
        username="quality", password="x", role=Role.QUALITY, scope=Scope.ALL, unit=org["center"].unit
    )
    org[PARTNER] = User.objects.create_user(username="partner", password="x", role=Role.HANDLER, scope=Scope.OWN)
    partner = Partner.objects.create(code="sp_a", name="长沙某信息技术有限公司", kind="sp", credit=100)
    PartnerMember.objects.create(user=org[PARTNER], partner=partner)
    cases, codes = {}, {}
    for state in PATHS:
        made = register(actor=org["clerk"], data=registration())
        cases[state], codes[state] = reach(org, made.complaint, state), made.query_code
    world = World(org=org, cases=cases, query_code=codes["replied"])
    world.objects.update(_objects(world, client))
    return world


def _objects(world: World, client: Client) -> dict[str, str]:
    from tousu.accountability.models import Sanction
    from tousu.detection.models import GroupEvent, HotIssue
    from tousu.presets import REGISTRY

    org, c = world.org, world.cases["in_progress"]
    tokens = {name: ApiToken.issue(org[name]) for name in ("admin", "clerk", "center", "panel")}

    def post(who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = client.post(
            "/api/v1" + path, json.dumps(body), content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[who]}",
        )  # fmt: skip
        assert r.status_code < 300, (path, r.status_code, r.content[:500])
        return r.json()

    found: dict[str, str] = {"day": timezone.localdate().isoformat(), "code": "amr", "username": "consumer"}
    file = attachments.add(actor=org["clerk"], number=c.number, data=inputs.Attach(name="现场照片.txt", content=b"x"))
    found["attachment_id"] = str(file.pk)
    grant = grants.request_identity(actor=org["handler"], number=c.number, data=inputs.IdentityRequest(reason="需回电"))
    found["grant_id"] = str(grant.pk)
    found["name"] = REGISTRY["government"].deadlines[0].name
    found["rule_id"] = str(
        post("admin", "/routing-rules", {"name": "市场监管类", "mode": "assign", "unit": "amr"})["id"]
    )
    found["letter_id"] = str(
        post("center", f"/complaints/{world.cases['approved'].number}/letters", {"template": "reply"})["id"]
    )
    # Two group events and two hot issues (a merge takes two), each with a case of 市场监管局's.
    now = timezone.now()
    for kind, model in (("pk", GroupEvent), ("hot_pk", HotIssue)):
        made = [model.objects.create(title="窗口服务", first_at=now, last_at=now) for _ in range(2)]
        for gathering, state in zip(made, ("in_progress", "dispatched"), strict=True):
            gathering.complaints.add(world.cases[state])
        found[kind], found[kind + "_2"] = str(made[0].pk), str(made[1].pk)
    capa = post(
        "center", "/capa", {"complaints": [c.number], "kind": "corrective", "title": "窗口整改", "owner": "handler"}
    )
    found["action_id"] = str(capa["id"])
    found["report_id"] = str(post("center", "/reports", {"kind": "monthly", "period": "2026-11"})["id"])
    found["key"] = str(post("center", "/ledger/exports", {})["id"])
    found["token_id"] = str(ApiToken.objects.filter(user=org["clerk"]).values_list("pk", flat=True).first())
    post(
        "panel",
        f"/complaints/{world.cases['closed'].number}/determination",
        {
            "liable": True,
            "reasons": ["attitude"],
            "panel": ["panel"],
            "shares": [{"person": "handler", "percent": "100"}],
        },
    )
    inquiry = post(
        "center", "/partners/inquiries", {"partner": "sp_a", "violation": "subscription", "facts": "违规定制"}
    )
    found["inquiry_id"] = str(inquiry["id"])
    statement = {"partner": "sp_a", "month": "2026-11", "test_score": 8, "info_fees": 100}
    found["statement_id"] = str(post("center", "/partners/statements", statement)["id"])
    post("center", f"/partners/statements/{found['statement_id']}/publish", {})  # the partner sees it now
    found["sanction"] = str(Sanction.objects.values_list("pk", flat=True).first() or 0)
    return found


def stub_documents(monkeypatch: Any) -> None:
    """Render PDF and Word files as a few bytes: the matrix asks who may fetch a document, and a
    real one costs seconds (WeasyPrint); how documents look is tousu/letters, reports and archive's
    tests' to prove."""
    from weasyprint import HTML

    from tousu.letters import render as letters
    from tousu.reports import render as reports

    monkeypatch.setattr(HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7\n%stub\n")
    for module in (letters, reports):
        monkeypatch.setattr(module, "docx", lambda row: b"PK\x03\x04stub")
        monkeypatch.setattr(module, "pdf", lambda row: b"%PDF-1.7\n%stub\n")
