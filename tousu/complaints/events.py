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

Anchoring the chains' heads outside the database and verifying all of it: ``audit.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import weakref
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.utils import timezone

from tousu.complaints.models import (
    Attachment,
    Complainant,
    Complaint,
    Conflict,
    Event,
    IdentityGrant,
    Respondent,
)
from tousu.core.digest import hexed

log = logging.getLogger(__name__)
GENESIS = "0" * 64
UTC = dt.UTC

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
                raise ImproperlyConfigured(
                    "TOUSU_AUDIT_KEY must have at least 32 characters "
                    "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
                )
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
            "number",
            "query_code_hash",
            "kind",
            "validity",
            "validity_reason",
            "channel",
            "upgraded_source",
            "status",
            "version",
            "received_at",
            "registered_at",
            "registered_by_id",
            "first_owner_id",
            "anonymous",
            "summary",
            "content",
            "demands",
            "occurred_at",
            "place",
            "amount",
            "category_id",
            "grade_id",
            "flags",
            "extra",
            "dispatch_mode",
            "handling_unit_id",
            "handler_id",
            "handling_level",
            "dispatched_unit_id",
            "returned_from_id",
            "acceptance_due",
            "sign_due",
            "handling_due",
            "report_due",
            "followup_due",
            "review_due",
            "review_window_ends",
            "opinion_due",
            "agreed_due",
            "due_at",
            "due_rules",
            "dues_provisional",
            "suspended_at",
            "redacted",
            "summary_redacted",
            "content_redacted",
            "returns_count",
            "urge_count",
            "supervise_count",
            "followup_attempts",
            "decline_reason",
            "decline_text",
            "forwarded_to",
            "substantiated",
            "findings",
            "solution",
            "compensation_type",
            "compensation_amount",
            "proposed_reply",
            "reply_method",
            "reply_text",
            "replied_at",
            "satisfaction",
            "close_reason",
            "closed_at",
            "archived_at",
            "review_from",
            "repeat_of_id",
            "merged_into_id",
            "upgraded_from",
        ),
        "complainant": (
            "position",
            "name",
            "phone",
            "phone_index",
            "email",
            "address",
            "id_number",
            "organisation",
            "real_name",
            "preferred_reply",
            "is_representative",
        ),
        "respondent": (
            "unit_id",
            "unit_name",
            "staff_id",
            "staff_name",
            "product_name",
            "specification",
            "batch",
            "quantity",
            "production_date",
            "purchase_place",
            "partner_name",
            "rank",
        ),
        "attachment": (
            "stored_name",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by_id",
            "uploaded_at",
            "released",
        ),
        "grant": ("user_id", "reason", "requested_at", "approved", "decided_by_id", "decided_at"),
        "conflict": ("user_id", "reason", "marked_by_id", "marked_at", "lifted_by_id", "lifted_at", "lift_reason"),
    },
}
STATE_FORMAT = max(STATE_FORMATS)
ROW_MODELS = {
    "complainant": Complainant,
    "respondent": Respondent,
    "attachment": Attachment,
    "grant": IdentityGrant,
    "conflict": Conflict,
}
ROW_LABELS = {
    "complainant": "complainant",
    "respondent": "respondent",
    "attachment": "attachment",
    "grant": "identity grant",
    "conflict": "conflict",
}
# Attachments, grants, conflicts and co-units are rare: one probe says which a complaint has.
_RARE = ("attachment", "grant", "conflict")
NUMBER_AT = STATE_FORMATS[STATE_FORMAT]["complaint"].index("number")
VERSION_AT = STATE_FORMATS[STATE_FORMAT]["complaint"].index("version")

State = dict[str, Any]  # {"complaint": values, <table>: [(row id, values)], "co_units": [unit ids]}
_NAME_BYTES = {names: [f"{n}=".encode() for n in names] for fmt in STATE_FORMATS.values() for names in fmt.values()}
# A string as JSON writes it with ensure_ascii=False (the C function behind JSONEncoder.encode).
_json_text = json.encoder.encode_basestring


def _enc_datetime(value: dt.datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo else value).isoformat(timespec="microseconds")


def _enc_decimal(value: Decimal) -> str:
    # 12.5 and 12.50 are the same amount whichever way a database hands it back.
    return format(value.normalize(), "f")


def _enc_document(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


# One canonical text per value as the database returned it, by exact type (a bool is no int here).
_ENCODERS: dict[type, Any] = {
    str: _json_text,
    int: str,
    type(None): lambda _: "null",
    bool: lambda v: "true" if v else "false",
    dt.datetime: _enc_datetime,
    dt.date: dt.date.isoformat,
    Decimal: _enc_decimal,
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
    parts = [
        f"SELECT 'head', {qn('seq')}, {qn('hash')} FROM {events} WHERE {qn('complaint_id')} = %s "
        f"AND {qn('seq')} = (SELECT MAX({qn('seq')}) FROM {events} WHERE {qn('complaint_id')} = %s)"
    ]
    parts += [
        f"SELECT '{t}', {qn('id')}, NULL FROM {qn(ROW_MODELS[t]._meta.db_table)} WHERE {qn('complaint_id')} = %s"
        for t in _RARE
    ]
    through = Complaint.co_units.through._meta.db_table
    parts.append(f"SELECT 'co_unit', {qn('unit_id')}, NULL FROM {qn(through)} WHERE {qn('complaint_id')} = %s")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), [pk] * (len(parts) + 1))
        rows = cursor.fetchall()
    head = next(((n, hexed(h)) for t, n, h in rows if t == "head"), None)
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
        model: type[Model]
        if table == "complaint":
            model, column, names = Complaint, "id", ("id", *fields["complaint"])
        elif table == "co_units":
            model, column, names = Complaint.co_units.through, "complaint_id", ("complaint_id", "unit_id")
        else:
            model, column, names = ROW_MODELS[table], "complaint_id", ("complaint_id", "id", *fields[table])
        span = {f"{column}__gte": 0} if last is None else {f"{column}__gte": 0, f"{column}__lte": 0}
        qs = model._default_manager.filter(**span).order_by(*names[:2]).values_list(*names)
        compiler = qs.query.get_compiler(connection=db)
        sql, _ = compiler.as_sql()
        reader = readers[(table, last is None)] = (
            sql,
            compiler.get_converters([expression for expression, _, _ in compiler.select]),
        )
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
        mac.update(f"\x1e{table}#{row_id}\x1d{chr(0x1F).join(encoded)}".encode())
        if not with_prints:
            return ""
        # Each print hashes "<pk>/<table>/<row id>/<name>=<value>": the row's prefix is hashed once.
        row_base = base.copy()
        row_base.update(f"{pk}/{table}/{row_id}/".encode())
        copy, out = row_base.copy, []
        for name, text in zip(_NAME_BYTES[names], encoded, strict=True):
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
        if old[4 * i : 4 * i + 4] != new[4 * i : 4 * i + 4]:
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
                changed = [n for i, n in enumerate(names) if a[4 * i : 4 * i + 4] != b[4 * i : 4 * i + 4]]
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


