"""One definition of who must act now (complaints/work.py): the queue of every user is exactly the
set of complaints on which the action table offers that user a work action, and a complaint's
holders are exactly those users — checked user by user, complaint by complaint, on the demo
organisation with complaints in every state and the hand-offs the demo lacks."""

from __future__ import annotations

import pytest

from tousu.accounts.models import User
from tousu.complaints.access import in_scope, visible_complaints
from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint
from tousu.complaints.work import holders, queue, work_of
from tousu.presets import demo_data
from tousu.presets.demo import build

pytestmark = pytest.mark.django_db


def act(org, who, c, action, **fields):
    c.refresh_from_db()
    return perform(action, org[who], c.number, {"version": c.version, **fields})


@pytest.fixture
def busy(org, register, settings):
    """The demo's complaints in every state, plus a co-handled case waiting for an opinion, a
    pending extension, a conflict mark and an unassigned transfer."""
    build(demo_data("government").model_copy(update={"rounds": 1}), perform)
    co = act(org, "clerk", register(), "accept", category="G0201", grade="normal")
    co = act(org, "center", co, "dispatch", unit="amr", mode="assign", handler="handler", co_units=["housing"])
    act(org, "handler", co, "sign")
    ext = act(org, "clerk", register(summary="延期"), "accept", category="G0201", grade="normal")
    ext = act(org, "center", ext, "dispatch", unit="amr", mode="assign", handler="handler")
    ext = act(org, "handler", ext, "sign")
    act(org, "handler", ext, "request_extension", days=5, reason="需调取档案")
    marked = act(org, "clerk", register(summary="回避"), "accept", category="G0201", grade="normal")
    act(org, "center", marked, "mark_conflict", user="center2", reason="亲属")
    free = act(org, "clerk", register(summary="未指定承办人"), "accept", category="G0201", grade="normal")
    act(org, "center", free, "dispatch", unit="hrss", mode="transfer")
    # Co-handled, the co-unit's opinion in: the result is the handler's work again.
    given = act(org, "clerk", register(summary="协办意见已到"), "accept", category="G0201", grade="normal")
    given = act(org, "center", given, "dispatch", unit="amr", mode="assign", handler="handler", co_units=["housing"])
    given = act(org, "handler", given, "sign")
    act(org, "housing", given, "give_opinion", text="同意承办单位意见。")
    return list(Complaint.objects.all())


def test_every_queue_is_exactly_the_work_the_action_table_offers(busy, org) -> None:
    for user in User.objects.filter(is_active=True).select_related("unit"):
        expected = {c.pk for c in visible_complaints(user) if work_of(user, c)}
        assert set(queue(user).values_list("pk", flat=True)) == expected, user.username
    assert queue(org["followup"]).count() == Complaint.objects.filter(status="replied").count() > 0
    assert queue(org["admin"]).count() == 0 and queue(org["auditor"]).count() == 0


def test_the_scope_of_one_case_in_memory_is_the_scope_filter(busy, org) -> None:
    for user in User.objects.filter(is_active=True).select_related("unit"):
        visible = set(visible_complaints(user).values_list("pk", flat=True))
        for c in Complaint.objects.select_related("handling_unit"):
            assert in_scope(user, c) == (c.pk in visible), (user.username, c.number)


def test_a_co_handled_result_is_work_once_every_opinion_is_in(busy, org) -> None:
    waiting = Complaint.objects.filter(co_units__isnull=False, opinions__isnull=True, status="in_progress").get()
    given = Complaint.objects.get(summary="协办意见已到")
    mine = set(queue(org["handler"]).values_list("pk", flat=True))
    assert given.pk in mine and waiting.pk not in mine


def test_the_holders_of_every_complaint_are_exactly_those_it_is_work_for(busy, org) -> None:
    users = list(User.objects.filter(is_active=True).select_related("unit"))
    for c in busy:
        c.refresh_from_db()
        expected = {u.username for u in users if work_of(u, c) and visible_complaints(u).filter(pk=c.pk).exists()}
        assert {u.username for u in holders(c)} == expected, (c.number, c.status)


def test_turns_follow_the_case(busy, org) -> None:
    co = Complaint.objects.get(co_units__code="housing", opinions__isnull=True)
    assert work_of(org["housing"], co) == ["give_opinion"] and co in queue(org["housing_head"])
    assert "submit_result" not in work_of(org["handler"], co)  # the co-unit's opinion is not in yet
    free = Complaint.objects.get(summary="未指定承办人")
    assert set(work_of(org["hrss_head"], free)) == {"sign", "assign_handler"}
    assert free in queue(org["hrss"]) and free not in queue(org["center"])
    marked = Complaint.objects.get(summary="回避")
    assert marked not in queue(org["center2"]) and marked in queue(org["center"])
    ext = Complaint.objects.get(summary="延期")
    assert work_of(org["center"], ext) == ["decide_extension"] and work_of(org["head"], ext) == ["decide_extension"]


def test_an_extension_moves_the_report_with_the_result_and_says_so(org, register, walk) -> None:
    c = walk(register(), "accept", "dispatch", "sign")  # assigned: a written report is due too
    handling, report = c.handling_due, c.report_due
    act(org, "handler", c, "request_extension", days=5, reason="需调取档案")
    c = act(org, "center", c, "decide_extension", approved=True, notice_method="phone")
    assert c.handling_due > handling and c.report_due > report
    assert c.due_rules["handling"]["label"] == "15+5 工作日" and c.due_rules["report_back"]["label"] == "20+5 工作日"


def test_a_reload_of_an_action_address_leads_back_to_the_case(client, org, register) -> None:
    c = register()
    client.force_login(org["clerk"])
    assert client.get(f"/c/{c.number}/accept/").url == f"/c/{c.number}/"
