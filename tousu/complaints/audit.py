"""Anchors and verification of the event log (SPEC §5, §14; the chain itself: ``events.py``).

- ``anchor_heads`` appends the heads of the chains that changed since the last anchor to an
  append-only file, each line chained to the previous one by MAC: a history cut short after its
  head was anchored is detected, even with the complaint's row put back as it was.
- ``verify_audit`` checks the chains, the state seals, the anchors and the gap-free numbering in
  one streaming pass, chunk by chunk of complaints, and says what changed and where.
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
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tousu.complaints.events import (
    GENESIS,
    NUMBER_AT,
    STATE_FORMAT,
    STATE_FORMATS,
    UTC,
    VERSION_AT,
    State,
    audit_key,
    event_hash,
    locate,
    read_states,
    seal,
)
from tousu.complaints.models import Complaint, Event, NumberSequence

log = logging.getLogger(__name__)


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
        data = data[os.write(fd, data) :]
    return n, mac


def _heads(since: dt.datetime | None) -> Iterator[tuple[int, int, str]]:
    """The last event of every complaint with an event created since ``since`` (all: None)."""
    latest = Event.objects.filter(complaint_id=OuterRef("pk")).order_by("-seq")
    complaints = Complaint.objects.annotate(
        head_seq=Subquery(latest.values("seq")[:1]), head_hash=Subquery(latest.values("hash")[:1])
    )
    if since is not None:
        complaints = complaints.filter(pk__in=Event.objects.filter(created_at__gte=since).values("complaint_id"))
    rows = (
        complaints.filter(head_seq__isnull=False)
        .order_by("pk")
        .values_list("pk", "head_seq", "head_hash")
        .iterator(chunk_size=5000)
    )
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
        if not (
            isinstance(n, int)
            and isinstance(prev, str)
            and isinstance(mac, str)
            and isinstance(heads, list)
            and all(isinstance(h, list) and len(h) == 3 for h in heads)
        ):
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


_EVENT_COLUMNS = (
    "id",
    "seq",
    "complaint_id",
    "number",
    "action",
    "actor_id",
    "actor_name",
    "from_status",
    "to_status",
    "version",
    "note",
    "payload",
    "created_at",
    "prev_hash",
    "hash",
    "state_mac",
    "state_prints",
)


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
        bound = list(ids[chunk - 1 : chunk])
        last = bound[0] if bound else None
        states = read_states(after + 1, last)
        events = _events(after + 1, last)
        for pk in sorted(set(states) | set(events)):
            state, history = states.get(pk), events.get(pk, [])
            report.complaints += state is not None
            report.events += len(history)
            if state is not None:
                imported = bool(history) and history[0].action == "import"
                numbering.saw(state["complaint"][NUMBER_AT], imported=imported)
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
        problem(
            f"complaint id {pk}: event #{seq} was anchored (anchor line {line}) but neither the complaint "
            "nor its events exist (removed)"
        )
    for text in numbering.problems():
        problem(text)
    if report.events and unsigned == report.events:
        report.notes.append(
            "no event's MAC matches: TOUSU_AUDIT_KEY is not the key the log was written with, or "
            "the log predates the keyed chain (`tousu migrate complaints 0011 && tousu migrate` "
            "re-chains a database that ran the placeholder of migration 0012)"
        )
    return report


_UNSIGNED = "content does not match its MAC (edited, or signed without the key)"


def _events(first: int, last: int | None) -> dict[int, list[SimpleNamespace]]:
    rows = Event.objects.filter(complaint_id__gte=first)
    if last is not None:
        rows = rows.filter(complaint_id__lte=last)
    grouped: dict[int, list[SimpleNamespace]] = {}
    for row in rows.order_by("complaint_id", "seq").values_list(*_EVENT_COLUMNS):
        event = SimpleNamespace(**dict(zip(_EVENT_COLUMNS, row, strict=True)))
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


def _check(
    pk: int, state: State | None, history: list[SimpleNamespace], anchor: tuple[int, int, int] | None
) -> list[str]:
    """What is wrong with one complaint's history and state; empty when nothing is."""
    found: list[str] = []
    key = audit_key()
    if state is None:
        number = history[0].number if history else f"id {pk}"
        found.append(f"{len(history)} event(s) of unknown complaint id {pk} ({number}): the complaint row is gone")
    else:
        number = state["complaint"][NUMBER_AT]
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
        found.append(f"complaint {number}: version {state['complaint'][VERSION_AT]} but no events (history removed)")
        if anchor:
            found.append(f"complaint {number}: event #{anchor[0]} was anchored (anchor line {anchor[2]})")
        return found
    head = history[-1]
    version = state["complaint"][VERSION_AT]
    if version != head.seq:
        cut = " (events removed from the end)" if version > head.seq else ""
        found.append(f"complaint {number}: version {version} but its history ends at {_when(head)}{cut}")
    if anchor and anchor[0] > head.seq:
        found.append(
            f"complaint {number}: its history ends at {_when(head)} but event #{anchor[0]} was "
            f"anchored (anchor line {anchor[2]}): events removed from the end"
        )
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
        report.notes.append(
            f"no anchor file at {path}: a history cut short cannot be told from a "
            "complete one (run `tousu anchor-audit`, keep a copy off this machine)"
        )
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

    def saw(self, number: str, *, imported: bool = False) -> None:
        if imported and not number.startswith(self.prefix):
            return  # another system's number, kept by the ledger import: not one of ours
        rest = number[len(self.prefix) :] if number.startswith(self.prefix) else None
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
                yield (
                    f"number(s) {span}: issued (the {year} sequence is at {last}) but no complaint has them (removed)"
                )
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
