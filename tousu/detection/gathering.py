"""Hot issues and group events (热点问题、群体投诉, SPEC §8): which complaints of a matter were
made by enough people within a window, gathered as they come.

A complaint belongs to a hot issue (a group event) when it lies in some window of the preset's
``hot_window_days`` (``group_window_days``) that holds ``hot_threshold`` (``group_threshold``)
different people; people are told apart by their keyed identities (``persons``). ``evaluate``
runs at every registration that places a complaint in a matter:

- In the common case — the matter's gatherings exist and the complaint is the newest of its
  matter — only the window that ends at it can hold new members (every earlier window was decided
  when its own newest complaint came), so ``_grow`` counts people newest first until enough are
  found and nothing outside links two of them, then adds what that window holds that is in no
  gathering yet. A hot matter of thousands of complaints costs a few queries, not a read of all.
- Otherwise (the first gathering, a complaint received before others of its matter, matters just
  merged) every window of the matter's period is counted again (``_spans``).

A gathering's ``people`` counts the different people among all its members.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from tousu.accounts.models import Role, User
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.detection.grading import group_grade, lower
from tousu.detection.matter import Print
from tousu.detection.models import ComplaintPrint, GroupEvent, GroupMember, HotIssue, HotMember, IdentityKey, Matter

GROUP_NOTICE = gettext_noop("群体投诉：%(count)s人就同一事项投诉（%(title)s），已提级，请关注。")
CHUNK = 64  # the complaints read at a time, newest first, while counting a window's people


class Seen(NamedTuple):
    """What ``evaluate`` reads of each complaint of a matter: who made it and when (a tuple, not a
    model instance: a hot matter holds thousands within its window, read at every registration)."""

    complaint_id: int
    received_at: dt.datetime
    people: list[str]


def _seen(prints: QuerySet[ComplaintPrint]) -> list[Seen]:
    """The prints' rows as ``Seen``, read with the cursor: Django's converters per value cost more
    than the rest of the evaluation at a few thousand rows."""
    sql, params = prints.values_list("complaint_id", "received_at", "people").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # SQLite gives naive UTC times (its driver's converter), both give the JSON as text or decoded.
    return [
        Seen(
            cid, when if when.tzinfo else when.replace(tzinfo=dt.UTC), who if isinstance(who, list) else json.loads(who)
        )
        for cid, when, who in rows
    ]


def _spans(rows: Sequence[Seen], days: int, threshold: int, who: dict[int, str] | None = None) -> set[int]:
    """The complaints lying in some window of ``days`` that holds ``threshold`` distinct people:
    one pass with a sliding window and a count per person (a matter may hold thousands). ``who``:
    ``persons(rows)``, when the caller has it already."""
    who = persons(rows) if who is None else who
    rows = sorted(rows, key=lambda r: r.received_at)
    width = dt.timedelta(days=days)
    members: set[int] = set()
    counts: Counter[str] = Counter()
    start = marked = 0
    for end, row in enumerate(rows):
        counts[who[row.complaint_id]] += 1
        while row.received_at - rows[start].received_at > width:
            gone = who[rows[start].complaint_id]
            counts[gone] -= 1
            if not counts[gone]:
                del counts[gone]
            start += 1
        if len(counts) >= threshold:  # the window [start, end] qualifies: its rows not yet taken
            members.update(r.complaint_id for r in rows[max(start, marked) : end + 1])
            marked = end + 1
    return members


def persons(rows: Iterable[Seen]) -> dict[int, str]:
    """Who made each complaint: complaints that share any keyed index (a phone, an ID number, an
    e-mail) are one person's — a caller who phoned and then wrote with the ID number and the phone
    is one person, not two; a complaint with none is its own."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    rows = list(rows)
    for row in rows:
        keys = row.people or [f"c{row.complaint_id}"]
        first = root(keys[0])
        for key in keys[1:]:
            other = root(key)
            if other != first:
                parent[other] = first
    return {row.complaint_id: root((row.people or [f"c{row.complaint_id}"])[0]) for row in rows}


