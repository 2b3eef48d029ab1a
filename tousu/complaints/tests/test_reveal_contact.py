"""Calling the complainant back (issue 12): the full number is masked by default and revealed in one
click to whoever the preset allows, with a reason, as an event; never to a respondent-side unit."""

from __future__ import annotations

import pytest

from tousu.complaints.models import Event
from tousu.presets import demo_data

pytestmark = pytest.mark.django_db
PASSWORD = demo_data("government").password


def test_the_follow_up_agent_reveals_the_phone_on_record(api_client, org, register, walk) -> None:
    c = walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply")
    answer = api_client.post(org["followup"], f"/complaints/{c.number}/contact-details", {"reason": "回访"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["complainants"] == [{"name": "张三", "phone": "13812345678", "email": ""}]
    event = Event.objects.filter(complaint=c, action="reveal_contact").get()
    assert (event.actor_name, event.note) == ("followup", "回访")
    detail = api_client.get(org["followup"], f"/complaints/{c.number}").json()
    assert detail["complainants"][0]["phone"] == "138****5678"  # masked again everywhere else


def test_a_respondent_unit_cannot_reveal_and_a_reason_is_required(api_client, org, register, walk) -> None:
    c = walk(register(), "accept", "dispatch")  # dispatched to 市场监管局, the unit complained about
    refused = api_client.post(org["handler"], f"/complaints/{c.number}/contact-details", {"reason": "想打电话"})
    assert refused.status_code == 403 and refused.json()["code"] == "contact_reveal_refused"
    assert api_client.post(org["center"], f"/complaints/{c.number}/contact-details", {"reason": " "}).status_code == 422
    assert not Event.objects.filter(complaint=c, action="reveal_contact").exists()


def test_the_page_reveals_the_number_once_and_records_it(client, org, register, walk) -> None:
    c = walk(register(), "accept")
    client.login(username="center", password=PASSWORD)
    page = client.get(f"/c/{c.number}/").content.decode()
    assert "138****5678" in page and "显示完整号码" in page and "13812345678" not in page
    shown = client.post(f"/c/{c.number}/contact/", {"reason": "电话答复"}).content.decode()
    assert "13812345678" in shown and "查看完整联系方式" in shown  # the event in the history
    assert "13812345678" not in client.get(f"/c/{c.number}/").content.decode()
