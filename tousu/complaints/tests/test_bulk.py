"""The bulk write path (``complaints.bulk``): many complaints with their histories, written with the
services' own numbering, encryption, redaction, event chain and state seals."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from tousu.complaints import bulk, events
from tousu.complaints.audit import verify_audit
from tousu.complaints.bulk import ComplaintIn, EventIn, NumberOf
from tousu.complaints.events import GENESIS, event_hash, sign_event
from tousu.complaints.models import Complainant, Complaint, Event, NumberSequence
from tousu.complaints.services.intake import check_query_code
from tousu.core.crypto import blind_index
from tousu.core.errors import ValidationFailed


def received(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def accepted(org, key, *, days=10.0, **more):
    """A complaint registered and accepted ``days`` ago by the clerk, as plain input."""
    at = received(days)
    return ComplaintIn(
        key=key,
        query_code="ABCD2345",
        fields={
            "channel": "hotline",
            "received_at": at,
            "status": "accepted",
            "summary": "窗口态度差",
            "content": "投诉人张建华反映窗口工作人员态度差,电话13912345678。",
        },
        complainants=[{"name": "张建华", "phone": "139-1234-5678", "address": "某县城关镇人民路8号"}],
        respondents=[{"unit_name": "市场监管局"}],
        events=[
            EventIn(
                "register",
                org["clerk"],
                "",
                "registered",
                at + dt.timedelta(minutes=5),
                payload={"channel": "hotline", "due": at},
            ),
            EventIn("accept", org["clerk"], "registered", "accepted", at + dt.timedelta(hours=2), "受理"),
        ],
        **more,
    )


def merged(org, key, into, *, days=5.0):
    at = received(days)
    return ComplaintIn(
        key=key,
        fields={"channel": "website", "received_at": at, "status": "merged", "closed_at": at, "summary": "同一事项"},
        repeat_of=into,
        merged_into=into,
        events=[
            EventIn("register", org["clerk"], "", "registered", at, payload={"repeat_of": NumberOf(into)}),
            EventIn(
                "merge",
                org["center"],
                "registered",
                "merged",
                at + dt.timedelta(hours=1),
                payload={"target": NumberOf(into)},
            ),
        ],
    )


def test_it_writes_complaints_as_the_services_do(org):
    written = bulk.write_complaints([accepted(org, "row-1"), merged(org, "row-2", "row-1")])

    assert [w.key for w in written] == ["row-1", "row-2"]
    first, second = (Complaint.objects.get(pk=w.id) for w in written)
    assert [first.number, second.number] == [w.number for w in written]
    assert first.version == 2 and first.status == "accepted" and first.registered_by == org["clerk"]
    assert check_query_code(first, "abcd2345")  # hashed with its number, as registration does
    assert (second.repeat_of, second.merged_into) == (first, first)
    # Personal data encrypted with its blind index; lists see the text without the complainant.
    person = Complainant.objects.get(complaint=first)
    assert person.phone == "13912345678" and person.phone_index == blind_index("13912345678")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Complainant._meta.db_table} WHERE id = %s", [person.id])
        assert cursor.fetchone()[0] != "13912345678"
    assert "张建华" not in first.content_redacted and "13912345678" not in first.content_redacted
    # The history: seq = version, the links' numbers in the payloads, the last event sealing the state.
    history = list(Event.objects.filter(complaint=second).order_by("seq"))
    assert [(e.seq, e.action, e.from_status, e.to_status) for e in history] == [
        (1, "register", "", "registered"),
        (2, "merge", "registered", "merged"),
    ]
    assert history[0].payload == {"repeat_of": first.number} and history[1].payload == {"target": first.number}
    assert history[0].prev_hash == GENESIS and history[1].prev_hash == history[0].hash
    assert history[1].state_mac and not history[0].state_mac
    report = verify_audit()
    assert report.ok and report.complaints == 2 and report.events == 4, report.problems


def test_it_signs_events_in_the_one_canonical_form(org):
    """``sign_event`` (bulk, record_event) and ``event_hash`` (verify) sign the same bytes: the
    event's fields as sorted-key JSON, whatever the values."""
    at = timezone.make_aware(dt.datetime(2025, 3, 9, 10, 11, 12, 345678))
    for note, actor_name, payload, prints in [
        ('含"引号"、反斜杠\\和\n换行\t\u2028', '王"晓燕', {"b": [1, None, True], "a": {"z": "中文", "y": 1.5}}, {}),
        ("", "system", {}, {"v": 1, "complaint": "ab12", "co_units": [3]}),
    ]:
        values = {
            "seq": 42,
            "complaint_id": 17,
            "number": "TS2025000007",
            "action": "dispatch",
            "actor_id": None,
            "actor_name": actor_name,
            "from_status": "accepted",
            "to_status": "dispatched",
            "version": 42,
            "note": note,
            "prev_hash": "ab" * 32,
            "state_mac": "cd" * 32 if prints else "",
        }
        mac = sign_event(
            **values,
            payload_json=events.canonical_json(payload),
            at=at.astimezone(dt.UTC),
            prints_json=events.canonical_json(prints),
        )
        assert mac == event_hash(Event(**values, payload=payload, created_at=at, state_prints=prints))
        body = {
            "seq": 42,
            "complaint": 17,
            "number": "TS2025000007",
            "action": "dispatch",
            "actor": actor_name,
            "actor_id": None,
            "from": "accepted",
            "to": "dispatched",
            "version": 42,
            "note": note,
            "payload": payload,
            "at": "2025-03-09T02:11:12.345678+00:00",
            "prev": "ab" * 32,
            "state": values["state_mac"],
            "prints": prints,
        }
        assert (
            events._canonical(Event(**values, payload=payload, created_at=at, state_prints=prints))
            == json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        )


