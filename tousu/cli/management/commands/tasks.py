"""``tousu tasks``: the task queue's periodic jobs and dead letters (tousu.core.tasks).

``tousu tasks failed`` lists the tasks that failed after their last retry (the traceback is in the
worker's log, under the task's id); ``tousu tasks retry ID`` queues one again with its arguments and
closes the letter; ``tousu tasks run NAME`` runs a periodic job once, here and now; ``tousu tasks
jobs`` lists the periodic jobs and their intervals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "The task queue: list dead letters (failed), queue one again (retry ID), run a periodic job (run NAME)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        failed = sub.add_parser("failed", help="tasks that failed after their last retry")
        failed.add_argument("--all", action="store_true", help="also those already queued again")
        again = sub.add_parser("retry", help="queue a dead letter's task again and close the letter")
        again.add_argument("id", type=int)
        run = sub.add_parser("run", help="run a periodic job once, in this process")
        run.add_argument("name")
        sub.add_parser("jobs", help="the periodic jobs and their intervals")

    def handle(self, *args: Any, **options: Any) -> None:
        from tousu.core import tasks

        tasks.autodiscover()
        action = options["action"]
        if action == "failed":
            self.failed(show_all=options["all"])
        elif action == "retry":
            self.retry(options["id"])
        elif action == "run":
            job = tasks.PERIODIC.get(options["name"])
            if job is None:
                raise CommandError(f"no periodic job {options['name']!r}; known: {', '.join(sorted(tasks.PERIODIC))}")
            job.task.call_local()
            self.stdout.write(f"{job.name}: done")
        else:
            for job in tasks.PERIODIC.values():
                every = job.every()
                self.stdout.write(f"{job.name:<20} {f'every {every}s' if every > 0 else 'off'}")

    def failed(self, *, show_all: bool) -> None:
        from tousu.core.models import DeadLetter

        letters = DeadLetter.objects.filter(dead=True)
        if not show_all:
            letters = letters.filter(retried_at=None)
        count = 0
        for letter in letters:
            count += 1
            state = f" (queued again {letter.retried_at:%Y-%m-%d %H:%M:%S})" if letter.retried_at else ""
            self.stdout.write(
                f"{letter.pk}  {letter.task}  args={letter.args} kwargs={letter.kwargs}  "
                f"{letter.attempts} attempt(s), first {letter.first_failed_at:%Y-%m-%d %H:%M:%S}, "
                f"last {letter.last_failed_at:%Y-%m-%d %H:%M:%S}  task id {letter.task_id}{state}\n"
                f"    {letter.error_type}: {letter.error_message}"
            )
        if not count:
            self.stdout.write("no failed tasks")

    def retry(self, letter_id: int) -> None:
        from huey.exceptions import HueyException

        from tousu.core import tasks
        from tousu.core.models import DeadLetter

        try:
            task = tasks.retry(letter_id)
        except DeadLetter.DoesNotExist:
            raise CommandError(f"no open dead letter {letter_id} (see `tousu tasks failed`)") from None
        except HueyException as err:  # a task renamed or removed since it failed
            raise CommandError(f"dead letter {letter_id}: {err}") from None
        self.stdout.write(f"dead letter {letter_id}: {task.name} queued again (task id {task.id})")
