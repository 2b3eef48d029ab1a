"""Intake and search at two sizes, side by side in one run (issue 13's benchmark), by hand:

    .venv/bin/python bench/scale.py /tmp/tb100000 /tmp/tb1000000 [--registrations 300] [--runs 50]

Each argument is the data dir of a seeded instance (``TOUSU_DATA_DIR``; ``tousu migrate``,
``tousu init --preset government --demo``, ``tousu seed --count N``: the seeder writes the search
and detection indexes as it goes). For each, one after the other on the same machine, it runs

* ``bench/search.py``: Chinese search p50/p99 for a two-character term and a three-word query,
  against a bare ``LIKE '%…%'`` scan of the same columns (the floor), and the whole staff list;
* ``bench/intake.py``: registrations per second with detection on against off (the floor), and
  detection's own p50/p99,

each in its own process (the settings name one database per process), and prints one table with a
column per size. Registrations add a few hundred complaints to each instance; run search first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


def measure(data_dir: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "TOUSU_DATA_DIR": data_dir}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (
            ("search", ["--runs", str(args.runs)]),
            ("intake", ["--registrations", str(args.registrations)]),
        ):
            target = Path(tmp) / f"{name}.json"
            print(f"== {name} on {data_dir}", flush=True)
            subprocess.run([PYTHON, str(HERE / f"{name}.py"), *extra, "--json", str(target)], env=env, check=True)
            out[name] = json.loads(target.read_text(encoding="utf-8"))
    return out


def rows(results: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    def each(fn: Any) -> list[str]:
        return [fn(r) for r in results]

    table = [
        ("complaints stored", each(lambda r: f"{r['search']['complaints']:,}")),
        ("registrations/s with detection", each(lambda r: f"{r['intake']['with_detection']:.1f}")),
        ("floor: registrations/s without detection", each(lambda r: f"{r['intake']['without_detection']:.1f}")),
        (
            "with / without",
            each(lambda r: f"{r['intake']['with_detection'] / r['intake']['without_detection']:.2f}"),
        ),
        (
            "detection (detect + record) p50 / p99 ms",
            each(lambda r: f"{r['intake']['detection_p50']:.1f} / {r['intake']['detection_p99']:.1f}"),
        ),
    ]
    for label in ("two-character term", "rare two-character term", "three-word query"):
        for name in ("first page (25 newest)", "count", "staff list"):
            got = [r["search"][label][name] for r in results]
            floor = "the staff list searching with LIKE" if name == "staff list" else "LIKE scan"
            text = results[0]["search"][label]["text"]
            table += [
                (f"{label} 「{text}」, {name}: index p50 / p99 ms", [f"{g['p50']:.1f} / {g['p99']:.1f}" for g in got]),
                (f"  floor: {floor} p50 / p99 ms", [f"{g['like_p50']:.1f} / {g['like_p99']:.1f}" for g in got]),
                ("  found (index / LIKE)", [f"{g['found']:,} / {g['like_found']:,}" for g in got]),
            ]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dirs", nargs="+", help="data dirs of seeded instances, smallest first")
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    results = [measure(d, args) for d in args.data_dirs]
    print("\n| measure | " + " | ".join(f"{r['search']['complaints']:,}" for r in results) + " |")
    print("| --- |" + " --- |" * len(results))
    for label, values in rows(results):
        print(f"| {label} | " + " | ".join(values) + " |")


if __name__ == "__main__":
    main()
