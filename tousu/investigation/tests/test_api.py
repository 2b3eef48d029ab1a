"""The investigation routes over HTTP, through the full API and its error handlers."""

import pytest

from tousu.complaints.models import Event
from tousu.investigation.models import Entry

pytestmark = pytest.mark.django_db


def test_an_entry_with_evidence_is_posted_and_read_back(api_client, handling, handler, center, upload):
    photo = upload(handler, handling)
    path = f"/complaints/{handling.number}/investigation"
    r = api_client.post(handler, f"{path}/entries", {"kind": "evidence", "text": "购货小票", "attachments": [photo.pk]})
    assert r.status_code == 201, r.json()
    # The bureau complained about reads the redacted view, yet its own evidence is its to see.
    assert r.json()["kind"] == "evidence"
    assert r.json()["attachments"] == [{"id": photo.pk, "name": photo.original_name}]
    record = api_client.get(center, path).json()
    assert [e["text"] for e in record["entries"]] == ["购货小票"]
    assert record["entries"][0]["attachments"] == [{"id": photo.pk, "name": photo.original_name}]
    assert record["method"] == "none" and record["may_record"] is True
    assert Event.objects.filter(complaint=handling, action="record_investigation").count() == 1


def test_bad_input_is_a_chinese_422_and_changes_nothing(api_client, handling, handler):
    path = f"/complaints/{handling.number}/investigation/entries"
    for body in ({"kind": "guess", "text": "x"}, {"kind": "visit", "text": "走访"}, {"kind": "note", "text": ""}):
        r = api_client.post(handler, path, body)
        assert r.status_code == 422, (body, r.json())
    visit = api_client.post(handler, path, {"kind": "visit", "text": "走访", "place": "门店", "people": "王五"})
    assert "走访时间" in visit.json()["message"]
    r = api_client.client_put(handler, f"/complaints/{handling.number}/investigation/root-cause", {"method": "9d"})
    assert r.status_code == 422
    assert not Entry.objects.exists()


def test_another_units_handler_is_refused(api_client, handling, outsider):
    path = f"/complaints/{handling.number}/investigation"
    assert api_client.get(outsider, path).status_code == 404
    assert api_client.post(outsider, f"{path}/entries", {"kind": "note", "text": "越权"}).status_code == 404
    assert api_client.get(outsider, f"{path}/batch-trace").status_code == 404
    assert not Entry.objects.exists()


def test_an_auditor_reads_but_may_not_write(api_client, handling, auditor):
    path = f"/complaints/{handling.number}/investigation"
    assert api_client.get(auditor, path).json()["may_record"] is False
    assert api_client.post(auditor, f"{path}/entries", {"kind": "note", "text": "越权"}).status_code == 403


def test_the_root_cause_and_batch_routes(api_client, handling, handler):
    path = f"/complaints/{handling.number}/investigation"
    parts = {"what": {"text": "过敏"}, "why": {"text": "香精批次变更"}}
    r = api_client.client_put(handler, f"{path}/root-cause", {"method": "5w1h", "parts": parts})
    assert r.status_code == 200 and r.json()["missing"] == ["where", "when", "who", "how"]
    r = api_client.client_put(handler, f"{path}/batch", {"batch": "B260101", "related_batches": "B260102"})
    assert r.status_code == 200 and r.json()["related_batches"] == "B260102"
    trace = api_client.get(handler, f"{path}/batch-trace").json()
    assert trace["batch"] == "B260101" and trace["product"] == "护肤霜"
    assert api_client.get(handler, path).json()["root_cause"]["parts"][1]["text"] == "香精批次变更"
