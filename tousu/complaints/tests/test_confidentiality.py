"""No complainant identity reaches a respondent unit's user through any face — until a centre
supervisor grants it (SPEC §1, §7; seed 004 art. 17)."""

import datetime as dt
import io
import json

import pytest
import time_machine

from tousu.complaints import attachments, inputs, services
from tousu.complaints.services import grants
from tousu.complaints.services.timekeeping import scan_deadlines
from tousu.conftest import registration
from tousu.core.errors import Conflict, NotPermitted

pytestmark = pytest.mark.django_db

SECRETS = ["张三丰", "13812345678", "138****5678", "11010519491231002X", "zhang@example.cn", "幸福路8号", "县第二中学"]


@pytest.fixture
def case(clerk, walk, org):
    """A complaint about 市场监管局, dispatched to it: its handler is the party complained about."""
    c = services.register(
        actor=clerk,
        data=registration(
            summary="张三丰投诉窗口人员",
            content="我叫张三丰,电话13812345678,身份证11010519491231002X,邮箱zhang@example.cn,住幸福路8号。",
            complainants=[
                inputs.ComplainantSchema(
                    name="张三丰",
                    phone="13812345678",
                    id_number="11010519491231002X",
                    email="zhang@example.cn",
                    address="幸福路8号",
                    organisation="县第二中学",
                )
            ],
            respondents=[inputs.RespondentSchema(unit="amr")],
        ),
    ).complaint
    c = walk(c, "accept", "dispatch", "sign")
    c = services.urge(
        actor=org["center"],
        number=c.number,
        data=inputs.RequiredNote(version=c.version, note="请尽快联系张三丰(13812345678)"),
    )
    attachments.add(actor=clerk, number=c.number, data=inputs.Attach(name="录音.txt", content=b"recording"))
    return c


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def everything_a_user_sees(client, api_client, user, c) -> str:
    client.force_login(user)
    parts = [
        client.get(f"/c/{c.number}/").content.decode(),
        client.get("/list/").content.decode(),
        client.get("/").content.decode(),
        client.get("/notifications/").content.decode(),
    ]
    for path in [f"/complaints/{c.number}", "/complaints", f"/complaints/{c.number}/events", "/notifications"]:
        parts.append(json.dumps(api_client.get(user, path).json(), ensure_ascii=False))
    parts += [exported(client.get("/list/export/", {"format": fmt})) for fmt in ("csv", "xlsx")]
    parts += [exported(api_client.get(user, "/complaints/export", format=fmt)) for fmt in ("csv", "xlsx")]
    assert c.number in parts[-1]
    return "\n".join(parts)


def exported(response) -> str:
    """An export's text: the CSV as is, the workbook's cells one per line."""
    assert response.status_code == 200, response.getvalue()[:300]
    if response["Content-Type"].startswith("text/csv"):
        return response.getvalue().decode("utf-8-sig")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    return "\n".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row if v is not None)


def test_a_respondent_units_user_sees_no_identity_anywhere(client, api_client, org, case):
    with time_machine.travel(case.handling_due + dt.timedelta(hours=1)):
        scan_deadlines()  # notifications about the case, to handler and head
    for persona in ("handler", "head"):
        seen = everything_a_user_sees(client, api_client, org[persona], case)
        assert case.number in seen
        assert leaks(seen) == [], persona
    attachment = case.attachments.get()
    assert api_client.get(org["handler"], f"/complaints/{case.number}/attachments/{attachment.id}").status_code == 404
    client.force_login(org["handler"])
    assert client.get(f"/c/{case.number}/files/{attachment.id}/").status_code == 404


def test_the_centre_sees_the_identity(client, api_client, org, case):
    seen = everything_a_user_sees(client, api_client, org["center"], case)
    assert "张三丰" in seen and "138****5678" in seen


