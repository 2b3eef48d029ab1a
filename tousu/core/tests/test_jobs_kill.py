"""A job worker killed mid-run (SIGKILL) loses no work and tells nobody twice (issue 17 §5).

A real `tousu worker` (Redis, the SQLite database of a temporary DATA_DIR) runs the deadline scan
over three overdue complaints; it is killed while sending the second e-mail of the first one's
notices — after that complaint's notices were committed and one e-mail went out, before the other
two complaints were scanned. A second worker then finishes: every complaint is urged once, every
notice exists once (the table's uniqueness) and every e-mail went out once (the outbox's claim: the
killed sender's row is taken over only when its lease runs out, here made to run out at once)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tousu.core.tests.test_production_start import SCAN, TOUSU, Cluster, free_port, start_redis

SETUP = """
import datetime as dt
import django; django.setup()
from django.utils import timezone
from tousu.accounts.models import User
from tousu.complaints import services
from tousu.complaints.inputs import RegisterIn
from tousu.complaints.models import Complaint
from tousu.complaints.reference import load_preset
from tousu.presets import REGISTRY, demo_data
from tousu.presets.demo import organisation
load_preset(REGISTRY["government"])
people = organisation(demo_data("government"))
for i in range(3):
    services.register(actor=people["clerk"], data=RegisterIn.model_validate({
        "channel": "hotline", "summary": f"窗口办事拖拉{i}", "content": "跑了四趟没办成。",
        "demands": "要求尽快办结", "complainants": [{"name": "张三", "phone": "13812345678"}],
        "respondents": [{"unit": "amr"}]}))
for user in User.objects.all():  # on e-mail from now on (the registration's notices had none)
    user.email = f"user{user.pk}@example.cn"
    user.save(update_fields=["email"])
for i, pk in enumerate(Complaint.objects.order_by("pk").values_list("pk", flat=True)):
    Complaint.objects.filter(pk=pk).update(due_at=timezone.now() - dt.timedelta(hours=3 - i))
"""


@pytest.fixture
def worker_env(tmp_path: Path) -> Iterator[tuple[Cluster, Path, Path]]:
    if not TOUSU.exists():
        pytest.skip("needs the tousu console script")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    data = tmp_path / "data"
    sink = tmp_path / "mail.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOUSU_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tousu.settings",
        TOUSU_DATA_DIR=str(data),
        TOUSU_REDIS_URL=f"redis://127.0.0.1:{port}/0",
        TOUSU_SCAN_INTERVAL_SECONDS="1",
        TOUSU_ANCHOR_INTERVAL_SECONDS="0",
        TOUSU_JOB_LOCK_SECONDS="3",  # the killed worker's lock on the scan lapses after 3 s
        EMAIL_BACKEND="tousu.core.tests.mailsink.EmailBackend",
        TOUSU_TEST_MAILSINK=str(sink),
        LOG_LEVEL="INFO",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    cluster = Cluster(env, logs)
    redis = start_redis(redis_server, port, tmp_path)
    try:
        subprocess.run([str(TOUSU), "migrate", "--skip-checks", "-v0"], env=env, check=True, timeout=120)
        subprocess.run([sys.executable, "-W", "ignore", "-c", SETUP], env=env, check=True, timeout=120)
        yield cluster, data / "tousu.sqlite3", sink
    finally:
        cluster.stop()
        redis.terminate()
        redis.wait(timeout=10)


def test_a_worker_killed_mid_scan_loses_no_work_and_sends_nothing_twice(worker_env) -> None:
    cluster, database, sink = worker_env
    assert database.exists()
    hanging = Path(f"{sink}.hanging")

    cluster.env["TOUSU_TEST_MAILSINK_HANG_AT"] = "2"
    cluster.start("first", "worker", "--tasks", "1", "--skip-checks")
    cluster.wait_for("the first worker to hang in its second e-mail", hanging.exists)
    os.kill(cluster.procs["first"].pid, signal.SIGKILL)
    cluster.procs.pop("first").wait(timeout=10)

    db = sqlite3.connect(database, timeout=30)
    try:

        def urged() -> int:
            return db.execute(
                "SELECT count(DISTINCT complaint_id) FROM complaints_event WHERE action = 'urge'"
            ).fetchone()[0]

        assert urged() == 1  # killed mid-run: one complaint done, two not yet
        assert len(sink.read_text().splitlines()) == 1
        # Ten minutes pass: the killed sender's lease on its row runs out.
        db.execute(
            "UPDATE complaints_notification SET email_next_at = '2000-01-01 00:00:00' "
            "WHERE emailed_at IS NULL AND email_next_at IS NOT NULL"
        )
        db.commit()

        del cluster.env["TOUSU_TEST_MAILSINK_HANG_AT"]
        cluster.start("second", "worker", "--tasks", "2", "--skip-checks")

        def unsent() -> int:
            return db.execute(
                "SELECT count(*) FROM complaints_notification WHERE emailed_at IS NULL AND email_next_at IS NOT NULL"
            ).fetchone()[0]

        cluster.wait_for("the second worker to finish the work", lambda: urged() == 3 and unsent() == 0)
        mark = len(SCAN.findall(cluster.log("second")))
        cluster.wait_for("two more scans", lambda: len(SCAN.findall(cluster.log("second"))) >= mark + 2)

        assert urged() == 3 and unsent() == 0
        urges = db.execute(
            "SELECT complaint_id, count(*) FROM complaints_event WHERE action = 'urge' GROUP BY 1"
        ).fetchall()
        assert all(count == 1 for _, count in urges)
        notices = db.execute(
            "SELECT recipient_id, complaint_id, count(*) FROM complaints_notification WHERE kind = 'overdue' GROUP BY 1, 2"
        ).fetchall()
        assert len({c for _, c, _ in notices}) == 3 and all(count == 1 for *_, count in notices)
        emailed = db.execute("SELECT count(*) FROM complaints_notification WHERE emailed_at IS NOT NULL").fetchone()[0]
    finally:
        db.close()
    sent = sink.read_text().splitlines()
    assert len(sent) == emailed > 3
    assert max(Counter(sent).values()) == 1  # nobody got the same notice twice
