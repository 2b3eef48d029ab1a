"""Registration with and without detection (issue 13), run by hand on a seeded instance:

    TOUSU_DATA_DIR=/tmp/tb100k .venv/bin/python bench/intake.py [--registrations 300]

In one process, side by side:

1. registrations per second through ``services.register`` (the same texts, callers and clock both
   ways) with detection on — the repeat look-up through the keyed identity index, the same-matter
   candidates through the term index, grading, the prints and indexes written, the matter's hot
   issue and group event — and with it off (``detect`` answers nothing found and ``record`` writes
   nothing): the floor is registration without detection;
2. detection's own latency, p50 and p99: ``detect`` (before the insert) plus ``record`` (after it).

The texts are the detection corpus's (tousu/detection/tests/corpus/corpus.json) with the callers'
phones drawn from a pool, so some registrations are repeats and some join hot issues. ``tousu seed``
writes the seeded complaints' detection indexes as it goes (``detection.bulk``); complaints without
a print (a database seeded before detection existed) get theirs first, through the full detection
(``detection.services.index_existing``; timed, slow where the seeded texts make giant matters).
Registrations add complaints to the instance; ``bench/scale.py`` runs this beside the search
benchmark at two sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

CORPUS = Path(__file__).resolve().parents[1] / "tousu/detection/tests/corpus/corpus.json"


def index_seeded(batch: int = 2000) -> tuple[int, float]:
    """Give every complaint without a print its detection index; (how many, seconds)."""
    from django.db import transaction

    from tousu.complaints.models import Complaint
    from tousu.detection.services import index_existing

    started = time.perf_counter()
    done = 0
    while True:
        ids = list(Complaint.objects.filter(print__isnull=True).order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return done, time.perf_counter() - started
        with transaction.atomic():
            done += index_existing(ids)
        print(f"  indexed {done:,}", end="\r", flush=True)


def inputs(count: int, seed: int) -> list[Any]:
    """``count`` registrations from the corpus, callers from a pool of phones."""
    from tousu.complaints.inputs import RegisterIn

    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    phones = [f"139{rng.randrange(10**8):08d}" for _ in range(max(count // 4, 10))]
    out = []
    for _ in range(count):
        item = rng.choice(corpus)
        out.append(
            RegisterIn.model_validate(
                {
                    "channel": "hotline",
                    "summary": item["summary"],
                    "content": item["content"],
                    "demands": item.get("demands", ""),
                    "complainants": [{"name": "测试", "phone": rng.choice(phones)}],
                    "respondents": item.get("respondents") or [{"unit_name": "某单位"}],
                }
            )
        )  # fmt: skip
    return out


class Timed:
    """``detection`` as the intake service sees it, timing ``detect`` and ``record``."""

    def __init__(self, real: Any) -> None:
        self.real, self.spent = real, [0.0]

    def detect(self, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.real.detect(**kwargs)
        finally:
            self.spent[-1] += time.perf_counter() - t0

    def record(self, complaint: Any, found: Any) -> None:
        t0 = time.perf_counter()
        try:
            self.real.record(complaint, found)
        finally:
            self.spent[-1] += time.perf_counter() - t0


OFF = SimpleNamespace(
    detect=lambda **kwargs: SimpleNamespace(repeat=None, rule="", grade=None, fired=[], evidence_json=lambda: None),
    record=lambda complaint, found: None,
)


def run(clerk: Any, data: list[Any], detection: Any) -> float:
    """Registrations per second of ``data`` with ``detection`` in place."""
    from tousu.complaints import services
    from tousu.complaints.services import intake

    saved = intake.detection
    intake.detection = detection
    try:
        t0 = time.perf_counter()
        for item in data:
            if isinstance(detection, Timed):
                detection.spent.append(0.0)
            services.register(actor=clerk, data=item)
        return len(data) / (time.perf_counter() - t0)
    finally:
        intake.detection = saved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--json", help="also write the figures to this file (bench/scale.py reads it)")
    args = parser.parse_args()

    import django

    django.setup()
    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint
    from tousu.complaints.services import intake

    clerk = User.objects.get(username="clerk")
    stored = Complaint.objects.count()
    indexed, seconds = index_seeded()
    if indexed:
        print(f"detection index built for {indexed:,} seeded complaints in {seconds:.0f} s")
    timed = Timed(intake.detection)
    timed.spent = []
    on, off = [], []
    block = max(args.registrations // 6, 10)
    data = inputs(args.registrations, seed=7)
    for k in range(0, len(data), 2 * block):  # alternate, so that a busy moment falls on both sides
        on.append(run(clerk, data[k : k + block], timed))
        off.append(run(clerk, data[k + block : k + 2 * block], OFF))
    latency = sorted(s * 1000 for s in timed.spent if s)
    p99 = latency[max(int(len(latency) * 0.99) - 1, 0)]
    print(f"complaints stored: {stored:,}; registrations: {len(data)} ({block} per block, alternating)")
    print("| registration (services.register, one process) | per second | ratio |")
    print("| --- | --- | --- |")
    print(f"| with detection | {statistics.median(on):.1f} | {statistics.median(on) / statistics.median(off):.2f} |")
    print(f"| floor: without detection | {statistics.median(off):.1f} | 1.00 |")
    print(f"detection (detect + record) ms: p50 {statistics.median(latency):.1f}, p99 {p99:.1f}")
    if args.json:
        figures = {
            "complaints": stored,
            "registrations": len(data),
            "indexed_first": indexed,
            "with_detection": statistics.median(on),
            "without_detection": statistics.median(off),
            "detection_p50": statistics.median(latency),
            "detection_p99": p99,
        }
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
