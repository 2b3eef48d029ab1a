"""The ledger's tasks on the queue (``tousu.core.tasks``)."""

from __future__ import annotations

from tousu.core.tasks import HUEY
from tousu.ledger import exports


@HUEY.task(retries=1, retry_delay=5)
def write_export(export_id: int) -> None:
    """Write a queued export's file (``exports.run``)."""
    exports.run(export_id)
