"""The daily housekeeping of the periodic job (issue 13): each app deletes its own rows past their
keeping time — Idempotency-Keys, the portal's wrong query codes, mail sent to complainants — and
keeps the recent ones, and the mail still to send or failed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from tousu.complaints import jobs
from tousu.complaints.models import IdempotencyKey
from tousu.mailgate.models import OutgoingMail
from tousu.portal.models import CodeFailure

pytestmark = pytest.mark.django_db
State = OutgoingMail.State


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def key(complaint, name: str, age_days: float) -> IdempotencyKey:
    row = IdempotencyKey.objects.create(principal="cti", key=name, complaint=complaint)
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=days_ago(age_days))  # auto_now_add
    return row


def mail(state: str, sent_days_ago: float | None) -> OutgoingMail:
    return OutgoingMail.objects.create(
        to="wangzhe@example.cn",
        subject="投诉编号TS2026000001：答复",
        body="…",
        purpose="reply",
        state=state,
        sent_at=days_ago(sent_days_ago) if sent_days_ago is not None else None,
    )


def test_old_rows_go_and_recent_ones_stay(settings, register):
    settings.TOUSU_IDEMPOTENCY_KEEP_DAYS = 7
    settings.TOUSU_PORTAL_FAILURE_KEEP_DAYS = 30
    settings.TOUSU_MAIL_KEEP_DAYS = 180
    c = register()
    old_key, new_key = key(c, "old", 8), key(c, "new", 6)
    old_guess = CodeFailure.objects.create(number=c.number, address="10.0.0.1", at=days_ago(31), face="web")
    new_guess = CodeFailure.objects.create(number=c.number, address="10.0.0.1", at=days_ago(29), face="web")
    old_sent, new_sent = mail(State.SENT, 181), mail(State.SENT, 179)
    failed, pending = mail(State.FAILED, None), mail(State.PENDING, None)
    OutgoingMail.objects.filter(pk__in=[failed.pk, pending.pk]).update(created_at=days_ago(400))

    gone = jobs.housekeeping()

    assert gone == {
        "idempotency_keys": 1,
        "portal_code_failures": 1,
        "sent_mail": 1,
        "ledger_exports": 0,
        "anonymised": 0,
    }
    assert set(IdempotencyKey.objects.values_list("pk", flat=True)) == {new_key.pk}
    assert set(CodeFailure.objects.values_list("pk", flat=True)) == {new_guess.pk}
    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == {new_sent.pk, failed.pk, pending.pk}
    assert not IdempotencyKey.objects.filter(pk=old_key.pk).exists()
    assert not CodeFailure.objects.filter(pk=old_guess.pk).exists()
    assert not OutgoingMail.objects.filter(pk=old_sent.pk).exists()
    assert c.__class__.objects.filter(pk=c.pk).exists()  # the complaint itself is never touched


def test_the_keeping_times_are_settings(settings, register):
    c = register()
    key(c, "two-days", 2)
    CodeFailure.objects.create(number=c.number, address="10.0.0.1", at=days_ago(2), face="api")
    mail(State.SENT, 2)
    settings.TOUSU_IDEMPOTENCY_KEEP_DAYS = settings.TOUSU_PORTAL_FAILURE_KEEP_DAYS = 3
    settings.TOUSU_MAIL_KEEP_DAYS = 3
    assert jobs.housekeeping() == {
        "idempotency_keys": 0,
        "portal_code_failures": 0,
        "sent_mail": 0,
        "ledger_exports": 0,
        "anonymised": 0,
    }

    settings.TOUSU_IDEMPOTENCY_KEEP_DAYS = settings.TOUSU_PORTAL_FAILURE_KEEP_DAYS = 1
    settings.TOUSU_MAIL_KEEP_DAYS = 1
    assert jobs.housekeeping() == {
        "idempotency_keys": 1,
        "portal_code_failures": 1,
        "sent_mail": 1,
        "ledger_exports": 0,
        "anonymised": 0,
    }


def test_the_periodic_job_does_it_once_a_day(monkeypatch, db):
    runs: list[int] = []
    monkeypatch.setattr(jobs, "housekeeping", lambda: runs.append(1) or {})
    cache.delete(jobs.HOUSEKEEPING_KEY)

    jobs.tidy()
    jobs.tidy()
    assert runs == [1]

    cache.delete(jobs.HOUSEKEEPING_KEY)  # the day has passed (the key's timeout)
    jobs.tidy()
    assert runs == [1, 1]
