"""Tests of the benchmark's own tools (not collected by `make test`, whose testpaths is tousu/):

.venv/bin/pytest -q -p no:cacheprovider bench/test_tools.py
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers
import report
import storage


def make_db(path: Path, complaints: int = 300) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE complaints_complaint (id INTEGER PRIMARY KEY, number TEXT, content TEXT)")
    db.execute("CREATE INDEX cmp_number ON complaints_complaint (number)")
    db.execute("CREATE VIRTUAL TABLE search_complaint USING fts5(words)")
    rows = [(i, f"TS{i:08d}", "投诉内容" * 40) for i in range(1, complaints + 1)]
    db.executemany("INSERT INTO complaints_complaint VALUES (?, ?, ?)", rows)
    db.executemany("INSERT INTO search_complaint (rowid, words) VALUES (?, ?)", [(i, c) for i, _, c in rows])
    db.commit()
    db.close()


def test_it_counts_every_page_once_and_files_indexes_and_fts_shadows_under_their_table(tmp_path: Path) -> None:
    make_db(tmp_path / "t.sqlite3")
    db = sqlite3.connect(tmp_path / "t.sqlite3")
    fp = storage.sqlite_footprint(db.cursor())
    pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    assert fp.complaints == 300
    assert fp.total == pages
    assert sum(t.total for t in fp.tables.values()) + fp.free == pages
    assert set(fp.tables["complaints_complaint"].indexes) == {"cmp_number"}
    assert fp.tables["complaints_complaint"].data > 300 * 120  # the text is stored
    assert "search_complaint_content" not in fp.tables  # counted under its virtual table
    assert fp.tables["search_complaint"].data > 0


def test_it_writes_bytes_per_complaint_and_the_peers_bytes_per_ticket(tmp_path: Path) -> None:
    make_db(tmp_path / "t.sqlite3")
    peer = tmp_path / "hd.txt"
    peer.write_text("seed_tickets 100000 count\ndb_size_after_seed 95 MiB\n", encoding="utf-8")
    metrics = tmp_path / "m.txt"
    storage.main(
        ["--sqlite", str(tmp_path / "t.sqlite3"), "--prefix", "sqlite", "--metrics", str(metrics)]
        + ["--peer-summary", str(peer)]
    )
    got = {line.split()[0]: float(line.split()[1]) for line in metrics.read_text(encoding="utf-8").splitlines()}
    size = (tmp_path / "t.sqlite3").stat().st_size
    assert got["sqlite_storage_complaints"] == 300
    assert got["sqlite_bytes_per_complaint"] == pytest.approx(size / 300, abs=1)
    assert got["hd_bytes_per_ticket"] == pytest.approx(95 * 1048576 / 100000, abs=1)


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        storage.main(["--sqlite", str(tmp_path / "missing.sqlite3")])


def test_it_never_drops_a_database_whose_name_lacks_bench() -> None:
    # Refused before any connection is made.
    with pytest.raises(SystemExit, match="refusing to drop"):
        helpers.pg_database("postgres://tousu:tousu@127.0.0.1:1/tousu", recreate=True)


def test_the_report_has_a_column_per_backend_the_ratios_the_scaling_and_the_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "ours.txt"
    ours.write_text(
        "\n".join(
            [
                "hello_rps 1000.0 req/s",
                "sqlite_complaints_before_load 100000 count",
                "pg_complaints_before_load 100000 count",
                "sqlite_register_rps 400.0 req/s",
                "sqlite_register_non_2xx 0 count",
                "pg_register_rps 200.0 req/s",
                "pg_register_non_2xx 0 count",
                "pg4_register_rps 300.0 req/s",
                "pg_workers_low 2 count",
                "pg_workers_high 4 count",
                "sqlite_bytes_per_complaint 14000 B",
                "pg_bytes_per_complaint 14300 B",
                "sqlite_storage_complaints 100000 count",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    peer = tmp_path / "peer.txt"
    peer.write_text(
        "seed_tickets 100000 count\ndb_size_after_seed 95 MiB\nhd_api_create_rps 135.0 req/s\n", encoding="utf-8"
    )
    versions = tmp_path / "versions.txt"
    versions.write_text("cpu AMD EPYC x2\ncores 2\n", encoding="utf-8")
    report.main(str(ours), str(peer), str(versions))
    out = capsys.readouterr().out
    assert "tousu SQLite" in out and "tousu PostgreSQL" in out
    assert "registration, POST /api/v1/complaints (full 201), SQLite: 0.400 of the bare view, goal 0.33: met" in out
    assert "PostgreSQL: 0.200 of the bare view, goal 0.33: MISSED" in out
    assert "4 workers beside 2: 300.0 / 200.0 req/s = 1.50× (goal ≥ 1.8×: MISSED; this machine has 2 cores" in out
    assert (
        "bytes per complaint: SQLite 14,000 (14.1× helpdesk), PostgreSQL 14,300 (14.4× helpdesk), helpdesk 996" in out
    )


def test_the_report_reads_a_metrics_file_from_before_the_backend_prefixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "ours.txt"
    ours.write_text(
        "hello_rps 1000.0 req/s\ncomplaints_before_load 5 count\napi_list_rps 600.0 req/s\napi_list_non_2xx 0 count\n",
        encoding="utf-8",
    )
    report.main(str(ours), str(tmp_path / "none.txt"), "")
    assert (
        "API list, in progress + unit, 25 newest, SQLite: 0.600 of the bare view, goal 0.50: met"
        in capsys.readouterr().out
    )
