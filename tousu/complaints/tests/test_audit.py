"""`tousu verify-audit` passes on an untouched log and fails after any direct SQL tampering."""

import datetime as dt
import importlib
import itertools
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from tousu.complaints import attachments, inputs
from tousu.complaints.audit import verify_audit
from tousu.complaints.events import GENESIS, audit_key, event_hash, read_states, seal
from tousu.complaints.models import Complaint, Event

T = Event._meta.db_table


@pytest.fixture
def history(register, walk):
    first = walk(register(), "accept", "dispatch", "sign")
    second = walk(register(summary="另一件"), "accept")
    third = register(summary="第三件")
    return first, second, third


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def assert_fails(*fragments: str) -> list[str]:
    report = verify_audit()
    assert not report.ok
    for fragment in fragments:
        assert any(fragment in p for p in report.problems), (fragment, report.problems)
    with pytest.raises(CommandError, match="audit FAILED"):
        call_command("verify_audit")
    return report.problems


@pytest.mark.django_db
def test_it_passes_on_an_untouched_log(history, capsys):
    call_command("verify_audit")
    assert "audit OK: 7 events, 3 complaints" in capsys.readouterr().out


@pytest.mark.django_db
def test_it_numbers_events_per_complaint_as_its_version(history):
    first, second, third = history
    for complaint in history:
        rows = list(
            Event.objects.filter(complaint=complaint).order_by("seq").values_list("seq", "version", "prev_hash", "hash")
        )
        assert [r[0] for r in rows] == [r[1] for r in rows] == list(range(1, complaint.version + 1))
        assert rows[0][2] == GENESIS and all(b[2] == a[3] for a, b in itertools.pairwise(rows))
    assert Event.objects.filter(complaint=first, seq=4).get().state_mac  # every event seals the state
    assert Event.objects.filter(complaint=first, seq=1).get().state_prints["v"] == 1


@pytest.mark.django_db
def test_it_detects_an_edited_event(history):
    first = history[0]
    sql(f"UPDATE {T} SET note = %s WHERE complaint_id = %s AND seq = 3", "改过的", first.pk)
    assert_fails(f"complaint {first.number}, event #3 (dispatch")


@pytest.mark.django_db
def test_it_detects_an_edited_payload_or_actor(history):
    second = history[1]
    sql(f"UPDATE {T} SET actor_name = %s WHERE complaint_id = %s AND seq = 2", "someone", second.pk)
    assert_fails(f"complaint {second.number}, event #2 (accept", "does not match its MAC")


@pytest.mark.django_db
def test_it_detects_a_deleted_event(history):
    first = history[0]
    sql(f"DELETE FROM {T} WHERE complaint_id = %s AND seq = 2", first.pk)
    assert_fails(f"complaint {first.number}: event(s) #2 missing before event #3 (dispatch")


@pytest.mark.django_db
def test_it_detects_a_deleted_last_event(history):
    first = history[0]
    sql(f"DELETE FROM {T} WHERE complaint_id = %s AND seq = 4", first.pk)
    assert_fails(f"complaint {first.number}: version 4 but its history ends at event #3 (dispatch")


@pytest.mark.django_db
def test_it_detects_reordered_events(history):
    first = history[0]
    sql(f"UPDATE {T} SET seq = 1000 WHERE complaint_id = %s AND seq = 2", first.pk)
    sql(f"UPDATE {T} SET seq = 2 WHERE complaint_id = %s AND seq = 3", first.pk)
    sql(f"UPDATE {T} SET seq = 3 WHERE complaint_id = %s AND seq = 1000", first.pk)
    assert_fails(f"complaint {first.number}, event #2 (dispatch")


@pytest.mark.django_db
def test_it_detects_reordered_timestamps(history):
    first = history[0]
    rows = list(Event.objects.filter(complaint=first).order_by("seq").values_list("seq", "created_at")[:2])
    sql(f"UPDATE {T} SET created_at = %s WHERE complaint_id = %s AND seq = %s", rows[1][1], first.pk, rows[0][0])
    sql(f"UPDATE {T} SET created_at = %s WHERE complaint_id = %s AND seq = %s", rows[0][1], first.pk, rows[1][0])
    assert_fails(f"complaint {first.number}, event #1 (register", f"complaint {first.number}, event #2 (accept")


@pytest.mark.django_db
def test_it_detects_the_removal_of_a_complaints_whole_history(history):
    first, _, _ = history
    sql(f"DELETE FROM {T} WHERE complaint_id = %s", first.pk)
    assert_fails(f"complaint {first.number}: version 4 but no events (history removed)")


