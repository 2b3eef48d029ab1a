"""The task queue (SPEC §14): huey, for the work a request hands off (a large ledger export, a
report) and for the periodic jobs (``tousu.complaints.jobs``: the deadline scan, mail, the audit
anchoring, housekeeping …).

Why huey: it keeps the embedded default embedded — its SQLite storage is one more file in DATA_DIR,
so `make run` needs no broker — while the same tasks run on Redis (TOUSU_REDIS_URL) with `tousu
worker` processes on any number of machines; retries, locks, a scheduler and an immediate mode (the
tests: a task runs when it is enqueued) are built in, and it is one small pure-Python package.

What this module adds to huey:

- **Periodic jobs at second granularity** (``periodic``): huey's own periodic tasks are crontabs,
  checked once a minute; tousu's intervals are settings in seconds (a test runs the scan every
  second). The consumer's scheduler here (``Scheduler``) looks every second: a job of interval *n*
  is due once per slot ``floor(epoch / n)``, so every consumer agrees on the slots.
- **Once per period across consumers**: before enqueueing a slot, a scheduler claims it in the
  queue's storage (``SET NX`` with an expiry, on Redis); the consumer that loses the claim enqueues
  nothing. The embedded SQLite queue has one consumer only (the web worker holding the jobs
  ``flock``), so there is nothing to claim against.
- **One run at a time**: each periodic job runs under a huey lock with an expiry
  (TOUSU_JOB_LOCK_SECONDS; on SQLite, where huey has no expiry, the single consumer clears stale
  locks when it starts); a run that finds the lock taken is skipped, not retried.
- **Dead letters**: a task that fails after its last retry is written to ``core.DeadLetter``.
- **Request ids**: a task enqueued while serving a request logs with that request's id
  (``tousu.core.logfilters``); a periodic one with its task id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from huey import MemoryHuey, RedisExpireHuey, SqliteHuey
from huey.api import Huey, Task, TaskWrapper
from huey.consumer import Consumer
from huey.consumer import Scheduler as HueyScheduler
from huey.exceptions import TaskLockedException
from huey.storage import MemoryStorage, RedisExpireStorage

from tousu.core import logfilters

log = logging.getLogger(__name__)
# The task's keyword that carries the enqueuing request's id; taken off before the task runs.
REQUEST_ID_KWARG = "_tousu_request_id"
# The modules whose import registers tasks (a consumer imports them before it starts).
TASK_MODULES = ("tousu.ledger.tasks", "tousu.complaints.jobs")


def _make() -> Huey:
    if settings.TOUSU_TASKS_IMMEDIATE:
        huey: Huey = MemoryHuey("tousu", immediate=True)
    elif settings.TOUSU_REDIS_URL:
        # The expiring storage: locks and periodic claims need a time to live (SET NX EX), which
        # the hash-based RedisHuey supports only on Redis 7.4+; results expire after a day.
        huey = RedisExpireHuey("tousu", url=settings.TOUSU_REDIS_URL)
    else:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("tousu", filename=str(settings.DATA_DIR / "tasks.sqlite3"))
    install(huey)
    return huey


def expiring(huey: Huey) -> bool:
    """Whether the queue's storage lets keys expire (Redis, memory); SQLite does not."""
    return isinstance(huey.storage, (RedisExpireStorage, MemoryStorage))


# -- request ids and dead letters: hooks on every task ---------------------------------------


def install(huey: Huey) -> None:
    """Hook request ids and dead letters into ``huey`` (the app's queue; tests' own queues)."""
    original = huey.enqueue

    def enqueue(task: Task) -> Any:
        request_id = getattr(task, "_tousu_request_id", None) or logfilters.request_id.get()
        if request_id and isinstance(task.kwargs, dict):
            task.kwargs[REQUEST_ID_KWARG] = request_id
        return original(task)

    huey.enqueue = enqueue

    @huey.pre_execute()
    def take_request_id(task: Task) -> None:
        passed = task.kwargs.pop(REQUEST_ID_KWARG, None) if isinstance(task.kwargs, dict) else None
        task._tousu_request_id = passed  # a retry enqueues the task again: it carries the id on
        task._tousu_token = logfilters.request_id.set(passed or f"task-{task.id}")

    @huey.post_execute()
    def record_outcome(task: Task, value: Any, exc: BaseException | None) -> None:
        try:
            if exc is None:
                if task.retries != task.default_retries:
                    forget_failure(task)
            elif not isinstance(exc, TaskLockedException):
                record_failure(task, exc)
        except Exception:
            log.exception("could not record the outcome of task %s", task.id)
        finally:
            token = getattr(task, "_tousu_token", None)
            if token is not None:
                logfilters.request_id.reset(token)


