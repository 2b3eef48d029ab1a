"""Hand-off and work-queue benchmark (issue 12), run by hand beside its floors:

    TOUSU_DATA_DIR=/tmp/tousu-bench .venv/bin/python bench/handoff.py [--walks 30]

On a seeded instance (``tousu seed``; any size), in one process:

1. a complaint's lifecycle walk (accept, dispatch, sign, submit_result, approve, reply, follow_up)
   through the services, as ms per action and queries per action, with the hand-off (whose turn
   it was before, whose it is after, the notices) and without it: the floor is the same walk with
   ``work.holders`` and ``notify.handoff`` replaced by no-ops;
2. 我的待办 for each demo role: ``work.queue(user).count()`` and the home page's first rows, beside
   the bare count of the complaints the user may see (``visible_complaints(user).count()``).

The walks add complaints to the instance (registered by ``clerk``, closed by the walk).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

WALK: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("clerk", "accept", {"category": "G0201", "grade": "normal"}),
    ("center", "dispatch", {"unit": "amr", "mode": "assign", "handler": "handler"}),
    ("handler", "sign", {}),
    (
        "handler",
        "submit_result",
        {"substantiated": "yes", "findings": "情况属实。", "solution": "批评教育。", "proposed_reply": "已整改。"},
    ),
    ("center", "approve", {"note": "同意"}),
    ("handler", "reply", {"method": "phone", "text": "您反映的问题经核查属实，已责令整改。"}),
    ("followup", "follow_up", {"satisfaction": "satisfied"}),
)


def walk_once(people: dict[str, Any]) -> tuple[float, int]:
    """One registration and its walk; returns (seconds spent in the actions, queries they ran)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tousu.complaints import services
    from tousu.complaints.actions import perform
    from tousu.complaints.inputs import RegisterIn

    data = RegisterIn.model_validate(
        {
            "channel": "hotline",
            "summary": "营业执照办理多次跑腿",
            "content": "到窗口办理营业执照，每次只告知缺一项材料。",
            "complainants": [{"name": "测试", "phone": "13800000000"}],
            "respondents": [{"unit": "amr"}],
        }
    )
    c = services.register(actor=people["clerk"], data=data).complaint
    spent, queries = 0.0, 0
    for who, action, fields in WALK:
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            c = perform(action, people[who], c.number, {"version": c.version, **fields})
            spent += time.perf_counter() - t0
        queries += len(q)
    return spent, queries


def measure(people: dict[str, Any], walks: int) -> tuple[float, float, float]:
    """(median ms per action, p90 ms per action, queries per action) over ``walks`` walks."""
    per_action, queries = [], []
    for _ in range(walks):
        spent, q = walk_once(people)
        per_action.append(spent / len(WALK) * 1000)
        queries.append(q / len(WALK))
    per_action.sort()
    return statistics.median(per_action), per_action[int(len(per_action) * 0.9) - 1], statistics.mean(queries)


def without_handoff(fn: Callable[[], Any]) -> Any:
    from tousu.complaints import notify
    from tousu.complaints.services import common

    def nobody(c: Any, candidates: Any = None) -> dict[Any, list[str]]:
        return {}

    def no_notice(*args: Any, **kwargs: Any) -> int:
        return 0

    saved = common.holders, common.handoff, notify.handoff
    common.holders = nobody
    common.handoff = no_notice
    try:
        return fn()
    finally:
        common.holders, common.handoff, notify.handoff = saved


def timed(fn: Callable[[], Any], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--walks", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from tousu.accounts.models import User
    from tousu.complaints.access import visible_complaints
    from tousu.complaints.models import Complaint
    from tousu.complaints.selectors import queue_page
    from tousu.complaints.work import queue

    people = {u.username: u for u in User.objects.all()}
    total = Complaint.objects.count()
    measure(people, 3)  # warm-up: imports, the preset, the calendar
    # Alternate so that a busy moment of the machine does not fall on one side only.
    on, off = [], []
    for _ in range(3):
        on.append(measure(people, max(1, args.walks // 3)))
        off.append(without_handoff(lambda: measure(people, max(1, args.walks // 3))))
    med_on = statistics.median(m[0] for m in on)
    med_off = statistics.median(m[0] for m in off)
    print(f"complaints: {total:,}; walks: {args.walks} with and {args.walks} without the hand-off")
    print("| action (mean of 7 lifecycle steps) | with hand-off | floor: without | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| ms per action (median) | {med_on:.1f} | {med_off:.1f} | {med_on / med_off:.2f} |")
    p90_on = statistics.median(m[1] for m in on)
    p90_off = statistics.median(m[1] for m in off)
    print(f"| ms per action (p90) | {p90_on:.1f} | {p90_off:.1f} | {p90_on / p90_off:.2f} |")
    q_on, q_off = statistics.mean(m[2] for m in on), statistics.mean(m[2] for m in off)
    print(f"| queries per action | {q_on:.1f} | {q_off:.1f} | +{q_on - q_off:.1f} |")
    print()
    print("| role | 我的待办 | queue count ms | first 10 rows ms | floor: visible count ms | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in ("clerk", "center", "head", "handler", "followup", "center_head", "leader"):
        user = people.get(name)
        if user is None:
            continue
        n = queue(user).count()
        count_ms = timed(partial(lambda u: queue(u).count(), user))
        rows_ms = timed(partial(queue_page, user, 10))
        floor_ms = timed(partial(lambda u: visible_complaints(u).count(), user))
        print(f"| {name} | {n:,} | {count_ms:.1f} | {rows_ms:.1f} | {floor_ms:.1f} | {count_ms / floor_ms:.2f} |")


if __name__ == "__main__":
    main()