@pytest.mark.django_db
def test_it_detects_a_rechained_history_whose_version_was_left(history):
    """Re-hashing a shortened chain with the real key still fails: the complaint's version (and its
    state seal) say where the history ended."""
    first = history[0]
    Event.objects.filter(complaint=first, seq=4).delete()
    prev = GENESIS
    for event in Event.objects.filter(complaint=first).order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(event)
        Event.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    assert_fails(f"complaint {first.number}: version 4 but its history ends at event #3")


@pytest.mark.django_db
def test_it_detects_events_of_a_complaint_that_is_gone(history):
    third = history[2]
    with connection.constraint_checks_disabled():
        sql(f"DELETE FROM {Complaint._meta.db_table} WHERE id = %s", third.pk)
    assert_fails(f"event(s) of unknown complaint id {third.pk} ({third.number})", f"number(s) {third.number}: issued")
    # Every row that points at it (hidden relations too): the test database checks its keys at teardown.
    for rel in Complaint._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and not rel.many_to_many and rel.related_model is not Complaint:
            sql(f"DELETE FROM {rel.related_model._meta.db_table} WHERE {rel.field.column} = %s", third.pk)


@pytest.mark.django_db
def test_it_detects_a_number_issued_to_no_complaint(history):
    from tousu.complaints.models import NumberSequence

    sequence = NumberSequence.objects.get()
    NumberSequence.objects.filter(pk=sequence.pk).update(last=sequence.last + 2)
    year = sequence.year
    assert_fails(f"number(s) TS{year}{sequence.last + 1:06d}–TS{year}{sequence.last + 2:06d}: issued")


@pytest.mark.django_db
def test_the_migration_rechains_a_global_chain_per_complaint(history):
    """0012: events of the old scheme (one global seq, plain SHA-256) come out keyed per complaint,
    with the last event of each complaint sealed, and verify passes."""
    rechain = importlib.import_module("tousu.complaints.migrations.0012_rechain_audit")
    events = list(Event.objects.order_by("created_at", "id").values_list("id", flat=True))
    for seq, pk in enumerate(events, 1):  # the old global numbering, out of the unique's way
        Event.objects.filter(pk=pk).update(
            seq=seq + 1000, prev_hash="e" * 64, hash="f" * 64, state_mac="", state_prints={}
        )
    for pk in events:
        Event.objects.filter(pk=pk).update(seq=events.index(pk) + 1)
    assert not verify_audit().ok

    # 0012 ran on hex digest columns: back to them around it, as 0025 later stores bytes.
    digests = importlib.import_module("tousu.complaints.migrations.0025_event_digests_as_bytes")
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        if connection.vendor == "postgresql":  # the test's updates fire their checks before ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        digests.to_hex(apps, editor)
        rechain.rechain(apps, SimpleNamespace(connection=connection))
        digests.to_bytes(apps, editor)

    report = verify_audit()
    assert report.ok, report.problems
    for complaint in history:
        seqs = list(Event.objects.filter(complaint=complaint).order_by("seq").values_list("seq", "state_mac"))
        assert [s for s, _ in seqs] == list(range(1, complaint.version + 1))
        assert [bool(m) for _, m in seqs] == [False] * (len(seqs) - 1) + [True]
        last = Event.objects.filter(complaint=complaint).order_by("seq").last()
        assert (last.state_mac, last.state_prints) == seal(
            complaint.pk, read_states(complaint.pk, complaint.pk)[complaint.pk]
        )


@pytest.mark.django_db
def test_the_key_is_never_derived_from_the_secret_key(settings, tmp_path):
    """Without TOUSU_AUDIT_KEY, a random key is made in DATA_DIR/audit.key (0600) and kept."""
    settings.TOUSU_AUDIT_KEY = ""
    settings.DATA_DIR = tmp_path
    key = audit_key()
    path = tmp_path / "audit.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().strip().encode() == key and len(key) >= 32
    assert settings.SECRET_KEY.encode() not in key
    assert audit_key() == key
    settings.DATA_DIR = tmp_path / "elsewhere"
    assert audit_key() != key  # another instance, another random key


@pytest.mark.django_db
def test_it_refuses_a_short_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TOUSU_AUDIT_KEY = "short"
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        audit_key()


@pytest.mark.django_db
def test_it_reports_times_in_local_time(history, settings):
    first = history[0]
    sql(f"UPDATE {T} SET note = %s WHERE complaint_id = %s AND seq = 2", "改过的", first.pk)
    at = Event.objects.get(complaint=first, seq=2).created_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert_fails(f"event #2 (accept, {at:%Y-%m-%d %H:%M})")


