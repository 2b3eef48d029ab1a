"""The sanction policy engine and what follows it (issue 15 §2–3): each rule of the policy — the
n-th breach in a month doubling and quadrupling, aggravation, mitigation, exemption, loss points —
the proposals made with a determination and from the deadline history, the panel's confirmation,
the appeal and its four outcomes (upheld, changed, overturned, out of time), finality."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tousu.accountability import sanctions
from tousu.accountability.models import Sanction, SanctionStatus
from tousu.accountability.policy import Breach, multiplier, propose
from tousu.complaints.models import Complaint, Event
from tousu.core.errors import Conflict, InvalidTransition, NotPermitted, ValidationFailed
from tousu.presets.accountability import SanctionPolicy

pytestmark = pytest.mark.django_db

# Seed 000's points (B分) on top of seed 004's types: a breach costs the person 10 points
# (000-122), an economic loss 50 % of it as points the first time and 100 % the second (000-124/125).
POINTS = {
    "rules": [
        {"code": "liable", "name": "有责投诉", "trigger": "liable", "sanction": "verbal_warning", "points": "10",
         "fine": "30", "loss_percent": ["50", "100"]},
        {"code": "attitude", "name": "服务态度恶劣", "trigger": "liable", "reasons": ["attitude"],
         "sanction": "written_warning", "points": "20"},
        {"code": "overrun", "name": "超期未经批准", "trigger": "overrun", "sanction": "criticism", "points": "5",
         "subjects": ["person"]},
    ],
}  # fmt: skip


def policy(**changes) -> SanctionPolicy:
    return SanctionPolicy.model_validate({**POINTS, **changes})


def rule(p: SanctionPolicy, code: str = "liable"):
    return next(r for r in p.rules if r.code == code)


# -- the engine ------------------------------------------------------------------------------------


def test_the_second_breach_in_a_month_doubles_and_the_third_quadruples():
    p = policy()
    first, second, third = (propose(p, Breach(rule=rule(p), nth=n)) for n in (1, 2, 3))
    assert (first.points, first.fine) == (Decimal(10), Decimal(30))
    assert (second.points, second.fine) == (Decimal(20), Decimal(60))
    assert (third.points, third.fine) == (Decimal(40), Decimal(120))
    assert "本月第3次同类过错：×4" in third.trail[1] and "双倍扣分" in third.trail[1]
    assert first.kind == second.kind == third.kind == "verbal_warning"


def test_a_linear_progression_triples_the_third_and_none_leaves_it():
    linear = policy(progression={"kind": "linear"})
    assert propose(linear, Breach(rule=rule(linear), nth=3)).points == Decimal(30)
    flat = policy(progression={"kind": "none"})
    assert propose(flat, Breach(rule=rule(flat), nth=3)).points == Decimal(10)
    assert [multiplier(SanctionPolicy(), n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]


def test_the_years_second_sanction_aggravates_one_step_up():
    p = policy()
    got = propose(p, Breach(rule=rule(p), in_year=2))
    assert got.kind == "written_warning" and got.consequences == ["bonus_warning_period"]
    assert got.points == Decimal(10)  # a step up never lowers a figure
    assert "从重：一年内第2次受到责任追究" in got.trail[-1] and "提高为「书面效能告诫」" in got.trail[-1]
    assert propose(p, Breach(rule=rule(p), in_year=1)).kind == "verbal_warning"


@pytest.mark.parametrize("factor", ["favouritism", "obstruction", "retaliation"])
def test_favouritism_obstruction_and_retaliation_aggravate(factor):
    p = policy()
    got = propose(p, Breach(rule=rule(p), factors=(factor,)))
    assert got.kind == "written_warning"
    assert p.factor(factor).name in got.trail[-1]


def test_prompt_self_correction_mitigates_and_both_together_cancel_out():
    p = policy()
    lighter = propose(p, Breach(rule=rule(p), factors=("self_corrected",)))
    assert lighter.kind == "criticism" and lighter.points == Decimal(0) and lighter.fine == Decimal(0)
    assert "从轻：主动、及时纠正过错" in lighter.trail[-1]
    even = propose(p, Breach(rule=rule(p), factors=("self_corrected", "obstruction")))
    assert even.kind == "verbal_warning" and "从重与从轻相抵" in even.trail[-1]
    lightest = propose(p, Breach(rule=rule(p, "overrun"), factors=("self_corrected",)))
    assert lightest.kind == "criticism" and "已为最轻的处理方式" in lightest.trail[-1]


@pytest.mark.parametrize("factor", ["falsified", "no_rule"])
def test_an_exemption_ends_it_with_no_sanction(factor):
    p = policy()
    got = propose(p, Breach(rule=rule(p), nth=3, in_year=4, factors=(factor, "obstruction")))
    assert (got.kind, got.points, got.fine, got.consequences) == ("", 0, 0, [])
    assert got.trail[-1].startswith("免予追究：")


def test_a_loss_costs_half_of_it_in_points_the_first_time_and_all_of_it_the_second():
    p = policy()
    first = propose(p, Breach(rule=rule(p), nth=1, loss=Decimal("333.33")))
    assert first.points == Decimal(10) + Decimal("166.67")  # 333.33 × 50 % = 166.665 → 166.67
    second = propose(p, Breach(rule=rule(p), nth=2, loss=Decimal("333.33")))
    assert second.points == Decimal(20) + Decimal("333.33")


def test_a_policy_that_names_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="unknown sanction type"):
        policy(rules=[{"code": "x", "name": "x", "trigger": "liable", "sanction": "nope"}])


# -- proposals with a determination ------------------------------------------------------------------


@pytest.fixture
def points_policy(use_preset):
    return use_preset(accountability={"sanctions": POINTS})


@pytest.fixture
def close(register, walk):
    def make(**overrides):
        return walk(register(**overrides), "accept", "dispatch", "sign", "submit_result", "approve", "reply",
                    "follow_up")  # fmt: skip

    return make


def determination(**changes):
    data = {
        "liable": True,
        "reasons": ["staff_error"],
        "loss": "0",
        "shares": [{"person": "handler", "percent": "60"}, {"unit": "amr", "percent": "40"}],
        "panel": ["panel"],
        "note": "经核实属实",
    }
    return {**data, **changes}


def test_the_determination_returns_the_proposed_sanctions_with_their_rule_trail(api_client, org, points_policy, close):
    c = close()
    path = f"/complaints/{c.number}/determination"
    r = api_client.post(org["panel"], path, determination(loss="1000.00"))
    assert r.status_code == 201, r.json()
    got = api_client.get(org["center"], path).json()
    assert got == r.json()
    person, unit = got["sanctions"]
    assert (person["person_name"], person["kind_name"], person["status"]) == ("陈静", "口头效能告诫", "proposed")
    # 10 points, and 50 % of the 600.00 元 apportioned to her as points.
    assert Decimal(person["points"]) == Decimal(310) and Decimal(person["fine"]) == Decimal(30)
    assert person["trail"][0].startswith("适用规则「有责投诉」") and "600元，按50%折算扣300分" in person["trail"][1]
    assert unit["unit_name"] == "县市场监督管理局" and Decimal(unit["points"]) == Decimal(210)
    assert not person["in_effect"] and person["appeal"] is None


def test_the_second_liable_case_in_the_month_doubles_and_a_specific_reason_picks_its_rule(org, points_policy, close):
    from tousu.accountability import services

    first, second, third = close(), close(), close()
    for c in (first, second):
        services.determine(actor=org["panel"], number=c.number, data=services.DeterminationIn(**determination()))
    services.determine(
        actor=org["panel"], number=third.number, data=services.DeterminationIn(**determination(reasons=["attitude"]))
    )
    handler = org["handler"]
    got = list(Sanction.objects.filter(person=handler).order_by("pk").values_list("rule", "points", "kind"))
    # The year's second and third sanction aggravate to the next type; the attitude rule is its own
    # rule, so its count in the month starts again at one.
    assert got == [
        ("liable", Decimal(10), "verbal_warning"),
        ("liable", Decimal(20), "written_warning"),
        ("attitude", Decimal(20), "notice"),
    ]


def test_a_factor_on_a_share_is_checked_against_the_preset(api_client, org, close):
    c = close()
    shares = [{"person": "handler", "percent": "100", "factors": ["bribery"]}]
    r = api_client.post(org["panel"], f"/complaints/{c.number}/determination", determination(shares=shares))
    assert r.status_code == 422 and r.json()["data"]["field"] == "shares" and "bribery" in r.json()["message"]
    assert not Sanction.objects.exists() and not Event.objects.filter(action="determine").exists()


def test_an_unapproved_overrun_is_proposed_from_the_deadline_history(org, points_policy, register, walk):
    from tousu.accountability import services

    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve")
    late = timezone.now() - dt.timedelta(days=10)
    Complaint.objects.filter(pk=c.pk).update(handling_due=late)
    c = walk(Complaint.objects.get(pk=c.pk), "reply", "follow_up")
    data = services.DeterminationIn(**determination(liable=False, reasons=["process_gap"], shares=[]))
    services.determine(actor=org["panel"], number=c.number, data=data)
    (s,) = Sanction.objects.filter(complaint=c)
    assert (s.trigger, s.person, s.kind, s.points) == ("overrun", org["handler"], "criticism", Decimal(5))
    assert s.breach_on == timezone.localdate(late) and "超期" in s.what and "答复" in s.trail[0]


# -- confirmation, appeal, effect --------------------------------------------------------------------


@pytest.fixture
def proposed(org, points_policy, close):
    from tousu.accountability import services

    c = close()
    data = services.DeterminationIn(**determination(shares=[{"person": "handler", "percent": "100"}]))
    services.determine(actor=org["panel"], number=c.number, data=data)
    return Sanction.objects.get(complaint=c, person=org["handler"])


def confirm(org, s, **fields):
    return sanctions.confirm(
        actor=org["panel"], number=s.complaint.number, sanction=s.pk, data=sanctions.ConfirmIn(**fields)
    )


def test_a_change_needs_a_reason_and_lands_on_the_trail(org, proposed):
    with pytest.raises(ValidationFailed, match="理由"):
        confirm(org, proposed, points="5")
    assert Sanction.objects.get(pk=proposed.pk).status == SanctionStatus.PROPOSED
    s = confirm(org, proposed, points="5", reason="初次过错，情节轻微")
    assert s.status == SanctionStatus.CONFIRMED and s.points == Decimal(5)
    assert s.trail[-1] == "认定小组扣分改为5分，理由：初次过错，情节轻微"
    assert s.appeal_ends > timezone.localdate()
    with pytest.raises(Conflict):
        confirm(org, s)


def test_new_circumstances_at_confirmation_run_the_engine_again(org, proposed):
    s = confirm(org, proposed, factors=["retaliation"])
    assert s.kind == "written_warning" and "打击、报复投诉人、举报人" in s.trail[-1]
    assert s.proposed["kind"] == "written_warning"


def test_the_sanctioned_person_may_not_confirm_their_own(org, proposed):
    Sanction.objects.filter(pk=proposed.pk).update(person=org["panel"])
    with pytest.raises(NotPermitted):
        confirm(org, Sanction.objects.get(pk=proposed.pk))


def appeal(org, s, who="handler"):
    return sanctions.appeal(actor=org[who], sanction=s.pk, data=sanctions.AppealIn(reason="超期系因等待检测报告"))


def decide(org, s, who="leader", **fields):
    data = sanctions.DecideAppealIn(**{"outcome": "upheld", "decision": "经复查，原处理适当", **fields})
    return sanctions.decide_appeal(actor=org[who], number=s.complaint.number, sanction=s.pk, data=data)


def test_an_appeal_pends_the_sanction_and_the_level_above_upholds_it_finally(api_client, org, proposed):
    s = confirm(org, proposed)
    assert api_client.get(org["handler"], "/sanctions/mine").json()["items"][0]["status"] == "confirmed"
    r = api_client.post(org["handler"], f"/sanctions/{s.pk}/appeal", {"reason": "超期系因等待检测报告"})
    assert r.status_code == 200 and r.json()["status"] == "appealed" and not r.json()["in_effect"]
    # The panel's own level may not decide; the county (the level above the centre) does.
    with pytest.raises(NotPermitted, match="上一级"):
        decide(org, s, who="center_head")
    s = decide(org, s)
    assert s.status == SanctionStatus.FINAL and s.effective_on == timezone.localdate()
    row = api_client.get(org["handler"], "/sanctions/mine").json()["items"][0]
    assert row["in_effect"] and row["appeal"]["outcome_name"] == "维持原处理" and row["appeal"]["final"]
    assert "本决定为最终决定" in row["trail"][-1]
    with pytest.raises(Conflict):
        decide(org, s)


def test_an_appeal_may_change_the_sanction(org, proposed):
    s = appeal(org, confirm(org, proposed))
    with pytest.raises(ValidationFailed):
        decide(org, s, outcome="changed")  # a change must change something
    s = decide(org, s, outcome="changed", kind="criticism", points="0", fine="0", decision="情节轻微，改为批评教育")
    assert (s.status, s.kind, s.points, s.fine) == (SanctionStatus.FINAL, "criticism", 0, 0)
    assert "申诉决定处理方式改为「批评教育」" in s.trail[-1] and s.trail[-1].endswith("（本决定为最终决定）")


def test_an_appeal_may_overturn_the_sanction(org, proposed):
    s = decide(org, appeal(org, confirm(org, proposed)), outcome="overturned", decision="超期系检测机构原因")
    assert s.status == SanctionStatus.OVERTURNED and s.effective_on is None


def test_an_appeal_out_of_time_is_refused_and_changes_nothing(org, proposed):
    s = confirm(org, proposed)
    Sanction.objects.filter(pk=s.pk).update(appeal_ends=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        appeal(org, s)
    assert refused.value.code == "out_of_time"
    assert Sanction.objects.get(pk=s.pk).status == SanctionStatus.CONFIRMED


def test_only_the_sanctioned_may_appeal(api_client, org, proposed):
    s = confirm(org, proposed)
    assert api_client.post(org["housing"], f"/sanctions/{s.pk}/appeal", {"reason": "不服"}).status_code == 404
    assert api_client.post(org["handler"], f"/sanctions/{s.pk}/appeal", {"reason": ""}).status_code == 422
    assert Sanction.objects.get(pk=s.pk).status == SanctionStatus.CONFIRMED


def test_a_sanction_takes_effect_only_when_its_window_has_passed(org, proposed):
    s = confirm(org, proposed)
    assert sanctions.finalise_due(s.appeal_ends) == 0
    assert sanctions.finalise_due(s.appeal_ends + dt.timedelta(days=1)) == 1
    s.refresh_from_db()
    assert s.status == SanctionStatus.FINAL and s.effective_on == s.appeal_ends + dt.timedelta(days=1)
    assert Event.objects.filter(complaint=s.complaint, action="finalise_sanction", actor=None).exists()


def test_a_case_is_archived_only_once_its_sanctions_are_settled(org, proposed, walk):
    from tousu.complaints.actions import perform

    c = Complaint.objects.get(pk=proposed.complaint_id)
    with pytest.raises(InvalidTransition, match="未生效"):
        perform("archive", org["center"], c.number, {"version": c.version})
    s = decide(org, appeal(org, confirm(org, proposed)), outcome="overturned", decision="撤销")
    c.refresh_from_db()
    assert perform("archive", org["center"], c.number, {"version": c.version}).status == "archived"
    assert s.status == SanctionStatus.OVERTURNED


def test_the_manufacturers_policy_fines_the_person_and_charges_the_head_of_the_unit(api_client, settings):
    """Seed 002's 警告 (400 元) and seed 000's B points: 10 a breach plus 50 % of the loss the first
    time for the person; 2 a breach plus 5 % of the loss for the head of their department."""
    from tousu.presets.tests.walk import Walk, use_preset

    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=0)
    walk.register("2026-11-23 09:00")
    for when, action in (("09:30", "accept"), ("10:00", "dispatch"), ("10:20", "sign"), ("15:00", "submit_result"),
                         ("16:00", "approve"), ("17:00", "reply")):  # fmt: skip
        walk.act(f"2026-11-23 {when}", action)
    walk.act("2026-11-24 09:00", "follow_up")
    body = {
        "liable": True,
        "reasons": ["rejects_mixed"],
        "loss": "1000",
        "shares": [{"person": walk.handler.username, "percent": "100"}],
        "panel": ["panel"],
    }
    r = api_client.post(users["panel"], f"/complaints/{walk.number}/determination", body)
    assert r.status_code == 201, r.json()
    person, head = r.json()["sanctions"]
    assert (person["kind_name"], Decimal(person["fine"]), Decimal(person["points"])) == ("警告", 400, 510)
    assert head["person"] == demo.heads[walk.s.unit] and head["rule_name"] == "客户投诉经查证属实（部门负责人）"
    assert (head["kind_name"], Decimal(head["fine"]), Decimal(head["points"])) == ("扣B分", 0, 52)
    assert r.json()["due"] is not None and r.json()["reason_names"] == ["剔除的不合格品混入正常品缴库"]
