"""Chinese full-text search benchmark (issue 13, part 8), run by hand on a seeded instance:

    TOUSU_DATA_DIR=/tmp/tb100k-search .venv/bin/python bench/search.py [--runs 50]

Needs the index built (``tousu migrate`` then ``tousu reindex``; a freshly seeded instance is
indexed as it is written). In one run, side by side, for a two-character term and a three-word
query, p50/p99 in milliseconds of:

1. ``first page``: the 25 newest matching complaints, from the index (FTS5 MATCH / tsvector @@)
   against a bare ``LIKE '%…%'`` scan of the summary and content columns (one per word, all
   required; the index holds the demands, respondents and names too, so it may find more);
2. ``count``: how many match, index against the LIKE scan (the list counts up to COUNT_CAP);
3. ``ranked``: the 25 best matches by bm25 / ts_rank (the index only: LIKE cannot rank);
4. ``staff list``: the whole search page of the staff list as the centre's supervisor sees it
   (``selectors.page_complaints``: scope, confidentiality, number, phone, total) with the index,
   against the same page with the word part as it was before the index (LIKE over summary,
   content, the redacted columns and the complainants' names).

The matches each way are printed too, so a reader sees both find the same complaints.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

# A common and a rare two-character term of the seeded texts (7,442 and 8 of 100,232), and three
# words that come together in a few dozen.
QUERIES = {"two-character term": "推诿", "rare two-character term": "住建", "three-word query": "燃气 推诿 损失"}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """p50 and p99 in ms of ``runs`` calls (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times), p99, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measure (50)")
    parser.add_argument("--list-runs", type=int, default=20, help="timed runs of the staff list (20)")
    parser.add_argument("--json", help="also write the figures to this file (bench/scale.py reads it)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q

    from tousu.accounts.models import User
    from tousu.complaints import selectors
    from tousu.complaints.models import Complaint
    from tousu.search import index
    from tousu.search.documents import query_words

    total, indexed = Complaint.objects.count(), index.count()
    print(f"{connection.vendor}: {total:,} complaints, {indexed:,} indexed")
    if indexed < total:
        print("the index is incomplete: run `tousu reindex` first", file=sys.stderr)
        sys.exit(1)
    sqlite = connection.vendor == "sqlite"
    center = User.objects.get(username="center")

    def rows(sql: str, params: list[Any]) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def like(words: list[str]) -> tuple[str, list[str]]:
        return " AND ".join(["(summary LIKE %s OR content LIKE %s)"] * len(words)), [
            f"%{w}%" for w in words for _ in range(2)
        ]

    def old_search_q(actor: User, text: str) -> Q:
        """The word part of ``selectors.search_q`` before the index: LIKE everywhere."""
        from tousu.complaints.confidentiality import hidden_q
        from tousu.complaints.models import Complainant

        hidden = hidden_q(actor)
        people = Q(name__contains=text) | Q(email__icontains=text) | Q(address__contains=text)
        people |= Q(organisation__contains=text)
        identity = Q(anonymous=False, id__in=Complainant.objects.filter(people).values("complaint_id"))
        plain = Q(summary__contains=text) | Q(content__contains=text) | identity
        redacted = Q(summary_redacted__contains=text) | Q(content_redacted__contains=text)
        return Q(number=text) | (hidden & redacted) | (~hidden & plain)

    table = "complaints_complaint"
    header = f"{'':<34}{'index p50':>10}{'p99':>9}{'LIKE p50':>11}{'p99':>9}   matches (index / LIKE)"

    figures: dict[str, Any] = {"complaints": total}

    def one(label: str, text: str) -> None:
        mine = figures.setdefault(label, {"text": text})
        words = [w.text for w in query_words(text)]
        print(f"\n{label}: {text!r} → words {words}")
        print(header)
        match, margs = index.match_sql(query_words(text), plain=True)
        # Materialized: the planner reads the matches from the index, then sorts them (left to
        # itself, PostgreSQL may walk the table's key newest first, testing every row).
        first_sql = f"WITH m AS MATERIALIZED ({match}) SELECT * FROM m ORDER BY 1 DESC LIMIT 25"
        count_sql = f"SELECT COUNT(*) FROM ({match}) AS m"
        if sqlite:
            rank_sql, rank_args = f"{match} ORDER BY bm25({index.FTS_TABLE}, 2.0, 1.0, 2.0, 1.0) LIMIT 25", margs
        else:
            rank_sql = f"{match} ORDER BY ts_rank(document, %s::tsquery) DESC LIMIT 25"
            rank_args = [*margs, *margs]
        where, params = like(words)
        measures = [
            (
                "first page (25 newest)",
                lambda: rows(first_sql, margs),
                lambda: rows(f"SELECT id FROM {table} WHERE {where} ORDER BY id DESC LIMIT 25", params),
            ),
            (
                "count",
                lambda: rows(count_sql, margs)[0][0],
                lambda: rows(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0],
            ),
            ("ranked (25 best)", lambda: rows(rank_sql, rank_args), None),
        ]
        for name, new, old in measures:
            p50, p99, got = timed(new, args.runs)
            line = f"  {name:<32}{p50:>10.1f}{p99:>9.1f}"
            mine[name] = {"p50": p50, "p99": p99}
            if old is not None:
                o50, o99, was = timed(old, args.runs)
                shown = (got, was) if name == "count" else (len(got), len(was))
                line += f"{o50:>11.1f}{o99:>9.1f}   {shown[0]:,} / {shown[1]:,}"
                mine[name] |= {"like_p50": o50, "like_p99": o99, "found": shown[0], "like_found": shown[1]}
            else:
                line += f"{'—':>11}{'—':>9}   {len(got):,}"
            print(line)

        filters = selectors.ListFilters(q=text, limit=25)
        p50, p99, page = timed(lambda: selectors.page_complaints(center, filters), args.list_runs)
        real = selectors.search_q
        selectors.search_q = old_search_q
        try:
            o50, o99, before = timed(lambda: selectors.page_complaints(center, filters), args.list_runs)
        finally:
            selectors.search_q = real
        mine["staff list"] = {
            "p50": p50,
            "p99": p99,
            "like_p50": o50,
            "like_p99": o99,
            "found": page.total,
            "like_found": before.total,
        }
        print(
            f"  {'staff list (page + total)':<32}{p50:>10.1f}{p99:>9.1f}{o50:>11.1f}{o99:>9.1f}"
            f"   {page.total:,}{'+' if page.more else ''} / {before.total:,}{'+' if before.more else ''}"
        )

    for label, text in QUERIES.items():
        one(label, text)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
