"""Idempotent registration through the API (issue 13 part 3): external_id, Idempotency-Key,
concurrency against the live server, and received_at."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.request
from typing import Any

import pytest
from django.utils import timezone

from tousu.accounts.models import ApiToken
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, IdempotencyKey

BODY: dict[str, Any] = {
    "channel": "hotline",
    "summary": "窗口办事拖拉",
    "content": "到市场监管局窗口办理营业执照，跑了四趟没办成。",
    "complainants": [{"name": "张三", "phone": "13812345678"}],
    "respondents": [{"unit": "amr"}],
}


def _post(client, token: str, body: dict[str, Any], key: str = ""):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/v1/complaints", body, content_type="application/json", **headers)


@pytest.fixture
def token(clerk) -> str:
    return ApiToken.issue(clerk)


@pytest.mark.django_db
def test_the_same_external_id_three_times_makes_one_complaint(client, token):
    body = {**BODY, "source_system": "12345热线", "external_id": "CALL-2026-0001"}
    answers = [_post(client, token, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    first, *retries = (a.json() for a in answers)
    assert first["query_code"] and "replayed" not in first
    for again in retries:
        assert again["number"] == first["number"]
        assert again["replayed"] is True and again["query_code"] == ""
        assert "查询码只在首次登记时提供" in again["notice"] and first["number"] in again["notice"]
    complaint = Complaint.objects.get()
    assert (complaint.source_system, complaint.external_id) == ("12345热线", "CALL-2026-0001")
    assert complaint.events.count() == 1
    assert verify_audit().ok


@pytest.mark.django_db
def test_the_same_idempotency_key_three_times_makes_one_complaint(client, token):
    answers = [_post(client, token, BODY, key="8b0e7c1e-retry") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({a.json()["number"] for a in answers}) == 1
    assert Complaint.objects.count() == 1 and IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_a_reused_key_with_another_body_is_refused_and_changes_nothing(client, token):
    first = _post(client, token, BODY, key="k-1").json()
    other = _post(client, token, {**BODY, "summary": "另一件事"}, key="k-1")
    assert other.status_code == 409
    error = other.json()
    assert error["code"] == "idempotency_key_reused" and first["number"] in error["message"]
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_a_reused_external_id_with_another_body_is_refused(client, token):
    body = {**BODY, "source_system": "cti", "external_id": "A1"}
    _post(client, token, body)
    other = _post(client, token, {**body, "content": "内容变了"})
    assert other.status_code == 409 and other.json()["code"] == "external_id_reused"
    assert "外部编号「A1」" in other.json()["message"]
    # Another source system may use the same id for its own matter.
    assert _post(client, token, {**body, "source_system": "12315"}).status_code == 201
    assert Complaint.objects.count() == 2


@pytest.mark.django_db
def test_without_handles_every_request_registers(client, token):
    assert [_post(client, token, BODY).status_code for _ in range(2)] == [201, 201]
    assert Complaint.objects.count() == 2


@pytest.mark.django_db
def test_an_overlong_idempotency_key_is_refused(client, token):
    answer = _post(client, token, BODY, key="k" * 201)
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["message"]
    assert Complaint.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_registrations_make_one_complaint(live_server, org):
    token = ApiToken.issue(org["clerk"])
    body = json.dumps({**BODY, "source_system": "cti", "external_id": "CONC-1"}).encode()
    answers: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def call() -> None:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/complaints",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": "c-1"},
        )
        try:
            start.wait()
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, json.loads(response.read())))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(status for status, _ in answers) == [200] * 9 + [201]
    assert len({a["number"] for _, a in answers}) == 1
    assert Complaint.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    # Numbering stays gap-free: the next complaint takes the next number.
    year = timezone.localdate().year
    assert Complaint.objects.get().number == f"TS{year}000001"
    assert verify_audit().ok


@pytest.mark.django_db
def test_the_received_at_the_client_gives_is_kept_and_counts_the_deadline(client, token):
    received = "2026-03-02T09:30:00+08:00"  # a Monday
    answer = _post(client, token, {**BODY, "received_at": received})
    assert answer.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.received_at == dt.datetime.fromisoformat(received)
    assert complaint.acceptance_due is not None
    assert timezone.localtime(complaint.acceptance_due).date() > complaint.received_at.date()
    # The same request registered "now" is due later: the deadline counts from received_at.
    later = _post(client, token, BODY).json()
    assert Complaint.objects.get(number=later["number"]).acceptance_due > complaint.acceptance_due


@pytest.mark.django_db
@pytest.mark.parametrize(
    "received_at",
    [
        "in two hours",  # in the future (made at run time: collected names must not change)
        "1999-12-31T10:00:00+08:00",  # before the calendar's first year
        "yesterday",
    ],
)
def test_a_bad_received_at_is_refused_and_changes_nothing(client, token, received_at):
    if received_at == "in two hours":
        received_at = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    answer = _post(client, token, {**BODY, "received_at": received_at})
    assert answer.status_code == 422
    assert "received_at" in json.dumps(answer.json(), ensure_ascii=False)
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_a_small_clock_skew_is_allowed(client, token):
    ahead = (timezone.now() + dt.timedelta(minutes=2)).isoformat()
    assert _post(client, token, {**BODY, "received_at": ahead}).status_code == 201


RECORDINGS = {
    "通话录音.mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64, "audio/mpeg"),
    "frames.mp3": (b"\xff\xfb\x90\x64" + b"\x00" * 64, "audio/mpeg"),
    "call.wav": (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64, "audio/wav"),
    "call.amr": (b"#!AMR\n" + b"\x00" * 64, "audio/amr"),
    "call.m4a": (b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64, "audio/mp4"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_a_call_recording_attaches_as_audio(client, token, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    number = _post(client, token, {**BODY, "source_system": "cti", "external_id": name}).json()["number"]
    content, content_type = RECORDINGS[name]
    answer = client.post(
        f"/api/v1/complaints/{number}/attachments",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 201, answer.content
    attachment = Complaint.objects.get(number=number).attachments.get()
    assert attachment.content_type == content_type and attachment.size == len(content)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["fake.mp3", "fake.m4a", "fake.wav", "fake.amr"])
def test_a_recording_whose_contents_are_not_audio_is_refused(client, token, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    number = _post(client, token, BODY).json()["number"]
    answer = client.post(
        f"/api/v1/complaints/{number}/attachments",
        {"file": SimpleUploadedFile(name, "这不是录音，是一段文字。".encode())},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 422 and "文件内容与扩展名不符" in answer.json()["message"]
    assert not Complaint.objects.get(number=number).attachments.exists()
