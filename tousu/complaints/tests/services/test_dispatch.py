"""Dispatch paths (SPEC §7): direct, assign, transfer, return and re-dispatch, refused returns,
sub-dispatch, co-handling opinions, escalation, recusal and routing proposals."""

import json

import pytest

from tousu.accounts.models import Unit
from tousu.complaints import inputs, services
from tousu.complaints.access import allowed_actions
from tousu.complaints.actions import perform
from tousu.complaints.models import Notification, RoutingRule
from tousu.complaints.routing import propose
from tousu.conftest import registration
from tousu.core.errors import InvalidTransition, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def act(actor, c, action, **kwargs):
    return perform(action, actor, c.number, {"version": c.version, **kwargs})


def test_direct_stays_at_the_centre_which_handles_and_approves(register, walk, center, clerk):
    c = walk(register(), "accept")
    with pytest.raises(ValidationFailed) as err:
        act(center, c, "dispatch", unit="amr", mode="direct")
    assert err.value.data["field"] == "unit"
    c = act(center, c, "dispatch", unit="center", mode="direct")
    assert c.status == "in_progress" and c.sign_due is None and c.handling_unit.code == "center"
    c = act(
        center,
        c,
        "submit_result",
        substantiated="no",
        findings="不属实",
        solution="解释",
        proposed_reply="经核查不属实",
    )
    assert act(center, c, "approve").status == "approved"


def test_assign_reports_back_to_the_centre_which_approves(register, walk, center, head, handler):
    c = walk(register(), "accept", "dispatch", "sign")
    assert c.report_due is not None and c.report_due > c.handling_due  # report within 20 after 15
    c = walk(c, "submit_result")
    with pytest.raises(InvalidTransition):
        act(head, c, "approve")  # the centre approves an assigned case
    assert act(center, c, "approve").status == "approved"


def test_a_transfer_is_handled_by_the_unit_itself_and_not_passed_on(register, walk, center, head, handler):
    c = walk(register(), "accept")
    c = act(center, c, "dispatch", unit="amr", mode="transfer", handler="handler")
    c = act(handler, c, "sign")
    assert "sub_dispatch" not in allowed_actions(head, c)
    with pytest.raises(InvalidTransition) as err:
        act(head, c, "sub_dispatch", unit="amr-consumer")
    assert "转办" in err.value.message
    c = walk(c, "submit_result")
    assert act(head, c, "approve").status == "approved"  # the unit approves its own transfer


def test_return_goes_to_the_centre_which_re_dispatches_or_refuses_it(register, walk, org, center, handler):
    c = walk(register(), "accept", "dispatch")
    with pytest.raises(InvalidTransition):
        act(center, c, "refuse_return", note="x")  # nothing was returned
    c = act(handler, c, "return", reason="not_our_remit", note="不属本局职责")
    assert (c.status, c.handling_unit, c.returned_from.code, c.returns_count) == ("accepted", None, "amr", 1)
    event = c.events.last()
    assert event.payload["unit"] == "amr" and event.payload["reason"] == "not_our_remit"
    with pytest.raises(ValidationFailed):
        act(center, c, "refuse_return", note="  ")
    c = act(center, c, "refuse_return", note="属于市场监管职责,请依法办理")
    assert (c.status, c.handling_unit.code, c.dispatch_mode, c.returned_from) == ("dispatched", "amr", "assign", None)
    assert Notification.objects.filter(complaint=c, recipient=handler, kind="work").exists()
    c = act(handler, c, "return", reason="wrong_unit")
    c = act(center, c, "dispatch", unit="housing", mode="assign")
    assert c.returns_count == 2 and c.handling_unit.code == "housing" and c.returned_from is None


def test_a_unit_sub_dispatches_to_its_section_which_may_return_it_up(register, walk, org, center, head):
    c = walk(register(), "accept")
    c = act(center, c, "dispatch", unit="amr", mode="assign")
    with pytest.raises(ValidationFailed):
        act(head, c, "sub_dispatch", unit="housing-property")  # not below amr
    c = act(head, c, "sub_dispatch", unit="amr-consumer", handler="consumer")
    assert (c.status, c.handling_unit.code, c.dispatched_unit.code, c.handler.username) == (
        "dispatched",
        "amr-consumer",
        "amr",
        "consumer",
    )
    c = act(org["consumer"], c, "return", reason="wrong_unit")
    assert (c.status, c.handling_unit.code, c.handler) == ("in_progress", "amr", None)