# -- every action keeps the history and the state in step -------------------------------------------
def act(who, complaint, action: str, /, **kwargs):
    from tousu.complaints.actions import perform

    return perform(action, who, complaint.number, {"version": complaint.version, **kwargs})


@pytest.mark.django_db
def test_a_full_lifecycle_of_every_action_verifies(org, register, settings, monkeypatch, capsys):
    """Several complaints walked through every action of SPEC §5 (and attachments, identity grants,
    the deadline scan and a recomputation): each writes its event after its last change, so the
    state seals of the last events match the rows, and verify passes, before and after anchoring."""
    import time_machine

    from tousu.complaints import dues
    from tousu.complaints.actions import FORM_ACTIONS as TRANSITIONS
    from tousu.complaints.audit import anchor_heads
    from tousu.complaints.dues import ACCEPTANCE, HANDLING, WORKING_DAYS, Rule, RulePolicy
    from tousu.complaints.services import grants
    from tousu.complaints.services.timekeeping import recompute_after_calendar_change, scan_deadlines

    clerk, center, handler, head, followup = (org[k] for k in ("clerk", "center", "handler", "head", "followup"))
    done: set[str] = set()

    def step(who, c, action: str, /, **kwargs):
        done.add(action)
        return act(who, c, action, **kwargs)

    a = register(kind="inquiry")
    for user, action, kwargs in [
        (clerk, "convert", {"reason": "咨询后仍不满意"}),
        (clerk, "accept", {"category": "G0201", "grade": "normal"}),
        (center, "dispatch", {"unit": "amr", "mode": "assign", "co_units": ["housing"]}),
        (handler, "return", {"reason": "insufficient_info", "note": "缺少办件编号"}),
        (center, "refuse_return", {"note": "办件编号已在投诉内容中"}),
        (head, "assign_handler", {"handler": "handler"}),
        (handler, "sign", {}),
        (handler, "request_extension", {"days": 5, "reason": "需调取档案"}),
        (center, "decide_extension", {"approved": True, "notice_method": "phone"}),
        (handler, "suspend", {"reason": "awaiting_material"}),
        (handler, "resume", {}),
        (center, "mark_conflict", {"user": "hrss", "reason": "与投诉人系亲属"}),
        (center, "lift_conflict", {"user": "hrss", "reason": "经核实并非亲属"}),
        (org["housing"], "give_opinion", {"text": "维修资金审核环节无异议"}),
        (center, "urge", {"note": "请加快办理"}),
        (center, "supervise", {"note": "列入督办"}),
    ]:
        a = step(user, a, action, **kwargs)
    attachment = attachments.add(
        actor=clerk, number=a.number, data=inputs.Attach(name="录音.txt", content=b"recording")
    )
    grants.release_attachment(actor=center, number=a.number, data=inputs.ReleaseAttachment(attachment=attachment.pk))
    grant = grants.request_identity(
        actor=handler, number=a.number, data=inputs.IdentityRequest(reason="需电话核实情况")
    )
    grants.decide_identity(actor=center, number=a.number, data=inputs.IdentityDecision(approved=True, grant=grant.pk))
    a.refresh_from_db()
    for user, action, kwargs in [
        (
            handler,
            "submit_result",
            {"substantiated": "yes", "findings": "属实", "solution": "批评教育", "proposed_reply": "已整改"},
        ),
        (center, "reject_result", {"note": "调查不充分"}),
        (
            handler,
            "submit_result",
            {"substantiated": "partly", "findings": "部分属实", "solution": "整改", "proposed_reply": "已整改"},
        ),
        (center, "approve", {"note": "同意"}),
        (handler, "reply", {"method": "phone", "text": "经核查部分属实,已整改。"}),
        (followup, "follow_up", {"satisfaction": "unsatisfied", "note": "认为处理太轻"}),
        (
            handler,
            "submit_result",
            {"substantiated": "yes", "findings": "属实", "solution": "处分", "proposed_reply": "已处分"},
        ),
        (center, "approve", {}),
        (handler, "reply", {"method": "phone", "text": "已处分相关人员。"}),
        (followup, "follow_up", {"satisfaction": "satisfied"}),
        (clerk, "request_review", {"reason": "认为仍有遗漏"}),
        (org["leader"], "decide_review", {"upheld": True, "note": "维持原处理"}),  # the unit above amr
        (center, "reopen", {"facts": "投诉人提供了新证据"}),
        (clerk, "resolve_on_spot", {"solution": "当场说明", "reply_method": "phone", "reply_text": "已答复"}),
        (followup, "follow_up", {"satisfaction": "basic"}),
        (center, "archive", {}),
    ]:
        a = step(user, a, action, **kwargs)

    b = step(center, register(), "decline", reason="E_out_of_scope", forwarded_to="县人民法院")
    b = step(clerk, b, "request_review", reason="认为属于受理范围")
    b = step(org["leader"], b, "decide_review", upheld=False, note="应予受理")  # the unit above the centre
    step(clerk, register(), "withdraw", statement="已自行解决")
    w = step(clerk, register(), "resolve_on_spot", solution="当场说明", reply_method="phone", reply_text="已答复")
    step(center, w, "close", reason="投诉人明确表示无须回访")
    step(center, register(), "merge", target=b.number)

    e = step(clerk, register(), "accept", category="G0201", grade="normal")
    e = step(center, e, "dispatch", unit="amr", mode="assign")
    e = step(head, e, "sub_dispatch", unit="amr-consumer", handler="consumer")
    e = step(org["consumer"], e, "return", reason="wrong_unit")
    step(head, e, "escalate", reason="涉及县政府协调")

    settings.TOUSU_DISPATCH_APPROVAL = True
    f = step(clerk, register(), "accept", category="G0201", grade="normal")
    f = step(center, f, "propose_dispatch", unit="housing", mode="assign")
    f = step(org["center_head"], f, "decide_dispatch", approved=True, note="同意")
    step(org["leader"], f, "decide_dispatch", approved=True)
    settings.TOUSU_DISPATCH_APPROVAL = False

    g = step(
        center,
        step(clerk, register(), "accept", category="G0201", grade="normal"),
        "dispatch",
        unit="amr",
        mode="assign",
        handler="handler",
    )
    g = step(handler, g, "sign")
    with time_machine.travel(g.handling_due + dt.timedelta(hours=100)):
        result = scan_deadlines()  # the system's own urge and escalation
    assert result.overdue >= 1 and result.escalated >= 1
    assert {"urge", "escalate"} <= set(Event.objects.filter(complaint=g, actor=None).values_list("action", flat=True))

    h = step(clerk, register(), "accept", category="G0201", grade="normal")
    monkeypatch.setattr(
        dues,
        "policy",
        lambda: RulePolicy(
            [
                Rule(name="x.acceptance", kind=ACCEPTANCE, amount=5, unit=WORKING_DAYS),
                Rule(name="x.handling", kind=HANDLING, amount=60, unit=WORKING_DAYS),
            ]
        ),
    )
    assert recompute_after_calendar_change(changed_from=dt.date(2000, 1, 1)) >= 1
    assert Event.objects.filter(complaint=h, action="recompute_dues").exists()

    assert done >= set(TRANSITIONS), set(TRANSITIONS) - done
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"attach", "release_attachment", "request_identity", "decide_identity", "recompute_dues"} <= actions
    report = verify_audit()
    assert report.ok, report.problems
    assert report.complaints == Complaint.objects.count() and report.events == Event.objects.count()
    assert anchor_heads().heads == Complaint.objects.count()
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "audit OK" in out and "1 anchor lines" in out


