"""The role × endpoint matrix of the API (issue 17 item 4): every principal — each staff role, an
anonymous caller and a partner's own account — calls every operation of the OpenAPI document, its
path filled with real objects (a complaint in a state the action may leave from, an attachment, a
letter, a report…; ``matrix_world``) and a valid body, and the answer must be what ``EXPECTED``
says: allowed (2xx, or a 4xx past the permission check: a refused transition, a validation
error, a conflict), or refused — 401/403/404 with its error code, no data, and nothing changed.

``EXPECTED`` holds, per operation, the set of principals allowed. The lifecycle actions' sets come
from the action table (``ACTIONS[a].roles``), not restated here. An operation missing from the
table fails the test: a new route must state its expectations. One test walks the whole table
and lists every mismatch at once.

Tokens with scopes: every principal's token carries all scopes here (``token_for``); a matrix
of scopes × routes belongs next to this one, with its own principals ("clerk, read only") and the
scope each operation needs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tousu.accounts.models import ApiToken, Role, User
from tousu.api.api import api
from tousu.api.tests.matrix_world import (
    ANONYMOUS,
    PARTNER,
    PRINCIPALS,
    World,
    build,
    fields,
    rolled_back,
    stub_documents,
)
from tousu.complaints.actions import ACTIONS, FORM_ACTIONS
from tousu.presets import REGISTRY

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(PRINCIPALS)
STAFF = frozenset(Role.values)  # every signed-in staff member, whatever the role
NOBODY: frozenset[str] = frozenset()
ADMIN = frozenset({Role.ADMIN})
# The partners' desk (tousu.partners.access.is_desk), and the partner's own account besides.
DESK = frozenset({Role.ADMIN, Role.CENTER, Role.QUALITY})
PARTNERS_READ = STAFF | {PARTNER}
# Who reads the organisation's figures and reports (managers, not the unit's handlers).
MANAGERS = frozenset({Role.ADMIN, Role.CENTER, Role.HEAD, Role.PANEL, Role.QUALITY, Role.AUDITOR})
REPORT_READERS = STAFF - {Role.HEAD, Role.HANDLER}
REPORT_MAKERS = frozenset({Role.ADMIN, Role.CENTER})
# An attachment not yet released (放行) is hidden from the handling unit's side (SPEC §7).
NOT_UNIT_SIDE = STAFF - {Role.HEAD, Role.HANDLER}


def roles_of(action: str) -> frozenset[str]:
    return frozenset(ACTIONS[action].roles)


# The guards that refuse some of an action's roles with a 403 of their own.
GUARDED: dict[str, frozenset[str]] = {
    # The unit above the one whose result is reviewed decides (complaints/reviewing.py): the head
    # persona tried is the county's leader; the centre's supervisors as such are refused.
    "decide_review": frozenset({Role.CENTER}),
}

EXPECTED: dict[str, frozenset[str]] = {
    # -- complaints -------------------------------------------------------------------------------
    "POST /complaints": roles_of("register"),
    "GET /complaints": STAFF,
    "GET /complaints/export": STAFF,
    "GET /complaints/{number}": STAFF,
    "GET /complaints/{number}/dispatch-letter": STAFF,
    "GET /complaints/{number}/events": STAFF,
    "POST /complaints/{number}/attachments": roles_of("attach"),
    "GET /complaints/{number}/attachments/{attachment_id}": NOT_UNIT_SIDE,
    "POST /complaints/{number}/identity-requests": roles_of("request_identity"),
    # The preset's contact_reveal_roles among those the action table lets ask.
    "POST /complaints/{number}/contact-details": roles_of("reveal_contact")
    & frozenset(REGISTRY["government"].contact_reveal_roles)
    - {Role.HEAD, Role.HANDLER},  # the case is redacted for the unit (摘转)
    "POST /complaints/{number}/identity-requests/{grant_id}/decision": roles_of("decide_identity"),
    "POST /complaints/{number}/attachments/{attachment_id}/release": roles_of("release_attachment"),
    **{f"POST /complaints/{{number}}/{a}": roles_of(a) - GUARDED.get(a, NOBODY) for a in FORM_ACTIONS},
    "GET /complaints/{number}/archive": roles_of("export_archive"),
    "GET /complaints/{number}/routing-proposal": STAFF,
    # -- calendar, notifications, organisation, reference ------------------------------------------
    "GET /calendar/working-days": STAFF,
    "GET /calendar/between": STAFF,
    "GET /calendar/days/{day}": STAFF,
    "PUT /calendar/days/{day}": ADMIN,
    "GET /calendar": STAFF,
    "POST /calendar/import": ADMIN,
    "GET /notifications": STAFF,
    "POST /notifications/read": STAFF,
    "GET /units": STAFF,
    "POST /units": ADMIN,
    "PATCH /units/{code}": ADMIN,
    "POST /units/{code}/move": ADMIN,
    "POST /units/{code}/deactivate": ADMIN,
    "POST /units/{code}/activate": ADMIN,
    "GET /routing-rules": STAFF,
    "POST /routing-rules": ADMIN,
    "PUT /routing-rules/{rule_id}": ADMIN,
    "DELETE /routing-rules/{rule_id}": ADMIN,
    "GET /stats/returns": STAFF,
    "GET /reference": STAFF,
    # -- administration ---------------------------------------------------------------------------
    "GET /admin/users": ADMIN,
    "POST /admin/users": ADMIN,
    "GET /admin/users/{username}": ADMIN,
    "PATCH /admin/users/{username}": ADMIN,
    "POST /admin/users/{username}/deactivate": ADMIN,
    "POST /admin/users/{username}/activate": ADMIN,
    "POST /admin/users/{username}/password": ADMIN,
    "GET /admin/log": ADMIN,
    "GET /admin/preset": ADMIN,
    "PATCH /admin/preset": ADMIN,
    "PATCH /admin/preset/deadlines/{name}": ADMIN,
    "POST /admin/preset/preview": ADMIN,
    "GET /admin/preset/diff": ADMIN,
    # One's own tokens; an administrator's, anyone's (the token tried is the clerk's).
    "GET /tokens": STAFF,
    "POST /tokens": STAFF,
    "DELETE /tokens/{token_id}": frozenset({Role.ADMIN, Role.CLERK}),
    # -- the public portal's JSON: no token; its code is the complainant's key ----------------------
    "GET /public/challenge": EVERYONE,
    "POST /public/complaints": EVERYONE,
    "GET /public/complaints/{number}": EVERYONE,
    "POST /public/complaints/{number}/rating": EVERYONE,
    "POST /public/complaints/{number}/review": EVERYONE,
    "POST /public/complaints/{number}/material": EVERYONE,
    "POST /public/complaints/{number}/withdrawal": EVERYONE,
    # -- detection, demands, letters, solution, investigation ---------------------------------------
    "GET /repeat-candidates": NOT_UNIT_SIDE,
    "POST /complaints/{number}/repeat-decision": roles_of("confirm_repeat"),
    "POST /complaints/{number}/grade-override": roles_of("override_grade"),
    "GET /group-events": STAFF,
    "POST /group-events/merge": frozenset({Role.CENTER}),
    "GET /group-events/{pk}": STAFF,
    "POST /group-events/{pk}/split": frozenset({Role.CENTER}),
    "GET /hot-issues": STAFF,
    "POST /hot-issues/merge": frozenset({Role.CENTER}),
    "GET /hot-issues/{pk}": STAFF,
    "POST /hot-issues/{pk}/split": frozenset({Role.CENTER}),
    "PUT /complaints/{number}/demand-items": roles_of("edit_demands"),
    "POST /complaints/{number}/letters": roles_of("make_letter"),
    "GET /complaints/{number}/letters": STAFF,
    "GET /complaints/{number}/letters/{letter_id}.pdf": STAFF,
    "GET /complaints/{number}/letters/{letter_id}.docx": STAFF,
    "POST /complaints/{number}/solution-signoffs": roles_of("sign_solution"),
    "GET /complaints/{number}/investigation": STAFF,
    "POST /complaints/{number}/investigation/entries": roles_of("record_investigation"),
    "PUT /complaints/{number}/investigation/root-cause": roles_of("record_investigation"),
    "PUT /complaints/{number}/investigation/batch": roles_of("record_investigation"),
    "GET /complaints/{number}/investigation/batch-trace": STAFF,
    # -- accountability -----------------------------------------------------------------------------
    "POST /complaints/{number}/determination": roles_of("determine"),
    "GET /complaints/{number}/determination": STAFF,
    "POST /complaints/{number}/sanctions/{sanction}/confirm": roles_of("confirm_sanction"),
    # Only the sanctioned may appeal (the sanction tried is the handler's).
    "POST /sanctions/{sanction}/appeal": frozenset({Role.HANDLER}),
    "POST /complaints/{number}/sanctions/{sanction}/appeal-decision": roles_of("decide_appeal"),
    "GET /sanctions/mine": STAFF,
    # A handler gets their own row (by person, the default for them), as on the page.
    "GET /scorecards": MANAGERS | {Role.HANDLER},
    "GET /scorecards.xlsx": MANAGERS | {Role.HANDLER},
    "GET /stats": STAFF,
    # -- partners -----------------------------------------------------------------------------------
    "GET /partners/inquiries": PARTNERS_READ,
    "POST /partners/inquiries": DESK,
    "GET /partners/inquiries/{inquiry_id}": PARTNERS_READ,
    "POST /partners/inquiries/{inquiry_id}/answer": frozenset({PARTNER}),
    "POST /partners/inquiries/{inquiry_id}/outcome": DESK,
    "GET /partners/statements": PARTNERS_READ,
    "POST /partners/statements": DESK,
    "GET /partners/statements/{statement_id}": PARTNERS_READ,
    "POST /partners/statements/{statement_id}/publish": DESK,
    "POST /partners/statements/{statement_id}/disputes": frozenset({PARTNER}),
    "POST /partners/statements/{statement_id}/decisions": DESK,
    "POST /partners/statements/{statement_id}/finalise": DESK,
    "GET /partners/statements/{statement_id}/export": PARTNERS_READ,
    "POST /partners/attributions": DESK,
    "POST /partners/attributions/match": DESK,
    "GET /partners": PARTNERS_READ,
    "POST /partners": DESK,
    "GET /partners/{code}": PARTNERS_READ,
    "POST /partners/{code}/members": DESK,
    "GET /partners/{code}/attributions": STAFF,  # they name complaints: never the partner's
    # -- rectification, ledger, reports -----------------------------------------------------------
    "GET /capa": STAFF,
    "POST /capa": roles_of("rectify"),
    "GET /capa/{action_id}": STAFF,
    # Its owner (the handler) records its work; those who may set up a rectification cancel it.
    "POST /capa/{action_id}/done": roles_of("rectify") | {Role.HANDLER},
    "POST /capa/{action_id}/batches": roles_of("rectify") | {Role.HANDLER},
    "POST /capa/{action_id}/cancel": roles_of("rectify"),
    "GET /ledger": STAFF,
    "GET /ledger/export": STAFF,
    "POST /ledger/exports": STAFF,
    # An export is its maker's alone (the one tried is the centre's).
    "GET /ledger/exports/{key}": frozenset({Role.CENTER}),
    "GET /ledger/exports/{key}/file": frozenset({Role.CENTER}),
    "GET /ledger/pending": STAFF,
    # Reports on the organisation: read by all but the handling units' staff, made by the centre.
    "GET /reports": REPORT_READERS,
    "POST /reports": REPORT_MAKERS,
    "GET /reports/{report_id}": REPORT_READERS,
    "PATCH /reports/{report_id}": REPORT_MAKERS,
    "POST /reports/{report_id}/issue": REPORT_MAKERS,
    "GET /reports/{report_id}/docx": REPORT_READERS,
    "GET /reports/{report_id}/pdf": REPORT_READERS,
}

# Who plays a role where the demo persona cannot meet an action's unit condition: a co-unit's
# opinion is given by 住建局 (the co-unit), a review decided by the unit above 市场监管局.
PLACED: dict[str, dict[str, str]] = {
    "POST /complaints/{number}/give_opinion": {Role.HANDLER: "housing", Role.HEAD: "housing_head"},
    "POST /complaints/{number}/decide_review": {Role.HEAD: "leader"},
    # A dispatch proposal is signed by the head of the centre (the demo's center_head).
    "POST /complaints/{number}/decide_dispatch": {Role.HEAD: "center_head"},
}


# -- the operations, and a request for each ---------------------------------------------------------
DOCUMENT: dict[str, Any] = api.get_openapi_schema()
COMPONENTS: dict[str, Any] = DOCUMENT["components"]["schemas"]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = DOCUMENT
    return [
        (method.upper(), path.removeprefix("/api/v1"), op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


# The complaint a route is aimed at: an action's in a state it may leave from (the first of
# PREFERRED it allows), any other route's in progress at 市场监管局 unless named here.
ROUTE_STATE = {
    "/complaints/{number}/determination": "closed",
    "/complaints/{number}/sanctions/{sanction}/confirm": "closed",
    "/complaints/{number}/sanctions/{sanction}/appeal-decision": "closed",
    "/complaints/{number}/solution-signoffs": "pending_approval",
    "/complaints/{number}/letters/{letter_id}.pdf": "approved",
    "/complaints/{number}/letters/{letter_id}.docx": "approved",
    "/public/complaints/{number}": "replied",
    "/public/complaints/{number}/rating": "replied",
    "/public/complaints/{number}/review": "replied",
    "/public/complaints/{number}/material": "replied",
    "/public/complaints/{number}/withdrawal": "replied",
}
PREFERRED = ("in_progress", "dispatched", "accepted", "registered", "pending_approval", "approved", "replied",
             "closed", "suspended", "under_review", "declined", "archived")  # fmt: skip


def state_for(path: str) -> str:
    action = path.rsplit("/", 1)[-1]
    if path == f"/complaints/{{number}}/{action}" and action in FORM_ACTIONS:
        return next(s for s in PREFERRED if s in ACTIONS[action].sources)
    return ROUTE_STATE.get(path, "in_progress")


def minimal(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The smallest instance of a JSON schema: its required properties, with plain values."""
    if "$ref" in schema:
        return minimal(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return minimal(next(o for o in schema[key] if o.get("type") != "null"), components)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        required = schema.get("required", ())
        return {k: minimal(v, components) for k, v in schema.get("properties", {}).items() if k in required}
    if kind == "array":
        return [minimal(schema["items"], components) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return {"date": "2026-11-30", "date-time": "2026-11-30T10:00:00+08:00"}.get(schema.get("format", ""), "说明")
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    return True if kind == "boolean" else None


def bodies(world: World) -> dict[str, Any]:
    """Bodies a role that may call the route would send, where the smallest one would not pass."""
    o, cases = world.objects, world.cases
    code = {"code": world.query_code}
    return {
        "POST /complaints": {"channel": "hotline", "content": "窗口办事拖拉", "anonymous": True},
        "PUT /calendar/days/{day}": {"working": False, "name": "调休"},
        "POST /capa": {"complaints": [cases["in_progress"].number], "kind": "corrective", "title": "整改",
                       "owner": "handler"},
        "POST /public/complaints": {"content": "窗口人员态度恶劣，要求道歉。", "consent": True},
        "POST /public/complaints/{number}/rating": {**code, "satisfaction": "satisfied"},
        "POST /public/complaints/{number}/review": {**code, "reason": "处理过轻"},
        "POST /public/complaints/{number}/material": {**code, "text": "补充说明"},
        "POST /public/complaints/{number}/withdrawal": {**code, "statement": "已解决"},
        "POST /group-events/merge": {"ids": [int(o["pk"]), int(o["pk_2"])], "reason": "同一事件"},
        "POST /hot-issues/merge": {"ids": [int(o["hot_pk"]), int(o["hot_pk_2"])], "reason": "同一热点"},
        "POST /group-events/{pk}/split": {"numbers": [cases["in_progress"].number], "reason": "另案"},
        "POST /hot-issues/{pk}/split": {"numbers": [cases["in_progress"].number], "reason": "另案"},
        "PUT /complaints/{number}/investigation/batch": {"batch": "B20261130"},
        "POST /partners": {"code": "sp_c", "name": "星城传媒有限公司", "kind": "sp"},
        "POST /reports": {"kind": "monthly", "period": "2026-11"},
        "POST /partners/inquiries": {"partner": "sp_a", "violation": "subscription", "facts": "违规定制"},
        "POST /partners/statements": {"partner": "sp_a", "month": "2026-10", "test_score": 8, "info_fees": 100},
        "POST /partners/attributions": {"partner": "sp_a", "number": cases["in_progress"].number},
        "POST /partners/{code}/members": {"username": "consumer"},
    }  # fmt: skip


def request_for(world: World, method: str, path: str, op: dict[str, Any]) -> tuple[str, Any, str]:
    """The URL, body and kind of body of ``method path`` aimed at the world's objects."""
    complaint = world.case(state_for(path))
    values = {"number": complaint.number, **world.objects}
    if path.startswith("/hot-issues/{pk}"):
        values["pk"] = world.objects["hot_pk"]
    if path.startswith("/partners/{code}"):
        values["code"] = "sp_a"
    url = path
    for p in op.get("parameters", []):
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", values[p["name"]])
    today = timezone.localdate().isoformat()
    query_values = {"start": today, "end": today, "days": "3", "code": world.query_code}
    query = [
        f"{p['name']}={query_values[p['name']]}"
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    ]
    url += "?" + "&".join(query) if query else ""
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return url, {}, "multipart"  # its file: made afresh for each request (send)
    if not content:
        return url, None, ""
    action = path.rsplit("/", 1)[-1]
    if path == f"/complaints/{{number}}/{action}" and action in FORM_ACTIONS:
        body = fields(action, complaint)
        if action == "merge":
            body["target"] = world.cases["accepted"].number
        return url, body, "json"
    chosen = bodies(world)
    key = f"{method} {path}"
    return url, chosen[key] if key in chosen else minimal(content["application/json"]["schema"], COMPONENTS), "json"


def token_for(user: User) -> str:
    """The principal's token: every scope (see the module's docstring for a scopes matrix)."""
    return ApiToken.issue(user)


def send(client: Client, method: str, url: str, body: Any, kind: str, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    call = getattr(client, method.lower())
    if kind == "json":
        return call("/api/v1" + url, json.dumps(body), content_type="application/json", **headers)
    if kind == "multipart":
        return call("/api/v1" + url, {"file": SimpleUploadedFile("说明.txt", "补充材料".encode())}, **headers)
    return call("/api/v1" + url, **headers)


# A refusal's status and the codes it may carry.
REFUSALS = {
    401: {"not_authenticated"},
    403: {"not_permitted", "recusal_required", "not_the_reviewer", "contact_reveal_refused", "caller_lookup_refused"},
    404: {"not_found"},
}


def judge(world: World, response: Any, allowed: bool) -> list[str]:
    """What is wrong with ``response`` for a principal who is (or is not) ``allowed``."""
    status = response.status_code
    if status >= 500:
        return [f"server error {status}: {response.content[:300]!r}"]
    refused = status in REFUSALS
    if allowed and refused:
        return [f"expected allowed, got {status} {response.content[:200]!r}"]
    if allowed:
        return []
    if not refused:
        return [f"expected refused, got {status}"]
    try:
        error = response.json()
    except ValueError:
        return [f"refused with {status} but no JSON error"]
    problems = []
    if set(error) != {"code", "message", "data"} or error["code"] not in REFUSALS[status]:
        problems.append(f"refused with {status} but the error is {error}")
    text = response.content.decode()
    for c in world.cases.values():
        if c.summary in text or "张三" in text or "13812345678" in text:
            problems.append(f"the refusal tells the case: {text[:200]}")
            break
    return problems


def test_every_principal_gets_what_the_table_says_on_every_operation(org, use_preset, monkeypatch):
    stub_documents(monkeypatch)
    client = Client()
    world = build(org, client, use_preset)
    tokens = {p: token_for(world.user(p)) for p in PRINCIPALS if p != ANONYMOUS}
    placed_tokens: dict[str, str] = {}
    problems: list[str] = []
    seen = set()
    for method, path, op in operations():
        key = f"{method} {path}"
        seen.add(key)
        if key not in EXPECTED:
            problems.append(f"{key}: new route, add its expectations to EXPECTED")
            continue
        url, body, kind = request_for(world, method, path, op)  # the same for all: each runs rolled back
        for principal in PRINCIPALS:
            token = tokens.get(principal)
            if principal in PLACED.get(key, {}):
                username = PLACED[key][principal]
                if username not in placed_tokens:
                    placed_tokens[username] = token_for(User.objects.get(username=username))
                token = placed_tokens[username]
            with rolled_back():
                cache.clear()  # no rate limit counts across the matrix's requests
                before = world.fingerprint() if method != "GET" else None
                response = send(client, method, url, body, kind, token)
                allowed = principal in EXPECTED[key]
                found = judge(world, response, allowed)
                if not allowed and before is not None and world.fingerprint() != before:
                    found.append("refused, yet something changed")
            problems += [f"{key} as {principal}: {p}" for p in found]
    problems += [f"{key}: in EXPECTED but no such operation" for key in EXPECTED if key not in seen]
    assert not problems, f"{len(problems)} mismatch(es):\n" + "\n".join(problems)
