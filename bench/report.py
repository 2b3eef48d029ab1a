"""The benchmark table: tousu, the bare Django view and django-helpdesk, with ratios to the bare view.

    python bench/report.py TOUSU_METRICS HELPDESK_SUMMARY VERSIONS > summary.txt

Both metric files hold 'metric value unit' lines (the peer's '=== summary ===' block). Standard
library only.
"""

from __future__ import annotations

import sys
from pathlib import Path

# (label, our metric without its backend prefix, the django-helpdesk metric it is compared with, goal as
# a share of the bare view)
ROWS = [
    ("registration, POST /api/v1/complaints (full 201)", "register", "hd_api_create", 1 / 3),
    ("registration, Prefer: return=minimal", "register_min", "hd_api_create", 1 / 3),
    ("API list, in progress + unit, 25 newest", "api_list", "hd_list_data", 1 / 2),
    ("staff list page /list/", "staff_list", "hd_list_html", 1 / 4),
]
# tousu's backends: metric prefix, column title
BACKENDS = [("sqlite", "SQLite"), ("pg", "PostgreSQL")]
# Registration on PostgreSQL with more web workers must scale (issue 17: 4 workers >= 1.8x 2 workers).
PG_SCALING_GOAL = 1.8
# Below this many complaints the bytes per complaint are mostly the database's fixed part.
SMALL = 50_000


def read(path: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    p = Path(path)
    if not path or not p.exists():
        return out
    for line in p.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = (parts[1], " ".join(parts[2:]))
    return out


def num(metrics: dict[str, tuple[str, str]], name: str) -> float | None:
    try:
        return float(metrics[name][0])
    except (KeyError, ValueError):
        return None


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def unprefixed_as_sqlite(ours: dict[str, tuple[str, str]]) -> None:
    """Metrics of a run from before the backend prefixes (``register_rps``, ``db_size``) read as SQLite's."""
    if any(k.startswith("sqlite_") for k in ours):
        return
    for key, value in list(ours.items()):
        if key.split("_")[0] in ("register", "api", "staff", "complaints", "db", "seed", "verify", "audit"):
            ours.setdefault("sqlite_" + key, value)


def main(ours_path: str, peer_path: str, versions_path: str = "") -> None:
    ours, peer, versions = read(ours_path), read(peer_path), read(versions_path)
    unprefixed_as_sqlite(ours)
    hello = num(ours, "hello_rps")
    peer_hello = num(peer, "hello_rps")
    backends = [(b, title) for b, title in BACKENDS if num(ours, f"{b}_complaints_before_load") is not None]
    lines = []
    sizes = ", ".join(
        f"{title} {fmt(num(ours, f'{b}_complaints_before_load'), 0)} complaints "
        f"({fmt(num(ours, f'{b}_db_size'), 0)} MiB)"
        for b, title in backends
    )
    lines.append(
        f"tousu benchmark: {sizes or 'no tousu figures'}; wrk c=16 t=2, "
        f"gunicorn {versions.get('gunicorn_workers', ('2', ''))[0]} sync workers, 127.0.0.1"
    )
    if "cpu" in versions:
        lines.append(
            "machine: "
            + " ".join(versions["cpu"])
            + f"; load at start {' '.join(versions.get('load_at_start', ('?', '')))}"
        )
    lines.append("")
    cols = [f"tousu {title}" for _, title in backends] + ["bare view", "helpdesk"]
    cols += [f"{title}/bare" for _, title in backends] + ["goal", "helpdesk/its bare"]
    header = f"{'metric':<60}" + "".join(f" {c:>{max(10, len(c))}}" for c in cols)
    widths = [max(10, len(c)) for c in cols]
    lines.append(header)
    lines.append("-" * len(header))

    def line(label: str, values: list[str]) -> str:
        return f"{label:<60}" + "".join(f" {v:>{w}}" for v, w in zip(values, widths, strict=False))

    verdicts = []
    for label, mine, theirs, goal in ROWS:
        hd_rps = num(peer, f"{theirs}_rps")
        hd_ratio = hd_rps / peer_hello if hd_rps is not None and peer_hello else None
        rates = [num(ours, f"{b}_{mine}_rps") for b, _ in backends]
        ratios = [r / hello if r is not None and hello else None for r in rates]
        values = [fmt(r) for r in rates] + [fmt(hello), fmt(hd_rps)] + [fmt(r, 3) for r in ratios]
        values += [f"≥{goal:.2f}" if goal else "", fmt(hd_ratio, 3)]
        lines.append(line(label + " (req/s)", values))
        for q in ("p50", "p99"):
            lat = [fmt(num(ours, f"{b}_{mine}_{q}")) for b, _ in backends]
            lines.append(
                line(f"  {q} latency (ms)", lat + [fmt(num(ours, f"hello_{q}")), fmt(num(peer, f"{theirs}_{q}"))])
            )
        bad = [num(ours, f"{b}_{mine}_non_2xx") for b, _ in backends]
        if any(bad):
            lines.append(line("  non-2xx responses", [fmt(x, 0) for x in bad]))
        for (b, title), ratio, nbad in zip(backends, ratios, bad, strict=True):
            if ratio is None or nbad:
                verdicts.append(
                    f"{label}, {title}: not measured cleanly (non-2xx {fmt(nbad, 0)}; "
                    f"probe HTTP {ours.get(f'{b}_{mine}_probe_status', ('?', ''))[0]})"
                )
            else:
                verdicts.append(
                    f"{label}, {title}: {ratio:.3f} of the bare view, goal {goal:.2f}: "
                    + ("met" if ratio >= goal else "MISSED")
                )
    lines.append(line("bare Django JSON view (req/s)", ["" for _ in backends] + [fmt(hello), fmt(peer_hello)]))
    lines.append(
        line(
            "  p50 / p99 latency (ms)",
            ["" for _ in backends] + [fmt(num(ours, "hello_p50")) + " / " + fmt(num(ours, "hello_p99")), ""],
        )
    )
    for b, title in backends:
        if num(ours, f"{b}_register_min_preference_applied") == 0:
            lines.append(f"note: the {title} server ignored Prefer: return=minimal (answered the full record)")
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
    lines.extend(scaling(ours, versions))
    lines.extend(storage(ours, peer))
    if lines[-1]:
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
    ]
    for b, title in backends:
        for name, label in extra:
            if f"{b}_{name}" in ours:
                lines.append(f"{title} {label}: {ours[f'{b}_{name}'][0]} {ours[f'{b}_{name}'][1]}")
    if "bench_wall_seconds" in ours:
        lines.append(f"wall time: {ours['bench_wall_seconds'][0]} s")
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


