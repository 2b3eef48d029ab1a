"""Redis-backed workers take turns: a scan runs once per interval however many workers there are.
Uses a real redis-server from Debian on a loopback port."""

import datetime as dt
import shutil
import socket
import subprocess
import time

import pytest
import time_machine

from tousu.complaints.jobs import redis_client, run_scan_if_turn
from tousu.complaints.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis_client(url).ping()
            break
        except Exception:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_two_workers_take_turns_and_notify_once(redis_url, org, register, walk):
    c = walk(register(), "accept", "dispatch", "sign")
    first, second = redis_client(redis_url), redis_client(redis_url)
    with time_machine.travel(c.handling_due + dt.timedelta(hours=1)):
        a = run_scan_if_turn(first, interval=60)
        b = run_scan_if_turn(second, interval=60)
    assert a is not None and a.overdue == 1
    assert b is None  # the other worker's turn is still running
    first.delete("tousu:deadline-scan")  # the interval has passed
    with time_machine.travel(c.handling_due + dt.timedelta(hours=2)):
        again = run_scan_if_turn(second, interval=60)
    assert again is not None and again.overdue == 0
    assert Notification.objects.filter(kind="overdue", recipient=org["handler"]).count() == 1


def test_the_worker_command_refuses_to_start_without_redis(settings):
    from django.core.management import CommandError, call_command

    settings.TOUSU_REDIS_URL = ""
    with pytest.raises(CommandError, match="TOUSU_REDIS_URL"):
        call_command("worker")
    settings.TOUSU_REDIS_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(CommandError, match="cannot reach Redis"):
        call_command("worker")
