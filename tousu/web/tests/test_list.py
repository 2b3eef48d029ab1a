"""The complaint list: filters, keyset pages, bounded queries, friendly errors."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_filters_like_the_api(client, center, register, walk):
    plain = register()
    dispatched = walk(register(summary="食品安全举报"), "accept", "dispatch")
    client.force_login(center)
    html = client.get("/list/", {"status": "dispatched", "unit": "amr"}).content.decode()
    assert dispatched.number in html and plain.number not in html
    html = client.get("/list/", {"status": ["registered", "dispatched"]}).content.decode()
    assert dispatched.number in html and plain.number in html
    html = client.get("/list/", {"q": "食品安全"}).content.decode()
    assert dispatched.number in html and plain.number not in html
    html = client.get("/list/", {"category": "G02", "grade": "normal", "channel": "hotline"}).content.decode()
    assert dispatched.number in html and plain.number not in html  # G0201 is under G02
    assert (
        plain.number
        in client.get(
            "/list/", {"received_from": "2000-01-01", "received_to": "2100-01-01", "kind": "complaint"}
        ).content.decode()
    )
    assert plain.number not in client.get("/list/", {"overdue": "1"}).content.decode()


def test_it_shows_the_columns_with_the_phone_masked(client, center, register, walk):
    walk(register(), "accept", "dispatch")
    client.force_login(center)
    html = client.get("/list/").content.decode()
    assert "张三" in html and "138****5678" in html and "13812345678" not in html
    assert "热线电话" in html and "G0201" in html and "县市场监督管理局" in html and "已分办" in html


def test_it_pages_with_a_keyset_cursor(client, center, register):
    numbers = [register().number for _ in range(5)]
    client.force_login(center)
    first = client.get("/list/", {"limit": 2, "status": "registered"})
    html = first.content.decode()
    assert numbers[4] in html and numbers[3] in html and numbers[2] not in html
    next_url = first.context["next_url"]
    assert "cursor=" in next_url and "status=registered" in next_url and "下一页" in html
    html = client.get("/list/" + next_url).content.decode()
    assert numbers[2] in html and numbers[1] in html and numbers[4] not in html and "第一页" in html


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense"},
        {"received_from": "yesterday"},
        {"cursor": "-5"},
        {"limit": "x"},
        {"q": "x" * 500},
        {"overdue": "maybe", "cursor": "abc"},
    ],
)
def test_bad_filter_input_shows_a_message_never_a_500(client, center, query):
    client.force_login(center)
    response = client.get("/list/", query)
    assert response.status_code == 200
    assert 'class="msg msg-error"' in response.content.decode()


def test_the_list_runs_a_bounded_number_of_queries(client, center, register, walk, django_assert_max_num_queries):
    for _ in range(30):
        walk(register(), "accept", "dispatch")
    client.force_login(center)
    client.get("/list/")  # warm the session and caches
    with django_assert_max_num_queries(9):  # 1 of them: the session, held in the database
        response = client.get("/list/", {"limit": 25})
    assert response.content.decode().count('data-status="dispatched"') == 25


def test_a_unit_user_sees_only_the_unit_complaints(client, handler, outsider, register, walk):
    mine = walk(register(), "accept", "dispatch")
    client.force_login(outsider)
    assert mine.number not in client.get("/list/").content.decode()
    client.force_login(handler)
    assert mine.number in client.get("/list/").content.decode()


def test_a_bad_filter_is_dropped_and_the_others_kept(client, center, register, walk):
    plain = register()
    dispatched = walk(register(), "accept", "dispatch")
    client.force_login(center)
    response = client.get("/list/", {"status": "dispatched", "received_from": "yesterday"})
    html = response.content.decode()
    shown = html.split('class="messages"')[1].split("</ul>")[0]  # the field by its label, not its code
    assert "筛选条件有误：「收到日期从」日期格式不正确" in shown and "received_from" not in shown
    assert dispatched.number in html and plain.number not in html
