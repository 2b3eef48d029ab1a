"""The portal's rate limits (issue 17 item 4): per client address, 429 ``rate_limited`` with
Retry-After — as the {code, message, data} error on the public API, as a page on the portal —
and a byte budget for uploads that the request limits alone would not give."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tousu.complaints.models import Attachment
from tousu.portal import services, throttle
from tousu.portal.tests.conftest import ADDRESS, submission

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 600_000 + b"\n%%EOF\n"


@pytest.fixture
def minute():
    """A fixed time 10 s into a minute, so the window's end (Retry-After) is known: 50 s."""
    start = timezone.now().replace(second=10, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        yield start


def test_the_public_api_answers_429_with_retry_after(client, settings, minute):
    settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE = 2
    assert [client.get("/api/v1/public/challenge").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/public/challenge")
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    body = refused.json()
    assert body["code"] == "rate_limited" and body["message"] == "请求过于频繁，请一分钟后再试。"
    assert body["data"] == {"retry_after": 50}
    # Another address has its own allowance.
    assert client.get("/api/v1/public/challenge", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_the_query_page_answers_429_with_a_page_and_retry_after(client, submit, settings, minute):
    complaint, code = submit()
    settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE = 2
    form = {"number": complaint.number, "code": code}
    assert [client.post("/portal/query/", form).status_code for _ in range(2)] == [200, 200]
    page = client.post("/portal/query/", form)
    assert page.status_code == 429 and page["Retry-After"] == "50"
    assert page["Content-Type"].startswith("text/html") and "请求过于频繁，请一分钟后再试。" in page.content.decode()


def test_the_window_ends_and_the_address_may_ask_again(client, settings, minute):
    settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE = 1
    assert client.get("/api/v1/public/challenge").status_code == 200
    assert client.get("/api/v1/public/challenge").status_code == 429
    with time_machine.travel(minute + timedelta(seconds=50), tick=False):
        assert client.get("/api/v1/public/challenge").status_code == 200


def test_uploads_past_the_hourly_byte_budget_are_refused_and_not_stored(submit, settings):
    complaint, code = submit()
    settings.TOUSU_PORTAL_UPLOAD_MB_PER_HOUR = 1
    caller = services.Caller(number=complaint.number, code=code, address=ADDRESS, face="web")
    services.add_material(caller=caller, file=services.Upload("发票.pdf", PDF))
    with pytest.raises(throttle.Throttled) as refused:
        services.add_material(caller=caller, file=services.Upload("收据.pdf", PDF))
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert "上传" in refused.value.message and refused.value.data["retry_after"] > 0
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["发票.pdf"]


def test_a_submission_counts_its_files_against_the_budget(submit, settings):
    settings.TOUSU_PORTAL_UPLOAD_MB_PER_HOUR = 1
    files = [services.Upload("一.pdf", PDF), services.Upload("二.pdf", PDF)]
    with pytest.raises(throttle.Throttled):
        services.submit(data=submission(files=files), address=ADDRESS)
    assert not Attachment.objects.exists()


def test_a_failing_cache_lets_the_request_through(client, monkeypatch, settings):
    """A limit guards against abuse; Redis being down must not take the portal with it."""
    from django.core.cache import cache

    settings.TOUSU_PORTAL_REQUESTS_PER_MINUTE = 1

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "add", broken)
    assert [client.get("/api/v1/public/challenge").status_code for _ in range(3)] == [200, 200, 200]


@pytest.fixture
def redis_cache(settings, tmp_path):
    """A real redis-server on a free loopback port, as Django's cache (what TOUSU_REDIS_URL gives)."""
    import shutil
    import socket
    import subprocess
    import time

    from django.core.cache import caches

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    deadline = time.monotonic() + 10
    while True:
        try:
            caches["default"].get("ping")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield caches["default"]
    proc.terminate()
    proc.wait(timeout=10)


def test_on_redis_every_worker_counts_in_one_place(redis_cache, minute):
    """One pipelined round trip per hit; the counter lives in Redis (another worker reads it) and
    expires with its window."""
    from tousu.core import ratelimit

    assert [ratelimit.hit("test:shared", 2, 60) for _ in range(3)] == [0, 0, 50]
    key = f"rl:test:shared:{int(minute.timestamp()) // 60}"
    assert redis_cache.get(key) == 3  # what any other process sees
    client = redis_cache._cache.get_client(redis_cache.make_and_validate_key(key))
    assert 0 < client.ttl(redis_cache.make_and_validate_key(key)) <= 61
