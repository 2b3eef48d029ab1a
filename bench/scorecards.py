"""Scorecard benchmark (issue 15 §4), run by hand beside its floor:

    TOUSU_DATA_DIR=/tmp/tousu-bench .venv/bin/python bench/scorecards.py [--period 2026-11] [--repeat 5]

On a seeded instance (``tousu seed``; any size), in one process: the scorecard by unit and by
person for one period (every indicator, the sanctions, the clean months and the ranking), as the
centre sees it, beside its floor — one bare SQL ``GROUP BY`` over the same period's complaints that
counts them per handling unit (what any per-unit figure costs at least). Reported as the median
of ``--repeat`` runs, in ms, with the number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs: list[float] = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as seen:
            start = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - start) * 1000)
        queries = len(seen)
    return statistics.median(runs), queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from tousu.accountability.scorecards import By, scorecard
    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint
    from tousu.indicators.periods import resolve

    center = User.objects.get(username="center")
    period = resolve(args.period)
    start, end = period.start, period.end
    in_period = Complaint.objects.filter(received_at__gte=start, received_at__lt=end).count()

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT handling_unit_id, COUNT(*) FROM complaints_complaint "
                "WHERE received_at >= %s AND received_at < %s GROUP BY handling_unit_id",
                [start, end],
            )
            cursor.fetchall()

    floor_ms, floor_q = timed(floor, args.repeat)
    print(f"complaints: {Complaint.objects.count():,}; in {args.period}: {in_period:,}; {connection.vendor}")
    print("| scorecard | ms (median) | queries | floor: bare GROUP BY ms | ratio |")
    print("| --- | --- | --- | --- | --- |")
    by: By
    for by in ("unit", "person"):

        def card(by: By = by) -> None:
            scorecard(actor=center, period=period, by=by)

        ms, q = timed(card, args.repeat)
        print(f"| by {by} | {ms:.1f} | {q} | {floor_ms:.1f} | {ms / floor_ms:.1f} |")


if __name__ == "__main__":
    main()
