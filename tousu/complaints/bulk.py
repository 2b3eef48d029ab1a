"""Writing many complaints at once, each with its rows and its whole history: the benchmark seeder
(``tousu seed``) and, later, the import of existing Excel ledgers.

A complaint comes in as plain values (``ComplaintIn``: its fields, complainants, respondents,
suspensions, and its events as (action, actor, from, to, at, note, payload)) and is written as the
services would have written it, with their own pieces rather than copies of them: the gap-free
yearly numbers (``numbering``), the query-code hash, the encrypted personal data and its blind
index (``core.crypto``), the redacted summary and content (``core.redaction``), the due date in force
(``dues.refresh_due_at``), and the keyed chain of events with the last one sealing the
complaint's state as the database holds it (``events.sign_event``, ``events.seal``), so that
``tousu verify-audit`` passes after every batch. Every event must be a step the action table allows.

Three steps, so that the slow part can run in another process ahead of the database:

- ``check(items)`` lists what is wrong, per complaint (a ledger import shows these per row);
- ``prepare(items)`` encodes the rows, no database access (refuses items that ``check`` faults);
- ``Writer.write(batch)`` takes the numbers and ids, signs the chains, inserts and seals, all in
  one transaction: a batch that fails writes nothing. Registrations may run in between; numbers
  stay gap-free, since both take them through ``numbering.reserve_numbers``.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import multiprocessing
import pickle
import time
from collections import Counter, deque
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import Empty
from typing import Any, NamedTuple, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import dues
from tousu.complaints import events as chain
from tousu.complaints.actions import ACTIONS, SAME
from tousu.complaints.models import (
    Channel,
    Complainant,
    Complaint,
    Event,
    Kind,
    Respondent,
    Suspension,
)
from tousu.complaints.numbering import hash_query_code, new_query_code, reserve_for
from tousu.complaints.states import Status
from tousu.core import crypto, jsontext
from tousu.core.digest import stored
from tousu.core.errors import ValidationFailed
from tousu.core.jsontext import StoredJSON
from tousu.core.redaction import Scrubber
from tousu.detection import bulk as detection_index
from tousu.search import index as search_index

Key = int | str
T = TypeVar("T")
UTC = dt.UTC
FUTURE_SLACK = dt.timedelta(minutes=5)  # as registration: a clock a little ahead is no error
# Set by the writer from the rest, never given.
DERIVED = frozenset(
    {
        "id",
        "number",
        "query_code_hash",
        "version",
        "summary_redacted",
        "content_redacted",
        "due_at",
        "repeat_of_id",
        "merged_into_id",
    }
)
ROW_DERIVED = frozenset({"id", "complaint_id", *crypto.person_indexes({})})
_PERSON = ("name", "phone", "email", "id_number")  # what a complainant's keyed indexes are made of


class NumberOf(NamedTuple):
    """In an event's payload: the number of another complaint of the load (known once written)."""

    key: Key


class EventIn(NamedTuple):
    """One step of a complaint's history, as the service would have recorded it."""

    action: str
    actor: User  # who took it: the action table must allow the role
    from_status: str  # "" for the registration
    to_status: str
    at: dt.datetime  # aware
    note: str = ""
    # JSON values (datetimes as DjangoJSONEncoder writes them, like ``record_event``), or NumberOf.
    payload: dict[str, Any] | None = None


@dataclass
class ComplaintIn:
    """One complaint to write: ``fields`` are Complaint columns by attname, in their final state
    (``DERIVED`` ones are set by the writer); the rows are their models' columns by attname, with
    phone and ID number in clear. ``key`` names it in this load (a ledger's row, a seed's index)."""

    key: Key
    fields: dict[str, Any]
    events: list[EventIn]
    complainants: list[dict[str, Any]] = field(default_factory=list)
    respondents: list[dict[str, Any]] = field(default_factory=list)
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    query_code: str = ""  # in clear; a random one when empty (only its hash is stored)
    repeat_of: Key | None = None  # the key of another complaint of the load
    merged_into: Key | None = None
    # The complaint's own number (an imported ledger's); empty: the next of its year, gap-free.
    number: str = ""
    # The summary and content were generated and quote no complainant (a seed): the patterns that
    # need no person do, instead of one compiled per caller (milliseconds each).
    quotes_nobody: bool = False


