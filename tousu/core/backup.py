"""Backup and restore of one installation (SPEC §14 "backups restore"; issue 17 §6).

A backup is a directory:

- ``database.sqlite3`` (SQLite's online backup API: one consistent snapshot, taken while the app
  runs) or ``database.dump`` (PostgreSQL's ``pg_dump -Fc`` on an exported snapshot, the one the
  counts are read in);
- ``attachments/…``: MEDIA_ROOT, file by file;
- ``audit-anchors.log``: the anchor file (TOUSU_AUDIT_ANCHOR_FILE), copied under its lock *before*
  the database, so every head it names is in the snapshot;
- ``audit.key`` only for a development installation whose audit key lives in DATA_DIR (without
  TOUSU_AUDIT_KEY); a production key, like SECRET_KEY and TOUSU_PII_KEY, is kept apart from the
  data and is never in a backup;
- ``manifest.json``, written last: the tousu version, the database vendor, the last migration of
  every app, the time, the counts, and each file's size and SHA-256.

Not in it: the task queue (``tasks.sqlite3`` or Redis: jobs are re-made by the scans, which are
idempotent, and a queued export is asked for again), the finished exports (copies of data that
the backup holds anyway, deleted after 7 days), ``jobs.lock`` and the static files (rebuilt).

The backup is written into a sibling directory and renamed into place at the end: a directory
with the backup's name is always complete. ``restore`` checks every file against the manifest
before it touches anything.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

FORMAT = 1
MANIFEST = "manifest.json"
ANCHORS = "audit-anchors.log"
AUDIT_KEY = "audit.key"
ATTACHMENTS = "attachments"
DATABASE = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# What the manifest counts, by model (named, not imported: core sits below the complaints).
COUNTED = {"complaints": "complaints.Complaint", "events": "complaints.Event", "attachments": "complaints.Attachment"}


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why and what to do."""


@dataclass
class Restored:
    manifest: dict[str, Any]
    counts: dict[str, int]
    files: int


# ------------------------------------------------------------------------------ helpers
def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _vendor() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in DATABASE:
        raise BackupError(f"database vendor {vendor!r} is not supported (SQLite or PostgreSQL)")
    return vendor


def _tables() -> dict[str, str]:
    return {name: apps.get_model(label)._meta.db_table for name, label in COUNTED.items()}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tousu")
    except PackageNotFoundError:
        return "unknown"


def _counts(cursor: Any) -> dict[str, int]:
    out = {}
    for name, table in _tables().items():
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # table names from the models
        out[name] = int(cursor.fetchone()[0])
    return out


def _last_migrations(cursor: Any) -> dict[str, str]:
    """The last applied migration of every app (names are numbered, so the greatest is the last)."""
    cursor.execute("SELECT app, name FROM django_migrations")
    last: dict[str, str] = {}
    for app, name in cursor.fetchall():
        last[app] = max(last.get(app, ""), name)
    return dict(sorted(last.items()))


def _known_migrations() -> dict[str, set[str]]:
    from django.db.migrations.loader import MigrationLoader

    known: dict[str, set[str]] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        known.setdefault(app, set()).add(name)
    return known


