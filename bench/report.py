"""The benchmark table: tousu, the bare Django view and django-helpdesk, with ratios to the bare view.

    python bench/report.py TOUSU_METRICS HELPDESK_SUMMARY VERSIONS > summary.txt

Both metric files hold 'metric value unit' lines (the peer's '=== summary ===' block). Standard
library only.
"""

from __future__ import annotations

import sys
from pathlib import Path

# (label, our metric, the django-helpdesk metric it is compared with, goal as a share of the bare view)
ROWS = [
    ("registration, POST /api/v1/complaints", "register", "hd_api_create", 1 / 3),
    ("API list, in progress + unit, 25 newest", "api_list", "hd_list_data", 1 / 2),
    ("staff list page /list/", "staff_list", "hd_list_html", 1 / 4),
    ("bare Django JSON view", "hello", "hello", None),
]


def read(path: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    p = Path(path)
    if not path or not p.exists():
        return out
    for line in p.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    return out


def num(metrics: dict[str, tuple[str, str]], name: str) -> float | None:
    try:
        return float(metrics[name][0])
    except (KeyError, ValueError):
        return None


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def main(ours_path: str, peer_path: str, versions_path: str = "") -> None:
    ours, peer, versions = read(ours_path), read(peer_path), read(versions_path)
    hello = num(ours, "hello_rps")
    peer_hello = num(peer, "hello_rps")
    lines = []
    count = num(ours, "complaints_before_load")
    lines.append(
        "tousu benchmark: "
        f"{fmt(count, 0)} complaints in SQLite ({fmt(num(ours, 'db_size'), 0)} MiB), wrk c=16 t=2, "
        f"gunicorn {versions.get('gunicorn_workers', ('2', ''))[0]} sync workers, 127.0.0.1"
    )
    if "cpu" in versions:
        lines.append(
            "machine: "
            + " ".join(versions["cpu"])
            + f"; load at start {' '.join(versions.get('load_at_start', ('?', '')))}"
        )
    lines.append("")
    header = (
        f"{'metric':<44} {'tousu':>10} {'bare view':>10} {'helpdesk':>10} {'tousu/bare':>10} "
        f"{'goal':>6}  {'helpdesk/its bare':>17}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    verdicts = []
    for label, mine, theirs, goal in ROWS:
        rps, hd_rps = num(ours, f"{mine}_rps"), num(peer, f"{theirs}_rps")
        ratio = rps / hello if rps is not None and hello else None
        hd_ratio = hd_rps / peer_hello if hd_rps is not None and peer_hello else None
        goal_text = f"≥{goal:.2f}" if goal else ""
        lines.append(
            f"{label + ' (req/s)':<44} {fmt(rps):>10} {fmt(hello):>10} {fmt(hd_rps):>10} "
            f"{fmt(ratio, 3):>10} {goal_text:>6}  {fmt(hd_ratio, 3):>17}"
        )
        for q in ("p50", "p99"):
            lines.append(
                f"{'  ' + q + ' latency (ms)':<44} {fmt(num(ours, f'{mine}_{q}')):>10} "
                f"{fmt(num(ours, f'hello_{q}')):>10} {fmt(num(peer, f'{theirs}_{q}')):>10}"
            )
        bad = num(ours, f"{mine}_non_2xx")
        if bad:
            lines.append(f"{'  non-2xx responses':<44} {fmt(bad, 0):>10}")
        if goal:
            if ratio is None or bad:
                verdicts.append(
                    f"{label}: not measured cleanly (non-2xx {fmt(bad, 0)}; "
                    f"probe HTTP {ours.get(mine + '_probe_status', ('?', ''))[0]})"
                )
            else:
                verdicts.append(
                    f"{label}: {ratio:.3f} of the bare view, goal {goal:.2f}: " + ("met" if ratio >= goal else "MISSED")
                )
    lines.append("")
    lines.append(
        "bare view = the peer's hello_app.py served like `tousu serve` in this run; helpdesk = "
        "django-helpdesk 2.6.1 by its own harness"
    )
    lines.append(
        "(helpdesk columns: its api_create, list_data (the JSON behind its list page), list_html; "
        f"its own bare view in its run: {fmt(peer_hello)} req/s without access log)."
    )
    if num(peer, "hd_api_list_filter_mean") is not None:
        lines.append(
            f"helpdesk REST list with a filter (too slow for load): mean "
            f"{fmt(num(peer, 'hd_api_list_filter_mean'))} ms over {fmt(num(peer, 'hd_api_list_filter_runs'), 0)} runs"
        )
    lines.append("")
    lines.append("goals:")
    lines.extend("  " + v for v in verdicts)
    lines.append("")
    extra = [
        ("seed_seconds", "seed time"),
        ("seed_rate", "seed rate"),
        ("verify_audit_seconds", "verify-audit"),
        ("register_rows_committed_incl_warmup", "registrations committed"),
        ("audit_after_load_ok", "audit chain OK after the load (1 = yes)"),
        ("verify_after_load_seconds", "verify-audit after the load"),
        ("bench_wall_seconds", "wall time"),
    ]
    for name, label in extra:
        if name in ours:
            lines.append(f"{label}: {ours[name][0]} {ours[name][1]}")
    if "seed_tickets" in peer:
        lines.append(
            f"helpdesk: {peer['seed_tickets'][0]} tickets seeded at {peer.get('seed_rate', ('?', ''))[0]} "
            f"tickets/s; db {peer.get('db_size_after_seed', ('?', ''))[0]} MiB"
        )
    lines.append("")
    lines.append("--- raw tousu metrics")
    lines.extend(Path(ours_path).read_text(encoding="utf-8").splitlines())
    if peer:
        lines.append("--- raw django-helpdesk summary")
        lines.extend(Path(peer_path).read_text(encoding="utf-8").splitlines())
    print("\n".join(lines))


if __name__ == "__main__":
    main(*sys.argv[1:4])