class Problem(NamedTuple):
    key: Key
    where: str  # "fields.channel", "events[3]", "complainants[0].phone"
    message: str


class Written(NamedTuple):
    key: Key
    id: int
    number: str


# ------------------------------------------------------------------------------ checking
_COMPLAINT_FIELDS = {f.attname for f in Complaint._meta.concrete_fields}
_ROW_FIELDS = {
    name: {f.attname for f in model._meta.concrete_fields} - ROW_DERIVED
    for name, model in (("complainants", Complainant), ("respondents", Respondent), ("suspensions", Suspension))
}
_STATUSES, _CHANNELS, _KINDS = frozenset(Status.values), frozenset(Channel.values), frozenset(Kind.values)
_DUE_FIELDS = frozenset({*dues.DUE_FIELDS.values(), "due_at", "agreed_due"})
_COMPLAINT_DEFAULTS = {f.attname: f.get_default() for f in Complaint._meta.concrete_fields}


def check(
    items: Sequence[ComplaintIn], *, known: Container[Key] | None = None, now: dt.datetime | None = None
) -> list[Problem]:
    """What is wrong with each complaint, no database access. Links (``repeat_of``, ``merged_into``,
    ``NumberOf``) name a complaint of ``items`` or, when ``known`` is given, one of ``known``;
    without it, links outside ``items`` are left to the writer."""
    limit = (now or timezone.now()) + FUTURE_SLACK
    keys = Counter(item.key for item in items)
    problems: list[Problem] = []
    for item in items:
        found: list[tuple[str, str]] = []
        if keys[item.key] > 1:
            found.append(("key", _("同一批中编号重复")))
        found += _check_fields(item)
        found += _check_events(item, limit, lambda key: key in keys or known is None or key in known)
        for name, target in (("repeat_of", item.repeat_of), ("merged_into", item.merged_into)):
            if target is not None and (target == item.key or not (target in keys or known is None or target in known)):
                found.append((name, _("找不到关联的投诉件：%(key)s") % {"key": target}))
        problems += [Problem(item.key, where, message) for where, message in found]
    return problems


def _check_fields(item: ComplaintIn) -> Iterator[tuple[str, str]]:
    fields = item.fields
    if not _COMPLAINT_FIELDS.issuperset(fields):
        for name in sorted(set(fields) - _COMPLAINT_FIELDS):
            yield f"fields.{name}", _("未知的字段")
    if not DERIVED.isdisjoint(fields):
        for name in sorted(set(fields) & DERIVED):
            yield f"fields.{name}", _("此字段由系统生成，不能导入")
    received = fields.get("received_at")
    if not isinstance(received, dt.datetime) or timezone.is_naive(received):
        yield "fields.received_at", _("请填写收到时间（带时区）")
    for name, allowed in (("channel", _CHANNELS), ("kind", _KINDS), ("status", _STATUSES)):
        if (name in fields or name == "channel") and fields.get(name) not in allowed:  # kind, status: defaults
            yield f"fields.{name}", _("取值无效：%(value)s") % {"value": fields.get(name)}
    for table, known in _ROW_FIELDS.items():
        for i, row in enumerate(getattr(item, table)):
            if not known.issuperset(row):
                for name in sorted(set(row) - known):
                    yield f"{table}[{i}].{name}", _("未知的字段")


