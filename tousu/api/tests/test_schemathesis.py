"""Schemathesis drives every operation of the OpenAPI document with generated input, as the
center supervisor (who may do most), against a complaint that exists: no answer is a 500, and
no answer breaks the contract the document declares — its status is one the operation lists,
its content type one it declares, its body valid against the declared schema (an error: the
{code, message, data} shape). Bounded: a few examples per operation."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tousu.accounts.models import ApiToken
from tousu.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Random generation only: the coverage phase would send every boundary combination of every
# schema (hundreds per operation), more than a test run can afford on two cores.
schema.config.phases.update(phases=["fuzzing"])
# What every answer must keep to: only statuses, media types and bodies the document declares.
CONTRACT = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def world(register, walk, org):
    """An accepted complaint to aim at, and the supervisor's token. The WSGI app closes the
    database connection when a request ends, which would close the test's transaction: keep it
    open, as Django's test client does."""
    complaint = walk(register(), "accept")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"number": complaint.number, "token": ApiToken.issue(org["center"])}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_is_a_server_error_or_breaks_the_declared_contract(case, world):
    if "number" in (case.path_parameters or {}):
        case.path_parameters["number"] = world["number"]
    response = case.call(headers={"Authorization": f"Bearer {world['token']}"})
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])
    case.validate_response(response, checks=CONTRACT)
    content_type = (response.headers.get("content-type") or [""])[0]
    if response.status_code >= 400 and content_type.startswith("application/json"):
        error = response.json()
        assert {"code", "message", "data"} <= set(error), error
