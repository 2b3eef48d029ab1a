"""Ledger, statistics, export and dashboard benchmark (issue 16), run by hand beside its floors:

    TOUSU_DATA_DIR=/tmp/tousu-bench .venv/bin/python bench/ledger.py [--repeat 30] [--rows 100000]

On a seeded instance (``tousu seed``; a million complaints for the issue's figures), in one run:

- the ledger page (``ledger.selectors.page``: the count, the keyset page of 25, every column of
  the standard layout with its batch facts, the redacted view) as the centre reads it — the first
  page, a page deep in the ledger (after the 500,000th row or the middle), one unit's, and one
  month's — p50/p99 ms, beside a bare indexed SQL query for the same 25 rows (``SELECT … ORDER BY
  id DESC LIMIT 25`` with the same ``WHERE``);
- the statistics for one year by month and by unit (``indicators.stats.stats``), beside a bare SQL
  ``GROUP BY`` counting the year's complaints per month and unit;
- a ``--rows`` export to xlsx (``core.sheets.write_xlsx`` of the ledger's rows), its time and peak
  memory (the child process's maximum resident set), beside a bare xlsxwriter write of the same
  rows read by a bare SQL query, in a child of its own;
- the dashboard's time to first byte through ``tousu serve``, beside the login page's (the same
  server and middleware, no data).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

STANDARD_SQL = """
SELECT c.id, c.number, c.received_at, c.channel, c.anonymous, c.summary, c.demands, c.handling_due,
       c.closed_at, c.status, c.due_at, c.reply_text, c.solution, c.close_reason, c.reply_method,
       c.satisfaction, c.flags, c.redacted, c.upgraded_from, c.upgraded_source,
       cat.name, g.name, u.name
