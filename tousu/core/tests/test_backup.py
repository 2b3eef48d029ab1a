"""`tousu backup` and `tousu restore` (tousu.core.backup): a populated installation — complaints
with their histories, an attachment, anchors — is backed up while it runs and restored into an
empty one (a new data directory; on a PostgreSQL run a new database), where the counts, the
attachment's bytes and the audit chain are as they were. A damaged backup is refused and changes
nothing. The run's database is the one covered: SQLite, or PostgreSQL with DATABASE_URL."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections

from tousu.complaints import attachments, services
from tousu.complaints.audit import anchor_heads
from tousu.complaints.inputs import Attach
from tousu.complaints.models import Complaint, Event
from tousu.conftest import registration
from tousu.core.backup import MANIFEST, BackupError, backup, restore
from tousu.core.tests.installs import TOUSU, environment, fresh_database, python, tousu

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not TOUSU.exists(), reason="needs the tousu console script"),
]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

# What the restored installation holds, read through its own models.
INSPECT = """
import django, hashlib, json; django.setup()
from django.conf import settings
from tousu.complaints.models import Attachment, Complaint, Event
print(json.dumps({
    "complaints": {c.number: list(c.events.order_by("seq").values_list("action", flat=True))
                   for c in Complaint.objects.all()},
    "events": Event.objects.count(),
    "attachments": {a.stored_name: hashlib.sha256((settings.MEDIA_ROOT / a.stored_name).read_bytes()).hexdigest()
                    for a in Attachment.objects.all()},
}))
"""


@pytest.fixture
def populated(clerk, register, walk, settings) -> dict:
    """Three complaints, one walked on, one with an attachment, the heads anchored."""
    first, second, _third = register(), register(), register()
    walk(second, "accept")
    attachments.add(actor=clerk, number=first.number, data=Attach(name="现场.png", content=PNG))
    anchor_heads()
    return {
        "numbers": sorted(Complaint.objects.values_list("number", flat=True)),
        "events": Event.objects.count(),
    }


def test_it_restores_a_backup_into_an_empty_installation(populated, settings, tmp_path) -> None:
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out)
    assert f"3 complaints, {populated['events']} events, 1 attachments" in out.getvalue()
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text(encoding="utf-8"))

    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"] == {"complaints": 3, "events": populated["events"], "attachments": 1}
    assert manifest["migrations"]["complaints"].startswith("00")
    [attachment] = [name for name in manifest["files"] if name.startswith("attachments/")]
    assert (tmp_path / "backup" / attachment).read_bytes() == PNG
    assert "audit-anchors.log" in manifest["files"]

    with fresh_database() as url:
        env = environment(tmp_path / "restored", url)
        done = tousu(env, "restore", str(tmp_path / "backup"))
        assert "counts match the manifest" in done.stdout and "audit OK" in done.stdout

        held = json.loads(python(env, INSPECT))
        assert sorted(held["complaints"]) == populated["numbers"]
        assert all(actions[0] == "register" for actions in held["complaints"].values())
        assert held["events"] == populated["events"]
        [(stored, digest)] = held["attachments"].items()
        assert (tmp_path / "restored" / "attachments" / stored).read_bytes() == PNG
        assert (tmp_path / "restored" / "audit-anchors.log").read_bytes() == Path(
            settings.TOUSU_AUDIT_ANCHOR_FILE
        ).read_bytes()

        # The restored installation holds data now: a second restore is refused.
        again = tousu(env, "restore", str(tmp_path / "backup"), check=False)
        assert again.returncode == 1 and "not empty" in again.stderr and "--force" in again.stderr


def test_a_backup_taken_while_complaints_are_registered_is_consistent(populated, clerk, tmp_path) -> None:
    """The app keeps writing (registrations, anchoring) while the backup runs: the snapshot holds
    whole complaints, a gap-free prefix of the numbers, and no anchor beyond it."""
    stop, written = threading.Event(), []

    def writer() -> None:
        try:
            while not stop.is_set():
                written.append(services.register(actor=clerk, data=registration()).complaint.number)
                anchor_heads()
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 2:
            time.sleep(0.01)
        manifest = backup(tmp_path / "backup")
        seen = len(written)
        while len(written) < seen + 2:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=60)

    everything = sorted(Complaint.objects.values_list("number", flat=True))
    assert 3 + 2 <= manifest["counts"]["complaints"] < len(everything)
    with fresh_database() as url:
        env = environment(tmp_path / "restored", url)
        done = tousu(env, "restore", str(tmp_path / "backup"))
        assert "counts match the manifest" in done.stdout and "audit OK" in done.stdout
        held = json.loads(python(env, INSPECT))
    assert sorted(held["complaints"]) == everything[: manifest["counts"]["complaints"]]
    assert all(actions[0] == "register" for actions in held["complaints"].values())


def test_it_refuses_a_damaged_backup_and_changes_nothing(populated, tmp_path) -> None:
    backup(tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    [attachment] = [name for name in manifest["files"] if name.startswith("attachments/")]
    damaged = tmp_path / "backup" / attachment
    damaged.write_bytes(PNG[:-1] + b"\x00")  # same size, one byte changed

    with pytest.raises(BackupError, match=f"nothing was restored: {re.escape(attachment)}: checksum differs"):
        restore(tmp_path / "backup", force=True)
    assert sorted(Complaint.objects.values_list("number", flat=True)) == populated["numbers"]

    env = environment(tmp_path / "target")
    done = tousu(env, "restore", str(tmp_path / "backup"), check=False)
    assert done.returncode == 1 and "checksum differs" in done.stderr
    assert not (tmp_path / "target" / "attachments").exists()
    if (tmp_path / "target" / "tousu.sqlite3").exists():  # opened by the command's start, left empty
        with closing(sqlite3.connect(tmp_path / "target" / "tousu.sqlite3")) as db:
            assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_it_refuses_a_partial_backup(populated, tmp_path) -> None:
    backup(tmp_path / "backup")
    (tmp_path / "backup" / MANIFEST).unlink()  # a copy cut short before its manifest
    with pytest.raises(BackupError, match="no manifest.json"):
        restore(tmp_path / "backup", force=True)

    backup(tmp_path / "second")
    database = next(p for p in (tmp_path / "second").iterdir() if p.name.startswith("database."))
    database.write_bytes(database.read_bytes()[:100])
    with pytest.raises(BackupError, match=f"{re.escape(database.name)}: 100 bytes, the manifest says"):
        restore(tmp_path / "second", force=True)
    assert Complaint.objects.count() == 3


def test_it_refuses_a_backup_of_another_vendor_or_a_newer_version(populated, tmp_path) -> None:
    backup(tmp_path / "backup")
    path = tmp_path / "backup" / MANIFEST
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "migrations": {**manifest["migrations"], "complaints": "9999_later"}}))
    with pytest.raises(BackupError, match="made by a newer tousu.*complaints.9999_later"):
        restore(tmp_path / "backup", force=True)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    database = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
    files = {database[other] if k == database[connection.vendor] else k: v for k, v in manifest["files"].items()}
    (tmp_path / "backup" / database[connection.vendor]).rename(tmp_path / "backup" / database[other])
    path.write_text(json.dumps({**manifest, "vendor": other, "files": files}))
    with pytest.raises(BackupError, match=f"backup is of a {other} database and this installation uses"):
        restore(tmp_path / "backup", force=True)
    assert Complaint.objects.count() == 3


def test_it_backs_up_into_a_new_directory_only(populated, tmp_path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(BackupError, match="not an empty directory"):
        backup(tmp_path / "used")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".used")] == []  # no partial left
