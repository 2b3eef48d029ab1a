"""The event log (SPEC §5, §14): a keyed chain per complaint, the complaint's state sealed by every
event, anchors outside the database, and the verification of all three.

- ``Event.hash`` is HMAC-SHA256, with a key held outside the database (``audit_key``), over the
  event and the previous event *of the same complaint*. ``seq`` runs 1..n per complaint and equals
  the complaint's version after the event. Writers of one complaint are ordered by the complaint's
  row lock, which every service takes first; complaints never wait on each other.
- ``Event.state_mac`` is a MAC of the complaint's state after the event: the complaint row and its
  complainants, respondents, attachments, identity grants, conflicts and co-units, as the database
  returns them. ``Event.state_prints`` holds short per-field fingerprints that only serve to say
  which field or row was changed behind the log's back.
- ``anchor_heads`` appends the heads of the chains that changed since the last anchor to an
  append-only file, each line chained to the previous one by MAC: a history cut short after its
  head was anchored is detected, even with the complaint's row put back as it was.
- ``verify_audit`` checks all of it in one streaming pass, chunk by chunk of complaints.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import weakref
from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tousu.complaints.models import (
    Attachment, Complainant, Complaint, Conflict, Event, IdentityGrant, NumberSequence, Respondent,
)

log = logging.getLogger(__name__)
GENESIS = "0" * 64
UTC = dt.timezone.utc

# ------------------------------------------------------------------------------------ the key
_KEYS: dict[tuple[str, Any], tuple[bytes, bytes]] = {}


def audit_key() -> bytes:
    """The HMAC key of the log: ``TOUSU_AUDIT_KEY`` (or the file named by ``TOUSU_AUDIT_KEY_FILE``).

    Without one (development) a random key is kept in ``DATA_DIR/audit.key``, created on first use
    with mode 0600. Never derived from SECRET_KEY: whoever can read the settings or write the
    database must not be able to re-sign the history.
    """
    return _keys()[0]


def _keys() -> tuple[bytes, bytes]:
    configured, data_dir = settings.TOUSU_AUDIT_KEY, settings.DATA_DIR
    cached = _KEYS.get((configured, data_dir))
    if cached is None:
        path = Path(data_dir) / "audit.key"
        if configured:
            if len(configured) < 32:
                raise ImproperlyConfigured("TOUSU_AUDIT_KEY must have at least 32 characters "
                                           "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
            key = configured.encode()
        else:
            key = _development_key(path)
        # A second key for the fingerprints: a print can never be taken for a chain MAC.
        cached = _KEYS[(configured, data_dir)] = (key, hmac.new(key, b"tousu-audit-prints", hashlib.sha256).digest())
    return cached


def _development_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then linked into place: of two processes starting
        # at once, exactly one key wins and nobody reads a half-written file.
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
            log.warning("TOUSU_AUDIT_KEY is not set: created the development audit key %s", path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds no usable audit key (at least 32 characters)")
    return key.encode()


# ------------------------------------------------------------------------------ the state
# What a complaint's events vouch for, per format version (recorded in every event's prints as
# "v"). A column added later goes into a new version; an event sealed under an older one is still
# checked against its own list. Row ids are the keys of the rows, so they are not listed.
STATE_FORMATS: dict[int, dict[str, tuple[str, ...]]] = {
    1: {
        "complaint": (
            "number", "query_code_hash", "kind", "validity", "validity_reason", "channel", "upgraded_source",
            "status", "version", "received_at", "registered_at", "registered_by_id", "first_owner_id",
            "anonymous", "summary", "content", "demands", "occurred_at", "place", "amount", "category_id",
            "grade_id", "flags", "extra", "dispatch_mode", "handling_unit_id", "handler_id", "handling_level",
            "dispatched_unit_id", "returned_from_id", "acceptance_due", "sign_due", "handling_due", "report_due",
            "followup_due", "review_due", "review_window_ends", "opinion_due", "agreed_due", "due_at",
            "due_rules", "dues_provisional", "suspended_at", "redacted", "summary_redacted", "content_redacted",
            "returns_count", "urge_count", "supervise_count", "followup_attempts", "decline_reason",
            "decline_text", "forwarded_to", "substantiated", "findings", "solution", "compensation_type",
            "compensation_amount", "proposed_reply", "reply_method", "reply_text", "replied_at", "satisfaction",
            "close_reason", "closed_at", "archived_at", "review_from", "repeat_of_id", "merged_into_id",
            "upgraded_from",
        ),
        "complainant": ("position", "name", "phone", "phone_index", "email", "address", "id_number",
                        "organisation", "real_name", "preferred_reply", "is_representative"),
        "respondent": ("unit_id", "unit_name", "staff_id", "staff_name", "product_name", "specification", "batch",
                       "quantity", "production_date", "purchase_place", "partner_name", "rank"),
        "attachment": ("stored_name", "original_name", "content_type", "size", "sha256", "uploaded_by_id",
                       "uploaded_at", "released"),
        "grant": ("user_id", "reason", "requested_at", "approved", "decided_by_id", "decided_at"),
        "conflict": ("user_id", "reason", "marked_by_id", "marked_at", "lifted_by_id", "lifted_at", "lift_reason"),
    },
}
STATE_FORMAT = max(STATE_FORMATS)
ROW_MODELS = {"complainant": Complainant, "respondent": Respondent, "attachment": Attachment,
              "grant": IdentityGrant, "conflict": Conflict}
ROW_LABELS = {"complainant": "complainant", "respondent": "respondent", "attachment": "attachment",
              "grant": "identity grant", "conflict": "conflict"}
# Attachments, grants, conflicts and co-units are rare: one probe says which a complaint has.
_RARE = ("attachment", "grant", "conflict")
_NUMBER = STATE_FORMATS[STATE_FORMAT]["complaint"].index("number")
_VERSION = STATE_FORMATS[STATE_FORMAT]["complaint"].index("version")

State = dict[str, Any]  # {"complaint": values, <table>: [(row id, values)], "co_units": [unit ids]}
_NAME_BYTES = {names: [f"{n}=".encode() for n in names] for fmt in STATE_FORMATS.values() for names in fmt.values()}
# A string as JSON writes it with ensure_ascii=False (the C function behind JSONEncoder.encode).
_json_text = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _enc_datetime(value: dt.datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo else value).isoformat(timespec="microseconds")


def _enc_decimal(value: Decimal) -> str:
    # 12.5 and 12.50 are the same amount whichever way a database hands it back.
    return format(value.normalize(), "f")


def _enc_document(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


# One canonical text per value as the database returned it, by exact type (a bool is no int here).
_ENCODERS: dict[type, Any] = {
    str: _json_text, int: str, type(None): lambda _: "null", bool: lambda v: "true" if v else "false",
    dt.datetime: _enc_datetime, dt.date: dt.date.isoformat, Decimal: _enc_decimal,
}


def _enc(value: Any) -> str:
    return _ENCODERS.get(type(value), _enc_document)(value)


def read_states(first: int, last: int | None) -> dict[int, State]:
    """The state of the complaints with ids ``first``..``last`` (no upper bound: None), read back
    from the database as values_list gives it: what is sealed is what the database holds
    (encrypted fields as plain text)."""
    states: dict[int, State] = {}
    for pk, *values in _rows("complaint", first, last):
        states[pk] = {"complaint": tuple(values), "co_units": [], **{t: [] for t in ROW_MODELS}}
    if not states:
        return states
    for pk, unit in _rows("co_units", first, last):
        if pk in states:
            states[pk]["co_units"].append(unit)
    for table in ROW_MODELS:
        for pk, row_id, *values in _rows(table, first, last):
            if pk in states:
                states[pk][table].append((row_id, tuple(values)))
    return states


def read_state(pk: int) -> tuple[State, tuple[int, str] | None]:
    """One complaint's state, as ``read_states``, and the head (seq, hash) of its chain, in as few
    round trips as can be: one probe says which rare tables have rows, and gives the head and the
    co-units; then the complaint, its complainants and respondents, and only the rare tables in use."""
    head, present, co_units = _probe(pk)
    values = _rows("complaint", pk, pk)
    if not values:
        raise Complaint.DoesNotExist(f"complaint id {pk}")
    state: State = {"complaint": tuple(values[0][1:]), "co_units": co_units, **{t: [] for t in ROW_MODELS}}
    for table in ("complainant", "respondent", *present):
        state[table] = [(row_id, tuple(rest)) for _, row_id, *rest in _rows(table, pk, pk)]
    return state, head


def _probe(pk: int) -> tuple[tuple[int, str] | None, list[str], list[int]]:
    """In one query: the head of complaint ``pk``'s chain, which rare tables hold its rows, its co-units."""
    qn = connection.ops.quote_name
    events = qn(Event._meta.db_table)
    parts = [f"SELECT 'head', {qn('seq')}, {qn('hash')} FROM {events} WHERE {qn('complaint_id')} = %s "
             f"AND {qn('seq')} = (SELECT MAX({qn('seq')}) FROM {events} WHERE {qn('complaint_id')} = %s)"]
    parts += [f"SELECT '{t}', {qn('id')}, NULL FROM {qn(ROW_MODELS[t]._meta.db_table)} WHERE {qn('complaint_id')} = %s"
              for t in _RARE]
    through = Complaint.co_units.through._meta.db_table
    parts.append(f"SELECT 'co_unit', {qn('unit_id')}, NULL FROM {qn(through)} WHERE {qn('complaint_id')} = %s")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), [pk] * (len(parts) + 1))
        rows = cursor.fetchall()
    head = next(((n, h) for t, n, h in rows if t == "head"), None)
    present = sorted({t for t, _, _ in rows if t in _RARE}, key=_RARE.index)
    return head, present, sorted(n for t, n, _ in rows if t == "co_unit")