def _event_text(
    seq: Any,
    complaint_id: Any,
    number: Any,
    action: Any,
    actor_id: Any,
    actor_name: Any,
    from_status: Any,
    to_status: Any,
    version: Any,
    note: Any,
    payload_json: str,
    at: str,
    prev_hash: Any,
    state_mac: Any,
    prints_json: str,
) -> bytes:
    """What an event's MAC signs: the JSON object of its fields, keys sorted, no spaces, UTF-8.

    Spelt out in key order rather than built as a dict for json.dumps (the same bytes): a bulk
    load signs millions of events. Values are as the database returns them, so that ``verify_audit``
    recomputes exactly what was signed."""
    v = _value
    return (
        f'{{"action":{v(action)},"actor":{v(actor_name)},"actor_id":{v(actor_id)},"at":{v(at)},'
        f'"complaint":{v(complaint_id)},"from":{v(from_status)},"note":{v(note)},"number":{v(number)},'
        f'"payload":{payload_json},"prev":{v(prev_hash)},"prints":{prints_json},"seq":{v(seq)},'
        f'"state":{v(state_mac)},"to":{v(to_status)},"version":{v(version)}}}'
    ).encode()


def event_time(at: dt.datetime) -> str:
    """An event's time as its MAC signs it: UTC, to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical(event: Any) -> bytes:
    return _event_text(
        event.seq,
        event.complaint_id,
        event.number,
        event.action,
        event.actor_id,
        event.actor_name,
        event.from_status,
        event.to_status,
        event.version,
        event.note,
        _CANONICAL(event.payload),
        event_time(event.created_at),
        event.prev_hash,
        event.state_mac,
        _CANONICAL(event.state_prints),
    )


def sign_event(
    *,
    seq: int,
    complaint_id: int,
    number: str,
    action: str,
    actor_id: int | None,
    actor_name: str,
    from_status: str,
    to_status: str,
    version: int,
    note: str,
    payload_json: str,
    at: dt.datetime | str,
    prev_hash: str,
    state_mac: str = "",
    prints_json: str = "{}",
    key: bytes | None = None,
) -> str:
    """The MAC of an event given as plain values: what ``record_event`` and the bulk writer
    (``complaints.bulk``) store in ``Event.hash``, and ``event_hash`` recomputes from the row.

    ``payload_json`` and ``prints_json`` are ``canonical_json`` of the payload and of the
    fingerprints as the JSON column gives them back; ``at`` is the event's time, or ``event_time`` of
    it; ``prev_hash`` is the hash of the complaint's previous event (``GENESIS`` for its first)."""
    text = _event_text(
        seq,
        complaint_id,
        number,
        action,
        actor_id,
        actor_name,
        from_status,
        to_status,
        version,
        note,
        payload_json,
        at if isinstance(at, str) else event_time(at),
        prev_hash,
        state_mac,
        prints_json,
    )
    return hmac.digest(key or audit_key(), text, "sha256").hex()


def event_hash(event: Any, key: bytes | None = None) -> str:
    """The event's MAC: its content and the previous hash of its complaint's chain, under the key."""
    return hmac.digest(key or audit_key(), _canonical(event), "sha256").hex()


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # Round-trip so that what is signed is exactly what the JSON column gives back.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_event(
    complaint: Complaint,
    *,
    actor: Any,
    action: str,
    from_status: str = "",
    note: str = "",
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event to ``complaint``'s chain and seal the complaint's state after it.

    Call inside the action's transaction, after the action's last change to the complaint and its
    rows, with the complaint's row locked (every service locks it first): that lock orders the
    writers of one complaint, so no lock of its own is taken and complaints never queue on each
    other. The unique (complaint, seq) constraint refuses a writer that forgot the lock.
    """
    state, head = read_state(complaint.pk)
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    if seq != complaint.version:
        log.warning(
            "%s: event #%s recorded at version %s (the history and the row disagree)",
            complaint.number,
            seq,
            complaint.version,
        )
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
        seq=seq,
        complaint_id=complaint.pk,
        number=event.number,
        action=action,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        from_status=from_status,
        to_status=event.to_status,
        version=event.version,
        note=note,
        payload_json=canonical_json(event.payload),
        at=event.created_at,
        prev_hash=prev,
        state_mac=state_mac,
        prints_json=canonical_json(event.state_prints),
    )
    event.save(force_insert=True)
    return event
