"""Every request has an id: a sane incoming X-Request-ID or a new one, echoed in the response and
carried by every log record made while serving it; TOUSU_LOG_FORMAT=json writes JSON lines."""

from __future__ import annotations

import json
import logging
import re

import pytest

from tousu.core import logfilters
from tousu.core.middleware import RequestIdMiddleware


def test_middleware_is_first(settings):
    assert settings.MIDDLEWARE[0] == "tousu.core.middleware.RequestIdMiddleware"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("abc-123_X.y", True), ("x" * 64, True), ("x" * 65, False), ("a b", False), ("<script>", False), ("请求", False)],
)
def test_an_incoming_id_is_kept_only_when_sane(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    echoed = response["X-Request-ID"]
    assert (echoed == sent) is kept
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", echoed)


def test_a_request_without_an_id_gets_a_new_one_each_time(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


@pytest.mark.django_db
def test_the_log_records_of_a_request_carry_its_id_and_the_request_line_its_user(client, handler, caplog):
    client.force_login(handler)
    with caplog.at_level(logging.INFO):
        response = client.get("/intake/", headers={"X-Request-ID": "trace-42"})  # a handler may not: 403
    assert response.status_code == 403 and response["X-Request-ID"] == "trace-42"
    refused = next(r for r in caplog.records if r.name == "django.request")
    line = next(r for r in caplog.records if r.name == "tousu.request")
    filt = logfilters.RequestId()
    assert filt.filter(refused) and refused.request_id == "trace-42"
    assert line.request_id == "trace-42" and line.user_id == handler.pk
    assert (line.method, line.path, line.status) == ("GET", "/intake/", 403)
    assert line.duration_ms >= 0
    assert logfilters.request_id.get() is None  # nothing leaks to the next request


def test_a_record_outside_a_request_says_so():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert logfilters.RequestId().filter(record) and record.request_id == "-" and record.user_id is None


def test_json_lines_parse_and_carry_the_fields():
    formatter = logfilters.JsonLines()
    record = logging.LogRecord("tousu.request", logging.INFO, __file__, 1, "GET %s %d", ("/api/v1/x", 200), None)
    record.request_id, record.user_id = "r-1", 7
    record.path, record.method, record.status, record.duration_ms = "/api/v1/x", "GET", 200, 3.5
    entry = json.loads(formatter.format(record))
    assert entry["message"] == "GET /api/v1/x 200" and entry["level"] == "INFO" and entry["logger"] == "tousu.request"
    assert (entry["request_id"], entry["user_id"], entry["status"], entry["duration_ms"]) == ("r-1", 7, 200, 3.5)
    assert entry["time"].endswith("+00:00")
    try:
        raise ValueError("第二行\nline two")
    except ValueError:
        import sys

        error = logging.LogRecord("tousu", logging.ERROR, __file__, 1, "失败：%s", ("x",), sys.exc_info())
    logfilters.RequestId().filter(error)
    text = formatter.format(error)
    assert "\n" not in text  # one line, whatever the traceback
    parsed = json.loads(text)
    assert parsed["message"] == "失败：x" and "ValueError" in parsed["exc"] and parsed["request_id"] == "-"


def test_the_console_handler_uses_the_chosen_format(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert "request_id" in handler["filters"]
    assert handler["formatter"] in settings.LOGGING["formatters"]
    assert "%(request_id)s" in settings.LOGGING["formatters"]["text"]["format"]


def test_json_format_from_the_environment_gives_json_lines(tmp_path):
    """A real process: TOUSU_LOG_FORMAT=json, each line of its log a JSON object with the id."""
    import os
    import subprocess
    import sys

    code = (
        "import django, logging; django.setup();"
        "from django.test import Client;"
        "c = Client(); c.get('/healthz', headers={'X-Request-ID': 'from-proxy-1'});"
        "logging.getLogger('tousu').warning('done')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOUSU_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tousu.settings", TOUSU_DATA_DIR=str(tmp_path), TOUSU_LOG_FORMAT="json", LOG_LEVEL="INFO"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    [request] = [e for e in entries if e["logger"] == "tousu.request"]
    assert request["request_id"] == "from-proxy-1" and request["path"] == "/healthz" and request["status"] == 200
    assert entries[-1]["message"] == "done" and entries[-1]["request_id"] == "-"


def test_a_middleware_error_still_resets_the_id():
    def boom(request):
        raise RuntimeError("x")

    from django.test import RequestFactory

    with pytest.raises(RuntimeError):
        RequestIdMiddleware(boom)(RequestFactory().get("/"))
    assert logfilters.request_id.get() is None