FROM complaints_complaint c
LEFT JOIN complaints_category cat ON cat.id = c.category_id
LEFT JOIN complaints_grade g ON g.id = c.grade_id
LEFT JOIN accounts_unit u ON u.id = c.handling_unit_id
"""


def percentiles(runs: list[float]) -> tuple[float, float]:
    ordered = sorted(runs)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    fn()  # warm the caches and the page cache once
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return percentiles(runs)


def bare(sql: str, params: list[Any]) -> Callable[[], Any]:
    from django.db import connection

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def both(*queries: Callable[[], Any]) -> list[Any]:
    return [q() for q in queries]


def row(label: str, ours: tuple[float, float], floor: tuple[float, float]) -> str:
    ratio = ours[0] / floor[0] if floor[0] else float("inf")
    return f"| {label} | {ours[0]:.1f} / {ours[1]:.1f} | {floor[0]:.1f} / {floor[1]:.1f} | {ratio:.1f}× |"


def ledger_pages(repeat: int) -> list[str]:
    from django.db.models import Count

    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint
    from tousu.indicators import periods
    from tousu.ledger.selectors import LedgerIn, page

    center = User.objects.get(username="center")
    total = Complaint.objects.count()
    deep = min(500_000, total // 2)
    deep_id = Complaint.objects.order_by("-id").values_list("id", flat=True)[deep]
    busiest = (
        Complaint.objects.exclude(handling_unit=None)
        .values("handling_unit__code", "handling_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    newest = Complaint.objects.order_by("-id").values_list("received_at", flat=True).first()
    assert busiest is not None and newest is not None, "a seeded instance is needed (tousu seed)"
    month = periods.containing(newest.date(), "month")
    cases = [
        ("first page", LedgerIn(limit=25), "", []),
        ("deep page", LedgerIn(limit=25, after=f"{deep_id}~{deep_id}~{deep + 2}"), "WHERE c.id < %s", [deep_id]),
        (
            f"unit {busiest['handling_unit__code']}",
            LedgerIn(limit=25, unit=busiest["handling_unit__code"]),
            "WHERE c.handling_unit_id = %s",
            [busiest["handling_unit_id"]],
        ),
        (
            f"month {month.code}",
            LedgerIn(limit=25, period=month.code),
            "WHERE c.received_at >= %s AND c.received_at < %s",
            [month.start, month.end],
        ),
    ]
    out = [
        f"Ledger page of 25, standard layout, as the centre (p50 / p99 ms, {repeat} runs; {total:,} complaints)",
        "",
        "| page | ledger.page (count + rows + facts) | bare indexed SQL, same 25 rows | ratio "
        "| bare SQL rows + COUNT(*) | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, f, where, params in cases:
        ours = timed(functools.partial(page, center, f), repeat)
        floor = timed(bare(f"{STANDARD_SQL} {where} ORDER BY c.id DESC LIMIT 25", params), repeat)
        rows_sql = bare(f"{STANDARD_SQL} {where} ORDER BY c.id DESC LIMIT 25", params)
        # The count is of the whole filtered ledger (a deep page's keyset bound is not a filter).
        filtered = ("", []) if label == "deep page" else (where, params)
        count_sql = bare(f"SELECT COUNT(*) FROM complaints_complaint c {filtered[0]}", filtered[1])
        counted = timed(functools.partial(both, rows_sql, count_sql), repeat)
        out.append(f"{row(label, ours, floor)} {counted[0]:.1f} / {counted[1]:.1f} | {ours[0] / counted[0]:.1f}× |")
    return out


def statistics_year(repeat: int) -> list[str]:
    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint
    from tousu.indicators import periods
    from tousu.indicators.stats import StatsQuery, stats

    center = User.objects.get(username="center")
    last = Complaint.objects.order_by("-id").values_list("received_at", flat=True).first()
    assert last is not None, "a seeded instance is needed (tousu seed)"
    year = periods.parse(str(last.year - 1))
    in_year = Complaint.objects.filter(year.received()).count()
    floor_sql = (
        "SELECT strftime('%%Y-%%m', c.received_at, '+8 hours') AS m, c.handling_unit_id, COUNT(*) "
        "FROM complaints_complaint c WHERE c.received_at >= %s AND c.received_at < %s GROUP BY m, c.handling_unit_id"
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        floor_sql = (
            "SELECT date_trunc('month', c.received_at AT TIME ZONE 'Asia/Shanghai') AS m, c.handling_unit_id, "
            "COUNT(*) FROM complaints_complaint c WHERE c.received_at >= %s AND c.received_at < %s "
            "GROUP BY m, c.handling_unit_id"
        )
    floor = timed(bare(floor_sql, [year.start, year.end]), repeat)
    out = [
        f"Statistics for {year.code} ({in_year:,} complaints received), as the centre (p50 / p99 ms, {repeat} runs)",
        "",
        "| query | stats() | bare SQL GROUP BY month, unit | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for by in ("month", "unit"):
        q = StatsQuery(period=year.code, by=by, compare=False)
        out.append(row(f"by {by}", timed(functools.partial(stats, center, q), repeat), floor))
    q = StatsQuery(period=year.code, by="month", compare=True)
    out.append(row("by month, with 环比/同比", timed(lambda: stats(center, q), repeat), floor))
    return out


def export_child(kind: str, rows: int, target: str) -> None:
    """One export in this (child) process; prints its seconds as JSON."""
    import django

    django.setup()
    from tousu.accounts.models import User
    from tousu.core import sheets
    from tousu.ledger.selectors import LedgerIn, every

    start = time.perf_counter()
    if kind == "tousu":
        center = User.objects.get(username="center")
        _layout, columns, _total, batches = every(center, LedgerIn())

        def limited() -> Any:
            left = rows
            for batch in batches:
                yield batch[:left]
                left -= len(batch)
                if left <= 0:
                    return

        n = sheets.write_xlsx(target, "投诉台账", columns, limited())
    else:
        import xlsxwriter
        from django.db import connection

        book = xlsxwriter.Workbook(target, {"constant_memory": True})
        sheet = book.add_worksheet()
        n = 0
        with connection.cursor() as cursor:
            cursor.execute(f"{STANDARD_SQL} ORDER BY c.id DESC LIMIT %s", [rows])
            while chunk := cursor.fetchmany(1000):
                for values in chunk:
                    for col, value in enumerate(values):
                        sheet.write(n, col, value if not hasattr(value, "tzinfo") else value.replace(tzinfo=None))
                    n += 1
        book.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": time.perf_counter() - start, "rows": n, "peak_mib": peak / 1024}))


def export_compare(rows: int) -> list[str]:
    out = [
        f"Export of {rows:,} rows to xlsx, each in a child process of its own (seconds; peak resident memory)",
        "",
        "| export | seconds | peak RSS MiB |",
        "| --- | --- | --- |",
    ]
    for kind, label in (("tousu", "ledger export (standard layout)"), ("bare", "bare xlsxwriter, bare SQL rows")):
        target = f"/tmp/bench-ledger-{kind}.xlsx"
        done = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--rows", str(rows), "--target", target],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        out.append(f"| {label} ({result['rows']:,} rows) | {result['seconds']:.1f} | {result['peak_mib']:.0f} |")
    return out


def first_byte(url: str, cookie: str, repeat: int) -> tuple[float, float]:
    runs = []
    for i in range(repeat + 1):
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read(1)
            if i:
                runs.append((time.perf_counter() - start) * 1000)
            response.read()
    return percentiles(runs)


def dashboard(repeat: int, port: int) -> list[str]:
    from django.conf import settings
    from django.test import Client

    from tousu.accounts.models import User

    server = subprocess.Popen(
        [os.path.join(ROOT, ".venv/bin/tousu"), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TOUSU_SCAN_INTERVAL_SECONDS": "0", "TOUSU_ANCHOR_INTERVAL_SECONDS": "0"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        client = Client()
        client.force_login(User.objects.get(username="center"))  # a session in the shared database
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        from tousu.complaints.models import Complaint
        from tousu.indicators import periods

        newest = Complaint.objects.order_by("-id").values_list("received_at", flat=True).first()
        assert newest is not None, "a seeded instance is needed (tousu seed)"
        month = periods.containing(newest.date(), "month")
        ours = first_byte(f"{base}/dashboard/", cookie, repeat)
        busy = first_byte(f"{base}/dashboard/?period={month.code}", cookie, repeat)
        floor = first_byte(f"{base}/login/", "", repeat)
    finally:
        server.terminate()
        server.wait(10)
    return [
        f"Dashboard time to first byte through `tousu serve` (p50 / p99 ms, {repeat} runs)",
        "",
        "| page | dashboard | login page (no data) | ratio |",
        "| --- | --- | --- | --- |",
        row("/dashboard/ as the centre (this month)", ours, floor),
        row(f"/dashboard/?period={month.code} (the seed's last month)", busy, floor),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--only", choices=("ledger", "stats", "export", "dashboard"), default=None)
    parser.add_argument("--child", choices=("tousu", "bare"), default=None)
    parser.add_argument("--target", default="")
    args = parser.parse_args()
    if args.child:
        export_child(args.child, args.rows, args.target)
        return
    import django

    django.setup()
    parts: list[list[str]] = []
    if args.only in (None, "ledger"):
        parts.append(ledger_pages(args.repeat))
    if args.only in (None, "stats"):
        parts.append(statistics_year(max(3, args.repeat // 6)))
    if args.only in (None, "export"):
        parts.append(export_compare(args.rows))
    if args.only in (None, "dashboard"):
        parts.append(dashboard(args.repeat, args.port))
    print("\n\n".join("\n".join(p) for p in parts))


if __name__ == "__main__":
    main()
