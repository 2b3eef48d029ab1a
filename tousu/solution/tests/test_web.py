"""The complaint page: the handler's result form (the old compensation fields make one line), the
处理方案与补偿 card, and the sign and refuse buttons for the one whose signature is due."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.complaints.models import Complaint
from tousu.conftest import declines

pytestmark = pytest.mark.django_db


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


@pytest.fixture
def submitted(client: Any, org: dict, register: Any, walk: Any) -> Complaint:
    c = walk(register(), "accept", "dispatch", "sign")
    result = {"substantiated": "yes", "findings": "属实", "solution": "赔偿损失", "proposed_reply": "已整改"}
    declined = declines(c, result)
    client.force_login(org["handler"])
    form = {"version": c.version, **result, "compensation_type": "赔偿", "compensation_amount": "6000"}
    for position, reason in declined.items():
        form.setdefault("declined", [])
        form["declined"].append(str(position))  # type: ignore[attr-defined]
        form[f"declined_reason_{position}"] = reason
    response = client.post(f"/c/{c.number}/submit_result/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return fresh(c)


def test_the_due_signer_signs_on_the_page_then_the_centre_approves(client, org, submitted):
    page = client.get(f"/c/{submitted.number}/").content.decode()
    assert "处理方案与补偿" in page and "6000.00" in page and "马卫东" in page
    assert 'id="solution-signoff"' not in page  # the handler does not sign

    client.force_login(org["center_head"])
    page = client.get(f"/c/{submitted.number}/").content.decode()
    assert 'id="solution-signoff"' in page and "签批同意" in page
    response = client.post(
        f"/c/{submitted.number}/solution-signoffs/", {"version": submitted.version, "approved": "true", "note": "同意"}
    )
    assert response.status_code == 302
    assert "已签批" in client.get(response["Location"]).content.decode()
    c = fresh(submitted)
    assert c.events.filter(action="sign_solution", actor=org["center_head"]).exists()

    client.force_login(org["center"])
    response = client.post(f"/c/{c.number}/approve/", {"version": c.version, "note": "同意"})
    assert response.status_code == 302 and fresh(c).status == "approved"


def test_a_refusal_on_the_page_needs_a_reason(client, org, submitted):
    client.force_login(org["center_head"])
    url = f"/c/{submitted.number}/solution-signoffs/"
    response = client.post(url, {"version": submitted.version, "approved": "false"}, follow=True)
    assert "不同意时请填写理由" in response.content.decode()
    assert fresh(submitted).status == "pending_approval"
    client.post(url, {"version": submitted.version, "approved": "false", "note": "请核实损失"})
    c = fresh(submitted)
    assert c.status == "in_progress" and c.events.get(action="refuse_solution").note == "请核实损失"


def test_approve_on_the_page_names_whose_signature_is_due(client, org, submitted):
    client.force_login(org["center"])
    response = client.post(f"/c/{submitted.number}/approve/", {"version": submitted.version, "note": "同意"})
    shown = (
        response.content.decode() if response.status_code != 302 else client.get(response["Location"]).content.decode()
    )
    assert "须先经马卫东" in shown, response.status_code
    assert fresh(submitted).status == "pending_approval"
