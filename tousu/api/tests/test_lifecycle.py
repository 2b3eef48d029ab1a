"""One complaint (and three companions) driven through every action of SPEC §5 over HTTP."""

import pytest


def act(api, who, number, action, **body):
    version = api.get(who, f"/complaints/{number}").json()["version"]
    response = api.post(who, f"/complaints/{number}/{action}", {"version": version, **body})
    assert response.status_code == 200, (action, response.json())
    return response.json()


def new(api, clerk, **body):
    payload = {
        "channel": "hotline",
        "summary": "窗口办事拖拉",
        "content": "到窗口办理营业执照,跑了四趟。",
        "complainants": [{"name": "张三", "phone": "138 1234 5678"}],
        "respondents": [{"unit": "amr"}],
        **body,
    }
    response = api.post(clerk, "/complaints", payload)
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
def test_it_walks_every_action_of_the_lifecycle(api_client, org, settings):
    api, clerk, center, handler = api_client, org["clerk"], org["center"], org["handler"]
    followup = org["followup"]
    created = new(api, clerk, kind="inquiry")
    n = created["number"]
    assert created["status"] == "registered" and len(created["query_code"]) == 8
    assert created["due"]["acceptance"] is not None
    assert "convert" in created["allowed_actions"]

    steps = [
        (clerk, "convert", {"reason": "咨询后仍不满意"}, "registered"),
        (clerk, "accept", {"category": "G0201", "grade": "normal"}, "accepted"),
        (center, "dispatch", {"unit": "amr", "mode": "assign", "co_units": ["housing"]}, "dispatched"),
        (handler, "return", {"reason": "insufficient_info", "note": "缺少办件编号"}, "accepted"),
        (center, "refuse_return", {"note": "办件编号已在投诉内容中"}, "dispatched"),
        (org["head"], "assign_handler", {"handler": "handler"}, "dispatched"),
        (handler, "sign", {}, "in_progress"),
        (handler, "request_extension", {"days": 5, "reason": "需调取档案"}, "in_progress"),
        (center, "decide_extension", {"approved": True, "notice_method": "phone"}, "in_progress"),
        (handler, "suspend", {"reason": "awaiting_material"}, "suspended"),
        (handler, "resume", {}, "in_progress"),
        (center, "mark_conflict", {"user": "hrss", "reason": "与投诉人系亲属"}, "in_progress"),
        (org["panel"], "lift_conflict", {"user": "hrss", "reason": "经核实并非亲属"}, "in_progress"),
        (org["housing"], "give_opinion", {"text": "维修资金审核环节无异议"}, "in_progress"),
        (center, "urge", {"note": "请加快办理"}, "in_progress"),
        (center, "supervise", {"note": "列入督办", "deadline": "2030-01-31"}, "in_progress"),
        (
            handler,
            "submit_result",
            {"substantiated": "yes", "findings": "属实", "solution": "批评教育", "proposed_reply": "已整改"},
            "pending_approval",
        ),
        (center, "reject_result", {"note": "调查不充分"}, "in_progress"),
        (
            handler,
            "submit_result",
            {
                "substantiated": "partly",
                "findings": "部分属实",
                "solution": "整改",
                "proposed_reply": "已整改",
                "compensation_type": "道歉",
            },
            "pending_approval",
        ),
        (center, "approve", {"note": "同意"}, "approved"),
        (handler, "reply", {"method": "phone", "text": "经核查部分属实,已整改。"}, "replied"),
        (followup, "follow_up", {"satisfaction": "unsatisfied", "note": "认为处理太轻"}, "in_progress"),
        (
            handler,
            "submit_result",
            {"substantiated": "yes", "findings": "属实", "solution": "处分", "proposed_reply": "已处分"},
            "pending_approval",
        ),
        (center, "approve", {}, "approved"),
        (handler, "reply", {"method": "phone", "text": "已处分相关人员。"}, "replied"),
        (followup, "follow_up", {"satisfaction": "satisfied"}, "closed"),
        (clerk, "request_review", {"reason": "认为仍有遗漏"}, "under_review"),
        (org["leader"], "decide_review", {"upheld": True, "note": "维持原处理"}, "closed"),  # the unit above amr
        (center, "reopen", {"facts": "投诉人提供了新证据"}, "accepted"),
        (
            clerk,
            "resolve_on_spot",
            {"solution": "当场说明", "reply_method": "phone", "reply_text": "已答复"},
            "replied",
        ),
        (followup, "follow_up", {"satisfaction": "basic"}, "closed"),
        (center, "archive", {}, "archived"),
    ]
    for user, action, body, status in steps:
        detail = act(api, user, n, action, **body)
        assert detail["status"] == status, (action, detail["status"])

    assert detail["allowed_actions"] == []  # archived: frozen for everyone
    history = api.get(clerk, f"/complaints/{n}/events").json()["events"]
    assert [e["action"] for e in history] == ["register"] + [s[1] for s in steps]
    assert [e["version"] for e in history] == list(range(1, len(steps) + 2))

    declined = new(api, clerk)["number"]
    act(api, center, declined, "decline", reason="E_out_of_scope", forwarded_to="县人民法院")
    act(api, clerk, declined, "request_review", reason="认为属于受理范围")
    # A decline is the centre's result: the unit above the centre decides its review.
    assert act(api, org["leader"], declined, "decide_review", upheld=False, note="应予受理")["status"] == "accepted"

    withdrawn = new(api, clerk)["number"]
    assert act(api, clerk, withdrawn, "withdraw", statement="已自行解决")["status"] == "withdrawn"

    # The centre closes a case replied on the spot without a visit, saying why (the preset allows it).
    spot = new(api, clerk)["number"]
    act(api, clerk, spot, "resolve_on_spot", solution="当场说明", reply_method="phone", reply_text="已当场答复")
    closed = act(api, center, spot, "close", reason="投诉人表示无须回访")
    assert closed["status"] == "closed" and closed["close_reason"] == "免予回访：投诉人表示无须回访"

    merged = new(api, clerk)["number"]
    result = act(api, center, merged, "merge", target=declined)
    assert result["status"] == "merged" and result["merged_into"] == declined

    # A unit hands a case down to its section, which returns it up; the unit escalates it.
    down = new(api, clerk)["number"]
    act(api, clerk, down, "accept", category="G0201", grade="normal")
    act(api, center, down, "dispatch", unit="amr", mode="assign")
    assert (
        act(api, org["head"], down, "sub_dispatch", unit="amr-consumer", handler="consumer")["status"] == "dispatched"
    )
    back = act(api, org["consumer"], down, "return", reason="wrong_unit")
    assert back.get("in_scope") is False and back["status"] == "in_progress"
    act(api, org["head"], down, "escalate", reason="涉及县政府协调")
    up = api.get(center, f"/complaints/{down}").json()
    assert up["handling_unit"] == "county" and up["handling_level"] == 1 and up["returns_count"] == 1

    # Where the approval chain is in force: proposed, signed by the centre head, approved by the leader.
    settings.TOUSU_DISPATCH_APPROVAL = True
    signed = new(api, clerk)["number"]
    act(api, clerk, signed, "accept", category="G0201", grade="normal")
    act(api, center, signed, "propose_dispatch", unit="housing", mode="assign")
    act(api, org["center_head"], signed, "decide_dispatch", approved=True, note="同意")
    assert act(api, org["leader"], signed, "decide_dispatch", approved=True)["status"] == "dispatched"

    performed = {s[1] for s in steps} | {
        "close",
        "decline",
        "request_review",
        "decide_review",
        "withdraw",
        "merge",
        "sub_dispatch",
        "return",
        "escalate",
        "propose_dispatch",
        "decide_dispatch",
    }
    from tousu.complaints.actions import FORM_ACTIONS

    assert performed == set(FORM_ACTIONS)