# -- anchoring --------------------------------------------------------------------------------------
def anchor_lines(settings) -> list[dict]:
    import json

    return [json.loads(line) for line in settings.TOUSU_AUDIT_ANCHOR_FILE.read_text().splitlines() if line]


@pytest.mark.django_db
def test_anchoring_writes_the_changed_heads_once(history, settings, capsys):
    from tousu.complaints.audit import anchor_heads

    first, second, third = history
    call_command("anchor_audit")
    assert "anchored 3 chain head(s) in 1 line(s)" in capsys.readouterr().out
    call_command("anchor_audit")
    assert "nothing new to anchor" in capsys.readouterr().out
    assert [h[:2] for h in anchor_lines(settings)[0]["heads"]] == [[first.pk, 4], [second.pk, 2], [third.pk, 1]]
    assert settings.TOUSU_AUDIT_ANCHOR_FILE.stat().st_mode & 0o777 == 0o600

    from tousu.complaints import services

    services.urge(
        actor=history[0].registered_by.__class__.objects.get(username="center"),
        number=first.number,
        data=inputs.RequiredNote(version=first.version, note="请加快办理"),
    )
    result = anchor_heads()
    assert (result.heads, result.lines) == (1, 1)
    lines = anchor_lines(settings)
    assert [h[:2] for h in lines[1]["heads"]] == [[first.pk, 5]]
    assert lines[1]["n"] == 2 and lines[1]["prev"] == lines[0]["mac"]
    assert verify_audit().ok


