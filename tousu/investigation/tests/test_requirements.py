"""The product presets require the root cause (8D for manufacturing, 5W1H and the batch for
pharma) before a result can be submitted, over HTTP as the demo's handler."""

from typing import Any

import pytest
import time_machine

from tousu.complaints.audit import verify_audit
from tousu.presets.demo import declines
from tousu.presets.tests.walk import Walk, at, use_preset

pytestmark = pytest.mark.django_db

EIGHT_D = {f"D{i}": {"text": f"第{i}步已完成", "owner": "质量部李工", "date": "2026-10-01"} for i in range(1, 9)}
FIVE_W_ONE_H = {k: {"text": f"{k}：已查明"} for k in ("what", "why", "where", "when", "who", "how")}


def _in_progress(api_client: Any, settings: Any, preset: str, sample: int = 0, **register: Any) -> Walk:
    users, demo = use_preset(preset, settings)
    walk = Walk(api_client, users, demo, sample=sample)
    walk.register("2026-09-29 09:00", **register)
    walk.act("2026-09-29 09:10", "accept")
    walk.act("2026-09-29 09:20", "dispatch")
    walk.act("2026-09-29 09:30", "sign")
    return walk


def _submit(walk: Walk, when: str) -> Any:
    """submit_result as Walk.act sends it, without asserting success."""
    t = walk.demo.texts
    body = {
        "substantiated": t.substantiated,
        "findings": t.findings,
        "solution": t.solution,
        "proposed_reply": t.reply,
        "declined": declines(walk.s, f"{t.findings}\n{t.solution}\n{t.reply}", t),
    }
    with time_machine.travel(at(when), tick=False):
        version = walk.api.get(walk.handler, f"/complaints/{walk.number}").json()["version"]
        return walk.api.post(walk.handler, f"/complaints/{walk.number}/submit_result", {"version": version, **body})


def _put(walk: Walk, when: str, what: str, body: dict[str, Any]) -> Any:
    with time_machine.travel(at(when), tick=False):
        return walk.api.client_put(walk.handler, f"/complaints/{walk.number}/investigation/{what}", body)


def test_manufacturing_refuses_the_result_without_the_8d_record_then_accepts_it(api_client, settings):
    walk = _in_progress(api_client, settings, "manufacturing")
    refused = _submit(walk, "2026-09-29 10:00")
    assert refused.status_code == 409
    assert refused.json()["code"] == "investigation_incomplete"
    assert "8D" in refused.json()["message"]

    partial = {k: v for k, v in EIGHT_D.items() if k != "D8"} | {"D4": {"text": "浇注温度偏低", "owner": "工艺科"}}
    answer = _put(walk, "2026-09-29 10:10", "root-cause", {"method": "8d", "parts": partial})
    assert answer.status_code == 200 and answer.json()["missing"] == ["D4", "D8"]
    refused = _submit(walk, "2026-09-29 10:20")
    assert refused.status_code == 409
    assert "D4 根本原因" in refused.json()["message"] and "D8 总结与表彰" in refused.json()["message"]

    wrong = _put(walk, "2026-09-29 10:25", "root-cause", {"method": "5w1h", "parts": FIVE_W_ONE_H})
    assert wrong.status_code == 422 and "8D" in wrong.json()["message"]

    assert _put(walk, "2026-09-29 10:30", "root-cause", {"method": "8d", "parts": EIGHT_D}).status_code == 200
    accepted = _submit(walk, "2026-09-29 10:40")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "pending_approval"
    report = verify_audit()
    assert report.ok, report.problems


def test_pharma_requires_the_root_cause_and_the_batch(api_client, settings):
    walk = _in_progress(api_client, settings, "pharma", custom={"specification": "0.25g×24粒"})
    refused = _submit(walk, "2026-09-29 10:00")
    assert refused.status_code == 409
    message = refused.json()["message"]
    assert "5W1H" in message and "批号" in message

    assert _put(walk, "2026-09-29 10:10", "root-cause", {"method": "5w1h", "parts": FIVE_W_ONE_H}).status_code == 200
    refused = _submit(walk, "2026-09-29 10:20")
    assert refused.status_code == 409 and refused.json()["data"]["missing"] == ["批号"]

    batch = {
        "batch": "260312",
        "production_date": "2026-03-12",
        "retained_sample": "260312批留样2盒，留样室A-3",
        "sample_result": "外观、鉴别均符合规定，未见异色胶囊",
        "related_batches": "260311、260313",
    }
    answer = _put(walk, "2026-09-29 10:30", "batch", batch)
    assert answer.status_code == 200 and answer.json()["batch"] == "260312"
    assert answer.json()["sample_result"] == batch["sample_result"]
    accepted = _submit(walk, "2026-09-29 10:40")
    assert accepted.status_code == 200, accepted.json()


def test_a_pharma_inquiry_needs_no_root_cause(api_client, settings):
    walk = _in_progress(api_client, settings, "pharma", kind="inquiry")
    assert _submit(walk, "2026-09-29 10:00").status_code == 200


def test_a_pharma_design_complaint_needs_no_root_cause(api_client, settings):
    walk = _in_progress(api_client, settings, "pharma", sample=7)  # PH05: the leaflet's print is too small
    assert walk.s.category == "PH05"
    assert _submit(walk, "2026-09-29 10:00").status_code == 200