@pytest.mark.django_db
def test_it_lists_with_filters_and_keyset_pagination(api_client, org):
    api, clerk, center = api_client, org["clerk"], org["center"]
    numbers = [new(api, clerk)["number"] for _ in range(5)]
    act(api, clerk, numbers[0], "accept", category="G0201", grade="important")
    act(api, center, numbers[0], "dispatch", unit="amr", mode="assign")

    page1 = api.get(center, "/complaints", limit=2).json()
    assert [r["number"] for r in page1["items"]] == numbers[::-1][:2]
    page2 = api.get(center, "/complaints", limit=2, cursor=page1["next_cursor"]).json()
    assert [r["number"] for r in page2["items"]] == numbers[::-1][2:4]
    last = api.get(center, "/complaints", limit=2, cursor=page2["next_cursor"]).json()
    assert [r["number"] for r in last["items"]] == numbers[:1] and last["next_cursor"] is None

    rows = api.get(center, "/complaints", status="dispatched", unit="amr").json()["items"]
    assert [r["number"] for r in rows] == [numbers[0]]
    assert rows[0]["phone"] == "138****5678"
    assert api.get(center, "/complaints", grade="important").json()["items"][0]["number"] == numbers[0]
    assert len(api.get(center, "/complaints", status="registered", channel="hotline").json()["items"]) == 4
    assert api.get(center, "/complaints", q="跑了四趟", limit=100).json()["items"]
    assert api.get(center, "/complaints", overdue="true").json()["items"] == []
    bad = api.get(center, "/complaints", status="nonsense")
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


@pytest.mark.django_db
def test_it_filters_open_or_finished_and_derives_timing(api_client, org):
    api, clerk = api_client, org["clerk"]
    open_one = new(api, clerk)["number"]
    withdrawn = new(api, clerk)["number"]
    act(api, clerk, withdrawn, "withdraw", statement="已解决")
    assert [r["number"] for r in api.get(clerk, "/complaints", open="true").json()["items"]] == [open_one]
    finished = api.get(clerk, "/complaints", open="false").json()["items"]
    assert [r["number"] for r in finished] == [withdrawn] and finished[0]["timing"] == ""
    assert api.get(clerk, f"/complaints/{open_one}").json()["timing"] == "on_time"
