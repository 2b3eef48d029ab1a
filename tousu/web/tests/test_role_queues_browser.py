"""Every role's day in the browser (issue 12): each person's 我的待办 holds exactly the cases the
action table lets them act on now; they take the action from their queue; the next person's queue
gains the case, with a notice that names the due date; the complaint page says who acts next."""

import re

import pytest

from tousu.accounts.models import User
from tousu.complaints.access import visible_complaints
from tousu.complaints.models import Complaint, Notification
from tousu.complaints.work import work_of
from tousu.web.tests.test_browser import SHOTS, Desk, page  # noqa: F401  (the page fixture)

pytestmark = pytest.mark.browser


def expected_queue(user: User) -> set[str]:
    """Checked against the action table itself, not the queue's query."""
    return {c.number for c in visible_complaints(user) if work_of(user, c)}


def queue_on_home(tab) -> tuple[int, set[str]]:
    block = tab.locator("section.queue-mine")
    count = int(block.locator("a.count").get_attribute("data-count"))
    numbers = set(re.findall(r"TS\d{10}", block.inner_text()))
    return count, numbers


def hand_on(desk: Desk, page, org, c: Complaint, steps: list) -> None:  # noqa: F811
    """Each step: the person finds the case in 我的待办 (exactly the action table's set), acts on
    it, and the next person's queue gains it with a notice that names the due date."""
    for who, action, fields, next_who in steps:
        user = org[who]
        desk.login(who)
        count, shown = queue_on_home(page)
        wanted = expected_queue(user)
        assert count == len(wanted) and c.number in shown and shown <= wanted, (who, count, shown, wanted)
        page.screenshot(path=str(SHOTS / f"home-{who}-{action}.png"), full_page=True)
        desk.open(c.number)
        desk.act(action, **fields)
        nxt = org[next_who]
        c.refresh_from_db()
        assert c.number in expected_queue(nxt), (action, next_who)
        notice = Notification.objects.filter(recipient=nxt, complaint=c, kind="work").order_by("-id").first()
        assert notice is not None and "期限" in notice.message, (action, next_who)
        desk.logout()


def test_each_role_acts_from_its_queue_and_hands_the_case_on(live_server, transactional_db, org, register, walk, page):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    walk(register(summary="另一件已受理的投诉"), "accept")  # the centre has other work too
    c = register(summary="营业执照办理多次跑腿")
    desk = Desk(page, live_server.url)
    steps = [
        ("clerk", "accept", {"category": "G0201", "grade": "normal"}, "center"),
        ("center", "dispatch", {"unit": "amr", "mode": "assign", "handler": "handler"}, "handler"),
        ("handler", "sign", {}, "handler"),
        (
            "handler",
            "submit_result",
            {"substantiated": "yes", "findings": "情况属实。", "solution": "批评教育。", "proposed_reply": "已整改。"},
            "center",
        ),
        ("center", "approve", {"note": "同意"}, "handler"),
        ("handler", "reply", {"method": "phone", "text": "您反映的问题经核查属实，已责令整改。"}, "followup"),
        ("followup", "follow_up", {"satisfaction": "satisfied"}, None),
    ]
    for who, action, fields, next_who in steps:
        user = org[who]
        desk.login(who)
        count, shown = queue_on_home(page)
        wanted = expected_queue(user)
        assert count == len(wanted) and c.number in shown and shown <= wanted, (who, count, shown, wanted)
        page.screenshot(path=str(SHOTS / f"home-{who}-{action}.png"), full_page=True)
        page.click(f"section.queue-mine >> text={c.number}")
        page.wait_for_url(f"**/c/{c.number}/")
        assert user.display_name in page.locator("[data-next-step]").inner_text()
        desk.act(action, **fields)
        if next_who is not None:
            nxt = org[next_who]
            c.refresh_from_db()
            assert c.number in expected_queue(nxt), (action, next_who)
            notice = Notification.objects.filter(recipient=nxt, complaint=c, kind="work").order_by("-id").first()
            assert notice is not None and "期限" in notice.message and str(c.due_at.astimezone().year) in notice.message
            assert nxt.display_name in page.locator("[data-next-step]").inner_text()
        desk.logout()
    assert Complaint.objects.get(pk=c.pk).status == "closed"


def test_a_transfer_goes_to_the_unit_head_who_assigns_and_approves(
    live_server,
    transactional_db,
    org,
    register,
    walk,
    page,  # noqa: F811
):
    c = walk(register(summary="施工许可审批推诿", respondents=[{"unit": "housing"}]), "accept")
    desk = Desk(page, live_server.url)
    steps = [
        ("center", "dispatch", {"unit": "housing", "mode": "transfer"}, "housing_head"),
        ("housing_head", "assign_handler", {"handler": "housing"}, "housing"),
        ("housing", "sign", {}, "housing"),
        (
            "housing",
            "submit_result",
            {
                "substantiated": "partly",
                "findings": "部分属实。",
                "solution": "明确流程。",
                "proposed_reply": "已整改。",
            },
            "housing_head",
        ),
        ("housing_head", "approve", {"note": "同意"}, "housing"),
    ]
    hand_on(desk, page, org, c, steps)
    assert Complaint.objects.get(pk=c.pk).status == "approved"


@pytest.fixture
def approval_on(settings):
    settings.TOUSU_DISPATCH_APPROVAL = True


def test_with_dispatch_approval_the_centre_head_and_the_leader_each_sign_from_their_queue(
    approval_on,
    live_server,
    transactional_db,
    org,
    register,
    walk,
    page,  # noqa: F811
):
    """004-42: the centre proposes, the centre's head signs, the supervising leader approves; each
    finds the case in 我的待办 and the next one is told."""
    c = walk(register(summary="施工许可审批推诿", respondents=[{"unit": "housing"}]), "accept")
    desk = Desk(page, live_server.url)
    steps = [
        ("center", "propose_dispatch", {"unit": "housing", "mode": "assign", "note": "建议交住建局"}, "center_head"),
        ("center_head", "decide_dispatch", {"approved": "true", "note": "同意"}, "leader"),
        ("leader", "decide_dispatch", {"approved": "true", "note": "同意"}, "housing_head"),
    ]
    hand_on(desk, page, org, c, steps)
    assert Complaint.objects.get(pk=c.pk).status == "dispatched"


def test_the_roles_without_lifecycle_work_see_an_empty_queue_that_says_so(
    live_server,
    transactional_db,
    org,
    register,
    walk,
    page,  # noqa: F811
):
    """The panel, the auditor and the administrator act on no step of the lifecycle (SPEC §2): their
    queue is the action table's empty set, and the home page says there is nothing waiting."""
    walk(register(), "accept", "dispatch")
    walk(register(), "accept")
    desk = Desk(page, live_server.url)
    for who in ("panel", "auditor", "admin", "center_head", "leader"):
        desk.login(who)
        count, shown = queue_on_home(page)
        assert count == 0 and not shown and expected_queue(org[who]) == set(), who
        assert "暂无" in page.locator("section.queue-mine").inner_text(), who
        page.screenshot(path=str(SHOTS / f"home-{who}.png"), full_page=True)
        desk.logout()