def _check_events(item: ComplaintIn, limit: dt.datetime, linkable: Callable[[Key], bool]) -> list[tuple[str, str]]:
    """Each event must be a step of the action table, from the state the previous one left, by a
    role it allows, in time order; the complaints its payload names must exist."""
    if not item.events:
        return [("events", _("至少要有登记事件"))]
    found: list[tuple[str, str]] = []
    received = item.fields.get("received_at")
    state, last = "", received if isinstance(received, dt.datetime) and received.utcoffset() is not None else None
    for i, (name, actor, before, after, at, _note, payload) in enumerate(item.events):
        action = ACTIONS.get(name)
        if action is None or (i == 0) != (not action.sources):
            return [*found, (f"events[{i}]", _("未知的操作或不是首个事件的登记：%(action)s") % {"action": name})]
        targets = action.targets
        if (
            before != state
            or (action.sources and state not in action.sources)
            or not (after in targets or (SAME in targets and after == state))
        ):
            return [
                *found,
                (
                    f"events[{i}]",
                    _("%(action)s 不能从「%(from)s」到「%(to)s」（前一状态「%(state)s」）")
                    % {"action": name, "from": before, "to": after, "state": state},
                ),
            ]
        if getattr(actor, "role", None) not in action.roles:
            found.append(
                (
                    f"events[{i}]",
                    _("%(action)s 不能由角色“%(role)s”执行") % {"action": name, "role": getattr(actor, "role", None)},
                )
            )
        if type(at) is not dt.datetime or at.utcoffset() is None:
            return [*found, (f"events[{i}]", _("事件时间须带时区"))]
        if (last is not None and at < last) or at > limit:
            found.append((f"events[{i}]", _("事件时间须在前一事件（或收到时间）之后，且不晚于现在")))
        for value in payload.values() if payload else ():
            if type(value) is NumberOf and not linkable(value.key):
                found.append((f"events[{i}].payload", _("找不到关联的投诉件：%(key)s") % {"key": value.key}))
        state, last = after, at
    if state != item.fields.get("status", Status.REGISTERED):
        found.append(
            (
                "fields.status",
                _("状态“%(status)s”与最后一个事件的结果“%(state)s”不符")
                % {"status": item.fields.get("status"), "state": state},
            )
        )
    return found


# ------------------------------------------------------------------------------ encoding
class _Memo(dict):
    """A pure function's answers, remembered (and forgotten all at once past ``size``): a load
    repeats callers, due dates and times, and each answer costs microseconds."""

    def __init__(self, function: Any, size: int = 300_000) -> None:
        super().__init__()
        self.function, self.size = function, size

    def __missing__(self, value: Any) -> Any:
        if len(self) > self.size:
            self.clear()
        answer = self[value] = self.function(value)
        return answer


def _as_is(value: Any) -> Any:
    return value


def _sqlite_datetime(value: dt.datetime) -> str:
    # What the SQLite backend stores for an aware datetime (adapt_datetimefield_value): the naive
    # UTC time as str() writes it.
    return value.astimezone(UTC).isoformat(" ")[:-6]


# What Django stores for a JSON value (json.dumps), by the field's encoder.
_JSON_TEXTS: dict[type[json.JSONEncoder] | None, Any] = {None: json.JSONEncoder().encode, StoredJSON: jsontext.text}
_JSON_DATETIME = DjangoJSONEncoder().default  # a datetime inside a JSON value


class _Columns:
    """The INSERT of one model: its concrete columns in order, their defaults prepared once, and for
    each the function that gives the database value (None: the value as it is)."""

    def __init__(self, model: type[models.Model], enc: _Encoding, *, with_pk: bool = False) -> None:
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.defaults: list[Any] = []
        self.adapt: list[Any] = []
        for f in self.fields:
            if f.db_default is not models.NOT_PROVIDED:
                default = getattr(f.db_default, "value", f.db_default)
            else:
                default = f.get_default() if f.has_default() or not f.null else None
            default = getattr(default, "value", default) if isinstance(default, enum.Enum) else default
            if isinstance(f, crypto.EncryptedTextField):
                adapt = enc.encrypt.__getitem__
            elif isinstance(f, models.DateTimeField):
                # Due dates end at 24:00 and many complaints share them: their text is remembered.
                adapt = enc.due if f.attname in _DUE_FIELDS else enc.datetime
            elif isinstance(f, models.JSONField) and f.encoder in _JSON_TEXTS:
                # As a parameter of unknown type, PostgreSQL takes the text as jsonb.
                adapt = _JSON_TEXTS[f.encoder]
            elif isinstance(
                f, (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
            ):
                adapt = None
            else:
                adapt = functools.partial(lambda value, f: f.get_db_prep_save(value, connection), f=f)
            self.adapt.append(adapt)
            self.defaults.append(None if default is None else adapt(default) if adapt else default)
        qn = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(str(f.column)) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )

    def row(self, values: Mapping[str, Any]) -> list[Any]:
        out = list(self.defaults)
        index, adapt = self.index, self.adapt
        for name, value in values.items():
            i = index[name]
            to_db = adapt[i]
            out[i] = value if value is None or to_db is None else to_db(value)
        return out


