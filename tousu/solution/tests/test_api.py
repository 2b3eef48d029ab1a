"""The solution over HTTP: lines with the result, bad lines refused, the sign-off route, the
detail, and the seed's order (TX02-13: the QA head, then the general manager) in a product preset."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from tousu.complaints.audit import verify_audit
from tousu.conftest import declines
from tousu.presets.tests.walk import Walk, at, use_preset
from tousu.solution.models import Solution

pytestmark = pytest.mark.django_db

RESULT = {"substantiated": "yes", "findings": "属实", "solution": "批评教育", "proposed_reply": "已整改"}


@pytest.fixture
def case(register: Any, walk: Any) -> Any:
    return walk(register(), "accept", "dispatch", "sign")


def _submit(api: Any, org: dict, c: Any, lines: list[dict]) -> Any:
    version = api.get(org["handler"], f"/complaints/{c.number}").json()["version"]
    body = {**RESULT, "lines": lines, "declined": declines(c, RESULT)}
    return api.post(org["handler"], f"/complaints/{c.number}/submit_result", {"version": version, **body})


def _signoff(api: Any, user: Any, number: str, approved: bool, note: str = "") -> Any:
    version = api.get(user, f"/complaints/{number}").json()["version"]
    return api.post(
        user, f"/complaints/{number}/solution-signoffs", {"version": version, "approved": approved, "note": note}
    )


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ({"kind": "refund", "amount": "-100"}, "金额不能为负数"),
        ({"kind": "refund", "amount": "1234567890123"}, "整数部分不超过12位"),
        ({"kind": "voucher", "amount": "10"}, "未知的方案类型「voucher」"),
    ],
)
def test_bad_lines_get_a_chinese_message_and_change_nothing(api_client, org, case, line, words):
    before = api_client.get(org["handler"], f"/complaints/{case.number}").json()
    answer = _submit(api_client, org, case, [line])
    assert answer.status_code == 422
    assert words in answer.json()["message"] and answer.json()["data"]["field"] == "lines"
    after = api_client.get(org["handler"], f"/complaints/{case.number}").json()
    assert after["version"] == before["version"] and after["status"] == "in_progress" and after["solution_plan"] is None


def test_lines_signoffs_and_approval_over_http(api_client, org, case):
    answer = _submit(
        api_client,
        org,
        case,
        [{"kind": "refund", "amount": "60000", "note": "全额退款"}, {"kind": "apology", "amount": 0}],
    )
    assert answer.status_code == 200, answer.json()
    solution = answer.json()["solution_plan"]
    assert answer.json()["solution"] == "批评教育"  # the result's text keeps its key
    assert solution["total"] == "60000.00" and solution["state"] == "pending"
    assert [x["kind"] for x in solution["lines"]] == ["refund", "apology"]
    assert [s["signer"] for s in solution["signoffs"]] == ["center_head", "leader"]
    assert "马卫东" in solution["due"]

    refused = api_client.post(
        org["center"], f"/complaints/{case.number}/approve", {"version": answer.json()["version"], "note": "同意"}
    )
    assert refused.status_code == 409 and "马卫东" in refused.json()["message"]

    # The centre head's 我的待办 holds it, and the reference names the route.
    work = api_client.get(org["center_head"], "/complaints", mine=True)
    assert work.status_code == 200
    assert [row["number"] for row in work.json()["items"]] == [case.number]
    assert api_client.get(org["leader"], "/complaints", mine=True).json()["items"] == []
    out_of_turn = _signoff(api_client, org["leader"], case.number, True)
    assert out_of_turn.status_code == 409 and "马卫东" in out_of_turn.json()["message"]
    assert _signoff(api_client, org["center_head"], case.number, True, "同意").status_code == 200
    signed = _signoff(api_client, org["leader"], case.number, True)
    assert signed.status_code == 200
    assert signed.json()["solution_plan"]["state"] == "signed"
    assert [s["approved"] for s in signed.json()["solution_plan"]["signoffs"]] == [True, True]
    approved = api_client.post(
        org["center"], f"/complaints/{case.number}/approve", {"version": signed.json()["version"], "note": "同意"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert verify_audit().ok


def test_a_refusal_over_http_needs_a_reason_and_reopens(api_client, org, case):
    assert _submit(api_client, org, case, [{"kind": "exchange", "amount": "5200"}]).status_code == 200
    no_reason = _signoff(api_client, org["center_head"], case.number, False)
    assert no_reason.status_code == 422 and "理由" in no_reason.json()["message"]
    refused = _signoff(api_client, org["center_head"], case.number, False, "换货金额偏高")
    assert refused.status_code == 200
    assert refused.json()["status"] == "in_progress" and refused.json()["solution_plan"]["state"] == "refused"


def test_the_reference_names_the_signoff_route(api_client, org):
    actions = {a["name"]: a for a in api_client.get(org["center"], "/reference").json()["actions"]}
    assert actions["sign_solution"]["route"] == "POST /api/v1/complaints/{number}/solution-signoffs"
    assert actions["refuse_solution"]["route"] == "POST /api/v1/complaints/{number}/solution-signoffs"


EIGHT_D = {f"D{i}": {"text": f"第{i}步已完成", "owner": "质量部李工", "date": "2026-10-01"} for i in range(1, 9)}


def test_manufacturing_needs_the_qa_head_then_the_general_manager(api_client, settings):
    """TX02-13 (001-54): the reply report is signed by the QA head (质量技术部长), then reviewed
    and signed by the general manager; the approval waits for both, in that order."""
    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=0)
    walk.register("2026-09-29 09:00")
    walk.act("2026-09-29 09:10", "accept")
    walk.act("2026-09-29 09:20", "dispatch")
    walk.act("2026-09-29 09:30", "sign")
    number, handler = walk.number, walk.handler
    quality, leader, center = users["quality"], users["leader"], walk.who("approve")
    with time_machine.travel(at("2026-09-29 10:00"), tick=False):
        put = api_client.client_put(
            handler, f"/complaints/{number}/investigation/root-cause", {"method": "8d", "parts": EIGHT_D}
        )
        assert put.status_code == 200, put.json()
        t = demo.texts
        from tousu.presets.demo import declines

        body = {
            "substantiated": t.substantiated,
            "findings": t.findings,
            "solution": t.solution,
            "proposed_reply": t.reply,
            "declined": declines(walk.s, f"{t.findings}\n{t.solution}\n{t.reply}", t),
            "lines": [{"kind": "exchange", "amount": "1200", "note": "更换同批次不合格件"}],
        }
        version = api_client.get(handler, f"/complaints/{number}").json()["version"]
        submitted = api_client.post(handler, f"/complaints/{number}/submit_result", {"version": version, **body})
        assert submitted.status_code == 200, submitted.json()
        steps = submitted.json()["solution_plan"]["signoffs"]
        assert [s["label"] for s in steps] == ["质量技术部长签字确认", "总经理审核签字"]
        assert steps[0]["signer"] is None and steps[1]["signer"] == "leader"

        def approve() -> Any:
            v = api_client.get(center, f"/complaints/{number}").json()["version"]
            return api_client.post(center, f"/complaints/{number}/approve", {"version": v, "note": "同意"})

        assert approve().status_code == 409
        assert _signoff(api_client, leader, number, True).status_code == 409  # the GM signs second
        assert _signoff(api_client, quality, number, True, "确认").status_code == 200
        assert "乔振邦" in approve().json()["message"]
        assert _signoff(api_client, leader, number, True).status_code == 200
        assert approve().status_code == 200
    s = Solution.objects.get()
    assert [st["by"] for st in s.steps] == ["quality", "leader"]
    assert verify_audit().ok
