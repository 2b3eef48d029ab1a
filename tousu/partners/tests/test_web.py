"""The partners' pages: the desk's list, partner page with its credit ledger, inquiry and
statement; the partner's own account sees its own only (404 for another's), no complaints in
the web list, and answers and disputes through its forms."""

from __future__ import annotations

import pytest
import time_machine

from tousu.partners import services, statements
from tousu.partners.models import Inquiry, InquiryStatus
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(desk, sp_a, sp_b, complain):
    """October 2026: a complaint for each SP, an inquiry to sp_b, sp_b's statement published."""
    complain("2026-10-12 10:00", "长沙某信息技术有限公司", n=1)
    complain("2026-10-12 11:00", "湘江网络科技有限公司", n=2)
    with time_machine.travel(at("2026-10-13 09:00"), tick=False):
        inquiry = services.publish_inquiry(
            actor=desk, data=services.InquiryIn(partner="sp_b", violation="unsubscribe", facts="客户退订不成功")
        )
    with time_machine.travel(at("2026-11-03 09:00"), tick=False):
        s = statements.prepare(
            actor=desk, data=statements.StatementIn(partner="sp_b", month="2026-10", test_score=8, info_fees=0)
        )
        statements.publish(actor=desk, statement_id=s.pk)
    return inquiry, s


def test_the_desk_sees_every_partner_and_the_ledger(client, desk, month):
    inquiry, s = month
    client.force_login(desk)
    page = client.get("/partners/").content.decode()
    assert "长沙某信息技术有限公司" in page and "湘江网络科技有限公司" in page
    page = client.get("/partners/p/sp_b/").content.decode()
    assert "信用积分台账" in page and "退订不成功" in page and "2026-10" in page
    assert ">sp_b<" not in page and ">unsubscribe<" not in page  # names, not codes
    assert client.get(f"/partners/inquiries/{inquiry.pk}/").status_code == 200
    page = client.get(f"/partners/statements/{s.pk}/").content.decode()
    assert "500.00" in page and "客户投诉" in page


def test_the_partner_account_sees_no_complaint_in_the_web_list(client, account_a, desk, month):
    from tousu.complaints.access import visible_complaints
    from tousu.complaints.models import Complaint

    client.force_login(desk)
    assert "莫名被定制SP业务" in client.get("/list/").content.decode()
    client.force_login(account_a)
    page = client.get("/list/")
    assert page.status_code == 404 and "莫名被定制SP业务" not in page.content.decode()
    number = Complaint.objects.first().number
    assert client.get(f"/c/{number}/").status_code == 404
    assert not visible_complaints(account_a).exists()


def test_the_partner_sees_only_its_own_pages(client, account_a, account_b, sp_a, month):
    inquiry, s = month
    client.force_login(account_a)
    assert client.get("/partners/").url == "/partners/p/sp_a/"
    page = client.get("/partners/p/sp_a/").content.decode()
    assert "长沙某信息技术有限公司" in page and "湘江网络科技有限公司" not in page
    assert "归属的投诉" not in page  # the complaint list is the desk's
    for path in (
        "/partners/p/sp_b/",
        f"/partners/inquiries/{inquiry.pk}/",
        f"/partners/statements/{s.pk}/",
        f"/partners/statements/{s.pk}/export/",
        "/partners/inquiries/999999999999999999999/",
    ):
        assert client.get(path).status_code == 404, path
    r = client.post(f"/partners/inquiries/{inquiry.pk}/", {"form": "answer", "answer": "admit"})
    assert r.status_code == 404
    assert (
        client.post("/partners/p/sp_a/", {"form": "inquiry", "violation": "content", "facts": "x"}).status_code == 404
    )
    assert Inquiry.objects.count() == 1


def test_the_partner_answers_and_disputes_through_its_pages(client, desk, account_b, month):
    inquiry, s = month
    client.force_login(account_b)
    with time_machine.travel(at("2026-10-14 09:00"), tick=False):
        r = client.post(f"/partners/inquiries/{inquiry.pk}/", {"form": "answer", "answer": "deny"}, follow=True)
        assert "否认违约须充分举证" in r.content.decode()  # refused with its reason, nothing written
        assert Inquiry.objects.get().status == InquiryStatus.PUBLISHED
        r = client.post(
            f"/partners/inquiries/{inquiry.pk}/",
            {"form": "answer", "answer": "test_numbers", "test_numbers": "1", "text": "WAP业务，申请伪码"},
            follow=True,
        )
        assert "已反馈" in r.content.decode()
    client.force_login(desk)
    with time_machine.travel(at("2026-10-20 09:00"), tick=False):
        r = client.post(f"/partners/inquiries/{inquiry.pk}/", {"form": "outcome", "established": "true"}, follow=True)
    text = r.content.decode()
    # 退订不成功 5 points × 1.5 (still in breach after test numbers, 002-21) = 7.50
    assert "7.50" in text and "申请伪码后仍被判定违规" in text
    client.force_login(account_b)
    with time_machine.travel(at("2026-11-04 09:00"), tick=False):
        r = client.post(f"/partners/statements/{s.pk}/", {"form": "dispute", "item": "1", "reason": ""}, follow=True)
        assert "异议原因" in r.content.decode() and not s.items.exclude(dispute="").exists()
        r = client.post(
            f"/partners/statements/{s.pk}/", {"form": "dispute", "item": "1", "reason": "已退订"}, follow=True
        )
        # The violation verified in October since the statement was published: no reduction (002-40).
        assert "当月全部投诉均不可以申请核减" in r.content.decode() and not s.items.exclude(dispute="").exists()
    r = client.get(f"/partners/statements/{s.pk}/export/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_partner_account_reaches_no_staff_page(client, account_a, desk):
    client.force_login(account_a)
    assert client.get("/").url == "/partners/"
    for path in ("/list/", "/units/", "/notifications/", "/detection/", "/calendar/", "/intake/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/partners/p/sp_a/").status_code == 200
    client.force_login(desk)
    assert client.get("/list/").status_code == 200
