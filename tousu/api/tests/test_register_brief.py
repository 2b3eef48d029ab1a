"""``Prefer: return=minimal`` (RFC 7240) on registration: the brief answer a call-centre system
keeps, instead of the whole record — the same complaint, the same idempotency."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.accounts.models import ApiToken
from tousu.complaints.models import Complaint
from tousu.complaints.services.intake import check_query_code

BODY: dict[str, Any] = {
    "channel": "hotline",
    "summary": "窗口办事拖拉",
    "content": "到市场监管局窗口办理营业执照，跑了四趟没办成。",
    "complainants": [{"name": "张三", "phone": "13812345678"}],
    "respondents": [{"unit": "amr"}],
}
BRIEF_KEYS = {"number", "query_code", "status", "version", "due_at", "repeat_of", "replayed"}


def _post(client, token: str, prefer: str = "", key: str = ""):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if prefer:
        headers["HTTP_PREFER"] = prefer
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/v1/complaints", BODY, content_type="application/json", **headers)


@pytest.mark.django_db
def test_return_minimal_answers_the_brief_record_of_the_complaint_it_made(client, org):
    token = ApiToken.issue(org["clerk"])
    answer = _post(client, token, "return=minimal")
    assert answer.status_code == 201 and answer["Preference-Applied"] == "return=minimal"
    brief = answer.json()
    assert set(brief) == BRIEF_KEYS
    made = Complaint.objects.get(number=brief["number"])
    assert brief["status"] == made.status == "registered" and brief["version"] == made.version
    assert brief["replayed"] is False and brief["due_at"]
    assert check_query_code(made, brief["query_code"])  # the code the complainant uses on the portal


@pytest.mark.django_db
def test_without_the_preference_the_whole_record_is_answered(client, org):
    answer = _post(client, ApiToken.issue(org["clerk"]))
    assert answer.status_code == 201 and "Preference-Applied" not in answer
    assert {"content", "allowed_actions", "complainants"} <= set(answer.json())


@pytest.mark.django_db
def test_a_replay_with_return_minimal_is_a_200_without_the_query_code(client, org):
    token = ApiToken.issue(org["clerk"])
    first = _post(client, token, "return=minimal", key="call-1").json()
    again = _post(client, token, "return=minimal", key="call-1")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["number"] == first["number"] and again.json()["query_code"] == ""
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_the_brief_names_the_earlier_complaint_it_repeats(client, org):
    token = ApiToken.issue(org["clerk"])
    first = _post(client, token, "return=minimal").json()
    second = _post(client, token, "return=minimal").json()
    assert second["repeat_of"] == first["number"]
