"""The task queue (SPEC §14): huey, for work a request hands off — a large ledger export, a report.

Huey was chosen because it keeps the embedded default embedded: its SQLite storage is one more file
in DATA_DIR, so `make run` needs no broker, while the same tasks run on Redis (TOUSU_REDIS_URL) with
`tousu worker` processes on any number of machines; it has retries, periodic tasks and locks built
in, and an immediate mode the tests run it in (``HUEY.immediate = True``: a task runs when it is
enqueued).

Under `tousu serve` without Redis, the web worker that holds the jobs lock (``complaints.jobs``)
also runs a consumer in threads (``start_embedded``); with Redis, `tousu worker` runs it.
Tasks record their own progress and outcome in the database (``tousu.ledger.models.Export``), so a
reader of any web server sees them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

log = logging.getLogger(__name__)


def _make() -> Huey:
    if settings.TOUSU_TASKS_IMMEDIATE:
        return MemoryHuey("tousu", immediate=True)
    if settings.TOUSU_REDIS_URL:
        return RedisHuey("tousu", url=settings.TOUSU_REDIS_URL)
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("tousu", filename=str(settings.DATA_DIR / "tasks.sqlite3"))


HUEY: Huey = _make()


class _Embedded(Consumer):
    """A consumer started from a thread that is not the process's main one: the web server owns
    the signals, so this consumer sets no handlers (its threads are daemons and end with it)."""

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded(workers: int = 1) -> Any:
    """Run the queue's consumer in this process's threads; returns it (``stop()`` ends it)."""
    consumer = _Embedded(HUEY, workers=workers, worker_type="thread", max_delay=1.0, periodic=False)
    consumer.start()
    log.info("task consumer started in this process (%d thread(s))", workers)
    return consumer


def run_consumer(workers: int) -> None:
    """Run the queue's consumer until interrupted (`tousu worker`)."""
    Consumer(HUEY, workers=workers, worker_type="thread", max_delay=1.0, periodic=False).run()