def fresh_connections() -> None:
    """Drop this thread's database connections that are broken or past their age, as Django does
    between requests — unless a transaction is open on them (a task run inline where it was
    enqueued: the immediate queue of the tests, or TOUSU_TASKS_IMMEDIATE)."""
    from django.db import close_old_connections, connection

    if not connection.in_atomic_block:
        close_old_connections()


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def _jsonable(value: Any) -> Any:
    import json

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def record_failure(task: Task, exc: BaseException) -> None:
    """A failed attempt: opens the task's row on its first failure, counts the later ones; after
    the last retry (``task.retries == 0``) the row is a dead letter. An open dead letter of the
    same task with the same arguments (a periodic job failing period after period) absorbs it."""
    from django.db import transaction

    from tousu.core.models import DeadLetter

    fresh_connections()
    now, final = _now(), not task.retries
    args, kwargs = _jsonable(list(task.args or ())), _jsonable(dict(task.kwargs or {}))
    fields = {"error_type": type(exc).__name__[:200], "error_message": str(exc)[:2000], "last_failed_at": now}
    with transaction.atomic():
        row = DeadLetter.objects.select_for_update().filter(task_id=task.id, dead=False).first()
        if row is None:
            name = f"{type(task).__module__}.{type(task).__name__}"[:200]  # the registry's name
            row = DeadLetter(task=name, task_id=task.id, args=args, kwargs=kwargs, first_failed_at=now)
            row.attempts = 0
        row.attempts += 1
        for name, value in fields.items():
            setattr(row, name, value)
        if final:
            earlier = (
                DeadLetter.objects.select_for_update()
                .filter(task=row.task, args=args, kwargs=kwargs, dead=True, retried_at=None)
                .first()
            )
            if earlier is not None:
                earlier.attempts += row.attempts
                for name, value in fields.items():
                    setattr(earlier, name, value)
                earlier.save()
                if row.pk is not None:
                    row.delete()
                log.error(
                    "task %s failed for good (%d attempts in all): dead letter %d",
                    task.name,
                    earlier.attempts,
                    earlier.pk,
                )
                return
            row.dead = True
        row.save()
    if final:
        log.error("task %s failed for good after %d attempt(s): dead letter %d", task.name, row.attempts, row.pk)


def forget_failure(task: Task) -> None:
    """A task that succeeded on a retry leaves no row behind."""
    from tousu.core.models import DeadLetter

    DeadLetter.objects.filter(task_id=task.id, dead=False).delete()


def retry(letter_id: int) -> Task:
    """Queue a dead letter's task again, with its arguments, and close the letter."""
    from tousu.core.models import DeadLetter

    letter = DeadLetter.objects.get(pk=letter_id, dead=True, retried_at=None)
    autodiscover()
    task_class = HUEY._registry.string_to_task(letter.task)
    task = task_class(args=tuple(letter.args or ()), kwargs=dict(letter.kwargs or {}))
    # Closed first: should it fail again, the task opens a letter of its own.
    letter.retried_at = _now()
    letter.save(update_fields=["retried_at"])
    try:
        HUEY.enqueue(task)
    except Exception:
        DeadLetter.objects.filter(pk=letter.pk).update(retried_at=None)
        raise
    return task


# -- periodic jobs ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Periodic:
    name: str
    task: TaskWrapper
    every: Callable[[], int]  # seconds between runs, read when due (a setting); 0: off


PERIODIC: dict[str, Periodic] = {}