# Per database connection (one per thread): table and bounds → (SQL, converters).
_READERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _rows(table: str, first: int, last: int | None) -> list[list[Any]]:
    """The values_list rows of one state table for complaints ``first``..``last``, in order.

    The query is compiled once per connection and table, with the converters values_list applies
    (dates, JSON, decryption): building the same ORM query for every event was most of a seal's cost.
    """
    db = connections[DEFAULT_DB_ALIAS]
    readers = _READERS.setdefault(db, {})
    reader = readers.get((table, last is None))
    if reader is None:
        fields = STATE_FORMATS[STATE_FORMAT]
        if table == "complaint":
            model, column, names = Complaint, "id", ("id", *fields["complaint"])
        elif table == "co_units":
            model, column, names = Complaint.co_units.through, "complaint_id", ("complaint_id", "unit_id")
        else:
            model, column, names = ROW_MODELS[table], "complaint_id", ("complaint_id", "id", *fields[table])
        span = {f"{column}__gte": 0} if last is None else {f"{column}__gte": 0, f"{column}__lte": 0}
        qs = model.objects.filter(**span).order_by(*names[:2]).values_list(*names)
        compiler = qs.query.get_compiler(connection=db)
        sql, _ = compiler.as_sql()
        reader = readers[(table, last is None)] = (sql, compiler.get_converters(
            [expression for expression, _, _ in compiler.select]))
    sql, converters = reader
    with db.cursor() as cursor:
        cursor.execute(sql, [first] if last is None else [first, last])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:  # as SQLCompiler.apply_converters
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, db)
            row[position] = value
    return rows


