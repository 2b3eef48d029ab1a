"""The staff list page's search box and its position line (第 1–25 条，共 132 条): the same search as
the API (``selectors.search_q``), and a total that counts exactly the rows its pages show."""

import re

import pytest
from django.utils import timezone

from tousu.complaints import inputs, services
from tousu.complaints.models import NumberSequence

pytestmark = pytest.mark.django_db


def register(org, *, name="李秀英", phone="13812345678", respondent=None):
    data = {
        "channel": "hotline",
        "summary": "窗口办事拖拉",
        "content": "到窗口办理营业执照，跑了四趟没办成。",
        "complainants": [{"name": name, "phone": phone}],
        "respondents": [respondent or {"unit_name": "某乡镇政府"}],
    }
    return services.register(actor=org["clerk"], data=inputs.RegisterIn.model_validate(data)).complaint


def dispatched(org, c):
    c = services.accept(
        actor=org["clerk"], number=c.number, data=inputs.Accept(version=c.version, category="G0201", grade="normal")
    )
    return services.dispatch(
        actor=org["center"], number=c.number, data=inputs.Dispatch(version=c.version, unit="amr", mode="assign")
    )


def listed(client, **params) -> tuple[list[str], str]:
    """The numbers the list page shows, and its position line."""
    html = client.get("/list/", params).content.decode()
    numbers = re.findall(r'<td class="nowrap"><a href="/c/([A-Z0-9]+)/">', html)
    position = re.search(r'<p class="position[^"]*">(.*?)</p>', html)
    return numbers, position.group(1).strip() if position else ""


def test_the_list_finds_a_case_by_name_phone_last_digits_and_number(client, org):
    year = timezone.localtime().year
    NumberSequence.objects.create(year=year, last=42)
    c = register(org)
    other = register(org, name="王海涛", phone="13900001111")
    client.force_login(org["center"])
    # A name is encrypted at rest and found whole, through its keyed index (issue 17 §3).
    for q in ("李秀英", "138 1234 5678", "+86 138 1234 5678", "5678", "345678", "43", f"{year}000043"):
        assert listed(client, q=q) == ([c.number], "第 1 条，共 1 条"), q
    assert listed(client, q="1111")[0] == [other.number]


def test_the_list_shows_the_position_and_the_total_on_every_page(client, org):
    cases = [register(org) for _ in range(5)]
    newest = [c.number for c in reversed(cases)]
    client.force_login(org["center"])
    first = client.get("/list/", {"limit": 2, "q": "李秀英"})
    numbers, position = listed(client, limit=2, q="李秀英")
    assert numbers == newest[:2] and position == "第 1–2 条，共 5 条"
    second = client.get("/list/" + first.context["next_url"])
    html = second.content.decode()
    assert re.search(r'<p class="position[^"]*">\s*第 3–4 条，共 5 条', html) and newest[2] in html
    third = client.get("/list/" + second.context["next_url"]).content.decode()
    assert re.search(r'<p class="position[^"]*">\s*第 5 条，共 5 条', third) and newest[4] in third
    assert 'rel="next"' not in third


def test_an_empty_list_shows_no_position(client, org):
    register(org)
    client.force_login(org["center"])
    numbers, position = listed(client, q="查无此人")
    assert numbers == [] and position == ""


def test_the_respondent_unit_finds_nothing_by_name_or_phone_but_the_number(client, org):
    c = dispatched(org, register(org, respondent={"unit": "amr"}))
    client.force_login(org["handler"])
    for q in ("李秀英", "秀英", "13812345678", "138 1234 5678", "5678", "345678"):
        numbers, position = listed(client, q=q)
        html = client.get("/list/", {"q": q}).content.decode()
        assert numbers == [] and position == "" and f"/c/{c.number}/" not in html, q
    assert listed(client, q=c.number[-2:]) == ([c.number], "第 1 条，共 1 条")
    assert listed(client) == ([c.number], "第 1 条，共 1 条")


def test_an_out_of_scope_user_finds_nothing(client, org):
    c = dispatched(org, register(org))
    client.force_login(org["housing"])
    for q in ("李秀英", "5678", c.number, c.number[-2:]):
        assert listed(client, q=q) == ([], ""), q


def test_the_position_is_in_english_too(client, org):
    for _ in range(3):
        register(org)
    client.force_login(org["center"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/list/"})
    assert listed(client, limit=2)[1] == "Items 1–2 of 3"
    assert listed(client, q="5678", limit=1)[1] == "Item 1 of 3"


def test_the_list_with_a_search_stays_bounded(client, org, django_assert_max_num_queries):
    for _ in range(30):
        dispatched(org, register(org))
    client.force_login(org["center"])
    client.get("/list/")  # warm the session and caches
    for q in ("李秀英", "5678", "345678", "43"):
        with django_assert_max_num_queries(10):  # as the plain list, and the phone digits' candidates
            response = client.get("/list/", {"limit": 25, "q": q})
        html = response.content.decode()
        assert "共 30 条" in html or q == "43", q


def test_a_wide_word_search_counts_up_to_the_cap_and_says_there_are_more(client, api_client, org, monkeypatch):
    """A search for words stops counting at COUNT_CAP matches: the list says 共 N 条以上 and the
    API's total_is_floor says the total is a floor; a filter without words counts exactly."""
    from tousu.complaints import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    numbers = [register(org, phone=f"1381234{i:04d}").number for i in range(5)]
    client.force_login(org["center"])
    shown, position = listed(client, q="营业执照", limit=2)
    assert shown == numbers[::-1][:2] and "第 1–2 条，共 3 条以上" in position
    body = api_client.get(org["center"], "/complaints", q="营业执照", limit=2).json()
    assert body["total"] == 3 and body["total_is_floor"] is True
    exact = api_client.get(org["center"], "/complaints", limit=2).json()
    assert exact["total"] == 5 and exact["total_is_floor"] is False
    _shown, position = listed(client, limit=2)
    assert "共 5 条" in position and "以上" not in position
