"""Audit log benchmark (issue: a history a database writer cannot silently rewrite), run by hand
beside its floors, measured in the same run:

    TOUSU_DATA_DIR=/tmp/tousu-bench-audit .venv/bin/python bench/audit.py [--events 2000] [--seed 20000]

1. ``record_event`` per event (the keyed chain link and the state MAC with its fingerprints, read
   back from the database), inside the action's transaction, beside a bare ``Event`` insert of the
   same row (the floor), and the state seal alone;
2. ``verify-audit`` per 10,000 events on a seeded log (``tousu seed``; seeded here when the data
   dir holds fewer than ``--seed`` complaints), beside a bare read of the same event rows.

The data dir is migrated and given the demo organisation if it has none. Figures depend on the
machine and its load; the ratios to the floors are what to compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000, help="events timed for record_event (2000)")
    parser.add_argument("--complaints", type=int, default=200, help="complaints they are spread over (200)")
    parser.add_argument("--seed", type=int, default=20000, help="complaints in the log verify-audit reads (20000)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tousu.accounts.models import User
    from tousu.complaints import services
    from tousu.complaints.audit import verify_audit
    from tousu.complaints.events import GENESIS, read_state, record_event, seal
    from tousu.complaints.inputs import ComplainantSchema, RegisterIn, RespondentSchema
    from tousu.complaints.models import Complaint, Event

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="clerk").exists():
        with open(os.devnull, "w") as quiet:
            call_command("init", preset="government", demo=True, stdout=quiet)
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")

    # ---------------------------------------------------------------- 1. record_event
    clerk = User.objects.get(username="clerk")
    made = [
        services.register(
            actor=clerk,
            data=RegisterIn(
                channel="hotline",
                summary="窗口办事拖拉",
                content="到市场监管局窗口办理营业执照,跑了四趟没办成。",
                complainants=[ComplainantSchema(name="张三", phone="13812345678")],
                respondents=[RespondentSchema(unit="amr")],
            ),
        )
        for _ in range(args.complaints)
    ]
    ids = [r.complaint.pk for r in made]

    def timed(write) -> list[float]:
        """Per event, inside a transaction that locks the complaint and bumps its version, as a service does."""
        spent = []
        for i in range(args.events):
            with transaction.atomic():
                c = Complaint.objects.select_for_update().get(pk=ids[i % len(ids)])
                c.version += 1
                c.save(update_fields=["version"])
                t0 = time.perf_counter()
                write(c)
                spent.append(time.perf_counter() - t0)
        return spent

    def bare_insert(c: Complaint) -> None:
        # The floor: one Event row as record_event writes it, minus the chain look-up and the seal.
        Event.objects.create(
            seq=c.version + 1_000_000,
            complaint=c,
            number=c.number,
            action="urge",
            actor=None,
            actor_name="system",
            from_status=c.status,
            to_status=c.status,
            version=c.version,
            note="催办",
            payload={"automatic": True},
            created_at=timezone.now(),
            prev_hash=GENESIS,
            hash=GENESIS,
            state_mac="",
            state_prints={},
        )

    def keyed(c: Complaint) -> None:
        record_event(c, actor=None, action="urge", from_status=c.status, note="催办", payload={"automatic": True})

    timed(keyed)  # warm up
    floor = timed(bare_insert)
    Event.objects.filter(seq__gte=1_000_000).delete()
    Complaint.objects.filter(pk__in=ids).update(version=1)
    Event.objects.filter(complaint_id__in=ids, seq__gt=1).delete()
    spent = timed(keyed)
    sealing = []
    for pk in ids * max(1, args.events // len(ids)):
        t0 = time.perf_counter()
        seal(pk, read_state(pk)[0])
        sealing.append(time.perf_counter() - t0)
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=ids[0])
        c.version += 1
        c.save(update_fields=["version"])
        with CaptureQueriesContext(connection) as queries:
            keyed(c)
        transaction.set_rollback(True)

    def us(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1e6:7.0f} µs, mean {statistics.fmean(values) * 1e6:7.0f} µs"

    print(f"record_event           {us(spent)}   ({len(queries)} queries)")
    print(f"  floor: bare insert   {us(floor)}   → ratio {statistics.median(spent) / statistics.median(floor):.1f}×")
    print(f"  of which state seal  {us(sealing)}   (read back and MAC with fingerprints)")

    # ---------------------------------------------------------------- 2. verify-audit
    have = Complaint.objects.count()
    if have < args.seed:
        print(f"seeding {args.seed - have:,} complaints …", flush=True)
        with open(os.devnull, "w") as quiet:
            call_command("seed", count=args.seed - have, no_progress=True, stdout=quiet)
    events = Event.objects.count()
    t0 = time.perf_counter()
    report = verify_audit()
    verify = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Event._meta.db_table} ORDER BY complaint_id, seq")
        while cursor.fetchmany(10000):
            pass
    read = time.perf_counter() - t0
    per = 10_000 / max(events, 1)
    print(
        f"verify-audit           {verify * per:7.3f} s per 10,000 events ({events:,} events, "
        f"{report.complaints:,} complaints in {verify:.1f} s; {'OK' if report.ok else 'FAILED'})"
    )
    print(f"  floor: bare read     {read * per:7.3f} s per 10,000 events → ratio {verify / read:.1f}×")


if __name__ == "__main__":
    main()
