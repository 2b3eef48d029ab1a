"""The in-process job runner (SPEC §14): no extra server; `tousu serve` starts it."""
from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

log = logging.getLogger(__name__)


def run_scans_forever(interval: int, stop: threading.Event) -> None:
    from tousu.complaints.services.timekeeping import scan_deadlines

    while not stop.wait(interval):
        close_old_connections()
        try:
            result = scan_deadlines()
            log.info("deadline scan: %s", result)
        except Exception:  # noqa: BLE001 — a failed scan is retried at the next interval
            log.exception("deadline scan failed")
        finally:
            close_old_connections()


def start_in_process(interval: int) -> threading.Event | None:
    """Run the deadline scan every ``interval`` seconds in a daemon thread; 0 disables it."""
    if interval <= 0:
        return None
    stop = threading.Event()
    threading.Thread(target=run_scans_forever, args=(interval, stop), name="tousu-jobs", daemon=True).start()
    return stop