def seal(pk: int, state: State, *, version: int = STATE_FORMAT, with_prints: bool = True) -> tuple[str, dict]:
    """The state's MAC and, with ``with_prints``, its fingerprints (4 hex digits a field).

    ``state`` is read with the current format; an older ``version`` takes the fields it lists.
    """
    key, print_key = _keys()
    now, then = STATE_FORMATS[STATE_FORMAT], STATE_FORMATS[version]
    mac = hmac.new(key, f"tousu-state/{version}/{pk}".encode(), hashlib.sha256)
    prints: dict[str, Any] = {"v": version}
    encoders, base = _ENCODERS, hashlib.blake2b(key=print_key, digest_size=2)

    def row(table: str, row_id: int, values: tuple) -> str:
        names = then[table]
        if names != now[table]:
            values = tuple(values[now[table].index(n)] for n in names)
        encoded = [encoders.get(type(v), _enc_document)(v) for v in values]
        mac.update(f"\x1e{table}#{row_id}\x1d{chr(0x1f).join(encoded)}".encode())
        if not with_prints:
            return ""
        # Each print hashes "<pk>/<table>/<row id>/<name>=<value>": the row's prefix is hashed once.
        row_base = base.copy()
        row_base.update(f"{pk}/{table}/{row_id}/".encode())
        copy, out = row_base.copy, []
        for name, text in zip(_NAME_BYTES[names], encoded):
            h = copy()
            h.update(name + text.encode())
            out.append(h.digest())
        return b"".join(out).hex()

    prints["complaint"] = row("complaint", pk, state["complaint"])
    for table in ROW_MODELS:
        if state[table]:
            prints[table] = {str(row_id): row(table, row_id, values) for row_id, values in state[table]}
    if state["co_units"]:
        mac.update(("\x1eco_units\x1d" + ",".join(map(str, state["co_units"]))).encode())
        prints["co_units"] = list(state["co_units"])
    return mac.hexdigest(), (prints if with_prints else {})