@pytest.mark.django_db
def test_anchoring_looks_back_a_margin_and_never_flags_a_late_commit(register, walk, center, settings):
    """An event timed before the last anchor (a transaction that committed late) is anchored by
    the next run within the margin; one older than the margin is left for later, and nothing
    that was not anchored is ever reported."""
    import time_machine

    from tousu.complaints import services
    from tousu.complaints.audit import anchor_heads

    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now - dt.timedelta(hours=5), tick=False):
        first, second = walk(register(), "accept"), walk(register(), "accept")
    with time_machine.travel(now - dt.timedelta(hours=4), tick=False):
        anchor_heads()
    at = dt.datetime.fromisoformat(anchor_lines(settings)[0]["at"])
    with time_machine.travel(at + dt.timedelta(hours=1), tick=False):
        with time_machine.travel(at - dt.timedelta(seconds=30), tick=False):  # within the margin
            services.urge(
                actor=center, number=first.number, data=inputs.RequiredNote(version=first.version, note="催办")
            )
        with time_machine.travel(at - dt.timedelta(hours=2), tick=False):  # beyond it
            services.urge(
                actor=center, number=second.number, data=inputs.RequiredNote(version=second.version, note="催办")
            )
        anchor_heads()
    heads = {h[0]: h[1] for h in anchor_lines(settings)[-1]["heads"]}
    assert heads == {first.pk: 3}
    report = verify_audit()
    assert report.ok, report.problems


@pytest.mark.django_db(transaction=True)
def test_anchoring_from_several_processes_keeps_one_chain(org, register, settings):
    import threading

    from django.db import connections

    from tousu.complaints.audit import anchor_heads

    for _ in range(3):
        register()
    errors: list[Exception] = []

    def run() -> None:
        try:
            for _ in range(5):
                anchor_heads(margin=dt.timedelta(0))
        except Exception as err:
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    lines = anchor_lines(settings)
    assert [line["n"] for line in lines] == list(range(1, len(lines) + 1))
    assert sorted(h[0] for line in lines for h in line["heads"]) == sorted(
        Complaint.objects.values_list("id", flat=True)
    )
    assert verify_audit().ok


@pytest.mark.django_db
def test_the_periodic_anchor_job_anchors(org, register, settings):
    from tousu.complaints.jobs import audit_anchor_task

    register()
    audit_anchor_task()  # the queue runs it at once under the tests
    assert anchor_lines(settings)[0]["heads"][0][:2] == [Complaint.objects.get().pk, 1]


@pytest.mark.django_db
def test_the_anchor_job_is_skipped_while_another_worker_runs_it(org, register, settings):
    from tousu.complaints.jobs import audit_anchor_task
    from tousu.core.tasks import lock

    register()
    with lock("audit-anchor"):
        audit_anchor_task()
    assert not settings.TOUSU_AUDIT_ANCHOR_FILE.exists() or not anchor_lines(settings)
    audit_anchor_task()
    assert len(anchor_lines(settings)) == 1


@pytest.mark.django_db
def test_anchoring_everything_catches_up_on_a_bulk_load(register, walk, settings, capsys):
    """A bulk load dated in the past (``tousu seed``) escapes the incremental run; ``--all`` anchors it."""
    import time_machine

    from tousu.complaints.audit import anchor_heads

    anchor_heads()  # nothing yet
    walk(register(), "accept")
    anchor_heads()
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=30), tick=False):
        old = walk(register(), "accept")
    assert anchor_heads().heads == 0
    call_command("anchor_audit", all=True)
    assert "anchored 1 chain head(s)" in capsys.readouterr().out
    assert [h[:2] for h in anchor_lines(settings)[-1]["heads"]] == [[old.pk, 2]]


@pytest.mark.django_db
def test_an_idle_margin_moves_the_anchor_window_on_with_one_empty_line(history, settings):
    import time_machine

    from tousu.complaints.audit import anchor_heads

    anchor_heads()
    at = dt.datetime.fromisoformat(anchor_lines(settings)[0]["at"])
    with time_machine.travel(at + dt.timedelta(minutes=5)):
        assert anchor_heads().lines == 0  # within the margin: nothing written
    with time_machine.travel(at + dt.timedelta(minutes=30)):
        assert (anchor_heads().lines, anchor_heads().lines) == (1, 0)
    assert [len(line["heads"]) for line in anchor_lines(settings)] == [3, 0]
    assert verify_audit().ok


@pytest.mark.django_db
def test_it_says_when_no_event_matches_the_key(history, settings):
    settings.TOUSU_AUDIT_KEY = "not-the-key-the-log-was-written-with-0123456789"
    report = verify_audit()
    assert not report.ok and report.problem_count >= 7
    assert any("TOUSU_AUDIT_KEY is not the key the log was written with" in note for note in report.notes)
