"""The monthly statement of service costs (seed 002-36…47), worked out by hand: 500 元 per
complaint, ×10 for an upgraded complaint judged the partner's fault, (8 − score) % × the month's
information fees, the hotline 1000 元, refunds and double refunds; the dispute window; unclear
reasons not reduced (002-38); no reduction at all in a month with upgraded complaints (002-40);
the original figures kept beside the final ones (002-41)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from tousu.core.errors import Conflict, NotFound, ValidationFailed
from tousu.partners import services, statements
from tousu.partners.models import Attribution, DisputeStatus, ItemKind, Statement, StatementStatus
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db
D = Decimal


def prepare(desk, partner, when: str, **data):
    with time_machine.travel(at(when), tick=False):
        return statements.prepare(
            actor=desk, data=statements.StatementIn(partner=partner.code, month="2026-10", **data)
        )


def run(when: str, fn, **kwargs):
    with time_machine.travel(at(when), tick=False):
        return fn(**kwargs)


def test_a_month_with_upgraded_complaints_worked_out_by_hand(desk, sp_a, account_a, complain):
    # October 2026: seven complaints name 长沙某信息技术有限公司 (two by its alias 某信息), two of
    # them upgraded (转办 by MIIT and by the group hotline) and judged its fault by the desk.
    for n in range(5):
        complain(f"2026-10-{12 + n} 10:00", "长沙某信息技术有限公司" if n % 2 else "某信息", n=n)
    upgraded = [
        complain("2026-10-20 10:00", "长沙某信息技术有限公司", "工信部转办", n=5),
        complain("2026-10-21 10:00", "长沙某信息技术有限公司", "集团热线转办", n=6),
    ]
    complain("2026-11-02 10:00", "长沙某信息技术有限公司", n=7)  # November: not this statement
    for c in upgraded:
        services.attribute(
            actor=desk,
            number=c.number,
            data=services.AttributionIn(partner="sp_a", at_fault=True, note="经判定为SP责任"),
        )
    s = prepare(
        desk,
        sp_a,
        "2026-11-05 09:00",
        test_score="6.5",
        info_fees="12345.67",
        refunds="300.00",
        double_refunds="600.00",
    )
    assert Attribution.objects.filter(partner=sp_a).count() == 7  # the month's complaints only
    items = list(s.items.all())
    # 5 complaints × 500.00                         =  2,500.00
    # 2 upgraded, its fault × 500.00 × 10           = 10,000.00
    # (8 − 6.5) % × 12,345.67 = 185.18505           →    185.19 (to the cent, half up)
    # called-party-paid hotline, 1,000.00 a month   =  1,000.00
    # refunds 300.00, double refunds 600.00         =    900.00
    # total                                         = 14,585.19
    assert [i.kind for i in items] == [ItemKind.COMPLAINT] * 5 + [ItemKind.UPGRADED] * 2 + [
        ItemKind.TEST_CALL,
        ItemKind.HOTLINE,
        ItemKind.REFUND,
        ItemKind.DOUBLE_REFUND,
    ]
    assert [i.amount for i in items] == [D("500.00")] * 5 + [D("5000.00")] * 2 + [
        D("185.19"),
        D("1000.00"),
        D("300.00"),
        D("600.00"),
    ]
    assert statements.totals(s)["original_total"] == D("14585.19")
    s = run("2026-11-09 10:00", statements.publish, actor=desk, statement_id=s.pk)
    # Published Monday 9 November; three days after it, the publication day not counted: 12 November.
    assert s.dispute_until.isoformat() == "2026-11-12" and s.no_reduction
    assert s.no_reduction_why == "升级投诉2件"
    # 002-40: a month with upgraded complaints allows no reduction at all — refused, nothing written.
    with pytest.raises(Conflict) as err:
        run(
            "2026-11-10 10:00",
            statements.dispute,
            actor=account_a,
            statement_id=s.pk,
            data=statements.DisputeIn(item=1, reason="客户有定制记录且已二次确认"),
        )
    assert err.value.code == "no_reduction"
    assert not s.items.exclude(dispute="").exists()
    s = run("2026-11-13 10:00", statements.finalise, actor=desk, statement_id=s.pk)
    assert s.status == StatementStatus.FINAL
    assert statements.totals(s) == {
        "original_total": D("14585.19"),
        "reduced": D("0.00"),
        "final_total": D("14585.19"),
        "original_count": 7,
        "final_count": 7,
    }


def test_disputes_one_accepted_one_unclear_worked_out_by_hand(desk, sp_b, account_b, complain):
    # October 2026: four complaints name 湘江网络科技有限公司, none upgraded; no hotline.
    numbers = [complain(f"2026-10-{12 + n} 10:00", "湘江网络科技有限公司", n=n).number for n in range(4)]
    s = prepare(
        desk, sp_b, "2026-11-05 09:00", test_score="7.25", info_fees="8000", refunds="120.5", double_refunds="241"
    )
    # 4 × 500.00                             = 2,000.00
    # (8 − 7.25) % × 8,000.00                =    60.00
    # refunds 120.50 + double refunds 241.00 =   361.50
    # total                                  = 2,421.50
    assert [(i.position, i.amount) for i in s.items.all()] == [
        (1, D("500.00")),
        (2, D("500.00")),
        (3, D("500.00")),
        (4, D("500.00")),
        (5, D("60.00")),
        (6, D("120.50")),
        (7, D("241.00")),
    ]
    assert s.items.get(position=2).complaint.number == numbers[1]
    s = run("2026-11-06 10:00", statements.publish, actor=desk, statement_id=s.pk)
    assert s.dispute_until.isoformat() == "2026-11-09" and not s.no_reduction
    for item, reason in [(2, "该客户为二次放号新客户，定制关系已于10月1日取消，附退订记录"), (3, "不认可")]:
        run(
            "2026-11-09 20:00",
            statements.dispute,
            actor=account_b,
            statement_id=s.pk,
            data=statements.DisputeIn(item=item, reason=reason),
        )
    with pytest.raises(Conflict):  # the window closed at the end of 9 November
        run(
            "2026-11-10 08:00",
            statements.dispute,
            actor=account_b,
            statement_id=s.pk,
            data=statements.DisputeIn(item=4, reason="晚了"),
        )
    with pytest.raises(Conflict):  # disputes are pending
        run("2026-11-10 09:00", statements.finalise, actor=desk, statement_id=s.pk)
    run(
        "2026-11-10 10:00",
        statements.decide,
        actor=desk,
        statement_id=s.pk,
        data=statements.DecisionIn(item=2, decision="accepted", note="核实属实，核减"),
    )
    item = run(
        "2026-11-10 10:00",
        statements.decide,
        actor=desk,
        statement_id=s.pk,
        data=statements.DecisionIn(item=3, decision="unclear"),
    )
    assert item.dispute == DisputeStatus.UNCLEAR and item.decision_note == "原因表述不清楚，不予核减。"
    s = run("2026-11-10 11:00", statements.finalise, actor=desk, statement_id=s.pk)
    # final: 2,421.50 − 500.00 (item 2 accepted) = 1,921.50; item 3's unclear reason reduces nothing.
    # Credit scoring keeps the original count of 4 complaints (002-41); 3 are charged.
    assert statements.totals(s) == {
        "original_total": D("2421.50"),
        "reduced": D("500.00"),
        "final_total": D("1921.50"),
        "original_count": 4,
        "final_count": 3,
    }


def test_a_month_with_a_verified_violation_allows_no_reduction(desk, sp_b, account_b, complain):
    complain("2026-10-12 10:00", "湘江网络科技有限公司")
    with time_machine.travel(at("2026-10-13 09:00"), tick=False):
        inquiry = services.publish_inquiry(
            actor=desk, data=services.InquiryIn(partner="sp_b", violation="content", facts="业务内容收不到")
        )
    services.deem_overdue(inquiry.due_on.replace(day=inquiry.due_on.day + 1))
    s = prepare(desk, sp_b, "2026-11-02 09:00", test_score=8, info_fees=0)
    assert statements.totals(s)["original_total"] == D("500.00")  # a full score charges nothing
    s = run("2026-11-02 10:00", statements.publish, actor=desk, statement_id=s.pk)
    assert s.no_reduction and s.no_reduction_why == "经核实的违约行为1起"


def test_bad_input_is_refused_and_writes_nothing(desk, sp_a, account_a, account_b):
    for data, field in [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-12"}, "month"),  # not over yet on 5 November... nor December
        ({"test_score": "8.5"}, "test_score"),
        ({"test_score": "-1"}, "test_score"),
        ({"info_fees": "12.345"}, "info_fees"),
        ({"refunds": "abc"}, "refunds"),
    ]:
        body = {"partner": "sp_a", "month": "2026-10", "test_score": "7", "info_fees": "100", **data}
        with pytest.raises(ValidationFailed) as err:
            run("2026-11-05 09:00", statements.prepare, actor=desk, data=statements.StatementIn(**body))
        assert err.value.data["field"] == field
    assert not Statement.objects.exists()
    s = prepare(desk, sp_a, "2026-11-05 09:00", test_score="7", info_fees="100")
    with pytest.raises(NotFound):  # a draft is not shown to the partner
        run(
            "2026-11-05 10:00",
            statements.dispute,
            actor=account_a,
            statement_id=s.pk,
            data=statements.DisputeIn(item=1, reason="x"),
        )
    run("2026-11-05 10:00", statements.publish, actor=desk, statement_id=s.pk)
    with pytest.raises(NotFound):  # another partner's statement does not exist for it
        run(
            "2026-11-05 10:00",
            statements.dispute,
            actor=account_b,
            statement_id=s.pk,
            data=statements.DisputeIn(item=1, reason="客户已二次确认"),
        )
    with pytest.raises(ValidationFailed):
        run(
            "2026-11-05 10:00",
            statements.dispute,
            actor=account_a,
            statement_id=s.pk,
            data=statements.DisputeIn(item=99, reason="客户已二次确认"),
        )
    with pytest.raises(ValidationFailed):
        run(
            "2026-11-05 10:00",
            statements.dispute,
            actor=account_a,
            statement_id=s.pk,
            data=statements.DisputeIn(item=1, reason="   "),
        )
    assert not s.items.exclude(dispute="").exists()


def test_a_dealer_is_fined_per_mishandled_complaint(desk, complain):
    dealer = services.create_partner(
        actor=desk, data=services.PartnerIn(code="dealer_1", name="岳麓手机代理店", kind="dealer")
    )
    handled = [complain(f"2026-10-{12 + n} 10:00", "岳麓手机代理店", n=n) for n in range(3)]
    for c in handled[:2]:
        services.attribute(actor=desk, number=c.number, data=services.AttributionIn(partner="dealer_1", at_fault=True))
    s = prepare(desk, dealer, "2026-11-02 09:00", test_score=8, info_fees=0)
    # 002-82: 200.00 for each of the 2 complaints it mishandled; the third (not its fault) costs
    # nothing, and a dealer pays no per-complaint service cost: 400.00.
    assert [(i.kind, i.amount) for i in s.items.all()] == [(ItemKind.FINE, D("200.00"))] * 2
    assert statements.totals(s)["original_total"] == D("400.00")
