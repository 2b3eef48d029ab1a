"""GET /api/v1/complaints/{number}/archive, the web link and the service: one zip holding the
dossier, the letters, the attachments and a manifest — redacted for a redacted reader."""

import hashlib
import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from tousu.archive import services
from tousu.archive.tests.conftest import ADDRESS, EMAIL, IDENTITY, NAME, PHONE
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Event

pytestmark = pytest.mark.django_db


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def pdf_text(content: bytes) -> str:
    """The PDF's text without white space (pypdf breaks lines where the layout does)."""
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def readable(name: str, content: bytes) -> str:
    """A member as text, whatever it is: PDF text, or the bytes decoded."""
    text = name + "\n"
    if name.endswith(".pdf"):
        text += pdf_text(content)
    return text + content.decode("utf-8", errors="ignore")


def test_the_centres_zip_holds_the_whole_record(api_client, archived, center):
    r = api_client.get(center, f"/complaints/{archived.number}/archive")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert f"{archived.number}-archive.zip" in r["Content-Disposition"]
    files = members(b"".join(r.streaming_content))

    dossier = pdf_text(files[f"{archived.number}-dossier.pdf"])
    assert archived.number in dossier and "营业执照窗口办事拖拉" in dossier and NAME in dossier
    assert ADDRESS in dossier and EMAIL in dossier  # the control of the redacted reader's test
    for label in ("登记", "受理", "分办", "提交办理结果", "审核通过", "答复", "回访", "归档", "导出归档文件"):
        assert label in dossier, label
    assert "办理记录" in dossier and "要求尽快办结" in dossier  # the events and the demand items

    letters = [n for n in files if n.startswith("letters/")]
    assert len(letters) == 1 and letters[0].endswith("行政效能投诉答复意见书.pdf")
    assert NAME in pdf_text(files[letters[0]])  # the centre sees the salutation as written
    attached = sorted(n for n in files if n.startswith("attachments/"))
    assert len(attached) == 2 and any(n.endswith("现场照片.png") for n in attached)

    manifest = json.loads(files["manifest.json"])
    assert manifest["number"] == archived.number and manifest["exported_by"] == center.username
    assert manifest["redacted"] is False and manifest["withheld"] == []
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["size"] == len(files[name]) and entry["sha256"] == hashlib.sha256(files[name]).hexdigest()


def test_a_redacted_readers_zip_holds_no_identity(api_client, archived, handler):
    r = api_client.get(handler, f"/complaints/{archived.number}/archive")
    assert r.status_code == 200
    files = members(b"".join(r.streaming_content))
    everything = "\n".join(readable(name, content) for name, content in files.items())
    for identity in IDENTITY:
        assert identity not in everything, identity
    assert PHONE[-4:] not in "".join(ch for ch in everything if ch.isdigit() or ch == "\n").split("\n")
    dossier = pdf_text(files[f"{archived.number}-dossier.pdf"])
    assert archived.number in dossier and "已隐去投诉人身份信息" in dossier and "回访" in dossier
    assert len([n for n in files if n.startswith("letters/")]) == 1  # the letter, scrubbed
    # Only the released photo: the note naming the complainant is withheld and said so.
    assert [n for n in files if n.startswith("attachments/")] == [
        n for n in files if n.startswith("attachments/") and n.endswith("现场照片.png")
    ]
    manifest = json.loads(files["manifest.json"])
    assert manifest["redacted"] is True and [w["reason"] for w in manifest["withheld"]] == ["not_released"]
    assert "未收入本归档文件" in dossier


def test_a_released_text_naming_the_complainant_is_withheld(archived, center, handler, tmp_path, settings):
    from pathlib import Path

    from tousu.complaints.models import Attachment

    note = Attachment.objects.get(complaint=archived, original_name__endswith=".txt")
    Attachment.objects.filter(pk=note.pk).update(released=True)  # released by mistake, before archiving
    with (tmp_path / "h.zip").open("wb") as out:
        manifest = services.export(actor=handler, number=archived.number, out=out)
    assert {"kind": "attachment", "id": note.pk, "reason": "holds_identity"} in manifest["withheld"]
    assert Path(settings.MEDIA_ROOT, note.stored_name).exists()  # withheld from the zip, kept on disk


def test_the_export_is_on_the_record_and_the_history_still_verifies(api_client, archived, handler):
    before = archived.version
    assert api_client.get(handler, f"/complaints/{archived.number}/archive").status_code == 200
    event = Event.objects.filter(complaint=archived).order_by("-seq").first()
    assert event.action == "export_archive" and event.actor_name == handler.username
    assert event.from_status == event.to_status == "archived" and event.seq == before + 1
    assert verify_audit().ok


def test_any_state_may_be_exported(api_client, register, clerk):
    c = register()
    r = api_client.get(clerk, f"/complaints/{c.number}/archive")
    assert r.status_code == 200
    files = members(b"".join(r.streaming_content))
    assert "张三" in pdf_text(files[f"{c.number}-dossier.pdf"])


def test_outside_the_scope_or_unknown_is_a_404(api_client, archived, outsider, center):
    assert api_client.get(outsider, f"/complaints/{archived.number}/archive").status_code == 404
    assert not Event.objects.filter(complaint=archived, action="export_archive").exists()
    for number in ("NOPE", "x" * 300, "../../etc"):
        assert api_client.get(center, f"/complaints/{number}/archive").status_code == 404
    nul = api_client.get(center, "/complaints/%00/archive")  # refused before routing, in Chinese
    assert nul.status_code == 400 and nul.json()["message"]


def test_the_complaint_page_links_the_archive_file(client, archived, handler):
    client.force_login(handler)
    page = client.get(f"/c/{archived.number}/")
    assert "下载归档文件" in page.content.decode() and f"/c/{archived.number}/archive-file/" in page.content.decode()
    r = client.get(f"/c/{archived.number}/archive-file/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    files = members(b"".join(r.streaming_content))
    assert json.loads(files["manifest.json"])["redacted"] is True
    assert client.get("/c/NOPE/archive-file/").status_code == 404