def scaling(ours: dict[str, tuple[str, str]], versions: dict[str, tuple[str, str]]) -> list[str]:
    """The PostgreSQL scaling line: registration with more web workers beside the usual number."""
    cores = versions.get("cores", ours.get("cores", ("?", "")))[0]
    low, high = ours.get("pg_workers_low", ("2", ""))[0], ours.get("pg_workers_high", ("4", ""))[0]
    out = []
    for mine, label in (("register", "full 201"), ("register_min", "return=minimal")):
        two, four = num(ours, f"pg_{mine}_rps"), num(ours, f"pg4_{mine}_rps")
        if two is None or four is None:
            continue
        factor = four / two if two else None
        verdict = "" if factor is None else ("met" if factor >= PG_SCALING_GOAL else "MISSED")
        out.append(
            f"PostgreSQL registration ({label}), {high} workers beside {low}: {fmt(four)} / {fmt(two)} req/s "
            f"= {fmt(factor, 2)}× (goal ≥ {PG_SCALING_GOAL}×: {verdict}; this machine has {cores} cores"
            + (
                ": workers beyond the cores only share them, so it cannot show the scaling)"
                if cores.isdigit() and int(cores) < int(high) + 1
                else ")"
            )
        )
    return out + ([""] if out else [])


def storage(ours: dict[str, tuple[str, str]], peer: dict[str, tuple[str, str]]) -> list[str]:
    """Bytes per complaint on each backend beside django-helpdesk's bytes per ticket."""
    hd = num(ours, "hd_bytes_per_ticket")
    seeded, mib = num(peer, "seed_tickets"), num(peer, "db_size_after_seed")
    if seeded and mib is not None:
        hd = mib * 1048576 / seeded  # this run's peer wins over an older summary storage.py read
    parts = []
    for b, title in BACKENDS:
        value = num(ours, f"{b}_bytes_per_complaint")
        if value is not None:
            ratio = f" ({value / hd:.1f}× helpdesk)" if hd else ""
            parts.append(f"{title} {value:,.0f}{ratio}")
    if not parts:
        return []
    out = [
        "bytes per complaint: " + ", ".join(parts) + f", helpdesk {fmt(hd, 0)} per ticket (goal ≤ 2×); "
        "by table and index: logs/storage-*.txt"
    ]
    counts = [num(ours, f"{b}_storage_complaints") for b, _ in BACKENDS]
    if any(c is not None and c < SMALL for c in counts):
        out.append(
            f"(fewer than {SMALL:,} complaints: the fixed part — PostgreSQL's catalog, the preset's reference "
            "data — weighs on the figure; compare at 100,000 or more)"
        )
    return [*out, ""]


if __name__ == "__main__":
    main(*sys.argv[1:4])
