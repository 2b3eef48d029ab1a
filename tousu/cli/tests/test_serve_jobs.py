"""`tousu serve` runs the task queue's consumer and the periodic jobs' scheduler (SQLite queue) in
one web worker at a time, never in gunicorn's master, and another process takes over when that
worker dies — the locks the dead one held on the queue go with it; with Redis configured it runs
none. A real server with two workers on a loopback port, its own SQLite database in a temporary
DATA_DIR."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TOUSU = Path(sys.executable).with_name("tousu")
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
SCAN = re.compile(r"\bdeadline scan \[pid (\d+)\]")
ANCHOR = re.compile(r"\baudit anchor \[pid (\d+)\]")

pytestmark = pytest.mark.skipif(
    not TOUSU.exists() or not Path("/proc/self/status").exists(),
    reason="needs the tousu console script and Linux /proc",
)


@dataclass
class Served:
    proc: subprocess.Popen
    log: Path
    data_dir: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, done: Callable[[str], bool], timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if done(text):
                return text
            assert self.proc.poll() is None, f"tousu serve exited:\n{text}"
            time.sleep(0.1)
        raise AssertionError(f"timed out; the server said:\n{self.text()}")


def threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))


def gone(pid: int) -> bool:
    """Dead and reaped by the master (a zombie still shows in /proc)."""
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(**settings: str) -> Served:
        data_dir = tmp_path / f"data{len(started)}"
        data_dir.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TOUSU_", "DATABASE_URL"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tousu.settings",
            TOUSU_DATA_DIR=str(data_dir),
            LOG_LEVEL="INFO",
            TOUSU_SCAN_INTERVAL_SECONDS="1",
            TOUSU_ANCHOR_INTERVAL_SECONDS="1",
            **settings,
        )
        subprocess.run([str(TOUSU), "migrate", "--skip-checks", "-v0"], env=env, check=True, timeout=120)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = data_dir / "serve.log"
        with log.open("a") as out:  # append mode: the master and the workers share the file
            proc = subprocess.Popen(
                [str(TOUSU), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                env=env,
                stdout=out,
                stderr=out,
            )
        started.append(Served(proc, log, data_dir))
        return started[-1]

    yield start
    for served in started:
        served.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop takes its workers along
        try:
            served.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            served.proc.wait()


def test_one_worker_runs_the_jobs_the_master_none_and_another_takes_over_when_it_dies(serve) -> None:
    server = serve()
    master = server.proc.pid
    text = server.wait_for(
        lambda t: len(BOOTED.findall(t)) >= 2 and len(SCAN.findall(t)) >= 3 and ANCHOR.search(t) is not None
    )
    workers = set(BOOTED.findall(text))
    [holder] = set(SCAN.findall(text))  # one process scans, however many workers there are
    assert holder in workers and int(holder) != master
    assert set(ANCHOR.findall(text)) == {holder}
    assert threads(master) == 1  # the master started no thread
    assert (server.data_dir / "jobs.lock").read_text().strip() == holder

    os.kill(int(holder), signal.SIGKILL)
    server.wait_for(lambda t: gone(int(holder)))
    mark = len(server.text())
    text = server.wait_for(lambda t: len(SCAN.findall(t[mark:])) >= 3)
    [successor] = set(SCAN.findall(text[mark:]))
    assert successor != holder and int(successor) != master and not gone(int(successor))
    assert threads(master) == 1
    assert (server.data_dir / "jobs.lock").read_text().strip() == successor


def test_with_redis_configured_serve_leaves_the_jobs_to_the_workers(serve) -> None:
    server = serve(TOUSU_REDIS_URL="redis://127.0.0.1:1/0")  # `tousu worker` would use it; serve never does
    server.wait_for(lambda t: len(BOOTED.findall(t)) >= 2)
    time.sleep(3)  # three scan intervals
    assert SCAN.search(server.text()) is None and ANCHOR.search(server.text()) is None
    assert not (server.data_dir / "jobs.lock").exists()
    assert threads(server.proc.pid) == 1
