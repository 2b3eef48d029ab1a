"""Schemathesis drives every operation of the OpenAPI document — the public portal's included —
with generated input, as four callers drawn at random per example: the centre's supervisor (who
may do most), the intake clerk, a handler of 市场监管局 (scope: the unit) and an anonymous caller.
Staff aim at a complaint that exists and that they can see. No answer is a 500, and no answer
breaks the contract the document declares — its status is one the operation lists, its content
type one it declares, its body valid against the declared schema (an error: the {code, message,
data} shape). Bounded: a few examples per operation, derandomised.

Besides, the document itself: no two models share a schema name, as ninja keeps the last one it
meets under a name and would declare one route's body or answer as another's."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ninja.openapi.schema import OpenAPISchema, get_schema
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tousu.accounts.models import ApiToken
from tousu.api.api import api
from tousu.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Random generation only: the coverage phase would send every boundary combination of every
# schema (hundreds per operation), more than a test run can afford on two cores.
schema.config.phases.update(phases=["fuzzing"])
# What every answer must keep to: only statuses, media types and bodies the document declares.
CONTRACT = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Who calls: the example draws one (the public routes take no token: there, all are anonymous).
CALLERS = ("center", "clerk", "handler", "anonymous")


@pytest.fixture
def world(register, walk, org):
    """For each caller the complaint to aim at and a token: the centre and the clerk an accepted
    complaint, the handler one in progress at its unit. The WSGI app closes the database
    connection when a request ends, which would close the test's transaction: keep it open, as
    Django's test client does."""
    accepted = walk(register(), "accept")
    in_progress = walk(register(), "accept", "dispatch", "sign")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "center": (accepted.number, ApiToken.issue(org["center"])),
        "clerk": (accepted.number, ApiToken.issue(org["clerk"])),
        "handler": (in_progress.number, ApiToken.issue(org["handler"])),
        "anonymous": (accepted.number, None),
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@schema.given(caller=st.sampled_from(CALLERS))
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_is_a_server_error_or_breaks_the_declared_contract(case, caller, world):
    number, token = world[caller]
    if "number" in (case.path_parameters or {}):
        case.path_parameters["number"] = number
    response = case.call(headers={"Authorization": f"Bearer {token}"} if token else {})
    assert response.status_code < 500, (caller, case.method, case.formatted_path, case.body, response.text[:500])
    case.validate_response(response, checks=CONTRACT)
    content_type = (response.headers.get("content-type") or [""])[0]
    if response.status_code >= 400 and content_type.startswith("application/json"):
        error = response.json()
        assert {"code", "message", "data"} <= set(error), error


def test_no_two_models_share_a_schema_name(monkeypatch):
    """ninja files every model's schema under its class name, the last one met winning: two
    models of one name (the complaints' merge and the detection's, the capa's batch and the
    investigation's) made the document declare one route's body as the other's."""
    met: dict[str, set[str]] = {}
    keep = OpenAPISchema.add_schema_definitions

    def add(self: OpenAPISchema, definitions: dict) -> None:
        for name, definition in definitions.items():
            met.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
        keep(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", add)
    get_schema(api)
    assert met, "no schema met: the check looks at nothing"
    assert not [name for name, seen in met.items() if len(seen) > 1]
