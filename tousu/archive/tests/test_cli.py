"""``tousu archive-file NUMBER [--out PATH] [--as USERNAME]``."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from tousu.archive.tests.conftest import IDENTITY, NAME

pytestmark = pytest.mark.django_db


def test_it_writes_the_file(archived, center, tmp_path):
    out = tmp_path / "a.zip"
    said = io.StringIO()
    call_command("archive_file", archived.number, "--out", str(out), "--as", center.username, stdout=said)
    assert str(out) in said.getvalue() and not (tmp_path / "a.zip.part").exists()
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read("manifest.json"))
        dossier = z.read(f"{archived.number}-dossier.pdf")
    assert manifest["exported_by"] == center.username and manifest["redacted"] is False
    assert NAME in "".join(PdfReader(io.BytesIO(dossier)).pages[0].extract_text().split())


def test_as_a_redacted_user_it_writes_the_redacted_zip(archived, handler, tmp_path):
    call_command(
        "archive_file", archived.number, "--out", str(tmp_path), "--as", handler.username, stdout=io.StringIO()
    )
    out = tmp_path / f"{archived.number}-archive.zip"
    text = []
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            data = z.read(name)
            text.append(name + data.decode("utf-8", errors="ignore"))
            if name.endswith(".pdf"):
                text += ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
        assert json.loads(z.read("manifest.json"))["redacted"] is True
    for identity in IDENTITY:
        assert identity not in "\n".join(text), identity


def test_bad_input_is_a_clear_error_and_writes_nothing(archived, outsider, tmp_path):
    out = tmp_path / "x.zip"
    with pytest.raises(CommandError, match="不存在或不在您的权限范围内"):
        call_command("archive_file", archived.number, "--out", str(out), "--as", outsider.username)
    with pytest.raises(CommandError, match="没有有效用户"):
        call_command("archive_file", archived.number, "--out", str(out), "--as", "nobody")
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("archive_file", archived.number, "--out", str(tmp_path / "no" / "x.zip"), "--as", "center")
    with pytest.raises(CommandError, match="不存在"):
        call_command("archive_file", "NOPE", "--out", str(out), "--as", "center")
    assert not out.exists() and not list(tmp_path.glob("*.part"))
