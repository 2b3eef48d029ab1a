"""The periodic jobs on the task queue (tousu.core.tasks, tousu.complaints.jobs): one task each,
scheduled once per period however many schedulers look, never run twice at once, retried, and
left as a dead letter when they still fail; `tousu tasks` shows and retries the letters."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from huey import MemoryHuey

from tousu.complaints import jobs
from tousu.core import logfilters, tasks
from tousu.core.models import DeadLetter
from tousu.core.tasks import HUEY

JOBS = {
    "deadline-scan",
    "email-retry",
    "complainant-mail",
    "mailbox-poll",
    "grading",
    "sanctions",
    "capa-verification",
    "partner-scan",
    "report-drafts",
    "tidy",
    "housekeeping",
    "audit-anchor",
}
calls: list[object] = []
outage = {"left": 0}  # how many more attempts of ``flaky`` fail


@HUEY.task(retries=2, retry_delay=0)
def flaky(n: int, tag: str = "") -> int:
    """Fails while the outage lasts (``outage["left"]`` attempts), then returns ``n``."""
    calls.append(n)
    if outage["left"] > 0:
        outage["left"] -= 1
        raise ConnectionError(f"attempt {len(calls)}: mail server away")
    return n


@HUEY.task()
def who_am_i() -> str | None:
    calls.append(logfilters.request_id.get())
    return logfilters.request_id.get()


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()
    outage["left"] = 0


def test_each_job_is_its_own_task_with_retries():
    assert set(tasks.PERIODIC) == JOBS
    names = {job.task.task_class.__name__ for job in tasks.PERIODIC.values()}
    assert names == JOBS  # one huey task per job: a failure of one never stops the others
    assert all(job.task.task_class.default_retries == 2 for job in tasks.PERIODIC.values())


def test_a_stale_lock_on_the_sqlite_queue_is_cleared_when_its_single_consumer_starts(tmp_path):
    from huey import SqliteHuey
    from huey.consumer import Consumer

    queue = SqliteHuey("stale", filename=str(tmp_path / "tasks.sqlite3"))
    queue._locks = set(HUEY._locks)  # the jobs' locks, as tousu registers them
    assert {f"tousu.lock.job.{name}" for name in JOBS} <= HUEY._locks
    queue.put_if_empty("tousu.lock.job.deadline-scan", "1")  # left by a consumer killed mid-run
    assert not tasks.expiring(queue)  # SQLite: huey's locks cannot expire here
    Consumer(queue, workers=1, worker_type="thread", flush_locks=True)
    assert queue.put_if_empty("tousu.lock.job.deadline-scan", "1")  # free again


def test_intervals_come_from_the_settings(settings):
    settings.TOUSU_SCAN_INTERVAL_SECONDS, settings.TOUSU_ANCHOR_INTERVAL_SECONDS = 120, 30
    settings.TOUSU_IMAP_HOST, settings.TOUSU_MAILBOX_INTERVAL_SECONDS = "", 45
    every = {name: job.every() for name, job in tasks.PERIODIC.items()}
    assert every["deadline-scan"] == every["email-retry"] == 120
    assert every["audit-anchor"] == 30 and every["housekeeping"] == 86400
    assert every["mailbox-poll"] == 0  # no mailbox configured: off
    settings.TOUSU_IMAP_HOST = "127.0.0.1"
    assert tasks.PERIODIC["mailbox-poll"].every() == 45


def test_two_schedulers_enqueue_each_period_once(settings, monkeypatch):
    queue = MemoryHuey("two-schedulers")  # not immediate: tasks wait in the queue
    queue._registry = HUEY._registry  # the app's tasks, by name
    settings.TOUSU_SCAN_INTERVAL_SECONDS, settings.TOUSU_ANCHOR_INTERVAL_SECONDS = 60, 60
    first, second = {}, {}
    now = 6000.0 * 60
    a = tasks.enqueue_due(queue, now, first)
    b = tasks.enqueue_due(queue, now + 1, second)  # the other worker's scheduler, in the same minute
    assert set(a) == JOBS - {"mailbox-poll"} and b == []
    assert queue.pending_count() == len(a)
    assert tasks.enqueue_due(queue, now + 30, first) == []  # same period: nothing more
    later = tasks.enqueue_due(queue, now + 60, second) + tasks.enqueue_due(queue, now + 61, first)
    assert sorted(later) == sorted(
        set(a) - {"housekeeping"}
    )  # the next period (housekeeping: daily): once again, by whichever looked first


@pytest.mark.django_db
def test_a_job_whose_lock_is_held_is_skipped_not_retried(monkeypatch):
    runs: list[int] = []
    monkeypatch.setattr(jobs, "housekeeping", lambda: runs.append(1) or {})
    with tasks.lock("housekeeping"):
        jobs.housekeeping_task()
    assert runs == [] and not DeadLetter.objects.exists()
    jobs.housekeeping_task()
    assert runs == [1]


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others_and_becomes_a_dead_letter(monkeypatch, settings):
    def broken() -> None:
        raise RuntimeError("partner registry unreachable")

    monkeypatch.setattr("tousu.partners.services.scan", broken)
    jobs.partner_scan_task()  # the immediate queue: the first attempt, its retry is scheduled
    jobs.tidy_task()  # another job runs regardless
    [letter] = DeadLetter.objects.all()
    assert not letter.dead and letter.attempts == 1 and letter.error_type == "RuntimeError"


@pytest.mark.django_db
def test_a_task_failing_after_its_last_retry_is_a_dead_letter():
    outage["left"] = 5
    flaky(7, tag="x")  # retry_delay 0: the immediate queue runs each retry at once
    assert calls == [7, 7, 7]
    [letter] = DeadLetter.objects.all()
    assert letter.dead and letter.retried_at is None
    assert letter.task == "tousu.core.tests.test_jobs.flaky"
    assert (letter.args, letter.kwargs) == ([7], {"tag": "x"})
    assert letter.attempts == 3 and letter.error_type == "ConnectionError"
    assert letter.error_message == "attempt 3: mail server away"
    assert letter.first_failed_at <= letter.last_failed_at


@pytest.mark.django_db
def test_a_task_that_succeeds_on_a_retry_leaves_no_letter():
    outage["left"] = 1
    flaky(3)
    assert calls == [3, 3]
    assert not DeadLetter.objects.exists()


@pytest.mark.django_db
def test_a_job_failing_period_after_period_keeps_one_letter():
    outage["left"] = 9
    flaky(1)
    flaky(1)  # the next period, still failing
    [letter] = DeadLetter.objects.all()
    assert letter.attempts == 6 and letter.dead


@pytest.mark.django_db
def test_tasks_failed_lists_and_retry_queues_again_and_closes_the_letter(capsys):
    call_command("tasks", "failed")
    assert "no failed tasks" in capsys.readouterr().out
    outage["left"] = 3
    flaky(5)
    letter = DeadLetter.objects.get()
    call_command("tasks", "failed")
    out = capsys.readouterr().out
    assert f"{letter.pk}  tousu.core.tests.test_jobs.flaky  args=[5]" in out and "ConnectionError" in out
    calls.clear()
    call_command("tasks", "retry", str(letter.pk))  # the mail server is back: it runs (immediately here)
    assert calls == [5]
    letter.refresh_from_db()
    assert letter.retried_at is not None
    call_command("tasks", "failed")
    assert "no failed tasks" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no open dead letter"):
        call_command("tasks", "retry", str(letter.pk))  # already queued again: refused, nothing changes
    with pytest.raises(CommandError, match="no open dead letter"):
        call_command("tasks", "retry", "999999")


@pytest.mark.django_db
def test_tasks_run_and_jobs(capsys, org):
    call_command("tasks", "jobs")
    out = capsys.readouterr().out
    assert "deadline-scan" in out and "audit-anchor" in out
    call_command("tasks", "run", "deadline-scan")
    assert "deadline-scan: done" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no periodic job 'nope'"):
        call_command("tasks", "run", "nope")


def test_a_task_runs_with_the_id_of_the_request_that_enqueued_it():
    token = logfilters.request_id.set("req-abc.1")
    try:
        who_am_i()
    finally:
        logfilters.request_id.reset(token)
    assert calls == ["req-abc.1"]  # and the task's function never saw the extra keyword
    who_am_i()  # enqueued outside a request: the task's own id
    assert calls[1].startswith("task-")
    assert logfilters.request_id.get() is None  # nothing leaks out of the task


def test_the_worker_command_refuses_to_start_without_redis(settings):
    settings.TOUSU_REDIS_URL = ""
    with pytest.raises(CommandError, match="TOUSU_REDIS_URL"):
        call_command("worker")
    settings.TOUSU_REDIS_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(CommandError, match="cannot reach Redis"):
        call_command("worker")
