"""Calendar API, and provisional due dates settled by importing a year's schedule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tousu.complaints import dues
from tousu.complaints.audit import verify_audit
from tousu.complaints.dues import ACCEPTANCE, HANDLING, WORKING_DAYS, Rule, RulePolicy

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

SCHEDULE_2027 = """日期,状态,名称
2027-01-01,休,元旦
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-12,休,春节
2027-02-13,休,春节
2027-02-20,班,春节
"""


def test_working_day_arithmetic(api_client, org):
    api, user = api_client, org["clerk"]
    assert api.get(user, "/calendar/working-days", start="2026-09-30", days=1).json() == {
        "date": "2026-10-08",
        "provisional": False,
    }
    assert api.get(user, "/calendar/working-days", start="2026-12-20", days=60).json()["provisional"] is True
    assert api.get(user, "/calendar/between", start="2026-09-30", end="2026-10-10").json() == {
        "working_days": 3,
        "provisional": False,
    }
    assert api.get(user, "/calendar/days/2026-10-01").json() == {
        "date": "2026-10-01",
        "working": False,
        "holiday": "国庆节",
        "provisional": False,
    }
    assert api.get(user, "/calendar/days/2026-10-10").json()["working"] is True
    assert api.get(user, "/calendar/days/2027-01-01").json()["provisional"] is True
    for path, params in [
        ("/calendar/working-days", {"start": "1999-01-01", "days": 1}),
        ("/calendar/working-days", {"start": "2026-01-01", "days": -1}),
        ("/calendar/working-days", {"start": "2026-13-01", "days": 1}),
        ("/calendar/between", {"start": "2026-01-01", "end": "2200-01-01"}),
        ("/calendar/days/2026-02-30", {}),
    ]:
        response = api.get(user, path, **params)
        assert response.status_code == 422 and response.json()["code"] == "validation_failed", (path, params)


def test_only_an_administrator_changes_the_calendar(api_client, org):
    response = api_client.post(org["center"], "/calendar/import", {"format": "csv", "content": SCHEDULE_2027})
    assert response.status_code == 403
    bad = api_client.post(org["admin"], "/calendar/import", {"format": "csv", "content": "2027-01-01,maybe"})
    assert bad.status_code == 422 and bad.json()["message"].startswith("第1行：安排「maybe」无法识别")
    assert api_client.get(org["clerk"], "/calendar/days/2027-01-01").json()["provisional"] is True


@pytest.fixture
def sixty_working_days(monkeypatch):
    rules = RulePolicy(
        [
            Rule(name="bank.acceptance", kind=ACCEPTANCE, amount=5, unit=WORKING_DAYS),
            Rule(name="bank.handling", kind=HANDLING, amount=60, unit=WORKING_DAYS, extension_cap=0),
        ]
    )
    monkeypatch.setattr(dues, "policy", lambda: rules)


def test_a_due_date_in_a_year_without_data_is_provisional_until_its_schedule_is_imported(
    sixty_working_days, api_client, org, register, walk, client, tmp_path
):
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        c = walk(register(), "accept")
        detail = api_client.get(org["clerk"], f"/complaints/{c.number}").json()
    # Weekends only in 2027: 2026-12-20 (Sunday) + 60 working days → Friday 2027-03-12.
    assert timezone.localtime(c.handling_due).date() == dt.date(2027, 3, 12)
    assert detail["dues_provisional"] is True and detail["due_rules"]["handling"]["provisional"] is True
    client.force_login(org["clerk"])
    assert "期限暂定" in client.get(f"/c/{c.number}/").content.decode()
    overview = api_client.get(org["admin"], "/calendar").json()
    assert 2027 in overview["provisional_years"] and overview["provisional_complaints"] == 1

    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    call_command("calendar_import", str(path), source="国务院办公厅关于2027年部分节假日安排的通知")
    c.refresh_from_db()
    # 元旦 and six Spring-Festival weekdays off, one make-up Saturday: five working days later.
    assert timezone.localtime(c.handling_due).date() == dt.date(2027, 3, 19)
    assert c.dues_provisional is False and c.due_rules["handling"]["provisional"] is False
    assert c.events.last().action == "recompute_dues"
    assert "期限暂定" not in client.get(f"/c/{c.number}/").content.decode()
    assert verify_audit().ok


def test_importing_through_the_api_recomputes_too(sixty_working_days, api_client, org, register, walk):
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        c = walk(register(), "accept")
    response = api_client.post(
        org["admin"], "/calendar/import", {"format": "csv", "content": SCHEDULE_2027, "source": "2027 通知"}
    )
    assert response.status_code == 200 and response.json()["years"] == [2027]
    assert response.json()["recomputed"] == 1
    c.refresh_from_db()
    assert not c.dues_provisional


def test_an_ics_schedule_imports(api_client, org):
    ics = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270102\r\n"
        "SUMMARY:元旦(休)\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270220\r\n"
        "SUMMARY:春节(班)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert api_client.post(org["admin"], "/calendar/import", {"format": "ics", "content": ics}).status_code == 200
    assert api_client.get(org["clerk"], "/calendar/days/2027-01-01").json() == {
        "date": "2027-01-01",
        "working": False,
        "holiday": "元旦",
        "provisional": False,
    }
    assert api_client.get(org["clerk"], "/calendar/days/2027-02-20").json()["working"] is True


def test_an_administrator_overrides_a_day(api_client, org):
    admin = org["admin"]
    response = api_client.client_put(admin, "/calendar/days/2026-11-27", {"working": False, "name": "地方节日"})
    assert response.status_code == 200 and response.json()["working"] is False
    assert api_client.get(admin, "/calendar/working-days", start="2026-11-26", days=1).json()["date"] == "2026-11-30"
    api_client.client_put(admin, "/calendar/days/2026-11-27", {"working": None})
    assert api_client.get(admin, "/calendar/days/2026-11-27").json()["working"] is True
