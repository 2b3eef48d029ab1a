"""Deadline benchmark (issue: statutory deadlines), run by hand beside its floors:

    TOUSU_DATA_DIR=/tmp/tousu-bench .venv/bin/python bench/dues.py [--rows 100000] [--requests 200]

1. one working-day addition, beside a bare ``date + timedelta`` (goal ≤ 2 µs);
2. overdue status for 100,000 open complaints (goal ≤ 0.5 s), beside the bare SQL read of the
   same rows;
3. the list API at the seeded size (use ``tousu seed``) with ``overdue=true``, as a ratio to the
   same list without it, through Django's test client in one process (same settings both ways).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")


def per_call(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from tousu.accounts.models import ApiToken, User
    from tousu.calendar.store import current
    from tousu.complaints.dues import timing
    from tousu.complaints.models import Complaint
    from tousu.complaints.states import OPEN

    cal = current()
    start, delta = dt.date(2026, 9, 21), dt.timedelta(days=15)
    add = per_call(lambda: cal.add_working_days(start, 15), 200_000)
    floor = per_call(lambda: start + delta, 200_000)
    print(f"add_working_days        {add * 1e6:8.3f} µs   (date + timedelta floor {floor * 1e6:.3f} µs; goal ≤ 2 µs)")

    fields = ["id", "status", "due_at", "closed_at", "handling_due"]
    qs = Complaint.objects.filter(status__in=OPEN).order_by("id").only(*fields)[: args.rows]
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(*qs.query.sql_with_params())
        raw = cursor.fetchall()
    sql_floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = list(qs)
    now = timezone.now()
    overdue = sum(1 for c in rows if timing(c, now) == "overdue")
    spent = time.perf_counter() - t0
    print(
        f"overdue status, {len(rows):,} open  {spent:8.3f} s    (bare SQL read {sql_floor:.3f} s of {len(raw):,} rows;"
        f" goal ≤ 0.5 s) — {overdue:,} overdue"
    )
    if rows and len(rows) < args.rows:
        # Fewer open cases than asked for: time the status computation alone over that many rows
        # (the seeded ones, repeated), so the figure answers for --rows open complaints.
        many = (rows * (args.rows // len(rows) + 1))[: args.rows]
        t0 = time.perf_counter()
        sum(1 for c in many if timing(c, now) == "overdue")
        print(
            f"  status alone over {len(many):,} rows  {time.perf_counter() - t0:8.3f} s"
            f"  (+ reading them: {spent / len(rows) * len(many):.3f} s at the rate above)"
        )
    t0 = time.perf_counter()
    count = Complaint.objects.filter(status__in=OPEN, due_at__lt=now).count()
    print(f"overdue count in SQL     {time.perf_counter() - t0:8.3f} s    ({count:,} overdue of all open)")

    user = User.objects.filter(role="center").first()
    if user is None:
        print("no centre user: run `tousu init --preset government --demo` first")
        return
    token = ApiToken.issue(user, "bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def rate(query: str) -> tuple[float, float]:
        for _ in range(5):
            client.get(f"/api/v1/complaints?{query}")
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            response = client.get(f"/api/v1/complaints?{query}")
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.content
        return len(times) / sum(times), statistics.median(times) * 1000

    total = Complaint.objects.count()
    plain, plain_p50 = rate("limit=25")
    filtered, filtered_p50 = rate("limit=25&overdue=true")
    print(
        f"list API at {total:,}: {plain:7.1f} req/s (p50 {plain_p50:.1f} ms); with overdue=true {filtered:7.1f} req/s"
        f" (p50 {filtered_p50:.1f} ms); ratio {filtered / plain:.2f}"
    )
    unit_plain, _ = rate("limit=25&status=in_progress&unit=amr")
    unit_filtered, _ = rate("limit=25&status=in_progress&unit=amr&overdue=true")
    print(
        f"  status+unit list: {unit_plain:7.1f} req/s; with overdue=true {unit_filtered:7.1f} req/s; "
        f"ratio {unit_filtered / unit_plain:.2f}"
    )


if __name__ == "__main__":
    main()