def locate(number: str, pk: int, state: State, prints: dict, since: str) -> list[str]:
    """Say which fields and rows differ between ``state`` and the fingerprints of an event."""
    version = prints.get("v", STATE_FORMAT)
    _, mine = seal(pk, state, version=version)
    found: list[str] = []
    old, new = prints.get("complaint", ""), mine["complaint"]
    for i, name in enumerate(STATE_FORMATS[version]["complaint"]):
        if old[4 * i:4 * i + 4] != new[4 * i:4 * i + 4]:
            found.append(f"complaint {number}: field {name} changed since {since}")
    for table, label in ROW_LABELS.items():
        names = STATE_FORMATS[version][table]
        old_rows, new_rows = prints.get(table, {}), mine.get(table, {})
        for row_id in sorted(set(old_rows) | set(new_rows), key=int):
            if row_id not in new_rows:
                found.append(f"{label} #{row_id} of {number}: deleted since {since}")
            elif row_id not in old_rows:
                found.append(f"{label} #{row_id} of {number}: added since {since}")
            else:
                a, b = old_rows[row_id], new_rows[row_id]
                changed = [n for i, n in enumerate(names) if a[4 * i:4 * i + 4] != b[4 * i:4 * i + 4]]
                if changed:
                    found.append(f"{label} #{row_id} of {number}: {', '.join(changed)} changed since {since}")
    old_units, new_units = set(prints.get("co_units", [])), set(mine.get("co_units", []))
    found += [f"co-unit #{u} of {number}: added since {since}" for u in sorted(new_units - old_units)]
    found += [f"co-unit #{u} of {number}: removed since {since}" for u in sorted(old_units - new_units)]
    return found or [f"complaint {number}: its state differs from the seal of {since} (not located)"]


# ------------------------------------------------------------------------------ the chain
_CANONICAL = DjangoJSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def canonical_json(value: Any) -> str:
    """The one JSON text of a payload or of fingerprints inside the chain: sorted keys, no spaces,
    UTF-8 (give it the value as the JSON column gives it back)."""
    return _CANONICAL(value)


def _value(value: Any) -> str:
    # One field as json.dumps writes it, by exact type (a bool is no int here).
    kind = type(value)
    if kind is str:
        return _json_text(value)
    if kind is int:
        return int.__repr__(value)
    return "null" if value is None else _CANONICAL(value)


def _event_text(seq: Any, complaint_id: Any, number: Any, action: Any, actor_id: Any, actor_name: Any,
                from_status: Any, to_status: Any, version: Any, note: Any, payload_json: str, at: str,
                prev_hash: Any, state_mac: Any, prints_json: str) -> bytes:
    """What an event's MAC signs: the JSON object of its fields, keys sorted, no spaces, UTF-8.

    Spelt out in key order rather than built as a dict for json.dumps (the same bytes): a bulk
    load signs millions of events. Values are as the database returns them, so that ``verify_audit``
    recomputes exactly what was signed."""
    v = _value
    return (f'{{"action":{v(action)},"actor":{v(actor_name)},"actor_id":{v(actor_id)},"at":{v(at)},'
            f'"complaint":{v(complaint_id)},"from":{v(from_status)},"note":{v(note)},"number":{v(number)},'
            f'"payload":{payload_json},"prev":{v(prev_hash)},"prints":{prints_json},"seq":{v(seq)},'
            f'"state":{v(state_mac)},"to":{v(to_status)},"version":{v(version)}}}').encode()


def event_time(at: dt.datetime) -> str:
    """An event's time as its MAC signs it: UTC, to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical(event: Any) -> bytes:
    return _event_text(event.seq, event.complaint_id, event.number, event.action, event.actor_id, event.actor_name,
                       event.from_status, event.to_status, event.version, event.note, _CANONICAL(event.payload),
                       event_time(event.created_at), event.prev_hash, event.state_mac, _CANONICAL(event.state_prints))


def sign_event(*, seq: int, complaint_id: int, number: str, action: str, actor_id: int | None, actor_name: str,
               from_status: str, to_status: str, version: int, note: str, payload_json: str,
               at: dt.datetime | str, prev_hash: str, state_mac: str = "", prints_json: str = "{}",
               key: bytes | None = None) -> str:
    """The MAC of an event given as plain values: what ``record_event`` and the bulk writer
    (``complaints.bulk``) store in ``Event.hash``, and ``event_hash`` recomputes from the row.

    ``payload_json`` and ``prints_json`` are ``canonical_json`` of the payload and of the
    fingerprints as the JSON column gives them back; ``at`` is the event's time, or ``event_time`` of
    it; ``prev_hash`` is the hash of the complaint's previous event (``GENESIS`` for its first)."""
    text = _event_text(seq, complaint_id, number, action, actor_id, actor_name, from_status, to_status, version,
                       note, payload_json, at if isinstance(at, str) else event_time(at), prev_hash, state_mac,
                       prints_json)
    return hmac.digest(key or audit_key(), text, "sha256").hex()


