"""The periodic job tidies up behind itself: stale login failures and expired sessions go."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tousu.accounts.models import LoginFailure
from tousu.complaints import jobs


@pytest.mark.django_db
def test_tidying_deletes_stale_login_failures_and_expired_sessions(org):
    now = timezone.now()
    LoginFailure.objects.create(username="clerk", address="127.0.0.1", at=now - dt.timedelta(days=1))
    recent = LoginFailure.objects.create(username="clerk", address="127.0.0.1", at=now)
    Session.objects.create(session_key="old", session_data="x", expire_date=now - dt.timedelta(hours=1))
    Session.objects.create(session_key="live", session_data="x", expire_date=now + dt.timedelta(hours=1))
    jobs.tidy()  # run_scan calls it after the deadline scan
    assert list(LoginFailure.objects.all()) == [recent]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
