"""How complaints are stored (issue 17 item 9; bench/README.md, "Storage: where the bytes go"):
UTF-8 JSON without spaces, no index a composite one already covers, partial indexes where only a
few rows are read, and 16 KiB pages for a new SQLite database."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event
from tousu.complaints.selectors import returns_by_unit
from tousu.core import jsontext
from tousu.detection.models import ComplaintPrint

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL stores jsonb, 8 KiB pages")


def test_stored_json_is_utf8_without_spaces_and_reads_back_the_same():
    value = {"词": {"权重": 0.5}, "规则": ["5 工作日", None, True]}
    text = jsontext.text(value)
    assert text == '{"词":{"权重":0.5},"规则":["5 工作日",null,true]}'
    assert json.loads(text) == value
    assert json.dumps(value, cls=jsontext.StoredJSON) == text  # as the JSONField calls it
    assert json.loads(json.dumps(value)) == json.loads(text)  # a row written before reads the same


def _raw(sql: str, *params: object) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@sqlite_only
def test_a_registered_complaint_stores_its_print_and_rules_as_utf8(register):
    c = register()
    (data,) = _raw("SELECT data FROM detection_complaintprint WHERE complaint_id = %s", c.id)
    (rules, flags) = _raw("SELECT due_rules FROM complaints_complaint WHERE id = %s", c.id) + ["{}"]
    assert "\\u" not in data and ", " not in data and any("\u4e00" <= ch <= "\u9fff" for ch in data)
    assert "\\u" not in rules and ": " not in rules
    assert ComplaintPrint.objects.get(complaint=c).data == json.loads(data)
    payloads = _raw("SELECT payload FROM complaints_event WHERE complaint_id = %s", c.id)
    assert payloads and all("\\u" not in p for p in payloads)
    assert flags == "{}"


@sqlite_only
def test_seeded_complaints_are_stored_as_the_services_store_them(org):
    call_command("seed", count=8, batch=4, no_progress=True, sequential=True, stdout=io.StringIO())
    data = _raw("SELECT data FROM detection_complaintprint")
    rules = _raw("SELECT due_rules FROM complaints_complaint")
    assert len(data) == len(rules) == 8
    assert all("\\u" not in d and ", " not in d for d in data + rules)
    assert all(jsontext.text(json.loads(d)) == d for d in data + rules)


def _single_column_indexes(model: type, column: str) -> list[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, c in found.items()
        if c["index"] and not c["unique"] and not c["primary_key"] and c["columns"] == [column]
    ]


@pytest.mark.django_db
def test_no_foreign_key_keeps_an_index_a_composite_one_already_covers():
    for column in ("category_id", "handling_unit_id", "handler_id"):
        assert _single_column_indexes(Complaint, column) == [], column
    assert _single_column_indexes(Event, "complaint_id") == ["event_anonymised"]  # partial
    assert _single_column_indexes(Complaint, "dues_provisional") == ["cmp_dues_provisional"]  # partial


@sqlite_only
def test_the_returns_statistics_read_the_partial_index(org, center):
    events = Event.objects.filter(action="return", created_at__date__gte="2026-01-01").values("id").order_by()
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "event_returns" in plan
    assert returns_by_unit(center) == []  # and the statistic itself runs


@sqlite_only
@pytest.mark.django_db
def test_a_new_sqlite_database_has_16_kib_pages():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        assert cursor.fetchone()[0] == 16384


def test_event_digests_are_stored_as_their_32_bytes_and_read_as_hex(register):
    c = register()
    with connection.cursor() as cursor:
        length = "octet_length" if connection.vendor == "postgresql" else "length"
        cursor.execute(
            f"SELECT {length}(hash), {length}(prev_hash), {length}(state_mac) FROM complaints_event"
            " WHERE complaint_id = %s",
            [c.id],
        )
        assert cursor.fetchall() == [(32, 32, 32)]  # the registration: sealed, so it has a state MAC
    event = Event.objects.get(complaint=c)
    assert len(event.hash) == len(event.prev_hash) == len(event.state_mac) == 64
    assert int(event.hash, 16) >= 0 and event.prev_hash == "0" * 64
    assert verify_audit().ok


@sqlite_only
def test_a_digest_written_as_hex_text_before_is_read_as_it_is(register):
    c = register()
    event = Event.objects.get(complaint=c)
    with connection.cursor() as cursor:  # as a row written before 0025 (SQLite keeps the row's type)
        cursor.execute("UPDATE complaints_event SET hash = %s WHERE id = %s", [event.hash, event.id])
        cursor.execute("SELECT typeof(hash) FROM complaints_event WHERE id = %s", [event.id])
        assert cursor.fetchone()[0] == "text"
    assert Event.objects.get(pk=event.pk).hash == event.hash
    assert verify_audit().ok
