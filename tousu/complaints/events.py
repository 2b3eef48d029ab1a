"""Writing and verifying the hash-chained event log."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from tousu.complaints.models import AuditHead, Complaint, Event

GENESIS = "0" * 64


def _canonical(event: Any) -> bytes:
    body = {
        "seq": event.seq,
        "complaint": event.complaint_id,
        "number": event.number,
        "action": event.action,
        "actor": event.actor_name,
        "from": event.from_status,
        "to": event.to_status,
        "version": event.version,
        "note": event.note,
        "payload": event.payload,
        "at": event.created_at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
        "prev": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder,
                      separators=(",", ":")).encode()


def event_hash(event: Any) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # Round-trip so that what is hashed is exactly what the JSON column gives back.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_event(complaint: Complaint, *, actor: Any, action: str, from_status: str = "",
                 note: str = "", payload: dict[str, Any] | None = None) -> Event:
    """Append one event for ``complaint``; call inside the action's transaction.

    The chain head row is locked so that concurrent writers append one after another.
    """
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    event = Event(
        seq=head.seq + 1,
        complaint=complaint,
        number=complaint.number,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        from_status=from_status,
        to_status=complaint.status,
        version=complaint.version,
        note=note,
        payload=_jsonable(payload or {}),
        created_at=timezone.now(),
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    AuditHead.objects.filter(id=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass
class AuditReport:
    events: int = 0
    complaints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_audit(limit_problems: int = 50) -> AuditReport:
    """Walk the chain in ``seq`` order and cross-check every complaint's version against it."""
    report = AuditReport()

    def problem(text: str) -> None:
        if len(report.problems) < limit_problems:
            report.problems.append(text)
        elif len(report.problems) == limit_problems:
            report.problems.append("…")

    prev_hash, expected_seq = GENESIS, 1
    counts: dict[int, int] = {}
    versions_seen: dict[int, int] = {}
    # Plain tuples, not model instances: a million complaints have millions of events.
    columns = ("seq", "complaint_id", "number", "action", "actor_name", "from_status", "to_status", "version",
               "note", "payload", "created_at", "prev_hash", "hash")
    rows = Event.objects.order_by("seq").values_list(*columns).iterator(chunk_size=20000)
    for event in (SimpleNamespace(**dict(zip(columns, row))) for row in rows):
        report.events += 1
        if event.seq != expected_seq:
            problem(f"event seq {event.seq}: expected seq {expected_seq} (missing or reordered events)")
        if event.prev_hash != prev_hash:
            problem(f"event seq {event.seq} ({event.number}): does not follow the previous event")
        if event_hash(event) != event.hash:
            problem(f"event seq {event.seq} ({event.number}): content does not match its hash (edited)")
        counts[event.complaint_id] = counts.get(event.complaint_id, 0) + 1
        last = versions_seen.get(event.complaint_id, 0)
        if event.version <= last:
            problem(f"event seq {event.seq} ({event.number}): version {event.version} after {last} "
                    "(reordered)")
        versions_seen[event.complaint_id] = event.version
        prev_hash, expected_seq = event.hash, event.seq + 1

    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problem(f"the chain ends at seq {expected_seq - 1} but its head records seq {head_seq}: "
                "events were removed from the end or the head was altered")

    # Every action bumps the version by one and writes one event, so a complaint at version v has
    # exactly v events; a complaint with fewer has lost history, even all of it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, number, version FROM {Complaint._meta.db_table}")
        for pk, number, version in cursor.fetchall():
            report.complaints += 1
            if counts.get(pk, 0) != version:
                problem(f"complaint {number}: version {version} but {counts.get(pk, 0)} events "
                        "(history removed)")
    for pk in set(counts) - set(versions_seen):
        problem(f"events for unknown complaint id {pk}")
    return report
