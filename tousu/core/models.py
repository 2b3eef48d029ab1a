"""Rows shared by every app that belong to none of them."""

from __future__ import annotations

from django.db import models


class DeadLetter(models.Model):
    """A queued task that failed after its last retry (``tousu.core.tasks``): what it was, with
    which arguments, why it failed, how often it was tried and when. The traceback is in the log
    (the worker's, with the task's id). A periodic task that keeps failing keeps one open row, its
    attempts counted up, rather than a row per period. ``tousu tasks failed`` lists the open rows,
    ``tousu tasks retry ID`` queues the task again and closes the row."""

    task = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, db_index=True)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    error_type = models.CharField(max_length=200)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    # Still being retried (False), or given up on (True): only the latter are dead letters.
    dead = models.BooleanField(default=False)
    # When an administrator queued it again (`tousu tasks retry`); an open letter has none.
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at"]
        indexes = [models.Index(fields=["dead", "retried_at"], name="core_deadletter_open")]

    def __str__(self) -> str:
        return f"{self.task} ({self.error_type}, {self.attempts}×)"
