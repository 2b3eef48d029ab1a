"""Bytes per complaint: where a seeded instance's bytes go, by table and by index, beside
django-helpdesk's bytes per ticket.

    TOUSU_DATA_DIR=/tmp/tousu-bench python bench/storage.py
    TOUSU_DATA_DIR=/tmp/tousu-bench-pg DATABASE_URL=postgres://… python bench/storage.py --prefix pg
    python bench/storage.py --sqlite /tmp/copy.sqlite3          # any SQLite file, without Django

Options: ``--top N`` objects listed (25); ``--prefix P`` and ``--metrics FILE`` append
``P_bytes_per_complaint`` and friends as ``metric value unit`` lines to FILE (bench/run.sh's metrics);
``--peer-summary FILE`` the peer harness's summary (``seed_tickets``, ``db_size_after_seed`` in MiB;
default ``$HD_RESULTS/summary.txt``, else ``${HD_RUN_DIR:-/tmp/hd-bench}/results/summary.txt``, its
last run).

SQLite: the ``dbstat`` virtual table (pages of each b-tree, as stored, free space inside pages
included); the total is the main file's pages (``page_count × page_size``, free-list pages included;
the WAL is not counted). FTS5 shadow tables are counted under their virtual table.
PostgreSQL: ``pg_relation_size`` (heap), ``pg_indexes_size``, ``pg_total_relation_size`` (the rest
is TOAST) per table and ``pg_relation_size`` per index; the total is ``pg_database_size``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

COMPLAINTS = "complaints_complaint"


class Cursor(Protocol):
    def execute(self, sql: str, params: Any = ...) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


@dataclass
class Table:
    name: str
    data: int = 0  # the table's own b-tree (SQLite) or heap + TOAST (PostgreSQL)
    indexes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.data + sum(self.indexes.values())


@dataclass
class Footprint:
    vendor: str
    total: int  # bytes of the whole database
    free: int  # bytes on the free list (SQLite) or 0
    complaints: int
    tables: dict[str, Table]


def _one(cursor: Cursor, sql: str) -> Any:
    cursor.execute(sql)
    return cursor.fetchone()[0]


def sqlite_footprint(cursor: Cursor) -> Footprint:
    cursor.execute("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master")
    schema = cursor.fetchall()
    virtual = [name for kind, name, _, sql in schema if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")]
    owner: dict[str, tuple[str, bool]] = {}  # b-tree name -> (table it belongs to, is an index)
    for kind, name, tbl, _ in schema:
        if kind == "index":
            owner[name] = (tbl, True)
        elif kind == "table":
            base = next((v for v in virtual if name.startswith(v + "_")), name)
            owner[name] = (base, False)
    tables: dict[str, Table] = {}
    cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
    for name, size in cursor.fetchall():
        tbl, is_index = owner.get(name, (name, False))
        table = tables.setdefault(tbl, Table(tbl))
        if is_index:
            table.indexes[name] = table.indexes.get(name, 0) + int(size)
        else:
            table.data += int(size)
    page = _one(cursor, "PRAGMA page_size")
    return Footprint(
        vendor="sqlite",
        total=_one(cursor, "PRAGMA page_count") * page,
        free=_one(cursor, "PRAGMA freelist_count") * page,
        complaints=_one(cursor, f"SELECT COUNT(*) FROM {COMPLAINTS}"),
        tables=tables,
    )


def postgres_footprint(cursor: Cursor) -> Footprint:
    cursor.execute(
        "SELECT c.relname, pg_total_relation_size(c.oid) - pg_indexes_size(c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'm') AND n.nspname = current_schema()"
    )
    tables = {name: Table(name, data=int(size)) for name, size in cursor.fetchall()}
    cursor.execute(
        "SELECT i.relname, t.relname, pg_relation_size(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()"
    )
    for index, tbl, size in cursor.fetchall():
        tables.setdefault(tbl, Table(tbl)).indexes[index] = int(size)
    return Footprint(
        vendor="postgresql",
        total=_one(cursor, "SELECT pg_database_size(current_database())"),
        free=0,
        complaints=_one(cursor, f"SELECT COUNT(*) FROM {COMPLAINTS}"),
        tables=tables,
    )


def peer_bytes_per_ticket(path: str | None) -> tuple[float | None, str]:
    """django-helpdesk's database bytes per seeded ticket from its harness's summary (its
    ``db_size_after_seed`` is whole MiB, so the figure is good to about 1 %% at 100,000 tickets)."""
    candidates = [path] if path else []
    if os.environ.get("HD_RESULTS"):
        candidates.append(os.path.join(os.environ["HD_RESULTS"], "summary.txt"))
    candidates.append(os.path.join(os.environ.get("HD_RUN_DIR", "/tmp/hd-bench"), "results", "summary.txt"))
    for candidate in candidates:
        p = Path(candidate)
        if not p.is_file():
            continue
        values = dict(line.split()[:2] for line in p.read_text(encoding="utf-8").splitlines() if len(line.split()) >= 2)
        try:
            return float(values["db_size_after_seed"]) * 1048576 / float(values["seed_tickets"]), str(p)
        except (KeyError, ValueError, ZeroDivisionError):
            continue
    return None, ""


def report(fp: Footprint, *, top: int, peer: float | None, peer_source: str) -> list[str]:
    n = max(fp.complaints, 1)
    mib = 1048576

    def row(label: str, size: int, extra: str = "") -> str:
        return f"  {label:<64} {size / mib:>10.1f} {size / n:>10,.0f} {100 * size / max(fp.total, 1):>6.1f}%{extra}"

    head = f"  {'':<64} {'MiB':>10} {'B/compl.':>10} {'share':>7}"
    lines = [
        f"{fp.vendor}: {fp.complaints:,} complaints, {fp.total / mib:,.1f} MiB, "
        f"{fp.total / n:,.0f} bytes per complaint"
        + (f" ({fp.free / mib:,.1f} MiB on the free list)" if fp.free else ""),
    ]
    if peer:
        lines.append(
            f"django-helpdesk: {peer:,.0f} bytes per ticket ({peer_source}); tousu / helpdesk = {fp.total / n / peer:.1f}×"
        )
    tables = sorted(fp.tables.values(), key=lambda t: -t.total)
    lines += ["", f"by table (data and its indexes; top {top})", head]
    for t in tables[:top]:
        lines.append(
            row(t.name, t.total, f"   data {t.data / n:,.0f} + {len(t.indexes)} indexes {(t.total - t.data) / n:,.0f}")
        )
    data = sum(t.data for t in tables)
    index = sum(t.total - t.data for t in tables)
    lines += [row("all tables' data", data), row("all indexes", index)]
    indexes = sorted(((size, name, t.name) for t in tables for name, size in t.indexes.items()), reverse=True)
    lines += ["", f"by index (top {top})", head]
    lines += [row(f"{name} ({tbl})", size) for size, name, tbl in indexes[:top]]
    return lines


def metrics(fp: Footprint, prefix: str, peer: float | None) -> list[str]:
    n = max(fp.complaints, 1)
    data = sum(t.data for t in fp.tables.values())
    index = sum(t.total - t.data for t in fp.tables.values())
    out = [
        f"{prefix}_storage_complaints {fp.complaints} count",
        f"{prefix}_storage_bytes {fp.total} bytes",
        f"{prefix}_db_size {fp.total // 1048576} MiB",
        f"{prefix}_bytes_per_complaint {fp.total / n:.0f} B",
        f"{prefix}_bytes_per_complaint_data {data / n:.0f} B",
        f"{prefix}_bytes_per_complaint_indexes {index / n:.0f} B",
    ]
    if peer:
        out.append(f"hd_bytes_per_ticket {peer:.0f} B")
    return out


def django_cursor() -> tuple[Any, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    import django

    django.setup()
    from django.db import connection

    return connection.cursor(), connection.vendor


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--metrics", help="append metric lines to this file (needs --prefix)")
    parser.add_argument("--peer-summary")
    parser.add_argument("--sqlite", help="a SQLite file to measure directly (read-only), without Django")
    args = parser.parse_args(argv)
    if args.metrics and not args.prefix:
        parser.error("--metrics needs --prefix")
    if args.sqlite:
        if not Path(args.sqlite).is_file():
            parser.error(f"no such file: {args.sqlite}")
        fp = sqlite_footprint(sqlite3.connect(f"file:{args.sqlite}?mode=ro", uri=True).cursor())
    else:
        cursor, vendor = django_cursor()
        if vendor == "sqlite":
            fp = sqlite_footprint(cursor)
        elif vendor == "postgresql":
            fp = postgres_footprint(cursor)
        else:
            sys.exit(f"storage.py measures SQLite and PostgreSQL, not {vendor}")
    peer, source = peer_bytes_per_ticket(args.peer_summary)
    print("\n".join(report(fp, top=args.top, peer=peer, peer_source=source)))
    if args.metrics:
        with open(args.metrics, "a", encoding="utf-8") as out:
            out.write("\n".join(metrics(fp, args.prefix, peer)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
