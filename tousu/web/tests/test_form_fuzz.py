"""Every form of the web UI, posted with generated values by a user allowed to use it, answers
without a server error: the action forms (one per lifecycle action, their fields read off the
action table's inputs), intake, attachments, identity requests, units, routing rules, the
calendar, notifications, the list and its exports."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tousu.complaints.actions import FORM_ACTIONS
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

# Values a clerk, a copy-paste or an attacker might put in a field: the usual, the empty, the
# huge, the wrongly typed and the hostile.
values = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1",
            "99999999999999999999",
            "1e309",
            "NaN",
            "true",
            "on",
            "2026-11-30",
            "9999-12-31",
            "0001-01-01",
            "2026-02-30",
            "9999-99-99",
            "12:00",
            "08:30-12:00, 14:30-17:30",
            "25:99-00:00",
            "amr",
            "center",
            "handler",
            "G0201",
            "normal",
            "assign",
            "direct",
            "transfer",
            "phone",
            "letter",
            "satisfied",
            "yes",
            "TS2026000001",
            "<script>alert(1)</script>",
            "=cmd|' /C calc'!A0",
            "\u202e",
            "😀" * 30,
            "尹女士",
            "x" * 6000,
        ]
    ),
    st.text(max_size=40),
    st.integers(-(2**70), 2**70).map(str),
)
ACTION_FIELDS = sorted({name for model in (a.input for a in FORM_ACTIONS.values()) for name in model.model_fields})


def form(fields: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(fields), values, max_size=len(fields))


SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.content[:500]


@SETTINGS
@given(
    action=st.sampled_from(sorted(FORM_ACTIONS)),
    data=form(ACTION_FIELDS),
    persona=st.sampled_from(["center", "clerk", "handler", "head", "followup", "panel"]),
    state=st.sampled_from(["registered", "in_progress"]),
)
def test_no_action_form_post_is_a_server_error(client, org, register, walk, action, data, persona, state):
    c = register() if state == "registered" else walk(register(), "accept", "dispatch", "sign")
    data.setdefault("version", str(Complaint.objects.get(pk=c.pk).version))
    client.force_login(org[persona])
    assert_no_server_error(client.post(f"/c/{c.number}/{action}/", data))


INTAKE = [
    "phone",
    "name",
    "channel",
    "kind",
    "summary",
    "content",
    "demands",
    "respondent_unit",
    "respondent_staff_name",
    "category",
    "grade",
    "upgraded_source",
    "anonymous",
    "flags",
    "lookup",
]


@SETTINGS
@given(data=form(INTAKE))
def test_no_intake_post_is_a_server_error(client, org, data):
    client.force_login(org["clerk"])
    assert_no_server_error(client.post("/intake/", data))
    assert_no_server_error(client.get("/intake/callers/", {"phone": data.get("phone", "")}))


@SETTINGS
@given(data=form(["op", "code", "name", "parent", "head", "business_hours", "authority_level", "is_center"]))
def test_no_unit_admin_post_is_a_server_error(client, org, data):
    client.force_login(org["admin"])
    assert_no_server_error(client.post("/units/", data))


@SETTINGS
@given(
    data=form(
        [
            "op",
            "id",
            "name",
            "priority",
            "mode",
            "unit",
            "redacted",
            "active",
            "categories",
            "respondent_units",
            "respondent_ranks",
            "products",
            "regions",
            "channels",
            "keywords",
        ]
    )
)
def test_no_routing_admin_post_is_a_server_error(client, org, data):
    client.force_login(org["admin"])
    assert_no_server_error(client.post("/routing/", data))


@SETTINGS
@given(
    data=form(["op", "date", "status", "name", "format", "content", "source"]),
    upload=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_no_calendar_admin_post_is_a_server_error(client, org, data, upload):
    client.force_login(org["admin"])
    if upload is not None:
        data["file"] = SimpleUploadedFile("schedule.csv", upload)
    assert_no_server_error(client.post("/calendar/", data))


@SETTINGS
@given(
    data=form(["reason", "approved", "note"]),
    grant=values,
    attachment=values,
    upload=st.one_of(st.none(), st.binary(max_size=64)),
    name=st.sampled_from(["a.txt", "录音.mp3", "x.exe", "..txt", "a" * 300 + ".pdf", "photo.jpg"]),
)
def test_no_complaint_side_form_is_a_server_error(client, org, register, data, grant, attachment, upload, name):
    c = register()
    client.force_login(org["center"])
    files = {"file": SimpleUploadedFile(name, upload)} if upload is not None else {}
    assert_no_server_error(client.post(f"/c/{c.number}/attach/", {**data, **files}))
    assert_no_server_error(client.post(f"/c/{c.number}/identity/", data))
    for path in (f"/c/{c.number}/identity/{grant}/", f"/c/{c.number}/files/{attachment}/release/"):
        if grant.isdigit() and attachment.isdigit():
            assert_no_server_error(client.post(path, data))


LIST = [
    "status",
    "unit",
    "category",
    "grade",
    "channel",
    "kind",
    "received_from",
    "received_to",
    "overdue",
    "due_soon",
    "q",
    "handler",
    "mine",
    "open",
    "cursor",
    "limit",
    "format",
]


@SETTINGS
@given(data=form(LIST))
def test_no_list_or_export_query_is_a_server_error(client, org, register, data):
    register()
    client.force_login(org["center"])
    assert_no_server_error(client.get("/list/", data))
    assert_no_server_error(client.get("/list/export/", data))
    assert_no_server_error(client.post("/notifications/", data))
