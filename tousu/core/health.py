"""Health endpoints for a load balancer or an orchestrator (SPEC §14, issue 17 §2).

``/healthz`` (liveness): the process answers — no database, nothing else.
``/readyz`` (readiness): the database answers, every migration is applied, and the task queue's
storage is reachable; 200 when all hold, 503 otherwise. The answers name the checks and whether
each passed, never why (a failure's detail goes to the log, not to whoever asks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)
# Once every migration is applied it stays so until the next deployment restarts the process.
_migrated: dict[str, bool] = {}


def database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def migrations() -> bool:
    if _migrated.get(DEFAULT_DB_ALIAS):
        return True
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    done = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated[DEFAULT_DB_ALIAS] = done
    return done


def tasks() -> bool:
    from tousu.core.tasks import HUEY

    HUEY.pending_count()  # reads the queue's storage: SQLite file or Redis
    return True


def pii_keys() -> bool:
    """The configured PII keys open the stored personal data (core.crypto.check_keys)."""
    from tousu.core.crypto import check_keys

    problems = check_keys()
    for problem in problems:
        log.error("readiness check pii_keys: %s", problem)
    return not problems


CHECKS: dict[str, Callable[[], bool]] = {
    "database": database,
    "migrations": migrations,
    "tasks": tasks,
    "pii_keys": pii_keys,
}


def _passes(name: str, check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        log.exception("readiness check %s failed", name)
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = {name: _passes(name, check) for name, check in CHECKS.items()}
    ready = all(results.values())
    body = {"ready": ready, "checks": {name: "ok" if ok else "failed" for name, ok in results.items()}}
    return JsonResponse(body, status=200 if ready else 503)