def event_hash(event: Any, key: bytes | None = None) -> str:
    """The event's MAC: its content and the previous hash of its complaint's chain, under the key."""
    return hmac.digest(key or audit_key(), _canonical(event), "sha256").hex()


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # Round-trip so that what is signed is exactly what the JSON column gives back.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_event(complaint: Complaint, *, actor: Any, action: str, from_status: str = "",
                 note: str = "", payload: dict[str, Any] | None = None) -> Event:
    """Append one event to ``complaint``'s chain and seal the complaint's state after it.

    Call inside the action's transaction, after the action's last change to the complaint and its
    rows, with the complaint's row locked (every service locks it first): that lock orders the
    writers of one complaint, so no lock of its own is taken and complaints never queue on each
    other. The unique (complaint, seq) constraint refuses a writer that forgot the lock.
    """
    state, head = read_state(complaint.pk)
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    if seq != complaint.version:
        log.warning("%s: event #%s recorded at version %s (the history and the row disagree)",
                    complaint.number, seq, complaint.version)
    state_mac, prints = seal(complaint.pk, state)
    event = Event(
        seq=seq,
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
        prev_hash=prev,
        state_mac=state_mac,
        state_prints=_jsonable(prints),
    )
    event.hash = sign_event(
        seq=seq, complaint_id=complaint.pk, number=event.number, action=action, actor_id=event.actor_id,
        actor_name=event.actor_name, from_status=from_status, to_status=event.to_status, version=event.version,
        note=note, payload_json=canonical_json(event.payload), at=event.created_at, prev_hash=prev,
        state_mac=state_mac, prints_json=canonical_json(event.state_prints))
    event.save(force_insert=True)
    return event


# ------------------------------------------------------------------------------ the anchors
def _anchor_mac(n: int, at: str, prev: str, heads: list) -> str:
    text = json.dumps([n, at, prev, heads], separators=(",", ":"))
    return hmac.new(audit_key(), b"tousu-anchor/" + text.encode(), hashlib.sha256).hexdigest()


@dataclass
class AnchorResult:
    path: Path
    heads: int = 0
    lines: int = 0


