"""Inputs at and beyond the edges answer 422 (or 404 for an id that cannot exist) and change
nothing: dates within the calendar's range (2000–2099), naive times read as Beijing time, finite
numbers only, integers within the database's range (security issue, found item 5)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from tousu.complaints.models import Complaint, Event

pytestmark = pytest.mark.django_db

BAD_RECEIVED = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "1900-01-01T00:00:00+08:00",
    1,
    "9999-12-31T23:59:59-12:00",
    "2026-02-30T10:00:00+08:00",
]
BAD_OCCURRED = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z"]


def body(**overrides):
    data = {
        "channel": "hotline",
        "summary": "窗口办事拖拉",
        "content": "跑了四趟没办成。",
        "complainants": [{"name": "张三", "phone": "13812345678"}],
        "respondents": [{"unit": "amr"}],
    }
    data.update(overrides)
    return data


def assert_422(response, field: str) -> None:
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["code"] == "validation_failed"
    assert field in json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("value", BAD_RECEIVED)
def test_it_refuses_a_received_at_outside_the_calendar(api_client, clerk, value):
    assert_422(api_client.post(clerk, "/complaints", body(received_at=value)), "received_at")
    assert not Complaint.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize("value", BAD_OCCURRED)
def test_it_refuses_an_occurred_at_out_of_range(api_client, clerk, value):
    assert_422(api_client.post(clerk, "/complaints", body(occurred_at=value)), "occurred_at")
    assert not Complaint.objects.exists()


def test_it_reads_a_naive_time_as_beijing_time(api_client, clerk):
    response = api_client.post(
        clerk, "/complaints", body(received_at="2026-11-27T10:00:00", occurred_at="2026-11-26T09:30:00")
    )
    assert response.status_code == 201, response.content
    c = Complaint.objects.get()
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert c.received_at == dt.datetime(2026, 11, 27, 10, 0, tzinfo=beijing)
    assert c.occurred_at == dt.datetime(2026, 11, 26, 9, 30, tzinfo=beijing)


def test_it_refuses_an_occurred_at_in_the_future(api_client, clerk):
    later = (timezone.now() + dt.timedelta(days=2)).isoformat()
    assert_422(api_client.post(clerk, "/complaints", body(occurred_at=later)), "occurred_at")


@pytest.mark.parametrize("raw", ['{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}'])
def test_it_refuses_non_finite_numbers_in_extra(client, api_client, clerk, raw):
    api_client.get(clerk, "/complaints")
    text = json.dumps(body())[:-1] + ', "extra": ' + raw + "}"
    response = client.post(
        "/api/v1/complaints",
        text,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_client.tokens[clerk.pk]}",
    )
    assert_422(response, "extra")
    assert not Complaint.objects.exists()


def test_it_refuses_an_integer_beyond_the_database_in_extra(api_client, clerk):
    assert_422(api_client.post(clerk, "/complaints", body(extra={"n": 2**70})), "extra")


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_it_refuses_an_agreed_due_outside_the_calendar(api_client, register, center, value):
    c = register()
    response = api_client.post(
        center,
        f"/complaints/{c.number}/accept",
        {"version": c.version, "category": "G0201", "grade": "normal", "agreed_due": value},
    )
    assert_422(response, "agreed_due")
    assert Complaint.objects.get().version == c.version


@pytest.mark.parametrize(
    "params", [{"received_to": "9999-12-31"}, {"received_from": "0001-01-01"}, {"received_from": "2026-02-30"}]
)
def test_it_refuses_list_dates_outside_the_calendar(api_client, register, center, params):
    register()
    assert_422(api_client.get(center, "/complaints", **params), next(iter(params)))
    assert_422(api_client.get(center, "/complaints/export", format="csv", **params), next(iter(params)))


def test_it_refuses_a_cursor_beyond_the_database(api_client, center):
    assert_422(api_client.get(center, "/complaints", cursor=str(10**20)), "cursor")


def test_it_refuses_notification_ids_beyond_the_database(api_client, handler):
    response = api_client.post(handler, "/notifications/read", {"ids": [99999999999999999999]})
    assert_422(response, "ids")


def test_an_attachment_id_beyond_the_database_is_not_found(api_client, register, center):
    c = register()
    response = api_client.get(center, f"/complaints/{c.number}/attachments/{10**20}")
    assert response.status_code in (404, 422), response.content
    response = api_client.post(
        center, f"/complaints/{c.number}/identity-requests/{10**20}/decision", {"approved": True}
    )
    assert response.status_code in (404, 422), response.content


@pytest.mark.parametrize(
    "deadline", ["9999-99-99", "2026-02-30", "0000-00-00", "9999-12-31", "1999-01-01", "2020-01-01"]
)
def test_it_refuses_a_supervision_deadline_that_is_no_date_in_range(api_client, register, center, deadline):
    c = register()
    response = api_client.post(
        center, f"/complaints/{c.number}/supervise", {"version": c.version, "note": "列入督办", "deadline": deadline}
    )
    assert_422(response, "deadline")
    assert not Event.objects.filter(action="supervise").exists()


def test_a_supervision_deadline_is_recorded_as_a_date(api_client, register, center):
    c = register()
    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = api_client.post(
        center, f"/complaints/{c.number}/supervise", {"version": c.version, "note": "列入督办", "deadline": day}
    )
    assert response.status_code == 200, response.content
    assert Event.objects.get(action="supervise").payload["deadline"] == day


def test_it_refuses_a_version_beyond_the_database(api_client, register, center):
    c = register()
    response = api_client.post(center, f"/complaints/{c.number}/urge", {"version": 10**20, "note": "快"})
    assert_422(response, "version")