def test_it_refuses_a_step_the_action_table_does_not_allow(org):
    good = accepted(org, 1)
    wrong_step = accepted(org, 2)
    wrong_step.events.append(EventIn("sign", org["handler"], "accepted", "in_progress", received(1)))
    wrong_role = accepted(org, 3)
    wrong_role.events[1] = wrong_role.events[1]._replace(actor=org["handler"])
    wrong_status = accepted(org, 4)
    wrong_status.fields["status"] = "closed"

    problems = bulk.check([good, wrong_step, wrong_role, wrong_status])

    assert [(p.key, p.where) for p in problems] == [(2, "events[2]"), (3, "events[1]"), (4, "fields.status")]
    with pytest.raises(ValidationFailed) as refused:
        bulk.write_complaints([good, wrong_step])
    assert refused.value.data["problems"][0]["key"] == 2
    assert Complaint.objects.count() == 0 and Event.objects.count() == 0 and not NumberSequence.objects.exists()


def test_a_batch_that_fails_writes_nothing(org, register, monkeypatch):
    register()
    before = (
        Complaint.objects.count(),
        Event.objects.count(),
        Complainant.objects.count(),
        dict(NumberSequence.objects.values_list("year", "last")),
    )
    batch = bulk.prepare([accepted(org, 1), accepted(org, 2)])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(events, "read_states", broken)  # after the rows are in, before the seals
    with pytest.raises(RuntimeError, match="disk full"):
        bulk.Writer().write(batch)

    assert (
        Complaint.objects.count(),
        Event.objects.count(),
        Complainant.objects.count(),
        dict(NumberSequence.objects.values_list("year", "last")),
    ) == before


def test_numbers_stay_gap_free_when_a_registration_comes_in_between(org, register):
    """A batch prepared elsewhere takes its numbers and ids when it is written, after whatever was
    registered meanwhile; links to earlier batches follow the ids they were written with."""
    writer = bulk.Writer()
    first = writer.write(bulk.prepare([accepted(org, "a", days=1)]))
    later = bulk.prepare([merged(org, "b", "a", days=0.5)])  # links to a complaint of the first batch
    registered = register()
    second = writer.write(later)

    year = timezone.localtime().year
    numbers = sorted(Complaint.objects.filter(number__contains=str(year)).values_list("number", flat=True))
    assert numbers == [f"TS{year}{n:06d}" for n in range(1, 4)]
    assert [first[0].number, registered.number, second[0].number] == numbers
    assert NumberSequence.objects.get(year=year).last == 3
    assert Complaint.objects.get(pk=second[0].id).merged_into_id == first[0].id
    assert Event.objects.get(complaint_id=second[0].id, action="merge").payload == {"target": first[0].number}
    assert verify_audit().ok


def test_it_refuses_a_link_to_a_complaint_it_does_not_know(org):
    with pytest.raises(ValidationFailed):
        bulk.Writer().write(bulk.prepare([merged(org, "b", "nowhere")]))
    problems = bulk.check([merged(org, "b", "nowhere")], known=set())
    assert {p.where for p in problems} == {"repeat_of", "merged_into", "events[0].payload", "events[1].payload"}
    assert not Complaint.objects.exists()


def test_an_item_the_preparing_process_cannot_send_stops_the_load_instead_of_going_missing():
    def produce():
        yield 1
        yield memoryview(b"not picklable")
        yield 3

    received = []
    with pytest.raises(RuntimeError, match="preparing failed: TypeError"):
        for item in bulk.prepared_ahead(produce):
            received.append(item)
    assert received == [1]
