"""`tousu verify-audit` passes on an untouched log and fails after any direct SQL tampering."""
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tousu.complaints.events import verify_audit
from tousu.complaints.models import Event

T = Event._meta.db_table


@pytest.fixture
def history(register, walk):  # noqa: ANN001, ANN201
    first = walk(register(), "accept", "dispatch", "sign")
    second = walk(register(summary="另一件"), "accept")
    third = register(summary="第三件")
    return first, second, third


def sql(statement: str, *params) -> None:  # noqa: ANN002
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def assert_fails() -> None:
    assert not verify_audit().ok
    with pytest.raises(CommandError, match="audit FAILED"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_it_passes_on_an_untouched_log(history, capsys):  # noqa: ANN001
    call_command("verify_audit")
    assert "audit OK: 7 events, 3 complaints" in capsys.readouterr().out


@pytest.mark.django_db
def test_it_detects_an_edited_event(history):  # noqa: ANN001
    sql(f"UPDATE {T} SET note = %s WHERE seq = 3", "改过的")
    assert_fails()


@pytest.mark.django_db
def test_it_detects_an_edited_payload_or_actor(history):  # noqa: ANN001
    sql(f"UPDATE {T} SET actor_name = %s WHERE seq = 2", "someone")
    assert_fails()


@pytest.mark.django_db
def test_it_detects_a_deleted_event(history):  # noqa: ANN001
    sql(f"DELETE FROM {T} WHERE seq = 4")
    assert_fails()


@pytest.mark.django_db
def test_it_detects_a_deleted_last_event(history):  # noqa: ANN001
    sql(f"DELETE FROM {T} WHERE seq = (SELECT MAX(seq) FROM {T})")
    assert_fails()


@pytest.mark.django_db
def test_it_detects_reordered_events(history):  # noqa: ANN001
    sql(f"UPDATE {T} SET seq = 1000 WHERE seq = 2")
    sql(f"UPDATE {T} SET seq = 2 WHERE seq = 3")
    sql(f"UPDATE {T} SET seq = 3 WHERE seq = 1000")
    assert_fails()


@pytest.mark.django_db
def test_it_detects_reordered_timestamps(history):  # noqa: ANN001
    rows = list(Event.objects.order_by("seq").values_list("seq", "created_at")[:2])
    sql(f"UPDATE {T} SET created_at = %s WHERE seq = %s", rows[1][1], rows[0][0])
    sql(f"UPDATE {T} SET created_at = %s WHERE seq = %s", rows[0][1], rows[1][0])
    assert_fails()


@pytest.mark.django_db
def test_it_detects_the_removal_of_a_complaints_whole_history(history):  # noqa: ANN001
    first, _, _ = history
    sql(f"DELETE FROM {T} WHERE complaint_id = %s", first.pk)
    report = verify_audit()
    assert not report.ok
    assert any(first.number in p and "history removed" in p for p in report.problems)


@pytest.mark.django_db
def test_it_detects_a_rewritten_chain_without_the_head(history):  # noqa: ANN001
    """Re-hashing every row after an edit still fails: the head and the versions disagree."""
    from tousu.complaints.events import GENESIS, event_hash

    Event.objects.filter(seq=7).delete()
    prev = GENESIS
    for event in Event.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(event)
        Event.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    assert_fails()