def _pg_binary(name: str) -> str:
    """The newest ``pg_dump``/``pg_restore`` of Debian's packages (a dump needs a client at least
    as new as the server), else the one on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]), reverse=True)
    path = str(found[0]) if found else shutil.which(name)
    if not path:
        raise BackupError(f"{name} not found (install the PostgreSQL client, e.g. Debian's postgresql-client)")
    return path


def _pg_env() -> dict[str, str]:
    """libpq's environment for the default database (the password never on a command line)."""
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"]), "PGUSER": str(db.get("USER") or "")}
    if db.get("HOST"):
        env["PGHOST"] = str(db["HOST"])
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def _copy_locked(source: Path, target: Path) -> bool:
    """Copy the anchor file under the lock its writer takes (no line half written); False if absent."""
    try:
        fd = os.open(source, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        with os.fdopen(os.dup(fd), "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    finally:
        os.close(fd)
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _development_key() -> Path | None:
    """The audit key's file, when the key lives in DATA_DIR (development, no TOUSU_AUDIT_KEY)."""
    path = Path(settings.DATA_DIR) / AUDIT_KEY
    return path if not settings.TOUSU_AUDIT_KEY and path.is_file() else None


# ------------------------------------------------------------------------------ backup
def backup(target: Path) -> dict[str, Any]:
    """Back the installation up into the new directory ``target``; returns the manifest."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory: choose a new one")
    target.parent.mkdir(parents=True, exist_ok=True)
    vendor = _vendor()
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        has_anchors = _copy_locked(Path(settings.TOUSU_AUDIT_ANCHOR_FILE), work / ANCHORS)
        if vendor == "sqlite":
            counts, migrations = _backup_sqlite(work / DATABASE[vendor])
        else:
            counts, migrations = _backup_postgresql(work / DATABASE[vendor])
        media = Path(settings.MEDIA_ROOT)
        for path in _media_files(media):  # after the database: every file a row names is there
            copy = work / ATTACHMENTS / path.relative_to(media)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        if (key := _development_key()) is not None:
            shutil.copy2(key, work / AUDIT_KEY)
        files = {
            str(p.relative_to(work)): {"size": p.stat().st_size, "sha256": sha256(p)}
            for p in sorted(work.rglob("*"))
            if p.is_file()
        }
        manifest = {
            "format": FORMAT,
            "tousu_version": _version(),
            "vendor": vendor,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "migrations": migrations,
            "counts": counts,
            "anchor_file": has_anchors,
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for path in (*work.rglob("*"), work):  # on disk before the name says "complete"
            _fsync(path)
        if target.exists():
            target.rmdir()
        os.replace(work, target)
        _fsync(target.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _backup_sqlite(copy: Path) -> tuple[dict[str, int], dict[str, str]]:
    name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    source = sqlite3.connect(f"{Path(name).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    destination = sqlite3.connect(copy)
    try:
        source.backup(destination)  # one step: a consistent snapshot, writers go on (WAL)
    finally:
        source.close()
    try:
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = destination.cursor()
        return _counts(cursor), _last_migrations(cursor)
    finally:
        destination.close()


def _backup_postgresql(dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    """pg_dump on a snapshot exported by a transaction that reads the counts in the same snapshot."""
    import psycopg

    params = connections[DEFAULT_DB_ALIAS].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=False) as conn, conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        [snapshot] = cursor.fetchone() or ("",)
        counts, migrations = _counts(cursor), _last_migrations(cursor)
        command = [_pg_binary("pg_dump"), "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        _run([*command, "-f", str(dump)], _pg_env())
        conn.rollback()
    return counts, migrations


# ------------------------------------------------------------------------------ restore
def check(source: Path) -> dict[str, Any]:
    """The manifest of the backup in ``source``, once every file it lists is there with its size
    and SHA-256 and nothing it needs is missing; BackupError otherwise (nothing touched)."""
    source = Path(source)
    if not source.is_dir():
        raise BackupError(f"{source}: no such backup directory")
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        files, vendor = manifest["files"], manifest["vendor"]
        if manifest.get("format") != FORMAT or not isinstance(files, dict):
            raise ValueError("format")
    except FileNotFoundError:
        raise BackupError(f"{source}: no {MANIFEST}: not a tousu backup, or one that did not finish") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{source}/{MANIFEST} is damaged or of an unknown format") from None
    if vendor not in DATABASE or DATABASE[vendor] not in files:
        raise BackupError(f"{source}: the manifest names no database file")
    problems = []
    for name, expected in sorted(files.items()):
        path = source / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            problems.append(f"{name}: a path outside the backup")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != expected.get("size"):
            problems.append(f"{name}: {path.stat().st_size} bytes, the manifest says {expected.get('size')}")
        elif sha256(path) != expected.get("sha256"):
            problems.append(f"{name}: checksum differs from the manifest (damaged)")
    if problems:
        shown = "; ".join(problems[:20]) + (f"; … {len(problems) - 20} more" if len(problems) > 20 else "")
        raise BackupError(f"{source}: the backup is damaged, nothing was restored: {shown}")
    return manifest


def installation_contents() -> list[str]:
    """What the target installation already holds (empty: nothing to overwrite)."""
    held = []
    connection = connections[DEFAULT_DB_ALIAS]
    tables = set(connection.introspection.table_names())
    for name, table in _tables().items():
        if table in tables:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # table names from the models
                if n := cursor.fetchone()[0]:
                    held.append(f"{n} {name} in the database")
    user_table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    if user_table in tables:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{user_table}"')
            if n := cursor.fetchone()[0]:
                held.append(f"{n} users in the database")
    if n := sum(1 for _ in _media_files(Path(settings.MEDIA_ROOT))):
        held.append(f"{n} files in {settings.MEDIA_ROOT}")
    anchors = Path(settings.TOUSU_AUDIT_ANCHOR_FILE)
    if anchors.exists() and anchors.stat().st_size:
        held.append(f"the anchor file {anchors}")
    return held


def restore(source: Path, *, force: bool = False) -> Restored:
    """Restore the backup in ``source`` into this installation (its database, MEDIA_ROOT and
    anchor file): check it whole first; refuse an installation that holds data unless ``force``;
    then compare the restored counts with the manifest. The caller verifies the audit log."""
    source = Path(source)
    manifest = check(source)
    vendor = _vendor()
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"the backup is of a {manifest['vendor']} database and this installation uses {vendor}: "
            "restore it into an installation of the same kind"
        )
    known = _known_migrations()
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"].items() if name not in known.get(app, set())]
    if unknown:
        raise BackupError(
            f"the backup was made by a newer tousu ({manifest['tousu_version']}): migrations "
            f"{', '.join(unknown[:5])} are unknown here; restore with that version"
        )
    if not force and (held := installation_contents()):
        raise BackupError(
            "the target installation is not empty (" + "; ".join(held) + "): restore into a new one, "
            "or pass --force to overwrite it"
        )
    files = manifest["files"]
    key = Path(settings.DATA_DIR) / AUDIT_KEY
    theirs = files.get(AUDIT_KEY, {}).get("sha256")
    if theirs and not settings.TOUSU_AUDIT_KEY and key.exists() and not force and sha256(key) != theirs:
        raise BackupError(f"{key} holds another audit key: pass --force to replace it")
    connections.close_all()
    if vendor == "sqlite":
        _restore_sqlite(source / DATABASE[vendor])
    else:
        _restore_postgresql(source / DATABASE[vendor])
    media = Path(settings.MEDIA_ROOT)
    restored = 0
    for name in sorted(files):
        if name.startswith(ATTACHMENTS + "/"):
            _put(source / name, media / Path(name).relative_to(ATTACHMENTS))
            restored += 1
    if ANCHORS in files:
        _put(source / ANCHORS, Path(settings.TOUSU_AUDIT_ANCHOR_FILE))
    if AUDIT_KEY in files and not settings.TOUSU_AUDIT_KEY:
        _put(source / AUDIT_KEY, key)
        key.chmod(0o600)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        counts = _counts(cursor)
    if counts != manifest["counts"]:
        raise BackupError(f"restored counts {counts} differ from the manifest's {manifest['counts']}")
    return Restored(manifest=manifest, counts=counts, files=restored)


def _put(source: Path, target: Path) -> None:
    """Copy through a temporary name in the target's directory: a file is there whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copy2(source, partial)
    os.replace(partial, target)


def _restore_sqlite(copy: Path) -> None:
    """The backup API the other way: page by page into the target, in one transaction of its own
    (a reader of the target sees the old database or the new one); WAL stays the target's mode."""
    name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(name, timeout=30)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        source.close()
        destination.close()


def _restore_postgresql(dump: Path) -> None:
    """pg_restore in one transaction: the database holds the whole backup or is left as it was."""
    command = [_pg_binary("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists"]
    _run([*command, "--single-transaction", "--exit-on-error", "-d", _pg_env()["PGDATABASE"], str(dump)], _pg_env())
