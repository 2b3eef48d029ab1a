"""A refused request is logged in one line; a server error keeps its traceback."""

import logging
import sys

import pytest

from tousu.core.logfilters import ClientErrorsInOneLine


@pytest.mark.django_db
def test_a_403_is_logged_in_one_line_without_a_traceback(client, handler, caplog):
    client.force_login(handler)  # a handler may not register complaints
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/intake/")
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and record.exc_info is None
    assert record.getMessage() == "Forbidden (Permission denied): /intake/"
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /", None, exc_info)
    record.status_code = 500
    assert ClientErrorsInOneLine().filter(record) and record.exc_info == exc_info


def test_the_console_handler_drops_tracebacks_of_client_errors_below_django_request(settings):
    # django.security.* loggers sit below the logger filter; the handler filter catches them.
    assert "client_errors_in_one_line" in settings.LOGGING["handlers"]["console"]["filters"]
    try:
        raise ValueError("bad host")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.security.DisallowedHost", logging.ERROR, __file__, 1, "bad host", None, exc_info)
    record.status_code = 400
    assert ClientErrorsInOneLine().filter(record) and record.exc_info is None
