"""The reply check through HTTP: the API's action routes and detail, and the complaint page's
forms (result, reply, the clerk's edit of the items)."""

from __future__ import annotations

import pytest

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event
from tousu.replycheck.models import DemandItem
from tousu.replycheck.tests.test_enforcement import DEMANDS, THIRD, TWO_OF_THREE

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_progress(register, walk):
    return walk(register(demands=DEMANDS), "accept", "dispatch", "sign")


def _fresh(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


def test_the_api_refuses_a_result_naming_the_third_demand_then_takes_the_decline(in_progress, handler, api_client):
    path = f"/complaints/{in_progress.number}/submit_result"
    body = {"version": in_progress.version, **TWO_OF_THREE}
    refused = api_client.post(handler, path, body)
    assert refused.status_code == 422, refused.json()
    error = refused.json()
    assert error["code"] == "demand_unanswered" and "第3项「说明收费依据」" in error["message"]
    assert error["data"]["field"] == "declined" and error["data"]["unanswered"][0]["position"] == 3
    assert _fresh(in_progress).status == "in_progress"
    passed = api_client.post(handler, path, {**body, "declined": {"3": "收费依据已书面告知"}})
    assert passed.status_code == 200, passed.json()
    items = {i["position"]: i for i in passed.json()["demand_items"]}
    assert [items[p]["state"] for p in (1, 2, 3)] == ["answered", "answered", "declined"]
    assert items[3]["reason"] == "收费依据已书面告知" and items[1]["evidence"]["matched"]
    detail = api_client.get(handler, f"/complaints/{in_progress.number}").json()
    assert detail["demand_items"] == passed.json()["demand_items"]
    report = verify_audit()
    assert report.ok, report.problems


def test_the_api_refuses_a_reply_meeting_two_of_three(in_progress, handler, center, api_client, walk):
    c = in_progress
    ok = api_client.post(
        handler,
        f"/complaints/{c.number}/submit_result",
        {"version": c.version, **TWO_OF_THREE, "proposed_reply": TWO_OF_THREE["proposed_reply"] + THIRD},
    )
    assert ok.status_code == 200, ok.json()
    c = walk(_fresh(c), "approve")
    reply = {"version": c.version, "method": "phone", "text": TWO_OF_THREE["proposed_reply"]}
    refused = api_client.post(handler, f"/complaints/{c.number}/reply", reply)
    assert refused.status_code == 422 and "说明收费依据" in refused.json()["message"]
    passed = api_client.post(handler, f"/complaints/{c.number}/reply", {**reply, "text": reply["text"] + THIRD})
    assert passed.status_code == 200, passed.json()
    assert {i["state"] for i in passed.json()["demand_items"]} == {"answered"}


def test_old_clients_without_declined_still_work(register, walk, handler, api_client):
    c = walk(register(demands="要求尽快办结"), "accept", "dispatch", "sign")
    body = {
        "version": c.version,
        "substantiated": "yes",
        "findings": "属实",
        "solution": "批评教育",
        "proposed_reply": "已整改",
    }
    assert api_client.post(handler, f"/complaints/{c.number}/submit_result", body).status_code == 200


def test_the_web_form_shows_the_items_and_refuses_naming_the_third(in_progress, handler, client):
    client.force_login(handler)
    page = client.get(f"/c/{in_progress.number}/").content.decode()
    assert 'id="demand-items"' in page and "说明收费依据" in page
    assert 'name="declined" value="3"' in page and 'name="declined_reason_3"' in page
    form = {"version": in_progress.version, **TWO_OF_THREE}
    refused = client.post(f"/c/{in_progress.number}/submit_result/", form)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "第3项「说明收费依据」" in html and 'role="alert"' in html
    assert html.count('<strong class="unanswered">') == 1  # the third item, marked in the form
    assert TWO_OF_THREE["findings"] in html  # the handler's input is kept
    assert _fresh(in_progress).status == "in_progress"
    done = client.post(
        f"/c/{in_progress.number}/submit_result/", {**form, "declined": ["3"], "declined_reason_3": "依据已书面告知"}
    )
    assert done.status_code == 302
    assert _fresh(in_progress).status == "pending_approval"
    item = DemandItem.objects.get(complaint=in_progress, position=3)
    assert (item.state, item.reason) == ("declined", "依据已书面告知")
    assert Event.objects.get(complaint=in_progress, action="submit_result").payload["demands"]["declined"] == {
        "3": "依据已书面告知"
    }


def test_a_ticked_item_without_a_reason_is_refused_on_the_form(in_progress, handler, client):
    client.force_login(handler)
    form = {"version": in_progress.version, **TWO_OF_THREE, "declined": ["3"], "declined_reason_3": " "}
    refused = client.post(f"/c/{in_progress.number}/submit_result/", form)
    assert refused.status_code == 422 and "请填写第3项诉求不予回应的理由" in refused.content.decode()


def test_the_approver_sees_the_check_on_the_page(in_progress, handler, center, client):
    client.force_login(handler)
    client.post(
        f"/c/{in_progress.number}/submit_result/",
        {"version": in_progress.version, **TWO_OF_THREE, "declined": ["3"], "declined_reason_3": "依据已书面告知"},
    )
    client.force_login(center)
    html = client.get(f"/c/{in_progress.number}/").content.decode()
    assert 'data-position="3" data-state="declined"' in html and "理由：依据已书面告知" in html
    assert 'data-position="1" data-state="answered"' in html


def test_the_clerk_edits_the_items_on_the_page_and_a_handler_cannot(register, clerk, handler, client, walk):
    c = register(demands="要求退还年费并说明收费依据")
    client.force_login(clerk)
    page = client.get(f"/c/{c.number}/").content.decode()
    assert 'id="edit-demands"' in page
    response = client.post(f"/c/{c.number}/demand-items/", {"items": "退还年费\n说明收费依据\n柜员道歉\n"})
    assert response.status_code == 302
    assert list(DemandItem.objects.filter(complaint=c).values_list("text", flat=True)) == [
        "退还年费",
        "说明收费依据",
        "柜员道歉",
    ]
    assert Event.objects.filter(complaint=c, action="edit_demands", actor=clerk).exists()
    c = walk(_fresh(c), "accept", "dispatch", "sign")
    client.force_login(handler)
    assert 'id="edit-demands"' not in client.get(f"/c/{c.number}/").content.decode()
    refused = client.post(f"/c/{c.number}/demand-items/", {"items": "别的"}, follow=True)
    assert "不能执行“修改诉求事项”" in refused.content.decode()  # the refusal, as the page's message
    assert DemandItem.objects.filter(complaint=c).count() == 3


def test_the_api_edits_the_items_for_the_clerk_only(register, walk, clerk, handler, api_client):
    c = register(demands="要求退还年费并说明收费依据")
    done = api_client.client_put(clerk, f"/complaints/{c.number}/demand-items", {"items": ["退还年费", "柜员道歉"]})
    assert done.status_code == 200, done.json()
    assert [i["text"] for i in done.json()["demand_items"]] == ["退还年费", "柜员道歉"]
    assert Event.objects.filter(complaint=c, action="edit_demands", actor=clerk).exists()
    bad = api_client.client_put(clerk, f"/complaints/{c.number}/demand-items", {"items": ["长" * 501]})
    assert bad.status_code == 422 and "不超过500字" in bad.json()["message"]
    c = walk(_fresh(c), "accept", "dispatch", "sign")
    refused = api_client.client_put(handler, f"/complaints/{c.number}/demand-items", {"items": ["别的"]})
    assert refused.status_code == 403
    assert [i.text for i in DemandItem.objects.filter(complaint=c)] == ["退还年费", "柜员道歉"]


def test_the_web_reply_form_refuses_two_of_three_and_takes_the_third_answered(in_progress, handler, client, walk):
    from tousu.complaints.actions import perform

    c = perform(
        "submit_result",
        handler,
        in_progress.number,
        {"version": in_progress.version, **TWO_OF_THREE, "proposed_reply": TWO_OF_THREE["proposed_reply"] + THIRD},
    )
    c = walk(c, "approve")
    client.force_login(handler)
    form = {"version": c.version, "method": "phone", "text": TWO_OF_THREE["proposed_reply"]}
    refused = client.post(f"/c/{c.number}/reply/", form)
    assert refused.status_code == 422 and "第3项「说明收费依据」" in refused.content.decode()
    assert _fresh(c).status == "approved"
    done = client.post(f"/c/{c.number}/reply/", {**form, "text": form["text"] + THIRD})
    assert done.status_code == 302 and _fresh(c).status == "replied"
    assert Event.objects.get(complaint=c, action="reply").payload["demands"] == {"answered": [1, 2, 3], "declined": {}}