def periodic(
    name: str, every: Callable[[], int], *, retries: int = 2, retry_delay: int = 30
) -> Callable[[Callable[[], Any]], TaskWrapper]:
    """Make ``work`` a periodic job: a huey task named ``name`` (retried ``retries`` times,
    ``retry_delay`` seconds apart, then a dead letter), run every ``every()`` seconds by the
    consumers' schedulers, once per period however many consumers there are, never twice at once."""

    def wrap(work: Callable[[], Any]) -> TaskWrapper:
        def run() -> Any:
            try:
                with lock(name):
                    return work()
            except TaskLockedException:
                log.info("%s: another worker is running it; this run is skipped", name)
                return None

        run.__name__ = run.__qualname__ = name
        run.__doc__, run.__module__ = work.__doc__, work.__module__
        task: TaskWrapper = HUEY.task(retries=retries, retry_delay=retry_delay, name=name)(run)
        PERIODIC[name] = Periodic(name, task, every)
        HUEY.lock_task(f"job.{name}")  # known to huey now, so a starting consumer can flush it
        return task

    return wrap


@contextmanager
def lock(name: str) -> Iterator[None]:
    """Hold the job's huey lock; raises ``TaskLockedException`` when another run holds it. The lock
    expires (a worker killed mid-run does not hold it for ever) where the storage allows."""
    ttl = settings.TOUSU_JOB_LOCK_SECONDS if expiring(HUEY) else None
    with HUEY.lock_task(f"job.{name}", ttl=ttl):
        yield


def claim(huey: Huey, name: str, slot: int, every: int) -> bool:
    """Whether this scheduler enqueues the job's run for ``slot``: the first to claim it does."""
    if not expiring(huey):
        return True  # the embedded queue: one consumer, nobody to race
    return bool(huey.put_if_empty(f"periodic.{name}.{slot}", "1", every + 60))


def enqueue_due(huey: Huey, now: float, fired: dict[str, int]) -> list[str]:
    """Enqueue each periodic job whose slot has turned since this scheduler last looked (``fired``:
    its memory) and that no other scheduler has claimed. Returns the jobs enqueued."""
    enqueued = []
    for job in PERIODIC.values():
        every = job.every()
        if every <= 0:
            continue
        slot = int(now // every)
        if fired.get(job.name) == slot:
            continue
        fired[job.name] = slot
        try:
            if claim(huey, job.name, slot, every):
                huey.enqueue(job.task.s())
                enqueued.append(job.name)
                log.info("periodic job %s: period %d enqueued", job.name, slot)
            else:
                log.info("periodic job %s: period %d taken by another worker", job.name, slot)
        except Exception:
            log.exception("could not enqueue the periodic job %s", job.name)
    return enqueued


class Scheduler(HueyScheduler):
    """Huey's scheduler, looking for due periodic jobs every second (``enqueue_due``)."""

    periodic_task_seconds = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fired: dict[str, int] = {}

    def enqueue_periodic_tasks(self, now: Any) -> None:
        enqueue_due(self.huey, time.time(), self.fired)


class TousuConsumer(Consumer):
    scheduler_class = Scheduler


class _Embedded(TousuConsumer):
    """A consumer started from a thread that is not the process's main one: the web server owns
    the signals, so this consumer sets no handlers (its threads are daemons and end with it)."""

    def _set_signal_handlers(self) -> None:
        pass


def autodiscover() -> None:
    """Import the modules that register tasks, so a consumer knows every task by name."""
    for module in TASK_MODULES:
        importlib.import_module(module)


def consumer(workers: int, *, embedded: bool) -> Consumer:
    autodiscover()
    kind = _Embedded if embedded else TousuConsumer
    # The SQLite queue has a single consumer (the flock's holder): locks left by a killed one go.
    return kind(
        HUEY,
        workers=workers,
        worker_type="thread",
        max_delay=1.0,
        periodic=True,
        flush_locks=not expiring(HUEY),
    )


_started: list[Consumer] = []
_start_lock = threading.Lock()


def start_embedded(workers: int = 1) -> Consumer:
    """Run the queue's consumer and its scheduler in this process's threads; returns it (``stop()``
    ends it). At most one per process."""
    with _start_lock:
        if _started:
            return _started[0]
        started = consumer(workers, embedded=True)
        started.start()
        _started.append(started)
    log.info("task consumer started in this process (%d thread(s), periodic jobs on)", workers)
    return started


def run_consumer(workers: int) -> None:
    """Run the queue's consumer and its scheduler until interrupted (`tousu worker`)."""
    consumer(workers, embedded=False).run()


HUEY: Huey = _make()
