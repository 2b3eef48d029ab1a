"""Hot issues and group events as they grow (``tousu.detection.gathering``): the quick path that
reads only the window ending at the newest complaint gathers exactly what counting every window of
the matter again gathers, whatever order the complaints come in and however their callers' keys
link them."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tousu.complaints.preset import active
from tousu.detection import gathering
from tousu.detection.gathering import Seen, _spans, persons
from tousu.detection.models import ComplaintPrint, GroupMember, HotMember

START = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
PHONES = [f"1391234{n:04d}" for n in range(7)]
IDS = ["110101199003071233", "110101199003071241"]


def _calls(seed: int, n: int) -> list[dict]:
    """``n`` calls about one matter: mostly in order, some days apart, a few received earlier than
    the last one, from a pool of callers who sometimes give an ID number as well (linking keys)."""
    rnd = random.Random(seed)
    at, calls = START, []
    for _ in range(n):
        at += dt.timedelta(hours=rnd.choice([1, 1, 2, 3, 6, 20, 72]))
        when = at - dt.timedelta(days=rnd.choice([2, 6])) if rnd.random() < 0.15 else at
        person = {"name": "张三", "phone": rnd.choice(PHONES)}
        if rnd.random() < 0.2:
            person["id_number"] = rnd.choice(IDS)
        calls.append({"received_at": when, "complainants": [person]})
    return calls


def _expected(prints: list[Seen]) -> dict[str, set[int]]:
    """What counting every window again at each registration (the full path alone) gathers."""
    th = active().thresholds
    window = dt.timedelta(days=max(th.hot_window_days, th.group_window_days))
    members: dict[str, set[int]] = {"hot": set(), "group": set()}
    for k, current in enumerate(prints):
        rows = sorted(
            (r for r in prints[: k + 1] if abs(r.received_at - current.received_at) <= window),
            key=lambda r: r.received_at,
        )
        who = persons(rows)
        for kind, days, threshold in (
            ("hot", th.hot_window_days, th.hot_threshold),
            ("group", th.group_window_days, th.group_threshold),
        ):
            members[kind] |= _spans(rows, days, threshold, who)
    return members


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 6, 7])
def test_growing_the_newest_window_gathers_what_counting_every_window_gathers(register, seed, monkeypatch):
    grown = []
    real = gathering._grow
    monkeypatch.setattr(gathering, "_grow", lambda *a, **k: grown.append(1) or real(*a, **k))
    made = [
        register(summary="工资拖欠三个月", content="某建筑工地拖欠农民工工资三个月，多次讨要无果。", **call)
        for call in _calls(seed, 40)
    ]
    prints = list(ComplaintPrint.objects.filter(complaint__in=made).order_by("complaint_id"))
    assert len({p.matter_id for p in prints}) == 1  # one matter, so one gathering of each kind
    seen = [Seen(p.complaint_id, p.received_at, p.people) for p in prints]

    expected = _expected(seen)

    assert set(HotMember.objects.values_list("complaint_id", flat=True)) == expected["hot"]
    assert set(GroupMember.objects.values_list("complaint_id", flat=True)) == expected["group"]
    assert expected["hot"] and expected["group"], "the scenario should make both"
    assert len(grown) >= 5  # registrations after both gatherings took the quick path
    for member, kind in ((HotMember, "hot"), (GroupMember, "group")):
        if not expected[kind]:
            continue
        first = member.objects.select_related("issue" if kind == "hot" else "event").first()
        g = first.issue if kind == "hot" else first.event
        mine = [s for s in seen if s.complaint_id in expected[kind]]
        assert g.people == len(set(persons(mine).values())), kind  # different people among all members
        assert (g.first_at, g.last_at) == (min(s.received_at for s in mine), max(s.received_at for s in mine))
