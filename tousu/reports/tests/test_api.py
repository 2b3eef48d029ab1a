"""The reports' routes: draft, list, read, edit, issue, download; refusals are clear, never a 500."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tousu.reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def patch(client, api_client):
    def send(user, path, body):
        return client.patch(f"/api/v1{path}", body, content_type="application/json", **api_client._auth(user))

    return send


def test_a_manager_drafts_edits_issues_and_downloads_a_report(november, center, auditor, api_client, patch):
    made = api_client.post(center, "/reports", {"kind": "monthly", "period": "2026-11"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["title"] == "2026年11月投诉情况月报" and body["status"] == "draft"
    assert body["snapshot"]["total"]["received"] == 8
    rid, version = body["id"], body["version"]

    listed = api_client.get(auditor, "/reports")
    assert [r["id"] for r in listed.json()["items"]] == [rid]

    edited = patch(
        center, f"/reports/{rid}", {"version": version, "sections": [{"code": "measures", "text": "加强督办。"}]}
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["sections"][-1]["text"] == "加强督办。"
    version = edited.json()["version"]

    issued = api_client.post(center, f"/reports/{rid}/issue", {"version": version})
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert issued.json()["reference"].startswith("投诉报〔")

    again = patch(
        center,
        f"/reports/{rid}",
        {"version": issued.json()["version"], "sections": [{"code": "measures", "text": "x"}]},
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    docx = api_client.get(auditor, f"/reports/{rid}/docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert "filename*=UTF-8''" in docx["Content-Disposition"]
    pdf = api_client.get(auditor, f"/reports/{rid}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "共受理投诉8件" in text and issued.json()["reference"] in text


def test_refusals_are_clear_and_change_nothing(november, center, handler, api_client):
    cases = [
        (handler, {"kind": "monthly", "period": "2026-11"}, 403, "not_permitted"),
        (center, {"kind": "monthly", "period": "2026-13"}, 422, "validation_failed"),
        (center, {"kind": "monthly", "period": "2026"}, 422, "validation_failed"),
        (center, {"kind": "nope", "period": "2026-11"}, 422, "validation_failed"),
        (center, {"kind": "monthly"}, 422, "validation_failed"),
        (center, {"kind": "bulletin", "period": "2026-11", "cases": ["NOPE-1"]}, 422, "validation_failed"),
        (center, {"kind": "monthly", "period": "2026-11", "extra": 1}, 422, "validation_failed"),
    ]
    for actor, body, status, code in cases:
        answer = api_client.post(actor, "/reports", body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), (body, answer.content)
        assert answer.json()["message"]
    assert not Report.objects.exists()
    assert api_client.get(handler, "/reports").status_code == 403
    assert api_client.get(center, "/reports/999").status_code == 404
    assert api_client.get(center, "/reports/999/pdf").status_code == 404
    made = api_client.post(center, "/reports", {"kind": "monthly", "period": "2026-11"}).json()
    stale = api_client.post(center, f"/reports/{made['id']}/issue", {"version": made["version"] + 5})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    dup = api_client.post(center, "/reports", {"kind": "monthly", "period": "2026-11"})
    assert dup.status_code == 409 and dup.json()["code"] == "conflict"
