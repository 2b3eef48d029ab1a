"""Production start on loopback (issue 17, acceptance): PostgreSQL (a fresh database, dropped after)
+ Redis (its own redis-server) + two web servers (`tousu serve`, one worker each: statelessness) +
two job workers (`tousu worker`). A complaint registered through one server is seen through the
other; a reminder of a complaint whose due date has passed fires exactly once although both job
workers run the deadline scan, and no period of any periodic job is enqueued by both.

Skipped only when PostgreSQL or redis-server is absent (CI has both)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

TOUSU = Path(sys.executable).with_name("tousu")
# The server of the suite's PostgreSQL run (DATABASE_URL), its maintenance database; the test runs
# in that run only (the SQLite run has none), or wherever TOUSU_TEST_PG_ADMIN_URL names a server.
_RUN = os.environ.get("DATABASE_URL", "")
PG_ADMIN = os.environ.get("TOUSU_TEST_PG_ADMIN_URL") or (
    _RUN.rsplit("/", 1)[0] + "/postgres" if _RUN.startswith(("postgres://", "postgresql://")) else ""
)
ENQUEUED = re.compile(r"periodic job ([\w-]+): period (\d+) enqueued")
PASSED = re.compile(r"periodic job ([\w-]+): period (\d+) taken by another worker")
SCAN = re.compile(r"\bdeadline scan \[pid (\d+)\]")

SETUP = """
import django; django.setup()
from tousu.accounts.models import ApiToken
from tousu.complaints.reference import load_preset
from tousu.presets import REGISTRY, demo_data
from tousu.presets.demo import organisation
load_preset(REGISTRY["government"])
people = organisation(demo_data("government"))
print(ApiToken.issue(people["clerk"]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(server: str, port: int, cwd: Path) -> subprocess.Popen:
    """A throw-away redis-server on 127.0.0.1:``port``: nothing saved to disk."""
    return subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def postgres() -> Any:
    if not PG_ADMIN:
        pytest.skip("runs in the suite's PostgreSQL run (DATABASE_URL) or with TOUSU_TEST_PG_ADMIN_URL")
    try:
        import psycopg

        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as err:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN.rsplit('@', 1)[-1]}: {err}")


@dataclass
class Cluster:
    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *argv: str) -> None:
        with (self.logs / f"{name}.log").open("a") as out:
            self.procs[name] = subprocess.Popen([str(TOUSU), *argv], env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, done: Callable[[], Any], timeout: float = 90) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = done()
            if value:
                return value
            for name, proc in self.procs.items():
                assert proc.poll() is None, f"{name} exited:\n{self.log(name)}"
            time.sleep(0.2)
        logs = "\n".join(f"--- {n}\n{self.log(n)[-3000:]}" for n in self.procs)
        raise AssertionError(f"timed out waiting for {what}\n{logs}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def http(method: str, url: str, token: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Cluster, Any, str]]:
    if not TOUSU.exists():
        pytest.skip("needs the tousu console script")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    admin = postgres()
    name = f"tousu_start_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOUSU_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tousu.settings",
        DATABASE_URL=f"{base}/{name}",
        TOUSU_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        TOUSU_DATA_DIR=str(tmp_path / "data"),
        TOUSU_SCAN_INTERVAL_SECONDS="1",
        TOUSU_ANCHOR_INTERVAL_SECONDS="2",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="INFO",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    cluster = Cluster(env, logs)
    redis = start_redis(redis_server, redis_port, tmp_path)
    try:
        subprocess.run([str(TOUSU), "migrate", "--skip-checks", "-v0"], env=env, check=True, timeout=120)
        setup = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", SETUP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        token = setup.stdout.strip().splitlines()[-1]
        yield cluster, admin, token
    finally:
        cluster.stop()
        redis.terminate()
        redis.wait(timeout=10)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_two_web_servers_and_two_job_workers_on_postgresql_and_redis(cluster) -> None:
    cluster, admin, token = cluster
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports):
        # --skip-checks: `migrate` above ran them; four processes need not repeat them.
        cluster.start(f"web{i}", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--skip-checks")
    cluster.start("jobs0", "worker", "--tasks", "2", "--skip-checks")
    cluster.start("jobs1", "worker", "--tasks", "2", "--skip-checks")
    one, other = (f"http://127.0.0.1:{port}" for port in ports)
    cluster.wait_for("both web servers ready", lambda: ready(one) and ready(other))

    # Registered through one server, seen through the other (no state held in a web process).
    status, created = http(
        "POST",
        f"{one}/api/v1/complaints",
        token,
        {
            "channel": "hotline",
            "summary": "窗口办事拖拉",
            "content": "到市场监管局窗口办理营业执照，跑了四趟没办成。",
            "demands": "要求尽快办结",
            "complainants": [{"name": "张三", "phone": "13812345678"}],
            "respondents": [{"unit": "amr"}],
        },
    )
    assert status == 201, created
    number = created["number"]
    status, detail = http("GET", f"{other}/api/v1/complaints/{number}", token)
    assert status == 200 and detail["number"] == number
    status, page = http("GET", f"{other}/api/v1/complaints", token)
    assert status == 200 and number in json.dumps(page)

    # Its deadline passes (as if days went by): the job workers' scan urges it, once.
    import psycopg

    with psycopg.connect(cluster.env["DATABASE_URL"], autocommit=True) as db:
        moved = db.execute(
            "UPDATE complaints_complaint SET due_at = now() - interval '2 hours' WHERE number = %s", [number]
        ).rowcount
        assert moved == 1

        def overdue() -> list[tuple[int, int]]:
            return db.execute(
                "SELECT n.recipient_id, count(*) FROM complaints_notification n "
                "JOIN complaints_complaint c ON c.id = n.complaint_id "
                "WHERE c.number = %s AND n.kind = 'overdue' GROUP BY n.recipient_id",
                [number],
            ).fetchall()

        cluster.wait_for("the overdue notice", overdue)
        # Both workers scan (each in the periods it claimed), several times after the notice.
        mark = {name: len(SCAN.findall(cluster.log(name))) for name in ("jobs0", "jobs1")}
        cluster.wait_for(
            "more scans by both workers",
            lambda: all(len(SCAN.findall(cluster.log(n))) >= mark[n] + 2 for n in ("jobs0", "jobs1")),
        )
        counts = overdue()
        assert counts and all(count == 1 for _, count in counts), counts  # each recipient told once
        urged = db.execute(
            "SELECT count(*) FROM complaints_event e JOIN complaints_complaint c ON c.id = e.complaint_id "
            "WHERE c.number = %s AND e.action = 'urge'",
            [number],
        ).fetchone()[0]
        assert urged == 1

    # No period of any job was enqueued by both schedulers.
    # Which scheduler wins a period is a race: both look at every period, one takes it, and the
    # other says so — so the periods one passed over are periods the other enqueued.
    periods = {name: set(ENQUEUED.findall(cluster.log(name))) for name in ("jobs0", "jobs1")}
    passed = {name: set(PASSED.findall(cluster.log(name))) for name in ("jobs0", "jobs1")}
    assert periods["jobs0"] | periods["jobs1"] and passed["jobs0"] | passed["jobs1"]
    assert not periods["jobs0"] & periods["jobs1"]
    # (but for each job's latest period, whose "enqueued" line may not be written yet)
    latest: dict[str, int] = {}
    for job, period in periods["jobs0"] | periods["jobs1"] | passed["jobs0"] | passed["jobs1"]:
        latest[job] = max(latest.get(job, 0), int(period))
    settled = {name: {(j, p) for j, p in passed[name] if int(p) < latest[j]} for name in passed}
    assert settled["jobs0"] <= periods["jobs1"] and settled["jobs1"] <= periods["jobs0"]
    # The web servers ran no jobs.
    assert not SCAN.search(cluster.log("web0")) and not SCAN.search(cluster.log("web1"))
