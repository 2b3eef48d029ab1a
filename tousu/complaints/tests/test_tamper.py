"""A database writer without the audit key cannot rewrite the history unnoticed: each tampering is
found by `tousu verify-audit`, which names the complaint and the event, field or row concerned."""

import hashlib
import hmac
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tousu.complaints import attachments, inputs, models, services
from tousu.complaints.audit import anchor_heads, verify_audit
from tousu.complaints.events import _canonical, record_event
from tousu.complaints.models import Attachment, Complaint, Event, IdentityGrant
from tousu.complaints.services import grants
from tousu.complaints.tests.test_audit import assert_fails, sql

T = Event._meta.db_table


def when(complaint: Complaint, seq: int) -> str:
    """How the report names an event: ``event #3 (dispatch, 2026-11-30 10:02)``."""
    from django.utils import timezone

    event = Event.objects.get(complaint=complaint, seq=seq)
    return f"event #{seq} ({event.action}, {timezone.localtime(event.created_at):%Y-%m-%d %H:%M})"


@pytest.fixture
def case(register, walk):
    """Accepted, dispatched and signed for: four events."""
    return walk(register(), "accept", "dispatch", "sign")


def rechain(complaint: Complaint, sign) -> None:
    """What a database writer can do: recompute every hash of the complaint's chain with ``sign``."""
    prev = "0" * 64
    for event in Event.objects.filter(complaint=complaint).order_by("seq"):
        event.prev_hash = prev
        event.hash = sign(_canonical(event))
        Event.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash


# -- a clean history ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_clean_history_passes(case, register, walk, capsys):
    walk(register(summary="另一件"), "accept")
    anchor_heads()
    walk(case, "submit_result")
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "audit OK: 7 events, 2 complaints, 1 anchor lines" in out


# -- the chain ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_it_detects_a_payload_edit_rechained_with_plain_sha256(case):
    Event.objects.filter(complaint=case, seq=2).update(payload={"category": "G0101", "grade": "major"})
    rechain(case, lambda body: hashlib.sha256(body).hexdigest())
    problems = assert_fails(f"complaint {case.number}, {when(case, 2)}: content does not match its MAC")
    assert f"complaint {case.number}, {when(case, 1)}: content does not match its MAC" in problems[0]


@pytest.mark.django_db
def test_it_detects_a_payload_edit_rechained_with_a_wrong_key(case):
    Event.objects.filter(complaint=case, seq=3).update(payload={"unit": "housing", "mode": "assign"})
    wrong = b"a-guessed-key-0123456789abcdef0123456789abcdef"
    rechain(case, lambda body: hmac.new(wrong, body, hashlib.sha256).hexdigest())
    assert_fails(f"complaint {case.number}, {when(case, 3)}: content does not match its MAC")


@pytest.mark.django_db
def test_it_detects_a_tail_deletion_with_the_row_restored_after_an_anchor(register, walk, org):
    c = walk(register(), "accept")
    earlier = Complaint.objects.filter(pk=c.pk).values().get()
    c = walk(c, "dispatch", "sign")
    anchor_heads()
    # The writer removes the last two events and puts the row back as it was after event #2: the
    # chain and the state seal of #2 now agree with the row; only the anchor remembers #4.
    sql(f"DELETE FROM {T} WHERE complaint_id = %s AND seq > 2", c.pk)
    Complaint.objects.filter(pk=c.pk).update(**earlier)
    problems = assert_fails(
        f"complaint {c.number}: its history ends at {when(c, 2)} but event #4 was anchored "
        "(anchor line 1): events removed from the end"
    )
    assert len(problems) == 1


@pytest.mark.django_db
def test_without_an_anchor_a_restored_tail_deletion_goes_unseen(register, walk, settings):
    """The documented limit: events after the last anchor, removed together with the row put back."""
    c = walk(register(), "accept")
    earlier = Complaint.objects.filter(pk=c.pk).values().get()
    c = walk(c, "dispatch", "sign")
    sql(f"DELETE FROM {T} WHERE complaint_id = %s AND seq > 2", c.pk)
    Complaint.objects.filter(pk=c.pk).update(**earlier)
    assert verify_audit().ok