def evaluate(matter: Matter, current: Complaint, *, merged: bool = False) -> None:
    """Make or grow the matter's hot issue and group event from its complaints, ``current`` just
    placed in it (``merged``: after matters were joined into it)."""
    th = active().thresholds
    kinds = (
        (HotIssue, HotMember, "issue", th.hot_window_days, th.hot_threshold),
        (GroupEvent, GroupMember, "event", th.group_window_days, th.group_threshold),
    )
    window = dt.timedelta(days=max(th.hot_window_days, th.group_window_days))
    standing = [model.objects.filter(matter=matter, merged_into=None).order_by("-id").first() for model, *_ in kinds]
    if not merged and all(g is not None for g in standing) and _newest(matter, current):
        for (_model, member, fk, days, threshold), g in zip(kinds, standing, strict=True):
            if g is not None and not g.curated:  # a curated one: only staff change it now
                added = _grow(g, member, fk, current, dt.timedelta(days=days), threshold, window)
                if isinstance(g, GroupEvent) and added:
                    _raise(g, added, current)
        return
    t = current.received_at
    rows = _seen(ComplaintPrint.objects.filter(matter=matter, received_at__gte=t - window, received_at__lte=t + window))
    rows.sort(key=lambda r: r.received_at)
    who = persons(rows)  # once for both kinds
    hot = _spans(rows, th.hot_window_days, th.hot_threshold, who)
    if hot:
        _gather(HotIssue, HotMember, "issue", matter, rows, hot)
    group = _spans(rows, th.group_window_days, th.group_threshold, who)
    if group:
        event, added, created = _gather(GroupEvent, GroupMember, "event", matter, rows, group)
        _raise(event, added, current)
        if created:
            _alert(event, current)


def _newest(matter: Matter, current: Complaint) -> bool:
    """No other complaint of the matter was received after ``current``."""
    later = ComplaintPrint.objects.filter(matter=matter, received_at__gt=current.received_at)
    return not later.exclude(complaint_id=current.pk).exists()


def _grow(
    g: Any, member: Any, fk: str, current: Complaint, days: dt.timedelta, threshold: int, window: dt.timedelta
) -> list[int]:
    """``current`` is the newest of its matter: if the window of ``days`` ending at it holds
    ``threshold`` people, what it holds in no gathering of this kind joins ``g``. Returns the ids added."""
    t = current.received_at
    if not _holds(g.matter_id, t - days, t, t - window, threshold):
        return []
    outside = ComplaintPrint.objects.filter(matter_id=g.matter_id, received_at__gte=t - days, received_at__lte=t)
    new = _seen(outside.exclude(complaint_id__in=member.objects.values("complaint_id")))
    if not new:
        return []
    _join(g, member, fk, new)
    return [r.complaint_id for r in new]


def _holds(matter_id: int, since: dt.datetime, until: dt.datetime, reach: dt.datetime, threshold: int) -> bool:
    """Whether the matter's complaints received in [since, until] come from ``threshold`` people or
    more, as ``persons`` tells them apart over the matter's complaints from ``reach`` on. Read newest
    first a chunk at a time; enough people among those read is the answer once no other complaint
    links two of them (one sharing a key with any of them is read too), as more complaints can only
    add people or join them through such a link."""
    prints = ComplaintPrint.objects.filter(matter_id=matter_id, received_at__gte=since, received_at__lte=until)
    read: dict[int, Seen] = {}
    offset = 0
    while True:
        chunk = _seen(prints.order_by("-received_at", "-complaint_id")[offset : offset + CHUNK])
        offset += len(chunk)
        read.update((r.complaint_id, r) for r in chunk)
        done = len(chunk) < CHUNK
        if done or _counted(read, since) >= threshold:
            while links := _linked(matter_id, read, reach, until):
                read.update((r.complaint_id, r) for r in links)
            if _counted(read, since) >= threshold:
                return True
            if done:
                return False


def _counted(read: dict[int, Seen], since: dt.datetime) -> int:
    who = persons(read.values())
    return len({who[cid] for cid, r in read.items() if r.received_at >= since})


def _linked(matter_id: int, read: dict[int, Seen], reach: dt.datetime, until: dt.datetime) -> list[Seen]:
    """The matter's complaints from ``reach`` to ``until``, not yet read, sharing a key with one read."""
    keys = {k for r in read.values() for k in r.people}
    if not keys:
        return []
    sharing = IdentityKey.objects.filter(key__in=keys, received_at__gte=reach, received_at__lte=until)
    ids = set(sharing.values_list("complaint_id", flat=True)) - set(read)
    return _seen(ComplaintPrint.objects.filter(matter_id=matter_id, complaint_id__in=ids)) if ids else []


