"""/api/v1/public: every route without a token, and the refusals that write nothing."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
import time_machine

from tousu.complaints.models import Attachment, Complaint, Event
from tousu.portal.models import CodeFailure, Rating
from tousu.portal.tests.conftest import solve

BASE = "/api/v1/public"
PDF = b"%PDF-1.4 public api"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "summary": "公交车不按站停靠",
        "content": "8路公交车在人民医院站多次不停靠，老人无法上车。",
        "demands": "要求整改",
        "respondent_unit": "县市场监督管理局",
        "name": "尹晓梅",
        "phone": "13912345678",
        "consent": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(client):
    def send(path: str, data: dict[str, Any]) -> Any:
        return client.post(BASE + path, data, content_type="application/json")

    return send


@pytest.fixture
def submitted(org, no_challenge, post) -> tuple[str, str]:
    answer = post("/complaints", body(attachments=[{"name": "照片.pdf", "content": base64.b64encode(PDF).decode()}]))
    assert answer.status_code == 201, answer.content
    return answer.json()["number"], answer.json()["query_code"]


def assert_nothing_written() -> None:
    assert (Complaint.objects.count(), Event.objects.count(), Attachment.objects.count()) == (0, 0, 0)


def test_submit_answers_the_number_and_code(submitted):
    number, code = submitted
    complaint = Complaint.objects.get(number=number)
    assert complaint.channel == "website" and complaint.attachments.count() == 1
    assert len(code) == 8


def test_submit_with_the_challenge(org, client, post):
    challenge = client.get(BASE + "/challenge").json()
    assert challenge["enabled"] and challenge["question"].endswith("等于多少？")
    missing = post("/complaints", body())
    assert missing.status_code == 422 and missing.json()["data"]["field"] == "challenge"
    answer = post(
        "/complaints",
        body(challenge_token=challenge["token"], challenge_answer=solve(challenge["question"])),
    )
    assert answer.status_code == 201
    replay = post(
        "/complaints", body(challenge_token=challenge["token"], challenge_answer=solve(challenge["question"]))
    )
    assert replay.status_code == 422 and "已使用过" in replay.json()["message"]
    assert Complaint.objects.count() == 1


def test_the_challenge_can_be_turned_off(client, settings):
    settings.TOUSU_PORTAL_CHALLENGE = False
    assert client.get(BASE + "/challenge").json() == {"enabled": False, "question": "", "token": ""}


@pytest.mark.parametrize(
    ("overrides", "status", "field", "message"),
    [
        ({"consent": False}, 422, "consent", "隐私说明"),
        ({"phone": "110"}, 422, "phone", "电话"),
        ({"id_number": "110101199003071234"}, 422, "id_number", "身份证"),
        ({"content": ""}, 422, "content", "投诉内容"),
        ({"attachments": [{"name": "a.exe", "content": "TVo="}]}, 422, "file", "不支持的文件类型"),
        ({"attachments": [{"name": "a.pdf", "content": "not base64!"}]}, 422, None, "输入有误"),
        ({"preferred_reply": "pigeon"}, 422, None, "输入有误"),
    ],
)
def test_submit_refuses_bad_input_and_writes_nothing(org, no_challenge, post, overrides, status, field, message):
    answer = post("/complaints", body(**overrides))
    assert answer.status_code == status, answer.content
    assert message in answer.json()["message"]
    if field:
        assert answer.json()["data"]["field"] == field
    assert_nothing_written()


def test_submit_refuses_a_file_over_the_limit(org, no_challenge, post, settings):
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 1000
    big = base64.b64encode(PDF + b"0" * 1500).decode()
    answer = post("/complaints", body(attachments=[{"name": "大.pdf", "content": big}]))
    assert answer.status_code == 422 and "大小上限" in answer.json()["message"]
    assert_nothing_written()


def test_query(client, submitted):
    number, code = submitted
    answer = client.get(f"{BASE}/complaints/{number}", {"code": code.lower()})
    assert answer.status_code == 200
    view = answer.json()
    assert (view["number"], view["status"], view["status_label"]) == (number, "registered", "已登记")
    assert view["steps"][0]["step"] == "登记" and view["may_withdraw"] and not view["may_rate"]
    assert view["due_on"]


def test_a_wrong_code_is_refused_counted_and_throttled(client, submitted, settings):
    settings.TOUSU_PORTAL_CODE_TRIES_PER_NUMBER = 3
    number, code = submitted
    for _ in range(3):
        wrong = client.get(f"{BASE}/complaints/{number}", {"code": "AAAAAAAA"})
        assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_code"
    assert CodeFailure.objects.filter(number=number, face="api").count() == 3
    locked = client.get(f"{BASE}/complaints/{number}", {"code": code})
    assert locked.status_code == 429 and locked.json()["code"] == "code_throttled"
    assert "15分钟" in locked.json()["message"]


def test_an_unknown_number_and_a_missing_code(client, org):
    unknown = client.get(f"{BASE}/complaints/TS2026999999", {"code": "AAAAAAAA"})
    assert unknown.status_code == 403 and unknown.json()["message"] == "投诉编号或查询码不正确。"
    missing = client.get(f"{BASE}/complaints/TS2026999999")
    assert missing.status_code == 422
    assert CodeFailure.objects.count() == 1


def test_requests_per_address_are_limited(client, submitted, settings):
    settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE = 4
    number, code = submitted
    # The counters run in fixed minutes: all five requests in one (the clock stopped a second into
    # the next minute), however long the submission took on a busy machine.
    start = (int(time.time()) // 60 + 1) * 60 + 1
    with time_machine.travel(start, tick=False):
        statuses = [client.get(f"{BASE}/complaints/{number}", {"code": code}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def _replied(walk, number):
    return walk(Complaint.objects.get(number=number), "accept", "dispatch", "sign", "submit_result", "approve", "reply")


def test_rating(post, submitted, walk):
    number, code = submitted
    early = post(f"/complaints/{number}/rating", {"code": code, "satisfaction": "satisfied"})
    assert early.status_code == 409 and early.json()["code"] == "not_replied"
    _replied(walk, number)
    wrong = post(f"/complaints/{number}/rating", {"code": "AAAAAAAA", "satisfaction": "satisfied"})
    assert wrong.status_code == 403
    bad = post(f"/complaints/{number}/rating", {"code": code, "satisfaction": "great"})
    assert bad.status_code == 422
    assert not Rating.objects.exists()
    ok = post(f"/complaints/{number}/rating", {"code": code, "satisfaction": "basic", "comment": "还行"})
    assert ok.status_code == 200 and ok.json()["rating"] == "basic" and not ok.json()["may_rate"]
    again = post(f"/complaints/{number}/rating", {"code": code, "satisfaction": "satisfied"})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert Event.objects.filter(number=number, action="rate").count() == 1


def test_review(post, submitted, walk):
    number, code = submitted
    early = post(f"/complaints/{number}/review", {"code": code, "reason": "处理过轻"})
    assert early.status_code == 409
    walk(_replied(walk, number), "follow_up")
    empty = post(f"/complaints/{number}/review", {"code": code, "reason": ""})
    assert empty.status_code == 422
    ok = post(f"/complaints/{number}/review", {"code": code, "reason": "处理过轻"})
    assert ok.status_code == 200 and ok.json()["status"] == "under_review"
    assert Event.objects.get(number=number, action="request_review").actor.username == "public"


def test_material(post, submitted, settings):
    number, code = submitted
    ok = post(f"/complaints/{number}/material", {"code": code, "text": "补充：司机工号1234"})
    assert ok.status_code == 200
    pdf = base64.b64encode(PDF).decode()
    with_file = post(f"/complaints/{number}/material", {"code": code, "attachment": {"name": "票.pdf", "content": pdf}})
    assert with_file.status_code == 200
    assert Complaint.objects.get(number=number).attachments.count() == 2
    empty = post(f"/complaints/{number}/material", {"code": code})
    assert empty.status_code == 422
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 10
    too_big = post(f"/complaints/{number}/material", {"code": code, "attachment": {"name": "票.pdf", "content": pdf}})
    assert too_big.status_code == 422 and "大小上限" in too_big.json()["message"]
    actions = list(Event.objects.filter(number=number).order_by("seq").values_list("action", flat=True))
    assert actions == ["register", "attach", "add_material", "attach"]


def test_withdrawal(post, submitted):
    number, code = submitted
    empty = post(f"/complaints/{number}/withdrawal", {"code": code, "statement": ""})
    assert empty.status_code == 422
    ok = post(f"/complaints/{number}/withdrawal", {"code": code, "statement": "已解决"})
    assert ok.status_code == 200 and ok.json()["status"] == "withdrawn" and not ok.json()["may_withdraw"]
    again = post(f"/complaints/{number}/withdrawal", {"code": code, "statement": "已解决"})
    assert again.status_code == 409


def test_no_route_needs_a_token_and_the_schema_lists_them(client):
    schema = client.get("/api/v1/openapi.json").json()
    public = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/public/")}
    assert set(public) == {
        "/api/v1/public/challenge",
        "/api/v1/public/complaints",
        "/api/v1/public/complaints/{number}",
        "/api/v1/public/complaints/{number}/rating",
        "/api/v1/public/complaints/{number}/review",
        "/api/v1/public/complaints/{number}/material",
        "/api/v1/public/complaints/{number}/withdrawal",
    }
    for ops in public.values():
        for op in ops.values():
            assert not op.get("security"), op
            assert "429" in op["responses"]