# -- the complaint's row and its rows ----------------------------------------------------------------
@pytest.mark.django_db
def test_it_detects_a_direct_edit_of_the_status(case):
    Complaint.objects.filter(pk=case.pk).update(status="closed")
    problems = assert_fails(f"complaint {case.number}: field status changed since {when(case, 4)}")
    assert len(problems) == 1


@pytest.mark.django_db
def test_it_detects_a_direct_edit_of_the_content(case):
    Complaint.objects.filter(pk=case.pk).update(content="内容已被改写")
    assert assert_fails(f"complaint {case.number}: field content changed since {when(case, 4)}") == [
        f"complaint {case.number}: field content changed since {when(case, 4)}"
    ]


@pytest.mark.django_db
def test_it_detects_a_direct_edit_of_the_handling_unit(case, org):
    from tousu.accounts.models import Unit

    Complaint.objects.filter(pk=case.pk).update(handling_unit=Unit.objects.get(code="housing"))
    assert_fails(f"complaint {case.number}: field handling_unit_id changed since {when(case, 4)}")


@pytest.mark.django_db
def test_it_detects_an_edited_complainant_name(case):
    person = case.complainants.get()
    # The name is encrypted at rest (issue 17 §3): the edit writes another name's ciphertext.
    models.Complainant.objects.filter(pk=person.pk).update(name="李四")
    assert assert_fails(f"complainant #{person.pk} of {case.number}: name changed since {when(case, 4)}") == [
        f"complainant #{person.pk} of {case.number}: name changed since {when(case, 4)}"
    ]


@pytest.mark.django_db
def test_it_detects_an_edited_encrypted_phone_but_not_a_re_encryption(case):
    """Encrypted fields are sealed as plain text: a fresh ciphertext of the same number is no change."""
    person = case.complainants.get()
    models.Complainant.objects.filter(pk=person.pk).update(phone=person.phone)  # encrypted anew
    assert verify_audit().ok
    models.Complainant.objects.filter(pk=person.pk).update(phone="13900000000")
    assert_fails(f"complainant #{person.pk} of {case.number}: phone changed since {when(case, 4)}")


@pytest.mark.django_db
def test_it_detects_a_deleted_attachment_row(case, clerk):
    attachment = attachments.add(
        actor=clerk, number=case.number, data=inputs.Attach(name="录音.txt", content=b"recording")
    )
    case.refresh_from_db()
    Attachment.objects.filter(pk=attachment.pk).delete()
    assert_fails(f"attachment #{attachment.pk} of {case.number}: deleted since {when(case, 5)}")


@pytest.mark.django_db
def test_it_detects_an_edited_identity_grant(case, handler):
    grant = grants.request_identity(
        actor=handler, number=case.number, data=inputs.IdentityRequest(reason="需电话核实情况")
    )
    case.refresh_from_db()
    IdentityGrant.objects.filter(pk=grant.pk).update(approved=True)  # approved behind the centre's back
    assert_fails(f"identity grant #{grant.pk} of {case.number}: approved changed since {when(case, 5)}")


@pytest.mark.django_db
def test_it_detects_an_added_co_unit(case, org):
    from tousu.accounts.models import Unit

    housing = Unit.objects.get(code="housing")
    case.co_units.add(housing)
    assert_fails(f"co-unit #{housing.pk} of {case.number}: added since {when(case, 4)}")


# -- the anchor file ------------------------------------------------------------------------------------
@pytest.fixture
def anchored(case, register, walk, settings):
    """Three anchor lines: one per anchoring after a change."""
    anchor_heads()
    other = walk(register(summary="另一件"), "accept")
    anchor_heads()
    walk(other, "dispatch")
    anchor_heads()
    lines = settings.TOUSU_AUDIT_ANCHOR_FILE.read_text().splitlines()
    assert len(lines) == 3
    return settings.TOUSU_AUDIT_ANCHOR_FILE, lines


