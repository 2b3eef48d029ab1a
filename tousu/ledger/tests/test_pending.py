"""The pending ledger (未了事宜台账, issue 16 §3): every open complaint the reader may see, by
handling unit, with the working days left or overdue on the working-day calendar; the redacted
view hides the complainant; through the selector, the API and the printable page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tousu.complaints.models import Complaint
from tousu.ledger.pending import days_to, pending
from tousu.presets.tests.walk import BEIJING

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, h: int = 12) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=BEIJING)


def test_days_are_working_days_across_national_day():
    # Wednesday 30 September 2026; National Day runs 1–7 October; Saturday 10 October is worked.
    now = at(2026, 9, 30, 9)
    assert days_to(at(2026, 9, 30, 18), now) == 0  # due today
    assert days_to(at(2026, 10, 8), now) == 1  # the first working day after the holiday
    assert days_to(at(2026, 10, 10), now) == 3  # 8, 9 and the worked Saturday
    assert days_to(None, now) is None
    later = at(2026, 10, 12, 9)  # Monday: due 30 September is 8, 9, 10, 12 → 4 working days overdue
    assert days_to(at(2026, 9, 30, 18), later) == -4


@pytest.fixture
def cases(register, walk):
    waiting = register(summary="尚未受理")
    held = walk(register(summary="交办在办"), "accept", "dispatch", "sign")
    late = walk(register(summary="已超期"), "accept", "dispatch", "sign")
    done = walk(register(summary="已办结"), "accept", "dispatch", "sign", "submit_result", "approve", "reply",
                "follow_up")  # fmt: skip
    # Nine days past its deadline (set last: the walks verify the audit chain, which would see it).
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=9))
    return {"waiting": waiting, "held": held, "late": late, "done": done}


def test_every_open_case_by_unit_with_the_days_left_or_overdue(org, cases):
    ledger = pending(org["center"])
    numbers = [r["row"]["number"] for g in ledger["groups"] for r in g["rows"]]
    assert cases["done"].number not in numbers
    assert {cases["waiting"].number, cases["held"].number, cases["late"].number} == set(numbers)
    first, amr = ledger["groups"]
    assert first["unit"] is None and first["unit_name"].startswith("待分办")
    assert amr["unit_name"] == "县市场监督管理局" and amr["count"] == 2 and amr["overdue"] == 1
    late, held = amr["rows"]  # the most urgent first
    assert late["row"]["number"] == cases["late"].number and late["days"] < 0 and late["row"]["timing"] == "overdue"
    assert held["days"] > 0 and held["handler_name"] == "陈静" and held["status_name"] == "办理中"
    assert ledger["total"] == 3 and ledger["overdue"] == 1


def test_the_redacted_view_and_the_scope_apply(org, cases):
    handler = pending(org["handler"])
    rows = [r["row"] for g in handler["groups"] for r in g["rows"]]
    assert {r["number"] for r in rows} == {cases["held"].number, cases["late"].number}
    assert all(r["hidden"] and r["complainant"] is None and r["phone"] is None for r in rows)
    assert pending(org["housing"])["total"] == 0  # another bureau sees none of them


def test_the_api_and_the_printable_page(api_client, client, org, cases):
    r = api_client.get(org["center"], "/ledger/pending?unit=amr")
    assert r.status_code == 200 and r.json()["unit_name"] == "县市场监督管理局" and r.json()["total"] == 2
    assert api_client.get(org["center"], "/ledger/pending?unit=nowhere").status_code == 404
    client.force_login(org["center"])
    html = client.get("/ledger/pending/").content.decode()
    assert "未了事宜台账" in html and "待分办" in html and "超期" in html and "data-print" in html
    assert cases["late"].number in html and cases["done"].number not in html
    assert client.get("/ledger/pending/?unit=nowhere").status_code == 404