class _Encoding:
    """What encoding needs, made once per process (and database vendor, and PII key)."""

    def __init__(self) -> None:
        self.encrypt = _Memo(lambda value: crypto.encrypt(value) if value else "")
        # A complainant's keyed indexes by (name, phone, e-mail, ID number): a seeded caller repeats.
        self.indexes = _Memo(lambda person: crypto.person_indexes(dict(zip(_PERSON, person, strict=True))))
        self.sqlite = sqlite = connection.vendor == "sqlite"
        self.datetime: Any = _sqlite_datetime if sqlite else _as_is
        self.due: Any = _Memo(_sqlite_datetime).__getitem__ if sqlite else _as_is
        self.json_datetime = _Memo(_JSON_DATETIME)
        self.generic = Scrubber()
        self.complaints = _Columns(Complaint, self, with_pk=True)
        self.tables = {
            "complainants": _Columns(Complainant, self),
            "respondents": _Columns(Respondent, self),
            "suspensions": _Columns(Suspension, self),
        }
        self.events = _Columns(Event, self)


_ENCODING: dict[tuple[str, str, str], _Encoding] = {}


def _encoding() -> _Encoding:
    from django.conf import settings

    keys = "|".join((settings.TOUSU_PII_KEY, settings.TOUSU_PII_KEYS, settings.TOUSU_PII_INDEX_KEY))
    marker = (connection.vendor, keys, settings.SECRET_KEY)
    if marker not in _ENCODING:
        _ENCODING.clear()
        _ENCODING[marker] = _Encoding()
    return _ENCODING[marker]


