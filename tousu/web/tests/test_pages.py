"""Every page renders for the roles that use it; scope and login are enforced."""

import pytest

from tousu.presets import demo_data

DEMO_PASSWORD = demo_data("government").password

pytestmark = pytest.mark.django_db


def test_it_redirects_anonymous_users_to_the_login_page(client, org):
    for path in ["/", "/list/", "/intake/", "/intake/callers/?phone=138", "/c/TS2026000001/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path


def test_it_logs_in_with_the_demo_password_and_out_again(client, org):
    page = client.get("/login/")
    assert page.status_code == 200 and "投诉处理系统" in page.content.decode()
    response = client.post("/login/", {"username": "clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "王晓燕" in home and "受理员" in home and "县行政效能投诉中心" in home
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_it_refuses_a_wrong_password(client, org):
    response = client.post("/login/", {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_it_throttles_repeated_failures_even_with_the_right_password_afterwards(client, org):
    for _ in range(5):
        client.post("/login/", {"username": "Clerk", "password": "wrong"})
    response = client.post("/login/", {"username": "clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "登录失败次数过多" in response.content.decode()
    other = client.post("/login/", {"username": "center", "password": DEMO_PASSWORD})
    assert other.status_code == 302


@pytest.mark.parametrize("persona", ["clerk", "center", "head", "handler", "followup", "auditor", "panel"])
def test_the_home_list_and_complaint_pages_render_for_every_role(client, org, register, walk, persona):
    complaint = walk(register(), "accept", "dispatch")
    client.force_login(org[persona])
    home = client.get("/")
    assert home.status_code == 200
    assert "我的待办" in home.content.decode() and "已超期" in home.content.decode()
    assert client.get("/list/").status_code == 200
    assert client.get(f"/c/{complaint.number}/").status_code == 200


def test_the_home_page_counts_the_queues_and_links_to_the_list(client, clerk, register):
    register()
    register()
    client.force_login(clerk)
    html = client.get("/").content.decode()
    assert 'data-count="2"' in html  # 我的待办: both registered by the clerk, still unaccepted
    assert 'href="/list/?mine=1"' in html
    assert 'href="/list/?overdue=1"' in html and 'href="/list/?due_soon=1"' in html


def test_my_work_queue_leaves_out_finished_complaints(client, handler, register, walk):
    open_one = walk(register(), "accept", "dispatch", "sign")
    closed = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up")
    client.force_login(handler)
    queue = client.get("/").context["queues"][0]
    assert queue["key"] == "mine" and queue["count"] == 1
    assert [row["number"] for row in queue["rows"]] == [open_one.number]
    assert closed.number in client.get("/list/").content.decode()


def test_the_intake_page_is_for_clerks_and_the_centre_only(client, org):
    for persona in ("clerk", "center"):
        client.force_login(org[persona])
        page = client.get("/intake/")
        assert page.status_code == 200 and 'id="f-phone"' in page.content.decode()
    client.force_login(org["handler"])
    assert client.get("/intake/").status_code == 403
    assert "投诉登记" not in client.get("/").content.decode()


def test_the_complaint_page_shows_the_facts_masked(client, center, register, walk):
    complaint = walk(register(), "accept", "dispatch")
    client.force_login(center)
    html = client.get(f"/c/{complaint.number}/").content.decode()
    assert complaint.number in html and 'data-status="dispatched"' in html
    assert "张三" in html and "138****5678" in html and "13812345678" not in html
    assert "县市场监督管理局" in html and "交办" in html and "签收期限" in html
    assert "登记" in html and "受理" in html and "分办" in html  # the timeline


def test_an_out_of_scope_complaint_is_a_404_page(client, outsider, register):
    complaint = register()  # respondent amr; the 住建局 handler cannot see it
    client.force_login(outsider)
    response = client.get(f"/c/{complaint.number}/")
    assert response.status_code == 404
    assert "不存在" in response.content.decode() and complaint.summary not in response.content.decode()
    assert client.post(f"/c/{complaint.number}/accept/", {"version": 1}).status_code == 404
    assert client.get(f"/c/{complaint.number}/files/1/").status_code == 404


def test_an_unknown_number_and_an_unknown_action_are_404(client, center, register):
    complaint = register()
    client.force_login(center)
    assert client.get("/c/TS1999000001/").status_code == 404
    assert client.post(f"/c/{complaint.number}/explode/", {"version": 1}).status_code == 404


def test_every_post_needs_the_csrf_token(org, register):
    from django.test import Client

    complaint = register()
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["clerk"])
    assert client.post(f"/c/{complaint.number}/accept/", {"version": 1}).status_code == 403
    page = client.get(f"/c/{complaint.number}/").content.decode()
    assert page.count("csrfmiddlewaretoken") >= 3  # language switch, logout, action forms, upload
