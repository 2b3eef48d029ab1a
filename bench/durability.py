"""SQLite's durability setting under WAL (issue 17): ``synchronous=FULL`` against ``NORMAL``.

    .venv/bin/python bench/durability.py [--registrations 300] [--inserts 2000] [--dir DIR]

In one process, on a fresh database in DIR (default: a new directory under ./var, on the disk the
data directory lives on, never tmpfs, where an fsync costs nothing):

1. the floor: a bare ``INSERT`` + ``COMMIT`` of one small row (Python's sqlite3, WAL), per setting;
2. registrations through ``services.register`` (numbering, event chain, indexes: what a citizen's
   complaint costs), per setting, alternating the settings in rounds so drift hits both alike.

Each prints commits (or registrations) per second and a commit's latency, p50 and p99. Under WAL,
NORMAL syncs the WAL only at a checkpoint: a commit survives a process crash but the last ones may
be lost on a power cut or a kernel crash. FULL syncs the WAL at every commit: nothing acknowledged
is lost. See docs/operations.md ("Durability") for the figures and the decision.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SETTINGS = ("NORMAL", "FULL")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(name: str, latencies: list[float], wall: float) -> dict[str, Any]:
    return {
        "name": name,
        "per_second": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def floor(path: Path, synchronous: str, count: int) -> dict[str, Any]:
    """A bare INSERT + COMMIT, ``count`` times, in autocommit-free transactions of one row each."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    latencies = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (body) VALUES (?)", (f"row {i} " * 8,))
        db.execute("COMMIT")
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    db.close()
    return summary(f"bare INSERT+COMMIT, {synchronous}", latencies, wall)


def registrations(count: int, rounds: int) -> dict[str, dict[str, Any]]:
    """``services.register`` ``count`` times per setting, in ``rounds`` alternating rounds."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tousu.accounts.models import User
    from tousu.complaints import services
    from tousu.complaints.inputs import RegisterIn
    from tousu.complaints.reference import load_preset
    from tousu.presets import REGISTRY, demo_data
    from tousu.presets.demo import organisation

    call_command("migrate", verbosity=0)
    load_preset(REGISTRY["government"])
    organisation(demo_data("government"))
    clerk = User.objects.get(username="clerk")
    data = RegisterIn.model_validate(
        {
            "channel": "hotline",
            "summary": "窗口办事拖拉",
            "content": "到市场监管局窗口办理营业执照，跑了四趟没办成。",
            "demands": "要求尽快办结",
            "complainants": [{"name": "张三", "phone": "13812345678"}],
            "respondents": [{"unit": "amr"}],
        }
    )
    services.register(actor=clerk, data=data)  # warm-up: caches, the preset, the first number
    latencies: dict[str, list[float]] = {s: [] for s in SETTINGS}
    walls: dict[str, float] = dict.fromkeys(SETTINGS, 0.0)
    per_round = max(count // rounds, 1)
    for _ in range(rounds):
        for synchronous in SETTINGS:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={synchronous}")
            started = time.perf_counter()
            for _ in range(per_round):
                t0 = time.perf_counter()
                services.register(actor=clerk, data=data)
                latencies[synchronous].append(time.perf_counter() - t0)
            walls[synchronous] += time.perf_counter() - started
    return {s: summary(f"registration, {s}", latencies[s], walls[s]) for s in SETTINGS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=300, help="per setting (300)")
    parser.add_argument("--inserts", type=int, default=2000, help="bare commits per setting (2000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go (a new dir under ./var)")
    args = parser.parse_args()
    base = Path.cwd() / "var"
    base.mkdir(exist_ok=True)
    work = args.dir or Path(tempfile.mkdtemp(prefix="durability-", dir=base))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# databases in {work}")
    rows = []
    for synchronous in SETTINGS:
        rows.append(floor(work / f"floor-{synchronous.lower()}.sqlite3", synchronous, args.inserts))
    os.environ["TOUSU_DATA_DIR"] = str(work / "data")
    (work / "data").mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("TOUSU_TASKS_IMMEDIATE", "1")
    rows += registrations(args.registrations, args.rounds).values()
    print(f"{'what':<34} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(f"{row['name']:<34} {row['per_second']:>9.1f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}")
    by = {row["name"]: row for row in rows}
    for kind in ("bare INSERT+COMMIT", "registration"):
        full, normal = by[f"{kind}, FULL"], by[f"{kind}, NORMAL"]
        print(
            f"# {kind}: FULL gives {full['per_second'] / normal['per_second']:.0%} of NORMAL's throughput, "
            f"+{full['p50_ms'] - normal['p50_ms']:.2f} ms at p50"
        )


if __name__ == "__main__":
    main()
