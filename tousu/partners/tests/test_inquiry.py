"""Violation inquiries (seed 002-15…24, 002-30, 002-35): the 3-working-day window with the
publication day not counted, deemed-established on silence, each trigger of the 1.5 coefficient,
admission keeping 1.0, pre-report, and the credit ledger with its rule trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tousu.core.errors import Conflict, ValidationFailed
from tousu.partners import services
from tousu.partners.models import CreditEntry, Inquiry, InquiryStatus
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def publish(desk, partner, when: str, **more) -> Inquiry:
    with time_machine.travel(at(when), tick=False):
        return services.publish_inquiry(
            actor=desk,
            data=services.InquiryIn(
                partner=partner.code,
                violation=more.pop("violation", "subscription"),
                facts="客户反映未定制即被扣费，系统查有定制记录，客户不认可。",
                suspended="生活资讯包月",
                **more,
            ),
        )


def answer(account, inquiry, when: str, **data) -> Inquiry:
    with time_machine.travel(at(when), tick=False):
        return services.answer(actor=account, inquiry_id=inquiry.pk, data=services.AnswerIn(**data))


def decide(desk, inquiry, when: str, **data) -> Inquiry:
    with time_machine.travel(at(when), tick=False):
        return services.decide(actor=desk, inquiry_id=inquiry.pk, data=services.OutcomeIn(**data))


def test_the_window_crosses_national_day_publication_day_not_counted(desk, sp_a, account_a):
    # Published Wednesday 30 September 2026 (not counted). 1–7 October is the National Day
    # holiday (with the weekend of 3–4 October in it); Thursday 8 is working day 1, Friday 9 is
    # day 2, Saturday 10 October is a working Saturday: day 3. The last day is 10 October.
    inquiry = publish(desk, sp_a, "2026-09-30 09:00")
    assert inquiry.due_on == dt.date(2026, 10, 10)
    answered = answer(account_a, inquiry, "2026-10-10 23:00", answer="admit", text="认可")
    assert answered.status == InquiryStatus.ANSWERED


def test_the_window_crosses_a_weekend(desk, sp_a, account_a):
    # Published Friday 9 October (not counted): Saturday 10 (worked) is day 1, Sunday 11 is a rest
    # day, Monday 12 day 2, Tuesday 13 day 3.
    inquiry = publish(desk, sp_a, "2026-10-09 15:00")
    assert inquiry.due_on == dt.date(2026, 10, 13)
    with pytest.raises(Conflict) as err:
        answer(account_a, inquiry, "2026-10-14 08:00", answer="admit")
    assert err.value.code == "overdue"
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.PUBLISHED and inquiry.answer == ""


def test_silence_is_deemed_established_by_the_scan(desk, sp_a):
    inquiry = publish(desk, sp_a, "2026-09-30 09:00")
    # On its last day nothing happens yet; the day after, the violation stands (002-18).
    assert services.deem_overdue(dt.date(2026, 10, 10)) == 0
    assert services.deem_overdue(dt.date(2026, 10, 11)) == 1
    assert services.deem_overdue(dt.date(2026, 10, 12)) == 0  # idempotent
    inquiry.refresh_from_db()
    sp_a.refresh_from_db()
    assert inquiry.status == InquiryStatus.ESTABLISHED and inquiry.deemed
    # 违规定制 10 points × normal coefficient 1 = 10; 100 − 10 = 90.
    assert inquiry.points == Decimal("10.00") and inquiry.coefficient == Decimal("1")
    assert sp_a.credit == Decimal("90.00")
    entry = CreditEntry.objects.get(inquiry=inquiry)
    assert entry.balance == Decimal("90.00") and entry.by is None
    assert [s["source"] for s in entry.trail][1] == "002-18"


def test_the_scan_job_deems_overdue_inquiries(desk, sp_a):
    from tousu.complaints.jobs import deem_partner_inquiries

    inquiry = publish(desk, sp_a, "2026-09-30 09:00")
    with time_machine.travel(at("2026-10-11 08:00"), tick=False):
        deem_partner_inquiries()
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ESTABLISHED


def test_admission_keeps_the_normal_coefficient(desk, sp_a, account_a):
    inquiry = publish(desk, sp_a, "2026-10-09 09:00")
    answer(account_a, inquiry, "2026-10-10 10:00", answer="admit", text="认可违约，已整改")
    done = decide(desk, inquiry, "2026-10-14 10:00", established=True)
    assert done.coefficient == Decimal("1") and done.points == Decimal("10.00")
    assert done.trail[1]["source"] == "002-22"
    sp_a.refresh_from_db()
    assert sp_a.credit == Decimal("90.00")


@pytest.mark.parametrize(
    ("reply", "outcome", "source"),
    [
        ({"answer": "test_numbers", "test_numbers": 2, "text": "申请伪码核实"}, {}, "002-21"),
        ({"answer": "deny", "evidence": "定制记录截图"}, {"kept_denying": True}, "002-24"),
        ({"answer": "admit"}, {"hq_judged": True}, "002-35"),
    ],
)
def test_each_trigger_of_the_aggravated_coefficient(desk, sp_a, account_a, reply, outcome, source):
    inquiry = publish(desk, sp_a, "2026-10-09 09:00", violation="charging")
    answer(account_a, inquiry, "2026-10-12 10:00", **reply)
    done = decide(desk, inquiry, "2026-10-14 10:00", established=True, **outcome)
    # 免费业务收费 10 points × 1.5 = 15.00.
    assert done.coefficient == Decimal("1.5") and done.points == Decimal("15.00")
    assert [s["source"] for s in done.trail] == ["002-14 第七条；ours: 扣分值", source]
    sp_a.refresh_from_db()
    assert sp_a.credit == Decimal("85.00")


def test_a_denial_proved_right_costs_nothing(desk, sp_a, account_a):
    inquiry = publish(desk, sp_a, "2026-10-09 09:00")
    answer(account_a, inquiry, "2026-10-12 10:00", answer="deny", evidence="二次确认短信记录")
    done = decide(desk, inquiry, "2026-10-14 10:00", established=False, note="举证充分")
    assert done.status == InquiryStatus.NOT_ESTABLISHED and done.points is None
    assert not CreditEntry.objects.exists()
    sp_a.refresh_from_db()
    assert sp_a.credit == Decimal("100.00")


def test_pre_report_exempts_or_lightens(desk, sp_a, account_a):
    exempt = publish(desk, sp_a, "2026-10-09 09:00", pre_report="exempt")
    lighter = publish(desk, sp_a, "2026-10-09 09:00", pre_report="lighten", hq_judged=True)
    for inquiry in (exempt, lighter):
        answer(account_a, inquiry, "2026-10-12 10:00", answer="admit")
    assert decide(desk, exempt, "2026-10-14 10:00", established=True).points == Decimal("0.00")
    # 10 × 1.5 (HQ judged) × 0.5 (pre-reported) = 7.50.
    done = decide(desk, lighter, "2026-10-14 10:00", established=True)
    assert done.points == Decimal("7.50") and done.trail[-1]["source"] == "002-30"
    sp_a.refresh_from_db()
    assert sp_a.credit == Decimal("92.50")


def test_bad_answers_are_refused_and_change_nothing(desk, sp_a, account_a, account_b):
    inquiry = publish(desk, sp_a, "2026-10-09 09:00")
    for data, field in [
        ({"answer": "deny"}, "evidence"),  # 002-19: a denial without evidence is not recognised
        ({"answer": "test_numbers", "test_numbers": 3}, "test_numbers"),
        ({"answer": "test_numbers", "test_numbers": 0}, "test_numbers"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            answer(account_a, inquiry, "2026-10-12 10:00", **data)
        assert err.value.data["field"] == field
    from tousu.core.errors import NotFound

    with pytest.raises(NotFound):  # another partner's inquiry does not exist for it
        answer(account_b, inquiry, "2026-10-12 10:00", answer="admit")
    with pytest.raises(NotFound):  # nor may staff answer for the partner
        answer(desk, inquiry, "2026-10-12 10:00", answer="admit")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.PUBLISHED and inquiry.answer == ""
    with pytest.raises(ValidationFailed):
        publish(desk, sp_a, "2026-10-09 09:00", violation="nonsense")
    assert Inquiry.objects.count() == 1
