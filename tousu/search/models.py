"""The index itself lives in tables this app's migration makes by hand (FTS5 on SQLite, a tsvector
table on PostgreSQL: ``tousu.search.index``); the one model is the progress of a rebuild."""

from __future__ import annotations

from django.db import models


class Rebuild(models.Model):
    """A run of ``tousu reindex``: every complaint with ``id <= done`` has been rewritten; an
    interrupted run resumes after ``done`` up to ``upto``, the highest id when it started (later
    complaints are indexed as they are written)."""

    started_at = models.DateTimeField()
    upto = models.BigIntegerField()
    done = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"reindex {self.done}/{self.upto}"
