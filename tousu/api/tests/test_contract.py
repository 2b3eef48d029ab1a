"""The OpenAPI document is a contract a client can be generated from (STYLE §10): every answer
has a declared schema, every closed set is an enum whose labels are in the document, nullable
fields say so. (That the answers keep to it is schemathesis' part: test_schemathesis.py.)"""

from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Role, Scope
from tousu.complaints.actions import FORM_ACTIONS
from tousu.complaints.models import (
    Channel,
    DispatchMode,
    Kind,
    ReplyMethod,
    Satisfaction,
    Substantiated,
    Validity,
)
from tousu.complaints.states import Status

CLOSED_SETS = [Channel, Kind, Status, DispatchMode, ReplyMethod, Satisfaction, Substantiated, Validity, Role, Scope]
FILES = {
    "text/csv",
    "*/*",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The document as a client fetches it (no token needed), once for the module: it is built
    from code alone, no database."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]


def test_every_answer_of_every_operation_declares_its_schema(document):
    bare = []
    for path, method, op in operations(document):
        for status, answer in op["responses"].items():
            content = answer.get("content", {})
            if status == "204":
                assert not content, (path, method)
                continue
            if FILES & set(content):
                continue  # a file: its media types are declared instead
            schema = content["application/json"]["schema"]
            if "$ref" not in schema and "anyOf" not in schema and not schema.get("properties"):
                bare.append((method, path, status))
    assert bare == []


def test_every_operation_declares_its_errors_as_the_error_shape(document):
    for path, method, op in operations(document):
        errors = {s: a for s, a in op["responses"].items() if s.startswith("4")}
        # every route needs a token, but the portal's public routes (tousu/api/public.py)
        assert "401" in errors or path.startswith("/api/v1/public/"), (method, path)
        for status, answer in errors.items():
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
            assert answer["description"], (method, path, status)
    actions = [
        op
        for path, method, op in operations(document)
        if method == "post" and path.endswith(tuple(f"/{n}" for n in FORM_ACTIONS))  # GET …/archive: the file
    ]
    assert actions and all({"400", "403", "404", "409", "413", "422"} <= set(op["responses"]) for op in actions)


@pytest.mark.parametrize("choices", CLOSED_SETS, ids=lambda c: c.__name__)
def test_each_closed_set_is_one_enum_component_with_its_chinese_labels(document, choices):
    enum = component(document, choices.__name__)
    assert enum["enum"] == list(choices.values)
    assert enum["x-enum-varnames"] == list(choices.names)
    assert enum["x-enum-descriptions"] == [str(label) for label in choices.labels]
    first = next(iter(choices))
    assert f"{first.value} {first.label}" in enum["description"]


def test_channel_is_documented_with_its_codes_not_its_labels(document):
    enum = component(document, "Channel")
    assert "hotline" in enum["enum"] and "热线电话" not in enum["enum"]
    assert enum["description"].startswith("渠道：hotline 热线电话；letter 来信；")


@pytest.mark.parametrize(
    ("model", "field", "enum"),
    [
        ("RegisterIn", "channel", "Channel"),
        ("RegisterIn", "kind", "Kind"),
        ("Dispatch", "mode", "DispatchMode"),
        ("Reply", "method", "ReplyMethod"),
        ("ResolveOnSpot", "reply_method", "ReplyMethod"),
        ("FollowUp", "satisfaction", "Satisfaction"),
        ("SubmitResult", "substantiated", "Substantiated"),
        ("RuleIn", "mode", "DispatchMode"),
        ("ComplaintDetail", "status", "Status"),
        ("ComplaintDetail", "validity", "Validity"),
        ("ListRow", "channel", "Channel"),
        ("EventRow", "to_status", "Status"),
    ],
)
def test_inputs_and_answers_take_the_closed_sets_as_enums(document, model, field, enum):
    prop = component(document, model)["properties"][field]
    refs = [prop.get("$ref")] + [p.get("$ref") for p in prop.get("allOf", [])]  # allOf: beside a default
    assert f"#/components/schemas/{enum}" in refs, prop


@pytest.mark.parametrize(
    ("model", "field", "enum"),
    [
        ("DecideExtension", "notice_method", "ReplyMethod"),
        ("ComplainantSchema", "preferred_reply", "ReplyMethod"),
    ],
)
def test_an_optional_closed_set_takes_its_enum_or_empty_for_none(document, model, field, enum):
    options = component(document, model)["properties"][field]["anyOf"]
    assert {"$ref": f"#/components/schemas/{enum}"} in options
    assert any(o.get("const") == "" for o in options)


@pytest.mark.parametrize(
    ("model", "field", "listed"),
    [
        ("Accept", "category", "categories"),
        ("Accept", "grade", "grades"),
        ("Dispatch", "unit", "units"),
        ("Decline", "reason", "reasons.decline"),
        ("Return", "reason", "reasons.return"),
        ("RegisterIn", "flags", "flags"),
        ("RespondentSchema", "unit", "units"),
    ],
)
def test_preset_codes_stay_strings_that_name_their_reference_list(document, model, field, listed):
    prop = component(document, model)["properties"][field]
    assert "enum" not in prop and prop["x-reference"] == listed and listed in prop["description"]


def test_nullable_times_and_amounts_are_declared_as_such(document):
    detail = component(document, "ComplaintDetail")
    props = detail["properties"]
    assert set(detail["required"]) == set(props)  # every key is always present
    assert props["closed_at"]["anyOf"] == [{"format": "date-time", "type": "string"}, {"type": "null"}]
    assert props["registered_at"] == {"format": "date-time", "title": "Registered At", "type": "string"}
    for field in ("amount", "compensation_amount"):
        money, null = props[field]["anyOf"]
        assert money["type"] == "string" and money["format"] == "decimal" and null == {"type": "null"}
    assert {"type": "null"} in props["dispatch_mode"]["anyOf"]


def test_an_action_answers_the_record_or_the_short_moved_out_form(document):
    answer = document["paths"]["/api/v1/complaints/{number}/return"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/ComplaintDetail"},
        {"$ref": "#/components/schemas/MovedOut"},
    ]
    moved = component(document, "MovedOut")
    assert moved["properties"]["in_scope"] == {"const": False, "title": "In Scope", "type": "boolean"}
    assert "in_scope" not in component(document, "ComplaintDetail")["properties"]  # the two never match alike


def test_each_action_route_describes_its_row_of_the_action_table(document):
    dispatch = document["paths"]["/api/v1/complaints/{number}/dispatch"]["post"]
    assert dispatch["description"].startswith(
        "从状态：已受理（accepted）。结果：已分办（dispatched）、办理中（in_progress）。"
    )
    assert "投诉中心督办员（center）" in dispatch["description"]


@pytest.mark.django_db
def test_an_answer_that_breaks_its_declared_schema_is_a_server_error_not_the_clients(
    api_client, register, clerk, monkeypatch, caplog
):
    complaint = register()
    monkeypatch.setattr(
        "tousu.complaints.selectors.complaint_detail", lambda actor, c, fresh=False: {"number": c.number}
    )
    response = api_client.get(clerk, f"/complaints/{complaint.number}")
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
    assert "unexpected error" in caplog.text