def members(member: Any, fk: str, g: Any) -> list[Seen]:
    """What ``evaluate`` reads of each of ``g``'s members (``member``: its membership model, ``fk``
    its field naming ``g``)."""
    return _seen(
        ComplaintPrint.objects.filter(complaint_id__in=member.objects.filter(**{fk: g}).values("complaint_id"))
    )


def _join(g: Any, member: Any, fk: str, new: list[Seen]) -> None:
    """``new`` join ``g``: its period widens and its people are those of all its members. One
    complaint with one key (or none) is the same person as any member holding that key (else one
    more): no need to read every member."""
    member.objects.bulk_create([member(**{fk: g}, complaint_id=r.complaint_id) for r in new])
    g.first_at = min(g.first_at, *(r.received_at for r in new))
    g.last_at = max(g.last_at, *(r.received_at for r in new))
    only = new[0]
    if len(new) == 1 and len(only.people) <= 1:
        known = bool(only.people) and (
            IdentityKey.objects.filter(
                key=only.people[0], complaint_id__in=member.objects.filter(**{fk: g}).values("complaint_id")
            )
            .exclude(complaint_id=only.complaint_id)
            .exists()
        )
        g.people += 0 if known else 1
    else:
        g.people = len(set(persons(members(member, fk, g)).values()))
    g.save()


def _gather(model: Any, member: Any, fk: str, matter: Matter, rows: list[Seen], ids: set[int]) -> Any:
    gathering = model.objects.filter(matter=matter, merged_into=None).order_by("-id").first()
    if gathering is not None and gathering.curated:
        return gathering, [], False  # split or merged by staff: only staff change it now
    chosen = [r for r in rows if r.complaint_id in ids]
    created = gathering is None
    if gathering is None:
        first = min(chosen, key=lambda r: r.received_at)
        first_print = ComplaintPrint.objects.select_related("complaint").get(pk=first.complaint_id)
        gathering = model.objects.create(
            matter=matter,
            title=first_print.complaint.summary[:200],
            words=Print.from_json(first_print.data).key_terms(6),
            first_at=first.received_at,
            last_at=first.received_at,
        )
    have = set(member.objects.filter(**{fk: gathering}).values_list("complaint_id", flat=True))
    fresh = [r.complaint_id for r in chosen if r.complaint_id not in have]
    taken = set(member.objects.filter(complaint_id__in=fresh).values_list("complaint_id", flat=True))
    new = [r for r in chosen if r.complaint_id not in have and r.complaint_id not in taken]  # or in another
    if new:
        _join(gathering, member, fk, new)
    return gathering, [r.complaint_id for r in new], created


def _raise(event: GroupEvent, added: list[int], current: Complaint) -> None:
    """A group event's new complaints get the group flag and the group grade, each on record."""
    from tousu.complaints.services.common import finish

    grade = group_grade()
    now = timezone.now().isoformat()
    flag = {"by": None, "rule": f"group_event_{event.pk}", "at": now}
    for cid in added:
        if cid == current.pk:
            current.flags.setdefault("group", flag)
            if grade is not None and lower(current.grade, grade):
                current.grade = grade
            current.save(update_fields=["flags", "grade"])
            continue
        complaint = Complaint.objects.select_for_update(of=("self",)).select_related("grade").get(pk=cid)
        before = complaint.grade.code if complaint.grade else ""
        complaint.flags = {**complaint.flags, "group": complaint.flags.get("group", flag)}
        if grade is not None and lower(complaint.grade, grade):
            complaint.grade = grade
        finish(
            complaint,
            actor=None,
            action="detect_group",
            before=complaint.status,
            payload={
                "group_event": event.pk,
                "grade_before": before,
                "grade": complaint.grade.code if complaint.grade else "",
            },
        )


def _alert(event: GroupEvent, current: Complaint) -> None:
    from tousu.complaints.notify import notify_users

    supervisors = list(User.objects.filter(role=Role.CENTER, is_active=True))
    if supervisors:
        notify_users(current, supervisors, GROUP_NOTICE, {"count": event.people, "title": event.title})