def test_co_units_give_opinions_before_the_lead_submits(register, walk, org, center, handler):
    c = walk(register(), "accept")
    c = act(center, c, "dispatch", unit="amr", mode="assign", handler="handler", co_units=["housing", "hrss"])
    assert c.opinion_due is not None
    c = act(handler, c, "sign")
    with pytest.raises(InvalidTransition) as err:
        walk(c, "submit_result")
    assert "县住房和城乡建设局" in err.value.message and "县人力资源和社会保障局" in err.value.message
    with pytest.raises(NotPermitted):
        act(handler, c, "give_opinion", text="牵头单位不是协办单位")  # role ok, but not a co-unit → guard
    c = act(org["housing"], c, "give_opinion", text="住建局意见:同意")
    with pytest.raises(InvalidTransition):
        act(org["housing"], c, "give_opinion", text="再提一次")
    c = act(org["hrss"], c, "give_opinion", text="人社局意见:无异议")
    assert [o.unit.code for o in c.opinions.all()] == ["housing", "hrss"]
    assert walk(c, "submit_result").status == "pending_approval"


def test_escalation_hands_the_case_to_the_parent_unit_and_tells_the_centre(register, walk, center, handler):
    c = walk(register(), "accept", "dispatch", "sign")
    c = act(handler, c, "escalate", reason="超出本局权限")
    assert (c.handling_unit.code, c.handling_level, c.handler) == ("county", 1, None)
    assert Notification.objects.filter(complaint=c, recipient=center, kind="work").exists()


def test_recusal_covers_the_respondent_and_anyone_marked(register, walk, org, center, head, handler):
    c = walk(register(respondents=[inputs.RespondentSchema(unit="amr", staff="handler")]), "accept")
    c = act(center, c, "dispatch", unit="amr", mode="assign")
    with pytest.raises(ValidationFailed) as err:
        act(head, c, "assign_handler", handler="handler")
    assert err.value.code == "recusal_required" and "被投诉人" in err.value.message
    assert allowed_actions(handler, c) == []  # the respondent takes no part in the case
    c = act(head, c, "sub_dispatch", unit="amr-consumer", handler="consumer")
    c = act(org["consumer"], c, "sign")
    c = act(center, c, "mark_conflict", user="consumer", reason="与投诉人有经济往来")
    assert c.handler is None  # taken off the case
    with pytest.raises(NotPermitted) as refused:
        act(org["consumer"], c, "submit_result", substantiated="no", findings="-", solution="-", proposed_reply="-")
    assert refused.value.code == "recusal_required"
    with pytest.raises(ValidationFailed):
        act(center, c, "mark_conflict", user="consumer", reason="again")
    # A marked approver may not approve either.
    other = walk(register(), "accept", "dispatch", "sign", "submit_result")
    other = act(center, other, "mark_conflict", user="center", reason="本人为投诉人的邻居")
    with pytest.raises(NotPermitted) as refused:
        act(center, other, "approve")
    assert refused.value.code == "recusal_required"


def test_routing_rules_propose_a_unit_and_the_dispatch_records_the_rule(register, walk, center):
    units = {u.code: u for u in Unit.objects.all()}
    RoutingRule.objects.create(
        name="县管干部由中心直办", priority=1, respondent_ranks=["county_managed"], unit=units["center"], mode="direct"
    )
    RoutingRule.objects.create(
        name="物业问题交住建局", priority=5, keywords=["物业", "电梯"], unit=units["housing"], mode="assign"
    )
    RoutingRule.objects.create(name="其余交被投诉单位", priority=99, mode="transfer")
    cadre = walk(
        register(respondents=[inputs.RespondentSchema(unit="amr", staff_name="某局长", rank="county_managed")]),
        "accept",
    )
    lift = walk(register(summary="电梯坏了三个月", respondents=[]), "accept")
    plain = walk(register(), "accept")
    nobody = walk(register(respondents=[]), "accept")
    assert (propose(cadre).unit.code, propose(cadre).mode) == ("center", "direct")
    assert (propose(lift).unit.code, propose(lift).rule) == ("housing", "物业问题交住建局")
    assert (propose(plain).unit.code, propose(plain).mode) == ("amr", "transfer")  # the respondent's unit
    assert propose(nobody) is None
    c = act(center, lift, "dispatch", unit="hrss", mode="assign", note="改派")  # the centre overrides
    assert c.events.last().payload["rule"] == "物业问题交住建局" and c.handling_unit.code == "hrss"


