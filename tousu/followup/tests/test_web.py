"""The reply and the return visit on the complaint page: the forms offer the preset's methods, the
SMS to send is shown once, each visit is listed, and bad input comes back with its message."""

from __future__ import annotations

import re

import pytest

from tousu.complaints.models import Complaint
from tousu.followup.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(register, walk):
    return walk(register(), "accept", "dispatch", "sign", "submit_result", "approve")


def test_an_sms_reply_shows_the_text_to_send_once(client, approved, handler, center):
    client.force_login(handler)
    page = client.get(f"/c/{approved.number}/").content.decode()
    assert 'name="given_by"' in page and 'name="sms_to"' in page and 'type="datetime-local"' in page
    done = client.post(
        f"/c/{approved.number}/reply/", {"version": approved.version, "method": "sms", "text": "已整改。"}, follow=True
    )
    shown = done.content.decode()
    assert "请经短信平台发送以下短信" in shown and re.search(r"查询密码[A-Z0-9]{8}", shown)
    client.force_login(center)
    later = client.get(f"/c/{approved.number}/").content.decode()
    assert "请经短信平台发送" not in later and "短信发至138****5678" in later and "含投诉编号及查询密码" in later


def test_the_visit_form_offers_the_presets_methods_and_lists_each_visit(client, approved, walk, followup):
    c = walk(approved, "reply")
    client.force_login(followup)
    page = client.get(f"/c/{c.number}/").content.decode()
    form = page[page.index('id="f-follow_up-method"') :]
    options = re.findall(r'<option value="(\w+)"', form[: form.index("</select>")])
    assert options == ["phone", "sms", "home"]  # the government preset's
    bad = client.post(
        f"/c/{c.number}/follow_up/", {"version": c.version, "satisfaction": "unreachable", "method": "portal"}
    )
    assert bad.status_code == 422 and not Visit.objects.exists()
    client.post(
        f"/c/{c.number}/follow_up/",
        {"version": c.version, "satisfaction": "unreachable", "method": "phone", "note": "无人接听"},
    )
    c = Complaint.objects.get(pk=c.pk)
    client.post(f"/c/{c.number}/follow_up/", {"version": c.version, "satisfaction": "satisfied", "method": "home"})
    page = client.get(f"/c/{c.number}/").content.decode()
    listed = page[page.index("回访记录") :]
    assert "无人接听" in listed and "上门走访" in listed and "满意" in listed and "刘芳" in listed
    assert Complaint.objects.get(pk=c.pk).status == "closed"