@pytest.mark.django_db
def test_it_detects_an_edited_anchor_line(anchored):
    path, lines = anchored
    line = json.loads(lines[1])
    line["heads"][0][1] -= 1  # anchored one event less
    lines[1] = json.dumps(line, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    problems = assert_fails("anchor file line 2 (n=2, ")
    assert "edited (its MAC does not match)" in problems[0] and len(problems) == 1


@pytest.mark.django_db
def test_it_detects_a_removed_anchor_line(anchored):
    path, lines = anchored
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    problems = assert_fails("anchor file line 2 (n=3, ")
    assert "does not follow n=1 (1 line(s) removed)" in problems[0]


@pytest.mark.django_db
def test_it_checks_against_a_copy_of_the_anchor_file(anchored, case, tmp_path, capsys):
    """The copy shipped off the machine still knows what a truncated local file forgot."""
    path, lines = anchored
    copy = tmp_path / "shipped.log"
    copy.write_text(path.read_text())
    walk_back = Event.objects.filter(complaint=case).order_by("-seq").first()
    path.write_text("")  # the local file emptied; the last event removed and the row put back
    sql(f"DELETE FROM {T} WHERE id = %s", walk_back.pk)
    Complaint.objects.filter(pk=case.pk).update(version=3, status="dispatched")
    with pytest.raises(CommandError):
        call_command("verify_audit", anchor_file=copy)
    assert f"complaint {case.number}: its history ends at {when(case, 3)} but event #4 was anchored" in (
        capsys.readouterr().err
    )


# -- no shared row ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_record_event_touches_only_the_complaints_own_rows(case, register):
    """No global head: writing an event reads the complaint's own rows and inserts one event; it
    locks nothing and updates nothing, so complaints never queue on a shared row."""
    other = register(summary="另一件")
    assert not hasattr(models, "AuditHead")
    assert not [t for t in connection.introspection.table_names() if "audithead" in t]
    case.version += 1
    Complaint.objects.filter(pk=case.pk).update(version=case.version)
    with CaptureQueriesContext(connection) as queries:
        record_event(case, actor=None, action="urge", from_status=case.status, note="催办")
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= 6, statements
    assert not [
        s for s in statements if s.lstrip().upper().startswith(("UPDATE", "DELETE")) or "FOR UPDATE" in s.upper()
    ]
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and T in inserts[0]
    # Every read is about this complaint: its id in the query, never another complaint's.
    for statement in statements:
        assert str(case.pk) in statement and f"= {other.pk}" not in statement, statement
    assert verify_audit().ok


@pytest.mark.django_db(transaction=True)
def test_two_complaints_are_written_at_once(org, register, walk):
    """On PostgreSQL (row locks): while one transaction holds its complaint and has written its event,
    another complaint's action commits. With one global head row it would wait for the first."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time by design")
    first, second = walk(register(), "accept"), walk(register(), "accept")
    recorded, done = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def hold_first() -> None:
        try:
            with transaction.atomic():
                c = Complaint.objects.select_for_update().get(pk=first.pk)
                c.version += 1
                c.save(update_fields=["version"])
                record_event(c, actor=None, action="urge", from_status=c.status, note="催办")
                recorded.set()
                assert done.wait(timeout=20), "the other complaint's action waited for this transaction"
        except Exception as err:
            errors.append(err)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_first)
    holder.start()
    assert recorded.wait(timeout=20)
    services.urge(
        actor=org["center"], number=second.number, data=inputs.RequiredNote(version=second.version, note="请加快办理")
    )
    done.set()
    holder.join(timeout=30)
    assert not errors
    assert Event.objects.filter(complaint=first).count() == 3 and Event.objects.filter(complaint=second).count() == 3
    assert verify_audit().ok
