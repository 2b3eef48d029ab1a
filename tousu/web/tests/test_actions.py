"""Action forms: rendered from the action table's inputs, validated by them, performed by the services."""

import pytest

from tousu.complaints.actions import FORM_ACTIONS
from tousu.complaints.models import Complaint, Event

pytestmark = pytest.mark.django_db


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


def test_it_renders_one_form_per_allowed_action_with_the_version(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    html = client.get(f"/c/{complaint.number}/").content.decode()
    for action in ("accept", "decline", "resolve_on_spot", "withdraw"):
        assert f'data-action="{action}"' in html
        assert f'action="/c/{complaint.number}/{action}/"' in html
    assert 'data-action="dispatch"' not in html  # the centre's, and not in this state
    assert 'name="version" value="1"' in html
    # Fields and choices come from the pydantic model and the preset.
    for name in FORM_ACTIONS["accept"].input.model_fields:
        assert f'id="f-accept-{name}"' in html or name == "version"
    assert '<option value="G0201">' in html and '<option value="normal">' in html
    assert "<summary>受理</summary>" in html


def test_an_action_form_changes_the_state_and_records_the_event(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    response = client.post(
        f"/c/{complaint.number}/accept/", {"version": "1", "category": "G0201", "grade": "normal", "note": "受理"}
    )
    assert response.status_code == 302 and response["Location"] == f"/c/{complaint.number}/"
    complaint = fresh(complaint)
    assert complaint.status == "accepted" and complaint.version == 2 and complaint.category.code == "G0201"
    assert Event.objects.filter(complaint=complaint, action="accept", actor=clerk).exists()
    assert "：受理已完成" in client.get(response["Location"]).content.decode()


def test_it_converts_checkboxes_multi_selects_and_numbers(client, center, handler, register, walk):
    complaint = walk(register(), "accept")
    client.force_login(center)
    # An unticked checkbox is False: "redacted" is absent from the POST.
    response = client.post(
        f"/c/{complaint.number}/dispatch/",
        {
            "version": complaint.version,
            "unit": "amr",
            "mode": "assign",
            "handler": "handler",
            "co_units": ["housing", "hrss"],
        },
    )
    assert response.status_code == 302
    complaint = fresh(complaint)
    assert sorted(u.code for u in complaint.co_units.all()) == ["housing", "hrss"]
    assert complaint.events.get(action="dispatch").payload["redacted"] is False
    walk(complaint, "sign")
    client.force_login(handler)
    response = client.post(
        f"/c/{complaint.number}/request_extension/",
        {"version": fresh(complaint).version, "days": "5", "reason": "需调取档案"},
    )
    assert response.status_code == 302 and fresh(complaint).extensions.get().days == 5


def test_a_required_yes_no_must_be_chosen(client, center, register, walk):
    complaint = walk(register(), "accept", "dispatch", "sign", "request_extension")
    client.force_login(center)
    url = f"/c/{complaint.number}/decide_extension/"
    response = client.post(url, {"version": complaint.version})
    assert response.status_code == 422 and "此项必填" in response.content.decode()
    response = client.post(url, {"version": complaint.version, "approved": "false", "note": "不同意"})
    assert response.status_code == 302 and fresh(complaint).extensions.get().approved is False


def test_a_stale_version_shows_the_conflict_and_changes_nothing(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    client.post(f"/c/{complaint.number}/accept/", {"version": "1", "category": "G0201", "grade": "normal"})
    before = fresh(complaint)
    events = Event.objects.count()
    response = client.post(f"/c/{complaint.number}/withdraw/", {"version": "1", "statement": "已自行解决"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "记录已被他人修改，请刷新后重试" in html
    assert "已自行解决" in html  # the input is kept
    assert '<details class="action" data-action="withdraw" id="act-withdraw" open>' in html
    after = fresh(complaint)
    assert (after.status, after.version) == (before.status, before.version) and Event.objects.count() == events


def test_a_validation_error_shows_at_its_field_and_keeps_the_input(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    response = client.post(
        f"/c/{complaint.number}/accept/", {"version": "1", "category": "", "grade": "normal", "note": "先记下"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "此项必填" in html and "先记下" in html and '<option value="normal" selected>' in html
    assert fresh(complaint).status == "registered"


def test_a_service_error_is_shown_as_a_form_error(client, center, register, walk):
    complaint = register()
    client.force_login(center)
    response = client.post(f"/c/{complaint.number}/decline/", {"version": "1", "reason": "E_out_of_scope"})
    assert response.status_code == 422
    assert "须写明移送的有权处理机关" in response.content.decode()
    assert fresh(complaint).status == "registered"


def test_an_unknown_merge_target_is_a_form_error_not_a_404(client, center, register):
    complaint = register()
    client.force_login(center)
    response = client.post(f"/c/{complaint.number}/merge/", {"version": "1", "target": "TS1999000009"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "TS1999000009 不存在" in html and 'data-action="merge"' in html and complaint.summary in html
    assert fresh(complaint).status == "registered"


def test_an_action_not_allowed_any_more_is_refused_with_a_message(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    response = client.post(f"/c/{complaint.number}/sign/", {"version": "1"})
    assert response.status_code == 403
    assert "不能执行" in response.content.decode()


def test_after_handing_a_complaint_on_the_user_goes_home(client, handler, register, walk):
    complaint = walk(register(), "accept", "dispatch")
    client.force_login(handler)
    response = client.post(
        f"/c/{complaint.number}/return/",
        {"version": complaint.version, "reason": "wrong_unit", "note": "应由住建局办理"},
    )
    assert fresh(complaint).status == "accepted"
    # The handler no longer sees it: home page with a message, not a 404.
    assert response.status_code == 302 and response["Location"] == "/"
    assert "已移出您的办理范围" in client.get("/").content.decode()


def test_attachments_upload_and_download_within_scope(client, clerk, outsider, register):
    complaint = register()
    client.force_login(clerk)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("说明.txt", "材料内容".encode(), content_type="text/plain")
    response = client.post(f"/c/{complaint.number}/attach/", {"file": upload})
    assert response.status_code == 302
    attachment = complaint.attachments.get()
    page = client.get(f"/c/{complaint.number}/").content.decode()
    assert "说明.txt" in page and f"/c/{complaint.number}/files/{attachment.id}/" in page
    download = client.get(f"/c/{complaint.number}/files/{attachment.id}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == "材料内容".encode()
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    client.post(f"/c/{complaint.number}/attach/", {"file": bad})
    assert "不支持的文件类型" in client.get(f"/c/{complaint.number}/").content.decode()
    client.force_login(outsider)
    assert client.get(f"/c/{complaint.number}/files/{attachment.id}/").status_code == 404


@pytest.mark.parametrize("junk", ["", "\x00", "-1", "abc", "9" * 30, "长" * 21000])
def test_no_junk_in_any_action_form_causes_a_500(client, center, register, junk):
    complaint = register()
    client.force_login(center)
    for action, performed in FORM_ACTIONS.items():
        body = dict.fromkeys(performed.input.model_fields, junk)
        response = client.post(f"/c/{complaint.number}/{action}/", body)
        assert response.status_code in {403, 409, 422}, (action, response.status_code)
    assert fresh(complaint).status == "registered" and fresh(complaint).version == 1


@pytest.mark.parametrize("junk", ["\x00", "abc", "长" * 21000])
def test_no_junk_in_the_intake_form_causes_a_500(client, clerk, junk):
    from tousu.web.forms import Choices
    from tousu.web.intake_form import IntakeForm

    client.force_login(clerk)
    body = {f.name: junk for f in IntakeForm(Choices()).fields}
    assert client.post("/intake/", body).status_code == 422
    assert not Complaint.objects.exists()