class _Fields:
    """A complaint's fields as attributes, for the services' own helpers (``refresh_due_at``)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:  # a field not given: its default
        return _COMPLAINT_DEFAULTS.get(name)


# ------------------------------------------------------------------------------ the batch
@dataclass
class Batch:
    """Complaints encoded for the writer. It may come from another process, so it is flat: tuples,
    strings and numbers pickle fast. What depends on where the database is (ids, numbers, links,
    the chains) the writer fills in."""

    keys: list[Key] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    query_codes: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # given (ComplaintIn.number) or ""
    links: list[tuple[Key | None, Key | None]] = field(default_factory=list)
    complaints: list[tuple[Any, ...]] = field(default_factory=list)
    rows: dict[str, list[tuple[int, tuple[Any, ...]]]] = field(default_factory=dict)  # (complaint's position, row)
    events: list[tuple[Any, ...]] = field(default_factory=list)  # complaint by complaint, each in its order
    sizes: list[int] = field(default_factory=list)  # how many events each complaint has
    times: list[str] = field(default_factory=list)  # each event's time as its MAC signs it (``event_time``)
    payloads: list[str | None] = field(default_factory=list)  # canonical; None: in ``linked``
    linked: dict[int, dict[str, Any]] = field(default_factory=dict)  # event → payload naming another complaint
    order: list[int] = field(default_factory=list)  # the events but each complaint's last, as they happened

    def __len__(self) -> int:
        return len(self.keys)


def prepare(
    items: Sequence[ComplaintIn], *, known: Container[Key] | None = None, now: dt.datetime | None = None
) -> Batch:
    """``items`` encoded as rows, no database access; raises ``ValidationFailed`` with the
    ``problems`` of ``check`` (and encodes nothing) if there are any."""
    problems = check(items, known=known, now=now)
    if problems:
        raise ValidationFailed(
            _("%(n)d 件投诉有误，未写入") % {"n": len({p.key for p in problems})},
            problems=[p._asdict() for p in problems],
        )
    enc = _encoding()
    batch = Batch(rows={table: [] for table in enc.tables})
    local = timezone.get_current_timezone()  # numbers run per year of receipt, local time (as registration)
    actors: dict[int, tuple[Any, str]] = {}
    for position, item in enumerate(items):
        batch.keys.append(item.key)
        batch.years.append(item.fields["received_at"].astimezone(local).year)
        batch.complaints.append(_complaint_row(enc, item))
        batch.query_codes.append(item.query_code or new_query_code())
        batch.numbers.append(item.number)
        batch.links.append((item.repeat_of, item.merged_into))
        for table, columns in enc.tables.items():
            for values in getattr(item, table):
                if table == "complainants":
                    phone = crypto.normalize_phone(values.get("phone") or "")
                    person = (values.get("name") or "", phone, values.get("email") or "", values.get("id_number") or "")
                    values = {**values, **({"phone": phone} if phone else {}), **enc.indexes[person]}
                batch.rows[table].append((position, tuple(columns.row(values))))
        _chain(enc, item, actors, batch)
    # Event ids in the order things happened across the batch; each chain's own order is its seq.
    timed, n = [], 0
    for size in batch.sizes:
        timed += [(batch.times[i], i) for i in range(n, n + size - 1)]
        n += size
    timed.sort()
    batch.order = [i for _at, i in timed]
    return batch


def _complaint_row(enc: _Encoding, item: ComplaintIn) -> tuple[Any, ...]:
    fields, columns = item.fields, enc.complaints
    row, index, first = columns.row(fields), columns.index, item.events[0]
    for name, value in (
        ("registered_at", enc.datetime(first.at)),
        ("registered_by_id", first.actor.pk),
        ("first_owner_id", first.actor.pk),
    ):
        if name not in fields:
            row[index[name]] = value
    row[index["version"]] = len(item.events)
    view = _Fields(fields)
    dues.refresh_due_at(view)  # type: ignore[arg-type]  # the due date in force, as every service leaves it
    row[index["due_at"]] = view.due_at and enc.due(view.due_at)
    if item.quotes_nobody:
        scrub = enc.generic
    else:
        scrub = _scrubber(
            tuple(
                tuple(sorted((k, v) for k, v in person.items() if isinstance(v, str))) for person in item.complainants
            )
        )
    row[index["summary_redacted"]] = scrub(fields.get("summary", ""))
    row[index["content_redacted"]] = scrub(fields.get("content", ""))
    return tuple(row)


@functools.lru_cache(maxsize=2048)
def _scrubber(people: tuple[tuple[tuple[str, str], ...], ...]) -> Scrubber:
    # The redacted text as ``refresh_redacted_text`` makes it; a caller with several complaints
    # compiles once.
    return Scrubber(dict(person) for person in people)


def _chain(enc: _Encoding, item: ComplaintIn, actors: dict[int, tuple[Any, str]], batch: Batch) -> None:
    """The complaint's events as rows into ``batch``, everything but the complaint's id and number
    and the chain filled in (``canonical_json`` of each payload, once). ``actors``: id and name per
    actor, by ``id()`` (the same few users act millions of times)."""
    columns = enc.events
    i = columns.index
    seq_, version_, action_, actor_id_, actor_name_, from_, to_, note_, at_, payload_ = (
        i["seq"],
        i["version"],
        i["action"],
        i["actor_id"],
        i["actor_name"],
        i["from_status"],
        i["to_status"],
        i["note"],
        i["created_at"],
        i["payload"],
    )
    defaults, sqlite = columns.defaults, enc.sqlite
    for seq, (action, actor, before, after, at, note, payload) in enumerate(item.events, 1):
        row = defaults.copy()
        row[seq_] = row[version_] = seq
        time = chain.event_time(at)  # what the MAC signs; on SQLite the column holds the same UTC time
        row[action_], row[from_], row[to_], row[note_] = action, before, after, note
        row[at_] = f"{time[:10]} {time[11:26] if at.microsecond else time[11:19]}" if sqlite else at
        who = actors.get(id(actor))
        if who is None:
            who = actors[id(actor)] = (actor.pk, getattr(actor, "username", "") or "system")
        row[actor_id_], row[actor_name_] = who
        # The canonical text is valid JSON for the column too (json.loads gives the payload back).
        text = row[payload_] = _payload_json(enc, payload) if payload else "{}"
        if text is None and payload is not None:
            batch.linked[len(batch.events)] = payload
        batch.events.append(tuple(row))
        batch.times.append(time)
        batch.payloads.append(text)
    batch.sizes.append(len(item.events))


def _payload_json(enc: _Encoding, payload: dict[str, Any]) -> str | None:
    """``canonical_json`` of the payload as the JSON column gives it back (as ``record_event``);
    None while it names another complaint (``NumberOf``), whose number the writer knows."""
    plain = True
    for k, v in payload.items():
        if type(v) is NumberOf:
            return None
        plain = plain and type(v) is not dt.datetime and type(k) is str
    if plain:
        return chain.canonical_json(payload)
    payload = {k: enc.json_datetime[v] if type(v) is dt.datetime else v for k, v in payload.items()}
    text = chain.canonical_json(payload)
    if any(type(k) is not str for k in payload):
        # Keys the JSON column gives back as strings, in another order: sign what it gives back.
        text = chain.canonical_json(json.loads(text))
    return text


# ------------------------------------------------------------------------------ writing
class Writer:
    """Writes prepared batches, each in its own transaction, and remembers the ids of what it wrote
    so that later batches may link to them (the most recent ``remember`` complaints)."""

    def __init__(self, *, remember: int = 1_000_000, planned: bool = False) -> None:
        self.remember = remember
        # A made-up history (the seeder): detection's indexes and matters are written from the
        # plan with each batch (``detection.bulk``); an import runs detection itself afterwards.
        self.planned = planned
        self.ids: dict[Key, int] = {}
        self._written: deque[list[Key]] = deque()  # the keys of each batch, oldest first
        # The seals read the rows back with personal data decrypted: a ciphertext repeats as often
        # as its caller, so each is decrypted once.
        self._decrypt = functools.lru_cache(maxsize=500_000)(crypto.decrypt)
        self.seconds: dict[str, float] = {
            "rows": 0.0,
            "events": 0.0,
            "seals": 0.0,
            "detection": 0.0,
        }  # for the seeder's report

    def write(self, batch: Batch, *, known: Mapping[Key, int] | None = None) -> list[Written]:
        """Write ``batch`` in one transaction, all of it or nothing, and say what was written.

        ``known`` maps keys of complaints written earlier (by another writer, or existing ones) to
        their ids, for the links of this batch."""
        enc = _encoding()
        if not batch.keys:
            return []
        with transaction.atomic():
            numbers = reserve_for(batch.years, batch.numbers)
            first = _reserve_ids(len(batch))
            ids = {key: first + i for i, key in enumerate(batch.keys)}
            linked = self._links(batch, ids, numbers, known or {})
            complaints, rows, events = self._fill(enc, batch, first, numbers, linked)
            with self._timed("rows"), connection.cursor() as cursor:
                cursor.executemany(enc.complaints.sql, complaints)
                for table, columns in enc.tables.items():
                    if rows[table]:
                        cursor.executemany(columns.sql, rows[table])
            search_index.refresh_range(first - 1, first + len(batch) - 1)  # their words (tousu.search)
            if self.planned:
                with self._timed("detection"):
                    detection_index.index_range(first - 1, first + len(batch) - 1)
            digests = [enc.events.index[c] for c in ("hash", "prev_hash", "state_mac")]
            with self._timed("events"), connection.cursor() as cursor:
                cursor.executemany(enc.events.sql, [stored(events[i], digests) for i in batch.order])
            with self._timed("seals"):
                last = self._seal(enc, batch, first, events)
            with self._timed("events"), connection.cursor() as cursor:
                cursor.executemany(enc.events.sql, [stored(row, digests) for row in last])
                if connection.vendor == "postgresql":
                    from django.core.management.color import no_style

                    for sql in connection.ops.sequence_reset_sql(no_style(), [Complaint]):
                        cursor.execute(sql)
        self.ids.update(ids)
        self._written.append(batch.keys)
        while len(self.ids) > self.remember and len(self._written) > 1:
            for key in self._written.popleft():
                self.ids.pop(key, None)
        return [Written(key, first + i, numbers[i]) for i, key in enumerate(batch.keys)]

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        clock = time.perf_counter()
        yield
        self.seconds[name] += time.perf_counter() - clock

    def _links(
        self, batch: Batch, ids: dict[Key, int], numbers: list[str], known: Mapping[Key, int]
    ) -> dict[Key, tuple[int, str]]:
        """Every key this batch links to, with its id and number."""
        wanted = {k for pair in batch.links for k in pair if k is not None}
        for payload in batch.linked.values():
            wanted |= {v.key for v in payload.values() if type(v) is NumberOf}
        position = {key: i for i, key in enumerate(batch.keys)}
        found = {k: (ids[k], numbers[position[k]]) for k in wanted if k in ids}
        outside = {k: self.ids.get(k, known.get(k)) for k in wanted - set(found)}
        missing = sorted(str(k) for k, pk in outside.items() if pk is None)
        by_id = dict(Complaint.objects.filter(id__in=[pk for pk in outside.values() if pk]).values_list("id", "number"))
        missing += sorted(str(k) for k, pk in outside.items() if pk and pk not in by_id)
        if missing:
            raise ValidationFailed(
                _("找不到关联的投诉件：%(keys)s") % {"keys": ", ".join(missing[:10])},
                problems=[{"key": k, "where": "links", "message": "unknown"} for k in missing],
            )
        found.update({k: (pk, by_id[pk]) for k, pk in outside.items() if pk})
        return found

    def _fill(
        self, enc: _Encoding, batch: Batch, first: int, numbers: list[str], linked: dict[Key, tuple[int, str]]
    ) -> tuple[list, dict[str, list], list[list[Any]]]:
        """The rows with ids, numbers and links, and the chains signed (all but the last events,
        whose MAC takes the seal: ``_seal``)."""
        c = enc.complaints.index
        id_, number_, hash_, repeat_, merged_ = (
            c["id"],
            c["number"],
            c["query_code_hash"],
            c["repeat_of_id"],
            c["merged_into_id"],
        )
        complaints = []
        for i, values in enumerate(batch.complaints):
            row = list(values)
            repeat_of, merged_into = batch.links[i]
            row[id_], row[number_] = first + i, numbers[i]
            row[hash_] = hash_query_code(numbers[i], batch.query_codes[i])
            row[repeat_] = linked[repeat_of][0] if repeat_of is not None else None
            row[merged_] = linked[merged_into][0] if merged_into is not None else None
            complaints.append(row)
        rows = {}
        for table, pairs in batch.rows.items():
            slot = enc.tables[table].index["complaint_id"]
            rows[table] = [values[:slot] + (first + position,) + values[slot + 1 :] for position, values in pairs]
        e = enc.events.index
        pk_, enumber_, prev_, ehash_, payload_ = (
            e[c] for c in ("complaint_id", "number", "prev_hash", "hash", "payload")
        )
        seq_, action_, actor_id_, actor_name_, from_, to_, note_ = (
            e[c] for c in ("seq", "action", "actor_id", "actor_name", "from_status", "to_status", "note")
        )
        key, sign, times, payloads = chain.audit_key(), chain.sign_event, batch.times, batch.payloads
        events: list[list[Any]] = []
        n = 0
        for i, size in enumerate(batch.sizes):
            pk, number, prev = first + i, numbers[i], chain.GENESIS
            for j in range(n, n + size):
                row = list(batch.events[j])
                if payloads[j] is None:  # a payload naming another complaint: its number is known now
                    payloads[j] = row[payload_] = _linked_json(enc, batch.linked[j], linked)
                row[pk_], row[enumber_], row[prev_] = pk, number, prev
                events.append(row)
                if j + 1 < n + size:  # the last one is signed with the seal (_seal)
                    prev = row[ehash_] = sign(
                        seq=row[seq_],
                        complaint_id=pk,
                        number=number,
                        action=row[action_],
                        actor_id=row[actor_id_],
                        actor_name=row[actor_name_],
                        from_status=row[from_],
                        to_status=row[to_],
                        version=row[seq_],
                        note=row[note_],
                        payload_json=payloads[j] or "{}",
                        at=times[j],
                        prev_hash=prev,
                        key=key,
                    )
            n += size
        return complaints, rows, events

    def _seal(self, enc: _Encoding, batch: Batch, first: int, events: list[list[Any]]) -> list[list[Any]]:
        """The last event of each complaint, sealing its state as the database now holds it."""
        real = crypto.decrypt
        crypto.decrypt = self._decrypt
        try:
            states = chain.read_states(first, first + len(batch) - 1)
        finally:
            crypto.decrypt = real
        e = enc.events.index
        key = chain.audit_key()
        rows, n = [], 0
        for i, size in enumerate(batch.sizes):
            n += size
            row, pk = events[n - 1], first + i
            mac, prints = chain.seal(pk, states[pk])
            prints_json = chain.canonical_json(prints)
            row[e["state_mac"]], row[e["state_prints"]] = mac, prints_json
            row[e["hash"]] = chain.sign_event(
                seq=row[e["seq"]],
                complaint_id=pk,
                number=row[e["number"]],
                action=row[e["action"]],
                actor_id=row[e["actor_id"]],
                actor_name=row[e["actor_name"]],
                from_status=row[e["from_status"]],
                to_status=row[e["to_status"]],
                version=row[e["version"]],
                note=row[e["note"]],
                payload_json=batch.payloads[n - 1] or "{}",
                at=batch.times[n - 1],
                prev_hash=row[e["prev_hash"]],
                state_mac=mac,
                prints_json=prints_json,
                key=key,
            )
            rows.append(row)
        return rows


def _linked_json(enc: _Encoding, payload: dict[str, Any], linked: Mapping[Key, tuple[int, str]]) -> str:
    text = _payload_json(enc, {k: linked[v.key][1] if type(v) is NumberOf else v for k, v in payload.items()})
    assert text is not None
    return text


def _reserve_ids(count: int) -> int:
    """The first of ``count`` consecutive complaint ids nobody else takes (call after
    ``reserve_numbers``, whose lock holds other registrations off on SQLite)."""
    qn = connection.ops.quote_name
    table = Complaint._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Registrations take ids from the sequence: hold writers of complaints off until this
            # batch commits (seconds), so that the ids taken here stay free.
            cursor.execute(f"LOCK TABLE {qn(table)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"SELECT MAX({qn('id')}) FROM {qn(table)}")
        top = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never reuses the id of a deleted row (anchors may name it): nor do we.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
    return top + 1


def write_complaints(items: Sequence[ComplaintIn], *, known: Mapping[Key, int] | None = None) -> list[Written]:
    """``prepare`` and write ``items`` in one transaction: for callers without a second process."""
    return Writer().write(prepare(items, known=known), known=known)


# ------------------------------------------------------------------------------ two processes
def prepared_ahead(produce: Callable[[], Iterator[T]]) -> Iterator[T]:
    """What ``produce()`` yields, made by a forked child process while this one goes on with the
    previous item: a large load is half Python (``prepare``) and half database (``Writer.write``),
    so two processes keep two cores busy. ``produce`` must not touch the database (``prepare`` does
    not); the connection is closed before the fork, and opens again on this process's next query."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=2)
    connection.close()  # no database handle crosses the fork
    child = ctx.Process(target=_produce, args=(produce, queue), daemon=True)
    child.start()
    return _received(child, queue)


def _produce(produce: Callable[[], Iterator[Any]], queue: Any) -> None:
    try:
        for item in produce():
            # Pickled here, not in the queue's feeder thread, which would only print its error and
            # drop the item: the parent would write the load with a batch missing.
            queue.put(("item", pickle.dumps(item, pickle.HIGHEST_PROTOCOL)))
        queue.put(("done", None))
    except BaseException as exc:  # reported to the parent, which stops
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
    queue.close()
    queue.join_thread()


def _received(child: Any, queue: Any) -> Iterator[Any]:
    try:
        while True:
            try:
                kind, item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the preparing process died (exit code {child.exitcode})") from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"preparing failed: {item}")
            yield pickle.loads(item)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
