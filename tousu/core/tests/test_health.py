"""/healthz and /readyz (issue 17 §2): liveness without the database; readiness checks the database,
the migrations and the task queue, answers 503 when one fails, and never says why."""

from __future__ import annotations

import json

import pytest

from tousu.core import health

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_asking_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        r = client.get("/healthz")
    assert r.status_code == 200 and r.content == b"ok\n"
    assert "no-store" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]


def test_ready_when_the_database_migrations_and_queue_answer(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "ready": True,
        "checks": {"database": "ok", "migrations": "ok", "tasks": "ok", "pii_keys": "ok"},
    }


@pytest.mark.parametrize("failing", ["database", "migrations", "tasks"])
def test_a_failing_check_is_503_and_tells_no_detail(client, monkeypatch, failing):
    def broken() -> bool:
        raise RuntimeError("password authentication failed for user tousu at 10.0.0.5")

    monkeypatch.setitem(health.CHECKS, failing, broken)
    r = client.get("/readyz")
    assert r.status_code == 503
    body = json.loads(r.content)
    assert body["ready"] is False and body["checks"][failing] == "failed"
    assert "password" not in r.content.decode() and "10.0.0.5" not in r.content.decode()


def test_unapplied_migrations_are_not_ready(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "migrations", lambda: False)
    assert client.get("/readyz").status_code == 503


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
