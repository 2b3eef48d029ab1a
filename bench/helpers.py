"""Small Django-side helpers for bench/run.sh (run with DJANGO_SETTINGS_MODULE=tousu.settings).

python bench/helpers.py cookie USERNAME   the session cookie value of a logged-in USERNAME
python bench/helpers.py busy-unit         the unit code with the most in-progress complaints
python bench/helpers.py count             how many complaints there are
python bench/helpers.py explain UNIT      EXPLAIN (QUERY PLAN) of the API list query for UNIT, as center
python bench/helpers.py pg-create URL     create URL's PostgreSQL database if it is missing (no Django)
python bench/helpers.py pg-recreate URL   drop and create it again: only a database whose name says "bench"
"""

from __future__ import annotations

import os
import sys


def pg_database(url: str, *, recreate: bool) -> None:
    """Create the database of ``url`` (connecting to the server's ``postgres`` database with the same
    role) if it is missing; with ``recreate``, drop it first. Refuses to drop a database whose name
    does not contain "bench": the benchmark never wipes a database it was merely pointed at."""
    from urllib.parse import unquote, urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        sys.exit(f"no database name in {url!r}")
    if recreate and "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: only a database whose name contains 'bench' is recreated")
    admin = parts._replace(path="/postgres").geturl()
    try:
        conn = psycopg.connect(admin, autocommit=True)
    except psycopg.Error as err:
        sys.exit(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {err}")
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def main(argv: list[str]) -> None:
    if argv and argv[0] in ("pg-create", "pg-recreate") and len(argv) == 2:
        pg_database(argv[1], recreate=argv[0] == "pg-recreate")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint

    what = argv[0] if argv else ""
    if what == "cookie":
        from django.test import Client

        client = Client()
        client.force_login(User.objects.get(username=argv[1]))
        print(client.cookies[settings.SESSION_COOKIE_NAME].value)
    elif what == "busy-unit":
        row = (
            Complaint.objects.filter(status="in_progress")
            .exclude(handling_unit=None)
            .values("handling_unit__code")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        print(row["handling_unit__code"] if row else "amr")
    elif what == "count":
        print(Complaint.objects.count())
    elif what == "explain":
        from tousu.complaints import selectors

        center = User.objects.get(username="center")
        qs = (
            selectors.filter_complaints(center, selectors.ListFilters(status=["in_progress"], unit=argv[1]))
            .select_related("handling_unit", "category", "grade", "handler")
            .order_by("-id")[:26]
        )
        sql, params = qs.query.sql_with_params()
        print(sql % tuple(repr(p) for p in params))
        print(qs.explain())
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                print("sqlite_stat1 (ANALYZE run):", bool(cursor.fetchone()[0]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(sys.argv[1:])
