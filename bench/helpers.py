"""Small Django-side helpers for bench/run.sh (run with DJANGO_SETTINGS_MODULE=tousu.settings).

python bench/helpers.py cookie USERNAME   the session cookie value of a logged-in USERNAME
python bench/helpers.py busy-unit         the unit code with the most in-progress complaints
python bench/helpers.py count             how many complaints there are
python bench/helpers.py explain UNIT      EXPLAIN (QUERY PLAN) of the API list query for UNIT, as center
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
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
