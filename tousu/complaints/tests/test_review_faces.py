"""Review (复核) over the faces: the API's action routes, the web form and the portal's public API
all go through the same services, so the unit above decides and a second request is refused
the same way everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event
from tousu.complaints.work import queue

pytestmark = pytest.mark.django_db

HANDLED = ("accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up")
FINAL_REFUSAL = "本件已经复核，复核决定为最终决定，不能再次申请复核"


def post(api: Any, who: Any, number: str, action: str, **body: Any) -> Any:
    version = api.get(who, f"/complaints/{number}").json()["version"]
    return api.post(who, f"/complaints/{number}/{action}", {"version": version, **body})


@pytest.fixture
def closed(register, walk) -> Complaint:
    return walk(register(), *HANDLED)


@pytest.fixture
def reviewing(api_client, closed, clerk) -> str:
    answer = post(api_client, clerk, closed.number, "request_review", reason="认为处理过轻")
    assert answer.status_code == 200 and answer.json()["status"] == "under_review"
    return closed.number


def test_the_api_refuses_the_centres_supervisor_with_a_chinese_403(api_client, reviewing, org) -> None:
    answer = post(api_client, org["center"], reviewing, "decide_review", upheld=True, note="维持")
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_the_reviewer"
    assert answer.json()["message"] == "复核由原处理单位（县市场监督管理局）的上级单位某县人民政府决定"
    assert Complaint.objects.get(number=reviewing).status == "under_review"
    assert "decide_review" not in api_client.get(org["center"], f"/complaints/{reviewing}").json()["allowed_actions"]


def test_the_api_refuses_the_handling_unit_itself(api_client, reviewing, org) -> None:
    answer = post(api_client, org["head"], reviewing, "decide_review", upheld=False, note="撤销")
    assert answer.status_code == 403 and "上级单位" in answer.json()["message"]
    assert not Event.objects.filter(number=reviewing, action="decide_review").exists()


def test_the_parent_units_head_upholds_over_the_api(api_client, reviewing, org) -> None:
    leader = org["leader"]
    detail = api_client.get(leader, f"/complaints/{reviewing}").json()
    assert "decide_review" in detail["allowed_actions"]
    assert detail["due"]["review"] is not None  # the review deadline, set at the request, is shown
    answer = post(api_client, leader, reviewing, "decide_review", upheld=True, note="经复核，原处理并无不当")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "closed"
    report = verify_audit()
    assert report.ok, report.problems


def test_a_second_request_is_refused_over_the_api(api_client, reviewing, org, clerk) -> None:
    assert post(api_client, org["leader"], reviewing, "decide_review", upheld=True, note="维持").status_code == 200
    again = post(api_client, clerk, reviewing, "request_review", reason="仍然不服")
    assert again.status_code == 409 and again.json()["message"] == FINAL_REFUSAL
    assert "request_review" not in api_client.get(clerk, f"/complaints/{reviewing}").json()["allowed_actions"]
    assert Event.objects.filter(number=reviewing, action="request_review").count() == 1


def test_overturned_over_the_api_goes_back_to_the_handler(api_client, reviewing, org) -> None:
    answer = post(
        api_client, org["leader"], reviewing, "decide_review", upheld=False, note="调查不充分，请调取监控后重新答复"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "in_progress"
    c = Complaint.objects.get(number=reviewing)
    assert queue(org["handler"]).filter(pk=c.pk).exists()
    assert "submit_result" in api_client.get(org["handler"], f"/complaints/{reviewing}").json()["allowed_actions"]
    event = Event.objects.get(number=reviewing, action="decide_review")
    assert event.payload["instructions"] == "调查不充分，请调取监控后重新答复"


def test_the_web_form_is_offered_to_the_reviewer_only_and_decides(client, reviewing, org) -> None:
    c = Complaint.objects.get(number=reviewing)
    client.force_login(org["center"])
    assert 'data-action="decide_review"' not in client.get(f"/c/{reviewing}/").content.decode()
    refused = client.post(f"/c/{reviewing}/decide_review/", {"version": c.version, "upheld": "true", "note": "维持"})
    assert refused.status_code == 403 and "某县人民政府决定" in refused.content.decode()
    client.force_login(org["leader"])
    assert 'data-action="decide_review"' in client.get(f"/c/{reviewing}/").content.decode()
    done = client.post(f"/c/{reviewing}/decide_review/", {"version": c.version, "upheld": "true", "note": "维持原处理"})
    assert done.status_code == 302
    assert Complaint.objects.get(number=reviewing).status == "closed"


def test_the_portal_refuses_a_second_request_the_same_way(client, clerk, walk, org) -> None:
    from tousu.complaints import inputs, services
    from tousu.conftest import registration

    made = services.register(actor=clerk, data=registration())
    number, code = made.complaint.number, made.query_code
    walk(made.complaint, *HANDLED)
    base = f"/api/v1/public/complaints/{number}"
    first = client.post(f"{base}/review", {"code": code, "reason": "处理过轻"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["status"] == "under_review"
    c = Complaint.objects.get(number=number)
    services.decide_review(
        actor=org["leader"], number=number, data=inputs.DecideReview(version=c.version, upheld=True, note="维持")
    )
    view = client.get(base, {"code": code})
    assert view.status_code == 200 and view.json()["may_request_review"] is False
    again = client.post(f"{base}/review", {"code": code, "reason": "仍然不服"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["message"] == FINAL_REFUSAL
    assert Event.objects.filter(number=number, action="request_review").count() == 1