def test_identity_becomes_visible_only_after_a_grant(client, api_client, org, case):
    handler, center = org["handler"], org["center"]
    grant = grants.request_identity(
        actor=handler, number=case.number, data=inputs.IdentityRequest(reason="需电话核实情况")
    )
    with pytest.raises(NotPermitted):  # a unit cannot approve its own request
        grants.decide_identity(
            actor=handler, number=case.number, data=inputs.IdentityDecision(approved=True, grant=grant.pk)
        )
    assert leaks(everything_a_user_sees(client, api_client, handler, case)) == []
    with pytest.raises(Conflict):
        grants.request_identity(actor=handler, number=case.number, data=inputs.IdentityRequest(reason="再次申请"))
    grants.decide_identity(
        actor=center, number=case.number, data=inputs.IdentityDecision(approved=True, grant=grant.pk)
    )
    seen = everything_a_user_sees(client, api_client, handler, case)
    assert "张三丰" in seen and "138****5678" in seen
    assert leaks(everything_a_user_sees(client, api_client, org["head"], case)) == []  # the grant is personal
    actions = list(case.events.values_list("action", flat=True))
    assert "request_identity" in actions and "decide_identity" in actions


def test_a_released_attachment_can_be_downloaded(api_client, org, case):
    attachment = case.attachments.get()
    grants.release_attachment(
        actor=org["center"], number=case.number, data=inputs.ReleaseAttachment(attachment=attachment.id)
    )
    response = api_client.get(org["handler"], f"/complaints/{case.number}/attachments/{attachment.id}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"recording"


def test_a_units_own_upload_is_its_to_see_and_the_complainants_waits(api_client, org, case):
    handler = org["handler"]
    theirs = case.attachments.get()  # the complainant's recording, not released
    ours = attachments.add(
        actor=handler,
        number=case.number,
        data=inputs.Attach(name="现场照片.png", content=b"\x89PNG\r\n\x1a\n" + bytes(64), note="现场"),
    )
    listed = api_client.get(handler, f"/complaints/{case.number}").json()["attachments"]
    assert [a["id"] for a in listed] == [ours.pk]
    assert api_client.get(handler, f"/complaints/{case.number}/attachments/{ours.pk}").status_code == 200
    assert api_client.get(handler, f"/complaints/{case.number}/attachments/{theirs.pk}").status_code == 404


def test_a_redacted_transfer_hides_identity_from_a_unit_not_complained_about(org, register, walk, api_client):
    c = walk(register(respondents=[inputs.RespondentSchema(unit_name="某乡镇政府")]), "accept")
    c = services.dispatch(
        actor=org["center"],
        number=c.number,
        data=inputs.Dispatch(version=c.version, unit="amr", mode="assign", redacted=True),
    )
    assert api_client.get(org["handler"], f"/complaints/{c.number}").json()["complainants"] == []
    plain = walk(register(respondents=[inputs.RespondentSchema(unit_name="某乡镇政府")]), "accept")
    plain = services.dispatch(
        actor=org["center"],
        number=plain.number,
        data=inputs.Dispatch(version=plain.version, unit="amr", mode="assign", redacted=False),
    )
    assert api_client.get(org["handler"], f"/complaints/{plain.number}").json()["complainants"][0]["name"] == "张三"


def test_the_grant_through_the_web_and_the_api(client, api_client, org, case):
    client.force_login(org["handler"])
    page = client.get(f"/c/{case.number}/").content.decode()
    assert "摘转件" in page and "张三丰" not in page
    client.post(f"/c/{case.number}/identity/", {"reason": "需当面核实"})
    pending = api_client.get(org["center"], f"/complaints/{case.number}").json()["identity_requests"]
    assert pending[0]["reason"] == "需当面核实" and pending[0]["approved"] is None
    refused = api_client.post(
        org["handler"], f"/complaints/{case.number}/identity-requests/{pending[0]['id']}/decision", {"approved": True}
    )
    assert refused.status_code == 403
    client.force_login(org["center"])
    assert "需当面核实" in client.get(f"/c/{case.number}/").content.decode()
    client.post(f"/c/{case.number}/identity/{pending[0]['id']}/", {"approved": "true"})
    client.force_login(org["handler"])
    assert "张三丰" in client.get(f"/c/{case.number}/").content.decode()
    again = api_client.post(org["handler"], f"/complaints/{case.number}/identity-requests", {"reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "identity_visible"
