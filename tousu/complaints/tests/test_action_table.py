"""The action table is the one declaration of what can happen to a complaint: the API's routes, the
web UI's forms and the lifecycle walk (``api/tests/test_lifecycle.py`` asserts that it performs
exactly ``FORM_ACTIONS``) cover exactly its rows, and every row's parts fit together."""

import inspect
import re

import pytest
from django.urls import resolve, reverse

from tousu.complaints.actions import ACTIONS, FORM_ACTIONS, Face
from tousu.complaints.inputs import Input
from tousu.complaints.states import Status
from tousu.web import views
from tousu.web.forms import ActionForm, Choices

# Where each action with a face of its own is reached (method, path in the OpenAPI document).
OWN_ROUTES = {
    "register": ("post", "/api/v1/complaints"),
    "attach": ("post", "/api/v1/complaints/{number}/attachments"),
    "request_identity": ("post", "/api/v1/complaints/{number}/identity-requests"),
    "reveal_contact": ("post", "/api/v1/complaints/{number}/contact-details"),
    "decide_identity": ("post", "/api/v1/complaints/{number}/identity-requests/{grant_id}/decision"),
    "release_attachment": ("post", "/api/v1/complaints/{number}/attachments/{attachment_id}/release"),
}


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/v1/openapi.json").json()


def test_the_api_has_one_action_route_per_form_action_and_no_other(openapi):
    routes = {
        path.rsplit("/", 1)[1]
        for path, ops in openapi["paths"].items()
        if re.fullmatch(r"/api/v1/complaints/\{number\}/[a-z_]+", path) and "post" in ops
    }
    assert routes - {"attachments", "letters", "determination"} == set(FORM_ACTIONS)
    for name, action in FORM_ACTIONS.items():
        operation = openapi["paths"][f"/api/v1/complaints/{{number}}/{name}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert body == action.input.__name__, name


def test_every_action_with_a_face_of_its_own_has_its_route(openapi):
    assert {n for n, a in ACTIONS.items() if a.face is Face.OWN} == set(OWN_ROUTES)
    for method, path in OWN_ROUTES.values():
        assert method in openapi["paths"][path], path


def test_the_routes_of_other_packages_rows_are_in_the_reference_and_the_api(openapi):
    from tousu.api.reference import ELSEWHERE_ROUTES

    for name, route in ELSEWHERE_ROUTES.items():
        method, path = route.split()
        assert ACTIONS[name].face is Face.SYSTEM and method.lower() in openapi["paths"][path], name


@pytest.mark.django_db
def test_the_web_ui_has_one_form_per_form_action(org):
    choices = Choices()
    for name, action in FORM_ACTIONS.items():
        assert resolve(reverse("web:act", args=["TS2026000001", name])).func is views.act
        form = ActionForm(name, choices, version=1)
        # Every field but those marked for the API only (a reply's letter id: the latest letter on the web).
        shown = [n for n, f in action.input.model_fields.items() if (f.json_schema_extra or {}) != {"widget": "none"}]
        assert [f.name for f in form.fields] == shown, name


def test_every_row_fits_together():
    for name, action in ACTIONS.items():
        assert issubclass(action.input, Input), name
        if action.face is not Face.SYSTEM:  # the system's writes are called by the jobs, with ids
            params = inspect.signature(action.service).parameters
            assert set(params) >= {"actor", "data"}, name
            assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), name
            assert params["data"].annotation in (action.input.__name__, action.input), name
        assert action.sources <= set(Status), name
        assert all(t == "=" or t in Status.values for t in action.targets), name
        assert action.versioned == ("version" in action.input.model_fields) or action.face is Face.SYSTEM, name