def test_the_approval_chain_signs_before_the_dispatch(settings, register, walk, org, center):
    settings.TOUSU_DISPATCH_APPROVAL = True
    c = walk(register(), "accept")
    assert "dispatch" not in allowed_actions(center, c) and "propose_dispatch" in allowed_actions(center, c)
    with pytest.raises(InvalidTransition):
        act(center, c, "dispatch", unit="amr", mode="assign")
    c = act(center, c, "propose_dispatch", unit="amr", mode="assign", note="建议交市场监管局")
    assert c.status == "accepted"
    leader, head = org["leader"], org["center_head"]
    assert Notification.objects.filter(complaint=c, recipient=head).exists()
    with pytest.raises(InvalidTransition) as err:  # the leader signs after the centre head
        act(leader, c, "decide_dispatch", approved=True)
    assert "马卫东" in err.value.message
    c = act(head, c, "decide_dispatch", approved=True, note="同意")
    assert c.status == "accepted" and "decide_dispatch" in allowed_actions(leader, c)
    c = act(leader, c, "decide_dispatch", approved=True, note="同意交办")
    assert (c.status, c.handling_unit.code, c.dispatch_mode) == ("dispatched", "amr", "assign")
    # The last approval dispatches in its own event: one step of the record, one version.
    actions = list(c.events.values_list("action", flat=True))
    assert actions[-3:] == ["propose_dispatch", "decide_dispatch", "decide_dispatch"]
    last = c.events.last()
    assert last.to_status == "dispatched" and last.payload["dispatch"]["unit"] == "amr"
    assert c.version == last.seq


def test_a_refused_proposal_goes_back_to_the_centre(settings, register, walk, org, center):
    settings.TOUSU_DISPATCH_APPROVAL = True
    c = walk(register(), "accept")
    c = act(center, c, "propose_dispatch", unit="hrss", mode="transfer")
    with pytest.raises(ValidationFailed):
        act(org["center_head"], c, "decide_dispatch", approved=False)  # a refusal needs its reason
    c = act(org["center_head"], c, "decide_dispatch", approved=False, note="应交住建局")
    assert c.status == "accepted" and c.dispatch_plans.get().state == "rejected"
    assert Notification.objects.filter(complaint=c, recipient=center).exists()
    c = act(center, c, "propose_dispatch", unit="housing", mode="assign")  # a new proposal
    assert c.dispatch_plans.filter(state="pending").count() == 1


def test_the_chain_needs_its_approvers(settings, register, walk, org, center):
    settings.TOUSU_DISPATCH_APPROVAL = True
    Unit.objects.filter(code="county").update(head=None)
    c = walk(register(), "accept")
    with pytest.raises(ValidationFailed) as err:
        act(center, c, "propose_dispatch", unit="amr", mode="assign")
    assert "某县人民政府" in err.value.message
    assert not c.dispatch_plans.exists()


def test_the_dispatch_letter_states_the_deadlines_with_the_redacted_content(
    client, api_client, org, clerk, register, walk, center
):
    c = services.register(
        actor=clerk,
        data=registration(
            summary="张三丰投诉窗口人员",
            content="我叫张三丰,电话13812345678。",
            complainants=[inputs.ComplainantSchema(name="张三丰", phone="13812345678")],
            respondents=[inputs.RespondentSchema(unit="amr")],
        ),
    ).complaint
    c = walk(c, "accept", "dispatch")
    letter = api_client.get(center, f"/complaints/{c.number}/dispatch-letter").json()
    assert letter["title"] == "交办函" and letter["to"] == "县市场监督管理局" and letter["redacted"] is True
    text = json.dumps(letter, ensure_ascii=False)
    assert "张三丰" not in text and "13812345678" not in text  # even the centre prints it redacted
    assert [d["what"] for d in letter["deadlines"]] == ["签收", "办结并答复投诉人", "书面报告办理结果"]
    client.force_login(org["handler"])
    page = client.get(f"/c/{c.number}/letter/").content.decode()
    assert "交办函" in page and "张三丰" not in page and "书面报告办理结果" in page
    plain = walk(register(), "decline")
    refused = api_client.get(center, f"/complaints/{plain.number}/dispatch-letter")
    assert refused.status_code == 409


def test_returns_are_counted_per_unit(api_client, register, walk, org, center, handler):
    for _ in range(2):
        c = walk(register(), "accept", "dispatch")
        act(handler, c, "return", reason="not_our_remit")
    c = walk(register(), "accept")
    c = act(center, c, "dispatch", unit="housing", mode="assign")
    act(org["housing"], c, "return", reason="wrong_unit")
    rows = api_client.get(center, "/stats/returns").json()["items"]
    assert rows == [
        {"unit": "amr", "unit_name": "县市场监督管理局", "returns": 2},
        {"unit": "housing", "unit_name": "县住房和城乡建设局", "returns": 1},
    ]
    assert api_client.get(center, "/stats/returns", since="2999-01-01").json()["items"] == []
    assert api_client.get(center, "/stats/returns", since="not-a-date").status_code == 422


def test_a_preset_may_redact_every_dispatch(monkeypatch, register, walk, center):
    from django.conf import settings

    from tousu.presets import REGISTRY

    monkeypatch.setitem(REGISTRY, settings.TOUSU_PRESET, REGISTRY[settings.TOUSU_PRESET].revised(always_redact=True))
    c = walk(register(), "accept")
    c = act(center, c, "dispatch", unit="amr", mode="assign", redacted=False)
    assert c.redacted is True
