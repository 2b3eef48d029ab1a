"""Recusal (回避) through the faces a user has: assigning the staff member complained about as
handler is refused in the web UI and the API, with the reason, and changes nothing."""

import pytest

from tousu.complaints import inputs, services
from tousu.complaints.models import Complaint, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def about_handler(register, walk):
    return walk(register(respondents=[inputs.RespondentSchema(unit="amr", staff="handler")]), "accept")


def test_the_api_refuses_the_respondent_as_handler(api_client, center, about_handler):
    c = about_handler
    events = Event.objects.count()
    refused = api_client.post(
        center,
        f"/complaints/{c.number}/dispatch",
        {"version": c.version, "unit": "amr", "mode": "assign", "handler": "handler"},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "recusal_required"
    assert "回避" in refused.json()["message"] and refused.json()["data"]["field"] == "handler"
    assert Complaint.objects.get(pk=c.pk).status == "accepted" and Event.objects.count() == events


def test_the_web_form_refuses_the_respondent_as_handler(client, org, center, about_handler):
    c = services.dispatch(
        actor=center,
        number=about_handler.number,
        data=inputs.Dispatch(version=about_handler.version, unit="amr", mode="assign"),
    )
    client.force_login(org["head"])
    page = client.post(f"/c/{c.number}/assign_handler/", {"version": c.version, "handler": "handler"})
    html = page.content.decode()
    assert page.status_code in (200, 422) and "被投诉人" in html and "回避" in html
    assert Complaint.objects.get(pk=c.pk).handler is None
    client.force_login(org["handler"])
    own = client.get(f"/c/{c.number}/").content.decode()
    assert 'data-action="sign"' not in own and 'data-action="return"' not in own  # no part in the case
