"""The web forms refuse out-of-range input with a message and change nothing (security issue,
found item 5): dates beyond the calendar on accept, the list and its exports, and a unit update
whose move is refused."""

import pytest

from tousu.accounts.models import AdminLog, Unit
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_accept_refuses_an_agreed_due_outside_the_calendar(client, register, clerk, value):
    c = register()
    client.force_login(clerk)
    response = client.post(
        f"/c/{c.number}/accept/", {"version": c.version, "category": "G0201", "grade": "normal", "agreed_due": value}
    )
    assert response.status_code == 422
    assert "2000-01-01 至 2099-12-31" in response.content.decode()
    assert Complaint.objects.get().status == "registered"


@pytest.mark.parametrize("params", [{"received_to": "9999-12-31"}, {"received_from": "0001-01-01"}])
@pytest.mark.parametrize("path", ["/list/", "/list/export/?format=csv", "/list/export/?format=xlsx"])
def test_the_list_and_its_exports_refuse_dates_outside_the_calendar(client, register, center, params, path):
    register()
    client.force_login(center)
    response = client.get(path, params, follow=True)
    assert response.status_code == 200
    assert "筛选条件有误" in response.content.decode()


def test_a_refused_move_saves_none_of_the_other_changes(client, org):
    amr = Unit.objects.get(code="amr")
    section = Unit.objects.filter(parent=amr).first()
    logged = AdminLog.objects.count()
    client.force_login(org["admin"])
    response = client.post(
        "/units/",
        {
            "op": "update",
            "code": "amr",
            "name": "改名后的局",
            "head": "",
            "business_hours": "",
            "authority_level": "",
            "parent": section.code,
        },
        follow=True,
    )
    assert "不能把单位移到它自己或它的下级单位之下" in response.content.decode()
    amr.refresh_from_db()
    assert amr.name != "改名后的局" and amr.parent.code != section.code
    assert AdminLog.objects.count() == logged


def test_a_unit_update_with_a_move_saves_both(client, org):
    client.force_login(org["admin"])
    client.post(
        "/units/",
        {
            "op": "update",
            "code": "housing",
            "name": "县住房和城乡建设局(新)",
            "business_hours": "",
            "authority_level": "",
            "parent": "amr",
        },
    )
    housing = Unit.objects.get(code="housing")
    assert housing.name == "县住房和城乡建设局(新)" and housing.parent.code == "amr"
