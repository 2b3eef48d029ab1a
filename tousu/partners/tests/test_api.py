"""/api/v1/partners through the full API: the desk's routes, the partner's own account (its own
rows only, 404 for another's, no complaints at all), bad input a 422 that writes nothing, the
xlsx export with Chinese headers and amounts as numbers."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from tousu.partners.models import Inquiry, Partner, PartnerMember, Statement
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def test_the_desk_creates_a_partner_and_reads_its_ledger(api_client, desk):
    r = api_client.post(desk, "/partners", {"code": "sp_c", "name": "星城传媒有限公司", "kind": "sp"})
    assert r.status_code == 201, r.json()
    assert r.json()["credit"] == "100.00" or Decimal(r.json()["credit"]) == 100
    r = api_client.get(desk, "/partners/sp_c")
    assert r.status_code == 200 and r.json()["name"] == "星城传媒有限公司" and r.json()["ledger"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"code": "sp c", "name": "x", "kind": "sp"},
        {"code": "sp_c", "name": "", "kind": "sp"},
        {"code": "sp_c", "name": "x", "kind": "bank"},
        {"code": "inquiries", "name": "x", "kind": "sp"},
        {"code": "sp_c", "name": "x", "kind": "sp", "credit": 1000},
    ],
)
def test_a_bad_partner_is_a_422_that_writes_nothing(api_client, desk, body):
    r = api_client.post(desk, "/partners", body)
    assert r.status_code == 422, r.json()
    assert not Partner.objects.exists()


def test_only_an_account_with_no_complaint_access_may_become_a_partner_account(api_client, desk, sp_a, tel):
    r = api_client.post(desk, "/partners/sp_a/members", {"username": "handler"})  # a billing handler
    assert r.status_code == 422 and r.json()["data"]["field"] == "username"
    assert not PartnerMember.objects.exists()
    r = api_client.post(tel["handler"], "/partners/sp_a/members", {"username": "handler"})
    assert r.status_code == 403


def test_the_partner_account_sees_no_complaints_at_all(api_client, account_a, desk, complain):
    from tousu.complaints.access import visible_complaints

    c = complain("2026-10-12 10:00", "长沙某信息技术有限公司")
    assert [i["number"] for i in api_client.get(desk, "/complaints").json()["items"]] == [c.number]
    # Fenced off the complaint routes altogether, and with nothing in its scope underneath.
    r = api_client.get(account_a, "/complaints")
    assert r.status_code == 404 and "items" not in r.json()
    assert api_client.get(account_a, f"/complaints/{c.number}").status_code == 404
    assert not visible_complaints(account_a).exists()


def test_the_partner_sees_only_its_own(api_client, desk, sp_a, sp_b, account_a, account_b, complain):
    complain("2026-10-12 10:00", "湘江网络科技有限公司")
    with time_machine.travel(at("2026-10-13 09:00"), tick=False):
        r = api_client.post(
            desk,
            "/partners/inquiries",
            {"partner": "sp_b", "violation": "unsubscribe", "facts": "退订不成功", "suspended": "某包月业务"},
        )
        assert r.status_code == 201, r.json()
        inquiry = r.json()["id"]
        assert r.json()["due_on"] == "2026-10-16" and r.json()["violation_name"] == "退订不成功"
    with time_machine.travel(at("2026-11-03 09:00"), tick=False):
        r = api_client.post(
            desk, "/partners/statements", {"partner": "sp_b", "month": "2026-10", "test_score": 8, "info_fees": "0"}
        )
        assert r.status_code == 201, r.json()
        statement = r.json()["id"]
        assert r.json()["items"][0]["complaint"] and r.json()["final_total"] == "500.00"
        # A draft is not the partner's yet.
        assert api_client.get(account_b, f"/partners/statements/{statement}").status_code == 404
        assert api_client.post(desk, f"/partners/statements/{statement}/publish").status_code == 200
    # Its own partner, inquiry and statement:
    assert [p["code"] for p in api_client.get(account_b, "/partners").json()["items"]] == ["sp_b"]
    assert api_client.get(account_b, "/partners/sp_b").status_code == 200
    assert api_client.get(account_b, f"/partners/inquiries/{inquiry}").status_code == 200
    assert api_client.get(account_b, f"/partners/statements/{statement}").status_code == 200
    # …and nothing of another partner's: 404, as if it did not exist.
    assert api_client.get(account_a, "/partners/sp_b").status_code == 404
    assert api_client.get(account_a, f"/partners/inquiries/{inquiry}").status_code == 404
    assert api_client.get(account_a, f"/partners/statements/{statement}").status_code == 404
    assert api_client.get(account_a, f"/partners/statements/{statement}/export").status_code == 404
    assert api_client.get(account_a, "/partners/inquiries").json() == {"items": []}
    assert api_client.get(account_a, "/partners/statements").json() == {"items": []}
    with time_machine.travel(at("2026-10-14 09:00"), tick=False):
        r = api_client.post(account_a, f"/partners/inquiries/{inquiry}/answer", {"answer": "admit"})
        assert r.status_code == 404
        assert Inquiry.objects.get().answer == ""
        # The desk's routes are not the partner's.
        assert (
            api_client.post(account_b, f"/partners/inquiries/{inquiry}/outcome", {"established": False}).status_code
            == 404
        )
        assert api_client.get(account_b, "/partners/sp_b/attributions").status_code == 404
        r = api_client.post(account_b, f"/partners/inquiries/{inquiry}/answer", {"answer": "admit", "text": "认可"})
        assert r.status_code == 200 and r.json()["status"] == "answered"


def test_inquiry_and_statement_over_http(api_client, desk, sp_a, account_a, complain):
    complain("2026-10-12 10:00", "某信息")
    with time_machine.travel(at("2026-10-09 09:00"), tick=False):
        r = api_client.post(
            desk, "/partners/inquiries", {"partner": "sp_a", "violation": "charging", "facts": "免费业务收费"}
        )
        inquiry = r.json()["id"]
    with time_machine.travel(at("2026-10-12 09:00"), tick=False):
        bad = api_client.post(account_a, f"/partners/inquiries/{inquiry}/answer", {"answer": "deny"})
        assert bad.status_code == 422 and bad.json()["data"]["field"] == "evidence"
        bad = api_client.post(account_a, f"/partners/inquiries/{inquiry}/answer", {"answer": "maybe"})
        assert bad.status_code == 422
        r = api_client.post(
            account_a, f"/partners/inquiries/{inquiry}/answer", {"answer": "deny", "evidence": "定制记录"}
        )
        assert r.status_code == 200
        r = api_client.post(desk, f"/partners/inquiries/{inquiry}/outcome", {"established": True, "kept_denying": True})
        assert r.status_code == 200, r.json()
        assert r.json()["coefficient"] == "1.500" or Decimal(r.json()["coefficient"]) == Decimal("1.5")
        assert Decimal(r.json()["points"]) == Decimal("15.00")
        assert [s["source"] for s in r.json()["trail"]][-1] == "002-24"
    ledger = api_client.get(account_a, "/partners/sp_a").json()["ledger"]
    assert len(ledger) == 1 and Decimal(ledger[0]["balance"]) == Decimal("85.00")
    with time_machine.travel(at("2026-11-02 09:00"), tick=False):
        body = {"partner": "sp_a", "month": "2026-10", "test_score": "6.5", "info_fees": "12345.67", "refunds": "300"}
        for bad_body in ({**body, "info_fees": "-1"}, {**body, "month": "10/2026"}, {**body, "test_score": "nine"}):
            r = api_client.post(desk, "/partners/statements", bad_body)
            assert r.status_code == 422, r.json()
        assert not Statement.objects.exists()
        r = api_client.post(desk, "/partners/statements", body)
        statement = r.json()["id"]
        # 500.00 + (8 − 6.5) % × 12,345.67 = 185.19 + hotline 1,000.00 + refunds 300.00 = 1,985.19
        assert r.json()["original_total"] == "1985.19"
        api_client.post(desk, f"/partners/statements/{statement}/publish")
        r = api_client.post(
            account_a, f"/partners/statements/{statement}/disputes", {"item": 1, "reason": "客户已二次确认"}
        )
        assert r.status_code == 409 and r.json()["code"] == "no_reduction"  # an established violation in October
        r = api_client.get(account_a, f"/partners/statements/{statement}/export")
    assert r.status_code == 200
    sheet = load_workbook(BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("合作方", "长沙某信息技术有限公司") + (None,) * 7
    header = rows.index(("序号", "项目", "投诉编号", "说明", "金额（元）", "异议", "异议原因", "处理意见", "核减"))
    amounts = [row[4] for row in rows[header + 1 :] if row[0]]
    assert amounts == [500, 185.19, 1000, 300]
    assert all(isinstance(a, (int, float)) for a in amounts)
    assert ("", "结算金额（元）", "", "", 1985.19) in [
        tuple(v if v is not None else "" for v in row[:5]) for row in rows
    ]


def test_attribution_automatic_by_name_and_by_staff(api_client, desk, sp_a, sp_b, account_a, complain, tel):
    from tousu.partners.models import Attribution
    from tousu.partners.services import scan

    plain = complain("2026-10-12 10:00", "某信息")  # sp_a's alias
    upgraded = complain("2026-10-13 10:00", "湘江网络科技有限公司", "工信部转办", n=1)
    complain("2026-10-14 10:00", "无名公司", n=2)  # no partner of that name: left alone
    assert scan() == {"attributed": 2, "deemed": 0}
    assert scan() == {"attributed": 0, "deemed": 0}  # idempotent
    rows = {a.complaint.number: a for a in Attribution.objects.all()}
    assert rows[plain.number].partner == sp_a and rows[plain.number].automatic and not rows[plain.number].upgraded
    assert rows[upgraded.number].partner == sp_b and rows[upgraded.number].upgraded  # 002-31/32
    # Staff re-attribute and judge it the partner's fault; a wrong partner or number changes nothing.
    for body, status in [
        ({"number": plain.number, "partner": "nobody"}, 422),
        ({"number": "NO-SUCH", "partner": "sp_b"}, 404),
        ({"number": plain.number, "partner": "sp_b", "at_fault": "perhaps"}, 422),
    ]:
        assert api_client.post(desk, "/partners/attributions", body).status_code == status
    assert Attribution.objects.get(complaint=plain).partner == sp_a
    r = api_client.post(
        desk, "/partners/attributions", {"number": plain.number, "partner": "sp_b", "upgraded": True, "at_fault": True}
    )
    assert r.status_code == 200 and r.json()["partner_name"] == "湘江网络科技有限公司" and r.json()["upgraded"]
    assert not Attribution.objects.get(complaint=plain).automatic
    # Neither a handler of a unit nor the partner's account may attribute.
    assert (
        api_client.post(
            tel["handler"], "/partners/attributions", {"number": plain.number, "partner": "sp_a"}
        ).status_code
        == 403
    )
    assert (
        api_client.post(account_a, "/partners/attributions", {"number": plain.number, "partner": "sp_a"}).status_code
        == 404
    )
    r = api_client.get(desk, "/partners/sp_b/attributions", month="2026-10")
    assert sorted(a["number"] for a in r.json()["items"]) == sorted([plain.number, upgraded.number])
    assert api_client.get(desk, "/partners/sp_b/attributions", month="2026/10").status_code == 422


def test_addresses_out_of_range_are_404_never_500(api_client, desk, account_a):
    for who in (desk, account_a):
        for path in (
            "/partners/inquiries/99999999999999999999999",
            "/partners/statements/99999999999999999999999",
            "/partners/statements/-1",
            "/partners/nobody",
        ):
            assert api_client.get(who, path).status_code == 404, path
        r = api_client.post(who, "/partners/statements/1/disputes", {"item": 99999999999999999999, "reason": "x"})
        assert r.status_code == 422


def test_the_partner_account_reaches_nothing_but_the_partners_routes(api_client, account_a, desk):
    for path in ("/units", "/routing-rules", "/notifications", "/reference", "/complaints"):
        r = api_client.get(account_a, path)
        assert r.status_code == 404 and r.json()["code"] == "not_found", path
        assert api_client.get(desk, path).status_code == 200, path
    assert api_client.get(account_a, "/partners").status_code == 200
