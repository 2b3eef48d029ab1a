"""Fresh installations for the tests that run tousu in other processes (crash, backup/restore):
a data directory, and on a PostgreSQL run (DATABASE_URL set) a database of its own, created and
dropped here. Each run covers its own database: SQLite without DATABASE_URL, PostgreSQL with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TOUSU = Path(sys.executable).with_name("tousu")
PYTHON = sys.executable
AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789abcdef"

# The schema, reference data, the demo organisation and a clerk's API token, printed last.
SETUP = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, skip_checks=True)
from tousu.accounts.models import ApiToken, User
from tousu.complaints.reference import load_preset
from tousu.presets import REGISTRY, demo_data
from tousu.presets.demo import organisation
load_preset(REGISTRY["government"])
organisation(demo_data("government"))
print(ApiToken.issue(User.objects.get(username="clerk"), "test"))
"""


def postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the run's server (its URL), dropped afterwards; "" on
    a SQLite run (the installation's file lives in its data directory)."""
    if not postgresql():
        yield ""
        return
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"tousu_it_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(url._replace(path=f"/{name}"))
    finally:
        # Plain DROP: it stops an autovacuum worker busy in the new database (FORCE would refuse
        # to terminate that process, of no role of ours) and waits for our processes to leave.
        with psycopg.connect(admin, autocommit=True) as conn:
            for attempt in range(10):
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    break
                except psycopg.errors.ObjectInUse:
                    if attempt == 9:
                        raise
                    time.sleep(1)


def environment(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a tousu process for the installation in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOUSU_", "DATABASE_URL", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tousu.settings",
        TOUSU_DATA_DIR=str(data_dir),
        TOUSU_AUDIT_KEY=AUDIT_KEY,
        **extra,
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def tousu(env: dict[str, str], *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([str(TOUSU), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"tousu {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def python(env: dict[str, str], code: str, timeout: float = 120) -> str:
    done = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"python exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def install(env: dict[str, str]) -> str:
    """Migrate the installation, load the demo organisation; return a clerk's API token."""
    Path(env["TOUSU_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return python(env, SETUP).strip().splitlines()[-1]
