"""The investigation record through its services: entries of each kind as audited events, who may
write them, and the government preset, which asks for no root cause."""

import datetime as dt

import pytest

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Event
from tousu.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tousu.investigation import selectors, services
from tousu.investigation.models import Entry, RootCause

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
KINDS = {
    "note": {"text": "询问窗口工作人员，确认当日系统故障"},
    "evidence": {"text": "投诉人提供的购货小票"},
    "visit": {"text": "到门店查看货架", "occurred_at": WHEN, "place": "城东门店", "people": "王五、赵六"},
    "test": {"text": "抽检同批次留样", "subject": "菌落总数", "outcome": "符合规定", "people": "市质检所"},
}


def test_it_records_each_kind_of_entry_with_an_attachment_as_events(handling, handler, upload):
    for kind, fields in KINDS.items():
        photo = upload(handler, handling)
        entry = services.add_entry(
            actor=handler,
            number=handling.number,
            data=services.EntryIn(kind=kind, attachments=[photo.pk], **fields),
        )
        assert list(entry.attachments.all()) == [photo]
        event = Event.objects.filter(complaint=handling, action="record_investigation").latest("id")
        assert event.payload == {"record": "entry", "entry": entry.pk, "kind": kind, "attachments": [photo.pk]}
        assert event.actor == handler
    assert Entry.objects.filter(complaint=handling).count() == 4
    record = selectors.investigation_of(handler, handling.number)
    assert [e["kind"] for e in record["entries"]] == list(KINDS)
    assert record["entries"][2]["place"] == "城东门店"
    assert record["entries"][3]["outcome"] == "符合规定"
    report = verify_audit()
    assert report.ok, report.problems


def test_the_centre_may_record_too(handling, center):
    services.add_entry(actor=center, number=handling.number, data=services.EntryIn(kind="note", text="中心调阅台账"))
    assert Entry.objects.get().created_by == center


def test_it_refuses_a_handler_of_another_unit(handling, outsider):
    with pytest.raises((NotFound, NotPermitted)):
        services.add_entry(actor=outsider, number=handling.number, data=services.EntryIn(kind="note", text="越权"))
    assert not Entry.objects.exists()
    assert not Event.objects.filter(action="record_investigation").exists()


def test_it_refuses_the_clerk(handling, clerk):
    with pytest.raises(NotPermitted):
        services.add_entry(actor=clerk, number=handling.number, data=services.EntryIn(kind="note", text="越权"))
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("visit", {"occurred_at": WHEN, "people": "王五"}, "place"),
        ("visit", {"place": "门店", "people": "王五"}, "occurred_at"),
        ("test", {"subject": "含量", "people": "质检所"}, "outcome"),
        ("evidence", {}, "attachments"),
    ],
)
def test_it_refuses_an_incomplete_entry_and_changes_nothing(handling, handler, kind, fields, field):
    version = type(handling).objects.get(pk=handling.pk).version
    with pytest.raises(ValidationFailed) as refusal:
        services.add_entry(actor=handler, number=handling.number, data=services.EntryIn(kind=kind, text="x", **fields))
    assert refusal.value.data["field"] == field
    assert not Entry.objects.exists()
    assert type(handling).objects.get(pk=handling.pk).version == version


def test_it_refuses_an_attachment_of_another_complaint(handling, handler, register, walk, upload):
    other = walk(register(), "accept", "dispatch", "sign")
    photo = upload(handler, other)
    with pytest.raises(ValidationFailed, match="附件"):
        services.add_entry(
            actor=handler,
            number=handling.number,
            data=services.EntryIn(kind="evidence", text="照片", attachments=[photo.pk]),
        )
    assert not Entry.objects.exists()


def test_it_refuses_an_entry_outside_handling(register, walk, center):
    accepted = walk(register(), "accept")
    with pytest.raises(InvalidTransition):
        services.add_entry(actor=center, number=accepted.number, data=services.EntryIn(kind="note", text="太早"))


def test_the_government_preset_needs_no_root_cause(handling, walk, handler):
    record = selectors.investigation_of(handler, handling.number)
    assert record["method"] == "none" and not record["required"] and record["missing"] == []
    assert walk(handling, "submit_result").status == "pending_approval"
    assert not RootCause.objects.exists()


def test_the_root_cause_refuses_an_unknown_discipline(handling, handler):
    data = services.RootCauseIn(method="8d", parts={"D9": services.PartIn(text="多余")})
    with pytest.raises(ValidationFailed, match="D9"):
        services.set_root_cause(actor=handler, number=handling.number, data=data)
    assert not RootCause.objects.exists()
