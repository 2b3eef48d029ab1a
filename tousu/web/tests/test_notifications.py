"""Notifications reach their recipients in the web UI and the API, and can be marked read."""

import datetime as dt

import pytest
import time_machine

from tousu.complaints.services.timekeeping import scan_deadlines

pytestmark = pytest.mark.django_db


def test_the_handler_sees_and_clears_an_overdue_notice(client, api_client, org, register, walk):
    c = walk(register(), "accept", "dispatch", "sign")
    with time_machine.travel(c.handling_due + dt.timedelta(hours=2)):
        scan_deadlines()
    client.force_login(org["handler"])
    home = client.get("/").content.decode()
    assert 'class="badge-count">2<' in home  # the dispatch to the unit, then the overdue notice
    page = client.get("/notifications/").content.decode()
    assert c.number in page and "超期" in page
    api = api_client.get(org["handler"], "/notifications", unread="true").json()
    assert api["unread"] == 2 and [i["kind"] for i in api["items"]] == ["overdue", "work"]
    assert {i["number"] for i in api["items"]} == {c.number}
    client.post("/notifications/")
    assert 'class="badge-count"' not in client.get("/").content.decode()
    assert api_client.get(org["handler"], "/notifications").json()["unread"] == 0
    assert (
        api_client.get(org["outsider"] if "outsider" in org else org["housing"], "/notifications").json()["items"] == []
    )