def anchor_heads(*, margin: dt.timedelta | None = None, batch: int = 1000, full: bool = False) -> AnchorResult:
    """Append the heads (complaint id, seq, hash) of the chains changed since the last anchor
    (with ``full``, of every chain: after a bulk load whose events are dated in the past).

    Changed means: with an event created since the last anchor's time less ``margin``. Under
    PostgreSQL an event with an earlier time (or id) may commit after a later one, so "everything
    up to X" is never claimed: the overlap catches late commits, and a complaint still missed is
    anchored the next time it changes, never wrongly flagged. Heads the overlap finds again are
    not written twice, so a run with nothing new writes nothing. Safe with several processes: the
    file is locked while its tail is read and lines are appended, one ``write`` per line.
    """
    path = Path(settings.TOUSU_AUDIT_ANCHOR_FILE)
    if margin is None:
        margin = dt.timedelta(seconds=settings.TOUSU_ANCHOR_MARGIN_SECONDS)
    result = AnchorResult(path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        recent, ends_clean = _recent_lines(fd, margin)
        if not ends_clean:
            os.write(fd, b"\n")  # a line cut short by a crash stays damaged; the chain goes on after it
        started = timezone.now().astimezone(UTC).isoformat(timespec="microseconds")
        since = dt.datetime.fromisoformat(recent[0]["at"]) - margin if recent and not full else None
        n, prev = (recent[0]["n"], recent[0]["mac"]) if recent else (0, GENESIS)
        written = {(cid, seq) for line in recent for cid, seq, _ in line["heads"]}
        pending: list[list] = []
        for cid, seq, hash_ in _heads(since):
            if (cid, seq) in written:
                continue
            pending.append([cid, seq, hash_])
            if len(pending) == batch:
                n, prev = _append(fd, n + 1, started, prev, pending)
                result.heads, result.lines, pending = result.heads + len(pending), result.lines + 1, []
        if pending:
            n, prev = _append(fd, n + 1, started, prev, pending)
            result.heads, result.lines = result.heads + len(pending), result.lines + 1
        if not result.lines and since is not None and since < dt.datetime.fromisoformat(started) - 2 * margin:
            # Nothing new for a whole margin: one line without heads moves the window on, so the
            # next runs read back only the lines of the last margin (not a big sweep's forever).
            _append(fd, n + 1, started, prev, [])
            result.lines = 1
        if result.lines:
            os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock
    return result


def _append(fd: int, n: int, at: str, prev: str, heads: list) -> tuple[int, str]:
    mac = _anchor_mac(n, at, prev, heads)
    line = json.dumps({"n": n, "at": at, "prev": prev, "heads": heads, "mac": mac}, separators=(",", ":"))
    data = memoryview((line + "\n").encode())
    while data:  # O_APPEND under the lock: the whole line lands at the end, after the last one
        data = data[os.write(fd, data):]
    return n, mac


def _heads(since: dt.datetime | None) -> Iterator[tuple[int, int, str]]:
    """The last event of every complaint with an event created since ``since`` (all: None)."""
    latest = Event.objects.filter(complaint_id=OuterRef("pk")).order_by("-seq")
    complaints = Complaint.objects.annotate(head_seq=Subquery(latest.values("seq")[:1]),
                                            head_hash=Subquery(latest.values("hash")[:1]))
    if since is not None:
        complaints = complaints.filter(pk__in=Event.objects.filter(created_at__gte=since).values("complaint_id"))
    rows = (complaints.filter(head_seq__isnull=False).order_by("pk")
            .values_list("pk", "head_seq", "head_hash").iterator(chunk_size=5000))
    return iter(rows)


def _recent_lines(fd: int, margin: dt.timedelta) -> tuple[list[dict], bool]:
    """The anchor lines at the end of the file, newest first, back to the first one older than the
    newest less ``margin``; and whether the file ends with a whole line."""
    size = os.fstat(fd).st_size
    lines: list[dict] = []
    if size == 0:
        return lines, True
    ends_clean = os.pread(fd, 1, size - 1) == b"\n"
    buffer, offset, cutoff = b"", size, None
    while offset > 0:
        step = min(65536, offset)
        offset -= step
        buffer = os.pread(fd, step, offset) + buffer
        parts = buffer.split(b"\n")
        buffer = parts[0]  # maybe the end of an earlier line: kept for the next block
        for raw in reversed(parts[1:] if offset > 0 else parts):
            line = _parse_anchor(raw)
            if line is None:
                continue
            if cutoff is None:
                cutoff = dt.datetime.fromisoformat(line["at"]) - margin
            elif dt.datetime.fromisoformat(line["at"]) < cutoff:
                return lines, ends_clean
            lines.append(line)
        if offset == 0:
            break
    return lines, ends_clean


def _parse_anchor(raw: bytes) -> dict | None:
    try:
        line = json.loads(raw)
        n, at, prev, heads, mac = line["n"], line["at"], line["prev"], line["heads"], line["mac"]
        dt.datetime.fromisoformat(at)
        if not (isinstance(n, int) and isinstance(prev, str) and isinstance(mac, str) and isinstance(heads, list)
                and all(isinstance(h, list) and len(h) == 3 for h in heads)):
            return None
        return line
    except (ValueError, KeyError, TypeError):
        return None


def _prefix(hash_: str) -> int:
    """The first 64 bits of a hex hash (what the anchors are compared on); -1 if it is not hex."""
    try:
        return int(hash_[:16], 16)
    except ValueError:
        return -1


class _Anchored:
    """The highest anchored head per complaint id, in flat arrays (20 bytes a complaint)."""

    def __init__(self) -> None:
        self.seq, self.hash, self.line = array("Q"), array("Q"), array("L")
        self.sparse: dict[int, tuple[int, int, int]] = {}  # ids too large for the arrays
        self.lines = 0

    def put(self, pk: int, seq: int, hash_: str, line: int) -> None:
        prefix = _prefix(hash_)
        if pk > 50_000_000:
            if seq >= self.sparse.get(pk, (0, 0, 0))[0]:
                self.sparse[pk] = (seq, prefix, line)
            return
        if pk >= len(self.seq):
            grow = max(pk + 1 - len(self.seq), len(self.seq) // 2, 1024)
            for a in (self.seq, self.hash, self.line):
                a.extend(array(a.typecode, bytes(grow * a.itemsize)))
        if seq >= self.seq[pk]:
            self.seq[pk], self.hash[pk], self.line[pk] = seq, prefix, line

    def get(self, pk: int) -> tuple[int, int, int] | None:
        if pk in self.sparse:
            return self.sparse[pk]
        if pk < len(self.seq) and self.seq[pk]:
            return self.seq[pk], self.hash[pk], self.line[pk]
        return None

    def seen(self, pk: int) -> None:
        if pk in self.sparse:
            del self.sparse[pk]
        elif pk < len(self.seq):
            self.seq[pk] = 0

    def left(self) -> Iterator[tuple[int, int, int]]:
        for pk, seq in enumerate(self.seq):
            if seq:
                yield pk, seq, self.line[pk]
        for pk, (seq, _, line) in self.sparse.items():
            yield pk, seq, line


# ------------------------------------------------------------------------------ verification
@dataclass
class AuditReport:
    events: int = 0
    complaints: int = 0
    anchor_lines: int = 0
    problem_count: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem_count


_EVENT_COLUMNS = ("id", "seq", "complaint_id", "number", "action", "actor_id", "actor_name", "from_status",
                  "to_status", "version", "note", "payload", "created_at", "prev_hash", "hash", "state_mac",
                  "state_prints")


def verify_audit(*, limit_problems: int = 50, chunk: int = 1000, anchor_file: Path | None = None) -> AuditReport:
    """Check every complaint's chain, its current state against its last event, the anchor file,
    and the per-year numbering; stream the log chunk by chunk of complaints (no model instances).

    Reads happen while others write: whatever looks wrong for one complaint is looked at again
    with the complaint's row locked (a consistent view) before it is reported.
    """
    report = AuditReport()

    def problem(text: str) -> None:
        report.problem_count += 1
        if len(report.problems) < limit_problems:
            report.problems.append(text)

    # In this order: anything the anchors name, and every number the sequences issued, has
    # committed before the complaints and events are read.
    anchored = _read_anchors(Path(anchor_file or settings.TOUSU_AUDIT_ANCHOR_FILE), report, problem)
    numbering = _Numbering(dict(NumberSequence.objects.values_list("year", "last")))
    after, unsigned = 0, 0
    while True:
        ids = Complaint.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True)
        bound = list(ids[chunk - 1:chunk])
        last = bound[0] if bound else None
        states = read_states(after + 1, last)
        events = _events(after + 1, last)
        for pk in sorted(set(states) | set(events)):
            state, history = states.get(pk), events.get(pk, [])
            report.complaints += state is not None
            report.events += len(history)
            if state is not None:
                numbering.saw(state["complaint"][_NUMBER])
            found = _check(pk, state, history, anchored.get(pk))
            if found:
                found = _check_again(pk, anchored.get(pk))
            for text in found:
                problem(text)
                unsigned += text.endswith(_UNSIGNED)
            anchored.seen(pk)
        if last is None:
            break
        after = last
    for pk, seq, line in anchored.left():
        problem(f"complaint id {pk}: event #{seq} was anchored (anchor line {line}) but neither the complaint "
                "nor its events exist (removed)")
    for text in numbering.problems():
        problem(text)
    if report.events and unsigned == report.events:
        report.notes.append("no event's MAC matches: TOUSU_AUDIT_KEY is not the key the log was written with, or "
                            "the log predates the keyed chain (`tousu migrate complaints 0011 && tousu migrate` "
                            "re-chains a database that ran the placeholder of migration 0012)")
    return report


_UNSIGNED = "content does not match its MAC (edited, or signed without the key)"


def _events(first: int, last: int | None) -> dict[int, list[SimpleNamespace]]:
    rows = Event.objects.filter(complaint_id__gte=first)
    if last is not None:
        rows = rows.filter(complaint_id__lte=last)
    grouped: dict[int, list[SimpleNamespace]] = {}
    for row in rows.order_by("complaint_id", "seq").values_list(*_EVENT_COLUMNS):
        event = SimpleNamespace(**dict(zip(_EVENT_COLUMNS, row)))
        grouped.setdefault(event.complaint_id, []).append(event)
    return grouped


def _check_again(pk: int, anchor: tuple[int, int, int] | None) -> list[str]:
    """One complaint again, with its row locked: a write that committed between the reads of the
    first look is no problem; tampering still is."""
    with transaction.atomic():
        list(Complaint.objects.select_for_update().filter(pk=pk).values_list("id"))
        state = read_states(pk, pk).get(pk)
        return _check(pk, state, _events(pk, pk).get(pk, []), anchor)


def _when(event: Any) -> str:
    return f"event #{event.seq} ({event.action}, {timezone.localtime(event.created_at):%Y-%m-%d %H:%M})"


def _check(pk: int, state: State | None, history: list[SimpleNamespace],
           anchor: tuple[int, int, int] | None) -> list[str]:
    """What is wrong with one complaint's history and state; empty when nothing is."""
    found: list[str] = []
    key = audit_key()
    if state is None:
        number = history[0].number if history else f"id {pk}"
        found.append(f"{len(history)} event(s) of unknown complaint id {pk} ({number}): the complaint row is gone")
    else:
        number = state["complaint"][_NUMBER]
    prev, expected = GENESIS, 1
    for event in history:
        wrong: list[str] = []
        if event.seq != expected:
            missing = f"#{expected}" if event.seq == expected + 1 else f"#{expected}–#{event.seq - 1}"
            found.append(f"complaint {number}: event(s) {missing} missing before {_when(event)}")
        elif event.prev_hash != prev:
            wrong.append(f"does not follow event #{expected - 1} (broken link)")
        if event_hash(event, key) != event.hash:
            wrong.append(_UNSIGNED)
        if event.version != event.seq:
            wrong.append(f"records version {event.version} (reordered or renumbered)")
        if anchor and event.seq == anchor[0] and _prefix(event.hash) != anchor[1]:
            wrong.append(f"differs from the hash anchored in anchor line {anchor[2]} (rewritten)")
        found += [f"complaint {number}, {_when(event)}: {text}" for text in wrong]
        prev, expected = event.hash, event.seq + 1
    if state is None:
        return found
    if not history:
        found.append(f"complaint {number}: version {state['complaint'][_VERSION]} but no events (history removed)")
        if anchor:
            found.append(f"complaint {number}: event #{anchor[0]} was anchored (anchor line {anchor[2]})")
        return found
    head = history[-1]
    version = state["complaint"][_VERSION]
    if version != head.seq:
        cut = " (events removed from the end)" if version > head.seq else ""
        found.append(f"complaint {number}: version {version} but its history ends at {_when(head)}{cut}")
    if anchor and anchor[0] > head.seq:
        found.append(f"complaint {number}: its history ends at {_when(head)} but event #{anchor[0]} was "
                     f"anchored (anchor line {anchor[2]}): events removed from the end")
    if not head.state_mac:
        found.append(f"complaint {number}: its last {_when(head)} carries no state seal (later events removed?)")
        return found
    prints = head.state_prints or {}
    version_of_state = prints.get("v", STATE_FORMAT)
    if version_of_state not in STATE_FORMATS:
        found.append(f"complaint {number}: {_when(head)} is sealed in unknown state format {version_of_state}")
        return found
    mac, _ = seal(pk, state, version=version_of_state, with_prints=False)
    if mac != head.state_mac:
        found += locate(number, pk, state, prints, _when(head))
    return found


def _read_anchors(path: Path, report: AuditReport, problem: Any) -> _Anchored:
    """Check the anchor file's MAC chain, line by line, and keep the highest anchored heads."""
    anchored = _Anchored()
    if not path.exists():
        report.notes.append(f"no anchor file at {path}: a history cut short cannot be told from a "
                            "complete one (run `tousu anchor-audit`, keep a copy off this machine)")
        return anchored
    prev_n, prev_mac = 0, GENESIS
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            line = _parse_anchor(raw)
            if line is None:
                problem(f"anchor file line {number}: damaged (not an anchor line)")
                continue
            report.anchor_lines += 1
            n, at, prev, heads, mac = line["n"], line["at"], line["prev"], line["heads"], line["mac"]
            if _anchor_mac(n, at, prev, heads) != mac:
                problem(f"anchor file line {number} (n={n}, {at[:19]}): edited (its MAC does not match)")
                prev_n, prev_mac = n, mac  # the chain goes on from what it claims: one edit, one problem
                continue
            if n != prev_n + 1 or prev != prev_mac:
                gap = f"{n - prev_n - 1} line(s) removed" if n > prev_n + 1 else "lines reordered or copied"
                problem(f"anchor file line {number} (n={n}, {at[:19]}): does not follow n={prev_n} ({gap})")
            prev_n, prev_mac = n, mac
            for pk, seq, hash_ in heads:
                anchored.put(int(pk), int(seq), str(hash_), number)
    return anchored


class _Numbering:
    """Numbers are issued gap-free per year (``NumberSequence``): each issued one names a complaint."""

    def __init__(self, issued: dict[int, int]) -> None:
        self.issued = issued
        self.used = {year: bytearray(last + 1) for year, last in issued.items()}
        self.beyond: list[str] = []
        self.prefix = settings.TOUSU_NUMBER_PREFIX
        self.pattern = re.compile(r"(\d{4})(\d{6,})$")

    def saw(self, number: str) -> None:
        rest = number[len(self.prefix):] if number.startswith(self.prefix) else None
        match = self.pattern.fullmatch(rest) if rest is not None else self.pattern.search(number)
        if not match:
            return
        year, n = int(match[1]), int(match[2])
        used = self.used.get(year)
        if used is not None and n < len(used):
            used[n] = 1
        elif len(self.beyond) < 1000:
            self.beyond.append(number)

    def problems(self) -> Iterator[str]:
        for year, used in self.used.items():
            n, last = 1, len(used) - 1
            while n <= last:
                if used[n]:
                    n += 1
                    continue
                end = n
                while end + 1 <= last and not used[end + 1]:
                    end += 1
                span = self.format(year, n) + (f"–{self.format(year, end)}" if end > n else "")
                yield (f"number(s) {span}: issued (the {year} sequence is at {last}) but no complaint has them "
                       "(removed)")
                n = end + 1
        # Registered after the sequences were read, or issued behind the sequence's back.
        if self.beyond:
            now = dict(NumberSequence.objects.values_list("year", "last"))
            for number in self.beyond:
                match = self.pattern.search(number)
                if match and int(match[2]) > now.get(int(match[1]), 0):
                    yield f"complaint {number}: its number is beyond the {match[1]} sequence (issued behind its back)"

    def format(self, year: int, n: int) -> str:
        return f"{self.prefix}{year}{n:06d}"
