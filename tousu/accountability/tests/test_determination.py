"""The responsibility determination (issue 15 §1): shares that sum to exactly 100 %, the loss
apportioned to the cent, the preset's reason codes, the panel's recusal, through the service and
`POST/GET /api/v1/complaints/{number}/determination`; bad input is a 422 that writes nothing."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from tousu.accountability.models import Determination, Sanction
from tousu.accountability.money import apportion, parse_percent, shown
from tousu.complaints.models import Conflict, Event

pytestmark = pytest.mark.django_db


def test_three_equal_shares_of_a_thousand_add_up_to_the_cent():
    thirds = [parse_percent("100/3")] * 3
    amounts = apportion(Decimal("1000.00"), thirds)
    assert amounts == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    assert sum(amounts) == Decimal("1000.00")


def test_apportionment_never_loses_a_cent():
    rng = random.Random(7)
    for _ in range(500):
        weights = [rng.randint(1, 97) for _n in range(rng.randint(1, 6))]
        percents = [Fraction(100 * w, sum(weights)) for w in weights]
        total = Decimal(rng.randint(0, 10**9)) / 100
        amounts = apportion(total, percents)
        assert sum(amounts) == total and all(a >= 0 for a in amounts)
        # Each amount is within a cent of its exact share.
        assert all(
            abs(Fraction(a) - Fraction(total) * p / 100) < Fraction(1, 100)
            for a, p in zip(amounts, percents, strict=True)
        )


def test_percent_as_typed():
    assert parse_percent("60") == 60 and parse_percent("33.33%") == Fraction(3333, 100)
    assert parse_percent("100/3") == Fraction(100, 3) and shown(Fraction(100, 3)) == "33.33…"
    assert [parse_percent(t) for t in ("0", "100.01", "abc", "1/0", "-5", "")] == [None] * 6


@pytest.fixture
def closed(register, walk):
    return walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up")


def body(**changes):
    data = {
        "liable": True,
        "reasons": ["attitude"],
        "loss": "1000.00",
        "shares": [
            {"unit": "amr", "percent": "100/3"},
            {"person": "handler", "percent": "100/3"},
            {"person": "head", "percent": "100/3"},
        ],
        "panel": ["panel", "center"],
        "note": "窗口人员服务态度恶劣，经核实属实",
    }
    return {**data, **changes}


def test_the_panel_records_a_determination_and_reads_it_back(api_client, closed, org):
    path = f"/complaints/{closed.number}/determination"
    assert api_client.get(org["panel"], path).status_code == 404
    r = api_client.post(org["panel"], path, body())
    assert r.status_code == 201, r.json()
    got = api_client.get(org["center"], path).json()
    assert got == r.json()
    assert (
        got["liable"]
        and got["reason_names"] == ["服务态度恶劣"]
        and sorted(got["panel"]) == sorted(["赵志强", "李建国"])
    )
    assert [(s["unit_name"] or s["person_name"], s["percent"], s["amount"]) for s in got["shares"]] == [
        ("县市场监督管理局", "33.33…", "333.34"),
        ("陈静", "33.33…", "333.33"),
        ("张伟", "33.33…", "333.33"),
    ]
    event = Event.objects.get(complaint=closed, action="determine")
    assert event.payload["loss"] == "1000.00" and event.payload["panel"] == ["panel", "center"]


@pytest.mark.parametrize("percents", [("60", "39.99"), ("60", "40.01")])
def test_shares_off_by_a_hundredth_are_refused_and_write_nothing(api_client, closed, org, percents):
    shares = [{"unit": "amr", "percent": percents[0]}, {"person": "handler", "percent": percents[1]}]
    r = api_client.post(org["panel"], f"/complaints/{closed.number}/determination", body(shares=shares))
    assert r.status_code == 422 and r.json()["data"]["field"] == "shares"
    assert "须恰为100%" in r.json()["message"]
    assert not Determination.objects.exists() and not Event.objects.filter(action="determine").exists()
    assert not Sanction.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"reasons": ["process_gap"]}, "reasons"),  # a not-liable reason for a liable determination
        ({"liable": False, "reasons": ["process_gap"], "loss": "0"}, "shares"),  # not liable, yet shares listed
        ({"liable": False, "reasons": ["technical"], "shares": [], "loss": "5"}, "loss"),
        ({"shares": []}, "shares"),
        ({"shares": [{"unit": "amr", "person": "handler", "percent": "100"}]}, "shares"),
        ({"shares": [{"unit": "nowhere", "percent": "100"}]}, "shares"),
        ({"shares": [{"unit": "amr", "percent": "50"}, {"unit": "amr", "percent": "50"}]}, "shares"),
        ({"loss": "12.345"}, "loss"),
        ({"loss": "-1"}, "loss"),
        ({"panel": ["nobody"]}, "panel"),
        ({"panel": ["panel", "handler"]}, "panel"),  # named responsible: cannot judge
        ({"decided_on": "2099-01-01"}, "decided_on"),
    ],
)
def test_bad_input_is_a_422_that_writes_nothing(api_client, closed, org, changes, field):
    r = api_client.post(org["panel"], f"/complaints/{closed.number}/determination", body(**changes))
    assert r.status_code == 422, r.json()
    data = r.json()["data"]
    assert data.get("field") == field or any(e["loc"][-1] == field for e in data.get("errors", [])), data
    assert not Determination.objects.exists()


def test_a_not_liable_determination_needs_no_shares(api_client, closed, org):
    r = api_client.post(
        org["panel"],
        f"/complaints/{closed.number}/determination",
        body(liable=False, reasons=["misunderstanding"], shares=[], loss="0"),
    )
    assert (
        r.status_code == 201
        and r.json()["shares"] == []
        and r.json()["reason_names"] == ["客户挑剔、误会或不了解有关规定"]
    )


def test_a_panel_member_in_conflict_must_stay_out(api_client, closed, org):
    from tousu.accounts.models import Role, Scope, User

    other = User.objects.create(
        username="panel2", display_name="钱进", role=Role.PANEL, scope=Scope.ALL, unit=org["panel"].unit
    )
    Conflict.objects.create(
        complaint=closed,
        user=org["panel"],
        reason="与投诉人系亲属",
        marked_by=org["center"],
        marked_at=closed.closed_at,
    )
    path = f"/complaints/{closed.number}/determination"
    assert api_client.post(org["panel"], path, body(panel=["panel2"])).status_code == 403  # may not act at all
    seated = api_client.post(other, path, body(panel=["panel2", "panel"]))
    assert (
        seated.status_code == 422 and "须回避" in seated.json()["message"] and seated.json()["data"]["user"] == "panel"
    )
    assert not Determination.objects.exists()
    assert api_client.post(other, path, body(panel=["panel2"])).status_code == 201


def test_who_when_and_how_often(api_client, register, walk, closed, org):
    open_case = walk(register(), "accept")
    assert api_client.post(org["panel"], f"/complaints/{open_case.number}/determination", body()).status_code == 409
    assert api_client.post(org["handler"], f"/complaints/{closed.number}/determination", body()).status_code == 403
    assert api_client.post(org["panel"], f"/complaints/{closed.number}/determination", body()).status_code == 201
    again = api_client.post(org["panel"], f"/complaints/{closed.number}/determination", body())
    assert again.status_code == 409 and again.json()["code"] == "determined"


def test_the_presets_deadline_after_closure(api_client, closed, org, use_preset):
    use_preset(accountability={"due_working_days": 1})
    r = api_client.post(org["panel"], f"/complaints/{closed.number}/determination", body())
    assert r.json()["due"] is not None and r.json()["late"] is False


def test_the_complaint_page_shows_the_determination(api_client, client, closed, org):
    page = f"/c/{closed.number}/"
    client.force_login(org["handler"])
    assert 'id="determination"' not in client.get(page).content.decode()
    api_client.post(org["panel"], f"/complaints/{closed.number}/determination", body())
    shown = client.get(page).content.decode()
    card = shown[shown.index('id="determination"') :]
    assert "有责（服务态度恶劣）" in card and "1000.00 元" in card
    assert "县市场监督管理局" in card and "33.33…%" in card and "333.34" in card and "赵志强" in card
