"""The routes under /api/v1/capa: 201, 422 (nothing written), 404 outside the scope, 403, 409."""

import pytest
import time_machine

from tousu.capa.models import Action
from tousu.capa.tests.helpers import complaint, manufacturing
from tousu.complaints.models import Event
from tousu.presets.tests.walk import at

pytestmark = pytest.mark.django_db


def body(number: str, **more):
    return {"complaints": [number], "kind": "corrective", "title": "改进浇注系统", "owner": "head", **more}


def test_an_action_is_made_worked_and_read_through_the_api(api_client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00", batch="ZZ260225-01")
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        made = api_client.post(users["quality"], "/capa", body(c.number))
    assert made.status_code == 201, made.content
    row = made.json()
    assert row["status"] == "open" and row["due_on"] == "2026-03-16" and row["complaints"] == [c.number]
    assert row["criterion"] == "同一产品「变速器壳体」：此后3批产品不再发生（末批记录后观察30日）"
    n = row["id"]
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        r = api_client.post(users["head"], f"/capa/{n}/done", {"evidence": "首件合格"})
        assert r.status_code == 200 and r.json()["status"] == "verifying"
        r = api_client.post(users["head"], f"/capa/{n}/batches", {"batches": [{"number": "B1"}, {"number": "B2"}]})
        assert r.status_code == 200 and [b["number"] for b in r.json()["batches"]] == ["B1", "B2"]
    again = complaint(users, "2026-03-20 09:00", batch="B2")
    read = api_client.get(users["quality"], f"/capa/{n}").json()
    assert read["status"] == "ineffective" and read["broken_by"] == again.number
    assert [h["step"] for h in read["history"]] == ["create", "done", "batches", "ineffective"]
    listed = api_client.get(users["quality"], "/capa", status="ineffective").json()
    assert [a["id"] for a in listed["items"]] == [n] and listed["count"] == 1
    assert api_client.get(users["quality"], "/capa", status="open").json()["items"] == []
    assert [a["id"] for a in api_client.get(users["quality"], "/capa", owner="head").json()["items"]] == [n]


def test_bad_input_is_a_422_that_writes_nothing(api_client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    events = Event.objects.count()
    for bad in (
        body(c.number, kind="bribe"),
        body(c.number, owner="nobody"),
        body(c.number, count=0),
        body(c.number, scope="planet"),
        {"kind": "corrective"},
        body(c.number, extra="x"),
    ):
        r = api_client.post(users["quality"], "/capa", bad)
        assert r.status_code == 422, (bad, r.content)
        assert "message" in r.json()
    assert not Action.objects.exists() and Event.objects.count() == events
    assert api_client.get(users["quality"], "/capa", status="nonsense").status_code == 422


def test_outside_the_scope_404_and_for_another_role_403(api_client, settings) -> None:
    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    assert api_client.post(users["machining"], "/capa", body(c.number)).status_code == 404
    assert api_client.post(users["clerk"], "/capa", body(c.number)).status_code == 403
    made = api_client.post(users["quality"], "/capa", body(c.number)).json()
    assert api_client.get(users["moulding"], f"/capa/{made['id']}").status_code == 404
    assert api_client.get(users["moulding"], "/capa").json()["items"] == []
    assert api_client.post(users["moulding"], f"/capa/{made['id']}/done", {"evidence": "x"}).status_code == 404
    assert api_client.post(users["followup"], f"/capa/{made['id']}/done", {"evidence": "x"}).status_code == 403
    assert api_client.get(users["quality"], "/capa/999999").status_code == 404
    r = api_client.post(users["quality"], f"/capa/{made['id']}/cancel", {"reason": ""})
    assert r.status_code == 422
    r = api_client.post(users["quality"], f"/capa/{made['id']}/cancel", {"reason": "重复"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api_client.post(users["quality"], f"/capa/{made['id']}/cancel", {"reason": "重复"}).status_code == 409


def test_the_list_runs_a_bounded_number_of_queries(api_client, settings, django_assert_max_num_queries) -> None:
    from tousu.capa.tests.helpers import make

    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    for _ in range(12):
        make(users, "2026-03-02 10:00", [c.number])
    api_client.get(users["quality"], "/capa")  # the token, issued once
    with django_assert_max_num_queries(10):
        listed = api_client.get(users["quality"], "/capa").json()
    assert len(listed["items"]) == 12
