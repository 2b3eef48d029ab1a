"""Concurrent edits of one complaint (SPEC §14 "conflicting edits are refused"; issue 17 §5): two
users send an action on the same complaint at the same moment with the same version, through the
API and through the web form (its hidden version). Exactly one wins; the other gets 409
``stale_version`` and changes nothing; the history holds one event for the one write.

Real concurrent transactions on the run's database (transaction=True: each thread commits through
its own connection; SQLite's IMMEDIATE transactions, PostgreSQL's row lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from tousu.accounts.models import ApiToken
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db(transaction=True)

CHOICES = {"clerk": "G0201", "center": "G0202"}  # each user files the case under its own category


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = calls[i]()
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def outcome(complaint: Complaint, winner: str) -> None:
    """The winner's write is the one on record, whole; the loser's left no trace."""
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version) == ("accepted", 2)
    assert complaint.category is not None and complaint.category.code == CHOICES[winner]
    events = list(complaint.events.order_by("seq").values_list("action", "actor__username"))
    assert events == [("register", "clerk"), ("accept", winner)]


def test_two_users_accepting_at_once_through_the_api_one_wins_one_gets_409(org, register) -> None:
    complaint = register()
    tokens = {name: ApiToken.issue(org[name], "test") for name in CHOICES}

    def accept(name: str) -> Callable[[], Any]:
        body = {"version": complaint.version, "category": CHOICES[name], "grade": "normal"}
        return lambda: Client().post(
            f"/api/v1/complaints/{complaint.number}/accept",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[name]}",
        )

    answers = dict(zip(CHOICES, at_once(*(accept(name) for name in CHOICES)), strict=True))

    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    [winner] = [name for name, a in answers.items() if a.status_code == 200]
    [loser] = [a for a in answers.values() if a.status_code == 409]
    assert loser.json()["code"] == "stale_version"
    assert loser.json()["data"] == {"current_version": 2, "given_version": 1}
    assert answers[winner].json()["version"] == 2
    outcome(complaint, winner)


def test_two_users_submitting_the_web_form_at_once_one_wins_one_sees_the_conflict(org, register) -> None:
    complaint = register()
    clients = {}
    for name in CHOICES:
        clients[name] = Client()
        clients[name].force_login(org[name])

    def accept(name: str) -> Callable[[], Any]:
        form = {"version": str(complaint.version), "category": CHOICES[name], "grade": "normal"}
        return lambda: clients[name].post(f"/c/{complaint.number}/accept/", form)

    answers = dict(zip(CHOICES, at_once(*(accept(name) for name in CHOICES)), strict=True))

    assert sorted(a.status_code for a in answers.values()) == [302, 409]
    [winner] = [name for name, a in answers.items() if a.status_code == 302]
    [loser] = [a for a in answers.values() if a.status_code == 409]
    assert "记录已被他人修改，请刷新后重试" in loser.content.decode()
    outcome(complaint, winner)


def test_two_users_editing_the_demand_items_at_once_with_the_version_one_gets_409(org, register) -> None:
    """The demand items are replaced whole: without the version the second edit would silently
    undo the first (a lost update). With the version read, the second is refused."""
    complaint = register(demands="要求尽快办结")
    tokens = {name: ApiToken.issue(org[name], "test") for name in CHOICES}
    wanted = {"clerk": ["要求尽快办结", "要求说明原因"], "center": ["要求尽快办结", "要求赔礼道歉"]}

    def edit(name: str) -> Callable[[], Any]:
        body = {"items": wanted[name], "version": complaint.version}
        return lambda: Client().put(
            f"/api/v1/complaints/{complaint.number}/demand-items",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[name]}",
        )

    answers = dict(zip(CHOICES, at_once(*(edit(name) for name in CHOICES)), strict=True))

    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    [winner] = [name for name, a in answers.items() if a.status_code == 200]
    [loser] = [a for a in answers.values() if a.status_code == 409]
    assert loser.json()["code"] == "stale_version"
    complaint.refresh_from_db()
    assert list(complaint.demand_items.order_by("position").values_list("text", flat=True)) == wanted[winner]
    events = list(complaint.events.order_by("seq").values_list("action", "actor__username"))
    assert events == [("register", "clerk"), ("edit_demands", winner)]


def test_the_demand_items_form_carries_the_version_and_a_stale_one_changes_nothing(client, org, register, walk) -> None:
    complaint = register(demands="要求尽快办结")
    client.force_login(org["clerk"])
    page = client.get(f"/c/{complaint.number}/").content.decode()
    form = page[page.index('id="edit-demands"') :]
    assert f'<input type="hidden" name="version" value="{complaint.version}">' in form[: form.index("</form>")]
    walk(complaint, "accept")  # someone else changes the complaint after the page was read

    answer = client.post(
        f"/c/{complaint.number}/demand-items/",
        {"items": "要求说明原因", "version": str(complaint.version)},
        follow=True,
    )

    assert "记录已被他人修改" in answer.content.decode()
    complaint.refresh_from_db()
    assert list(complaint.demand_items.values_list("text", flat=True)) == ["要求尽快办结"]
    assert list(complaint.events.values_list("action", flat=True).order_by("seq")) == ["register", "accept"]


def test_two_complaints_merged_into_each_other_at_once_make_one_merge_not_a_cycle(org, register) -> None:
    first, second = register(), register(summary="另一件：窗口办事拖拉")
    token = ApiToken.issue(org["center"], "test")

    def merge(one: Complaint, into: Complaint) -> Callable[[], Any]:
        return lambda: Client().post(
            f"/api/v1/complaints/{one.number}/merge",
            {"version": one.version, "target": into.number, "note": "同一事项"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    answers = at_once(merge(first, second), merge(second, first))

    codes = sorted(a.status_code for a in answers)
    assert codes[0] == 200 and codes[1] in (409, 422), [a.content for a in answers]
    statuses = sorted(Complaint.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
    assert statuses.count("merged") == 1  # one merged into the other, which stays open
