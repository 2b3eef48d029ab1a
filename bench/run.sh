#!/usr/bin/env bash
# tousu's benchmark, run by hand (not in CI): tousu on SQLite and on PostgreSQL, a bare Django view
# and django-helpdesk, measured in one run on this machine with the same load tool (wrk) and the
# same server settings (gunicorn, sync workers, 127.0.0.1), and the bytes each stores per complaint
# or ticket. See bench/README.md.
#
#   bash bench/run.sh                                  # 1,000,000 complaints, 20 s per load test
#   BENCH_COUNT=100000 BENCH_DURATION=10 BENCH_PEER=0 bash bench/run.sh   # quick, without the peer
#
# Knobs (environment): BENCH_COUNT complaints seeded (1000000), BENCH_DURATION seconds per load test
# (20), BENCH_CONCURRENCY (16), BENCH_WORKERS gunicorn sync workers (2), BENCH_DATA data dir of the
# seeded instance (/tmp/tousu-bench; reused when already seeded to BENCH_COUNT), BENCH_RESULTS
# (bench/results), BENCH_PEER 1 runs django-helpdesk's harness, 0 skips it (1), BENCH_PEER_DIR
# (../shared/bench/peers/django-helpdesk), HD_TICKETS and HD_DURATION are passed to the peer
# (its defaults: 100000 tickets; HD_DURATION defaults to BENCH_DURATION here), BENCH_VERIFY 1 runs
# `tousu verify-audit` after the load (minutes at a million complaints), 0 skips it.
# PostgreSQL: BENCH_PG 1 measures tousu on PostgreSQL too, 0 skips it (1); BENCH_PG_URL its database
# (postgres://tousu:tousu@127.0.0.1:5432/tousu_bench; created if missing; dropped and created again
# for a new seed only if its name contains "bench"), BENCH_PG_DATA its TOUSU_DATA_DIR
# (/tmp/tousu-bench-pg), BENCH_PG_WORKERS_HIGH the second worker count for registration (4).
#
# Everything listens on 127.0.0.1. Every server started here is stopped by its PID.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
COUNT=${BENCH_COUNT:-1000000}
DURATION=${BENCH_DURATION:-20}
CONC=${BENCH_CONCURRENCY:-16}
WORKERS=${BENCH_WORKERS:-2}
DATA=${BENCH_DATA:-/tmp/tousu-bench}
RESULTS=${BENCH_RESULTS:-$HERE/results}
RUN_PEER=${BENCH_PEER:-1}
RUN_PG=${BENCH_PG:-1}
PG_URL=${BENCH_PG_URL:-postgres://tousu:tousu@127.0.0.1:5432/tousu_bench}
PG_DATA=${BENCH_PG_DATA:-/tmp/tousu-bench-pg}
PG_WORKERS_HIGH=${BENCH_PG_WORKERS_HIGH:-4}
PEER=${BENCH_PEER_DIR:-$ROOT/../shared/bench/peers/django-helpdesk}
VENV=$ROOT/.venv
PY=$VENV/bin/python
LUA=$PEER/wrk_stats.lua
LOGS=$RESULTS/logs
SUMMARY=$RESULTS/tousu-metrics.txt
T_START=$(date +%s)

mkdir -p "$LOGS"
: > "$SUMMARY"
log() { echo "# [$(($(date +%s) - T_START))s] $*"; }
metric() { echo "$1 $2 $3" >> "$SUMMARY"; }

[ -x "$PY" ] || { echo "no $PY: run 'make install' first" >&2; exit 1; }
[ -f "$LUA" ] || { echo "the peer harness is not at $PEER (set BENCH_PEER_DIR)" >&2; exit 1; }

# ---------------------------------------------------------------- servers
SERVER_PID=""
SERVER_PORT=""

stop_server() {
  local pid=${1:-$SERVER_PID}
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    local kids
    kids=$(pgrep -P "$pid" || true)
    kill -INT "$pid" 2>/dev/null || true          # gunicorn: quick shutdown
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    for k in $kids; do kill -0 "$k" 2>/dev/null && kill -KILL "$k" 2>/dev/null || true; done
  fi
  wait "$pid" 2>/dev/null || true
  [ "$pid" = "$SERVER_PID" ] && SERVER_PID=""
  return 0
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() {  # NAME PATH
  for _ in $(seq 1 150); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server $1 died; see $LOGS/$1.log" >&2; tail -20 "$LOGS/$1.log" >&2; exit 1
    fi
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SERVER_PORT$2"; then
      return 0
    fi
    sleep 0.2
  done
  echo "server $1 did not answer within 30 s" >&2
  exit 1
}

# tousu as it is deployed: `tousu serve` (gunicorn, sync workers, access log to stdout). Its
# periodic deadline scan (first run after 300 s) and audit anchoring (every 60 s; the first run
# anchors every chain) are off: jobs, not the request path measured here.
# start_tousu [WORKERS]: on the current backend (see use_backend). The per-token API rate limit
# (TOUSU_API_REQUESTS_PER_MINUTE, 600 by default) is raised so that the load is measured rather
# than refused with 429; it is still counted on every request, as in production.
start_tousu() {
  SERVER_PORT=$(free_port)
  TOUSU_API_REQUESTS_PER_MINUTE=${BENCH_API_RPM:-1000000000} \
  TOUSU_SCAN_INTERVAL_SECONDS=0 TOUSU_ANCHOR_INTERVAL_SECONDS=0 TOUSU_DATA_DIR=$BDATA DATABASE_URL=$BURL \
    "$VENV/bin/tousu" serve --host 127.0.0.1 --port "$SERVER_PORT" --workers "${1:-$WORKERS}" \
    >> "$LOGS/tousu-server-$B.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "tousu-server-$B" /login/
}

# The bare Django JSON view of the peer harness, with the gunicorn settings `tousu serve` uses
# (sync workers, timeout 120, access log to stdout), from our venv.
start_hello() {
  SERVER_PORT=$(free_port)
  (cd "$PEER/hello" && PYTHONDONTWRITEBYTECODE=1 exec "$VENV/bin/gunicorn" hello_app:application \
      --bind "127.0.0.1:$SERVER_PORT" --workers "$WORKERS" --worker-class sync --timeout 120 \
      --access-logfile - ) >> "$LOGS/hello-server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready hello-server /hello/
}

# run_wrk PREFIX URL (WRK_METHOD, WRK_BODY, WRK_HEADERS from the environment)
run_wrk() {
  local prefix=$1 url=$2
  WRK_PREFIX=warmup timeout 30 wrk -t1 -c2 -d2s --timeout 30s -s "$LUA" "$url" \
    > "$LOGS/$prefix.warmup.log" 2>&1 || true
  sleep 1
  WRK_PREFIX=$prefix timeout $((DURATION + 60)) wrk -t2 -c"$CONC" -d"${DURATION}s" --timeout 30s \
    -s "$LUA" "$url" > "$LOGS/$prefix.wrk.log" 2>&1
  grep -E "^${prefix}_" "$LOGS/$prefix.wrk.log" >> "$SUMMARY"
  log "$(grep -E "^${prefix}_(rps|p50|p99|non_2xx) " "$LOGS/$prefix.wrk.log" | tr '\n' ' ')"
}

# One request with its status code and body kept: tells a missing page from a slow one.
probe() {  # PREFIX URL [curl args]
  local prefix=$1 url=$2; shift 2
  local code
  code=$(curl -s -o "$LOGS/$prefix.probe.body" -w '%{http_code}' --max-time 60 "$@" "$url" || echo 000)
  metric "${prefix}_probe_status" "$code" code
  log "$prefix probe: HTTP $code"
}

ensure_wrk() {
  command -v wrk >/dev/null && return 0
  log "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
  else
    sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
  fi
  command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
}

# The backend everything below talks to: B (metric prefix), BDATA (TOUSU_DATA_DIR), BURL (DATABASE_URL;
# empty: SQLite in BDATA).
use_backend() {
  B=$1
  case $B in
    sqlite) BDATA=$DATA; BURL="" ;;
    pg) BDATA=$PG_DATA; BURL=$PG_URL ;;
  esac
}
helper() { TOUSU_DATA_DIR=$BDATA DATABASE_URL=$BURL "$PY" "$HERE/helpers.py" "$@"; }
tousu() { TOUSU_DATA_DIR=$BDATA DATABASE_URL=$BURL "$VENV/bin/tousu" "$@"; }
storage() { TOUSU_DATA_DIR=$BDATA DATABASE_URL=$BURL "$PY" "$HERE/storage.py" "$@"; }

# =================================================================== run
log "tousu benchmark: complaints=$COUNT duration=${DURATION}s concurrency=$CONC workers=$WORKERS sqlite=$DATA pg=$([ "$RUN_PG" = 1 ] && echo "$PG_URL ($PG_DATA)" || echo skipped)"
ensure_wrk
{
  echo "date_utc $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1) x$(nproc)"
  echo "cores $(nproc)"
  echo "memory_kib $(awk '/MemTotal/ {print $2}' /proc/meminfo)"
  echo "load_at_start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "python $("$PY" -c 'import sys; print(sys.version.split()[0])')"
  echo "sqlite $("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  if [ "$RUN_PG" = 1 ]; then
    echo "postgresql $("$PY" -c 'import psycopg,sys; c=psycopg.connect(sys.argv[1].rsplit("/",1)[0]+"/postgres"); print(c.execute("show server_version").fetchone()[0].split()[0])' "$PG_URL" 2>/dev/null || echo '?')"
  fi
  echo "django $("$PY" -c 'import django; print(django.get_version())')"
  echo "wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}')"
  echo "gunicorn_workers $WORKERS sync"
  echo "tousu_commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty')"
} > "$RESULTS/versions.txt"
metric cores "$(nproc)" count
# PostgreSQL first checked (and its database created if missing), so that a server that is down
# stops the run before the SQLite half has been spent.
if [ "$RUN_PG" = 1 ] && ! "$PY" "$HERE/helpers.py" pg-create "$PG_URL" >> "$LOGS/pg-create.log" 2>&1; then
  echo "PostgreSQL is not reachable at $PG_URL (see $LOGS/pg-create.log); BENCH_PG=0 skips it" >&2
  exit 1
fi

# ---- a seeded instance per backend: seeded once, reused while its marker says BENCH_COUNT.
# SQLite: the marker file beside the database; PostgreSQL: the marker file in BENCH_PG_DATA names
# the database URL too, and the database must still hold at least that many complaints.
prepare_instance() {
  local mark=$BDATA/bench-seeded want=$COUNT seeded=0
  [ "$B" = pg ] && want="$COUNT $BURL"
  if [ -f "$mark" ] && [ "$(cat "$mark")" = "$want" ]; then
    if [ "$B" = sqlite ]; then
      [ -f "$BDATA/tousu.sqlite3" ] && seeded=1
    else
      local n
      n=$(helper count 2>/dev/null || echo 0)
      [ "${n:-0}" -ge "$COUNT" ] 2>/dev/null && seeded=1
    fi
  fi
  if [ "$seeded" = 1 ]; then
    tousu migrate --noinput -v0   # the code may have moved on since the seed
    tousu init --preset government --demo > "$LOGS/init-$B.log"   # idempotent: reference data only
    log "$B: reusing the instance seeded with $COUNT complaints ($(helper count) now)"
    metric "${B}_seed_reused" 1 bool
    return 0
  fi
  log "$B: fresh instance ($BDATA${BURL:+, $BURL}): migrate, init --demo, seed --count $COUNT"
  rm -rf "$BDATA"
  mkdir -p "$BDATA"
  [ "$B" = pg ] && helper pg-recreate "$BURL"
  tousu migrate --noinput -v0
  tousu init --preset government --demo > "$LOGS/init-$B.log"
  local t0 secs
  t0=$(date +%s.%N)
  tousu seed --count "$COUNT" --no-progress -v2 | tee "$LOGS/seed-$B.log"
  secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
  metric "${B}_seed_reused" 0 bool
  metric "${B}_seed_complaints" "$COUNT" count
  metric "${B}_seed_seconds" "$secs" s
  metric "${B}_seed_rate" "$(awk "BEGIN { printf \"%.0f\", $COUNT / $secs }")" complaints/s
  if [ "${BENCH_VERIFY:-1}" = 1 ]; then
    t0=$(date +%s.%N)
    tousu verify-audit | tee "$LOGS/verify-$B.log"
    metric "${B}_verify_audit_seconds" "$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")" s
  fi
  echo "$want" > "$mark"
}

# The registration body: a new complaint per request. {n} is the wrk script's "thread-counter"; the
# phone is a Beijing landline whose local number is a six-digit prefix, new in each run ({phone}),
# and the thread's digit, with the counter as its extension: a valid number (core.identifiers) that
# no earlier registration used, so that no run finds the previous run's callers as repeats.
BODY='{"channel": "hotline", "summary": "压测登记 {n} 营业执照未一次性告知", "content": "到县政务服务中心市场监管窗口办理个体工商户营业执照,工作人员每次只告知一项材料缺失,跑了三趟仍未办成。编号 {n}", "demands": "要求一次性告知所需材料并尽快办结", "complainants": [{"name": "张建华", "phone": "010-{phone}{n}", "address": "某县城关镇人民路8号"}], "respondents": [{"unit": "amr"}]}'

PROBE_N=0
# register PREFIX [PREFER]: registration under load on the running server; with PREFER, the header
# `Prefer: PREFER` (return=minimal: the compact 201, RegisteredBrief).
register() {
  local prefix=$1 prefer=${2:-} hdrs="Authorization: Bearer $CLERK_TOKEN|Content-Type: application/json"
  local url="http://127.0.0.1:$SERVER_PORT/api/v1/complaints"
  [ -n "$prefer" ] && hdrs="$hdrs|Prefer: $prefer"
  local code applied body
  PROBE_N=$((PROBE_N + 1))
  body=${BODY//\{phone\}/$((100000 + ($(date +%s) + PROBE_N * 7919) % 900000))}
  code=$(curl -s -D "$LOGS/$prefix.probe.headers" -o "$LOGS/$prefix.probe.body" -w '%{http_code}' --max-time 60 \
         -X POST -H "Authorization: Bearer $CLERK_TOKEN" -H "Content-Type: application/json" \
         ${prefer:+-H "Prefer: $prefer"} --data "${body//\{n\}/0-1}" "$url" || echo 000)
  metric "${prefix}_probe_status" "$code" code
  if [ -n "$prefer" ]; then   # an older server ignores the header and answers the full record
    applied=$(grep -ci '^preference-applied:' "$LOGS/$prefix.probe.headers" || true)
    metric "${prefix}_preference_applied" "${applied:-0}" bool
  fi
  metric "${prefix}_probe_bytes" "$(stat -c %s "$LOGS/$prefix.probe.body")" bytes
  log "$prefix probe: HTTP $code, $(stat -c %s "$LOGS/$prefix.probe.body") bytes"
  WRK_METHOD=POST WRK_BODY="$body" WRK_HEADERS="$hdrs" run_wrk "$prefix" "$url"
}

# measure_backend: the three hot paths on the current backend, registration twice (full, minimal);
# on PostgreSQL, registration again with BENCH_PG_WORKERS_HIGH workers (prefix pg4_).
measure_backend() {
  prepare_instance
  storage --prefix "$B" --metrics "$SUMMARY" > "$LOGS/storage-$B.txt" 2>&1 \
    || log "$B: storage.py failed; see $LOGS/storage-$B.txt"
  metric "${B}_complaints_before_load" "$(helper count)" count
  CLERK_TOKEN=$(tousu token clerk --label bench 2>> "$LOGS/tokens.log")
  CENTER_TOKEN=$(tousu token center --label bench 2>> "$LOGS/tokens.log")
  CENTER_COOKIE=$(helper cookie center)
  UNIT=$(helper busy-unit)
  log "$B: busy unit: $UNIT"
  helper explain "$UNIT" > "$LOGS/list-query-plan-$B.txt" 2>&1 || true

  local list_qs="status=in_progress&unit=$UNIT&limit=25"
  log "$B: API list ?$list_qs"
  start_tousu
  probe "${B}_api_list" "http://127.0.0.1:$SERVER_PORT/api/v1/complaints?$list_qs" -H "Authorization: Bearer $CENTER_TOKEN"
  WRK_HEADERS="Authorization: Bearer $CENTER_TOKEN" run_wrk "${B}_api_list" "http://127.0.0.1:$SERVER_PORT/api/v1/complaints?$list_qs"
  stop_server

  log "$B: staff list page /list/?status=in_progress&unit=$UNIT"
  start_tousu
  probe "${B}_staff_list" "http://127.0.0.1:$SERVER_PORT/list/?status=in_progress&unit=$UNIT" -H "Cookie: sessionid=$CENTER_COOKIE"
  WRK_HEADERS="Cookie: sessionid=$CENTER_COOKIE" run_wrk "${B}_staff_list" "http://127.0.0.1:$SERVER_PORT/list/?status=in_progress&unit=$UNIT"
  stop_server

  log "$B: API registration (POST), the full 201 and Prefer: return=minimal"
  local before after
  before=$(helper count)
  start_tousu
  register "${B}_register"
  register "${B}_register_min" return=minimal
  stop_server
  if [ "$B" = pg ]; then
    log "pg: API registration with $PG_WORKERS_HIGH workers (beside $WORKERS; this machine has $(nproc) cores)"
    metric pg_workers_low "$WORKERS" count
    metric pg_workers_high "$PG_WORKERS_HIGH" count
    start_tousu "$PG_WORKERS_HIGH"
    register pg4_register
    register pg4_register_min return=minimal
    stop_server
  fi
  after=$(helper count)
  metric "${B}_register_rows_committed_incl_warmup" "$((after - before))" count
  if [ "${BENCH_VERIFY:-1}" = 1 ]; then   # walks the whole chain: minutes at a million complaints
    local t0
    t0=$(date +%s.%N)
    if tousu verify-audit > "$LOGS/verify-after-load-$B.log" 2>&1; then
      metric "${B}_audit_after_load_ok" 1 bool
    else
      metric "${B}_audit_after_load_ok" 0 bool
    fi
    metric "${B}_verify_after_load_seconds" "$(awk "BEGIN { printf \"%.0f\", $(date +%s.%N) - $t0 }")" s
  fi
  echo "load_after_$B $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/versions.txt"
}

# ---- framework ceiling: the bare Django JSON view, same gunicorn settings
log "bare Django JSON view"
start_hello
run_wrk hello "http://127.0.0.1:$SERVER_PORT/hello/"
stop_server

use_backend sqlite
measure_backend
if [ "$RUN_PG" = 1 ]; then
  use_backend pg
  measure_backend
else
  log "PostgreSQL skipped (BENCH_PG=0)"
fi

# ---- django-helpdesk, by its own harness (same machine, same wrk, same gunicorn settings)
PEER_SUMMARY=$RESULTS/helpdesk-summary.txt
: > "$PEER_SUMMARY"
if [ "$RUN_PEER" = 1 ]; then
  log "django-helpdesk: bash $PEER/bench.sh (HD_TICKETS=${HD_TICKETS:-default} HD_DURATION=${HD_DURATION:-$DURATION})"
  if HD_DURATION=${HD_DURATION:-$DURATION} HD_CONCURRENCY=$CONC HD_WORKERS=$WORKERS \
       bash "$PEER/bench.sh" > "$LOGS/helpdesk.log" 2>&1; then
    sed -n '/^=== summary ===$/,/^=== end summary ===$/p' "$LOGS/helpdesk.log" | sed '1d;$d' > "$PEER_SUMMARY"
  else
    log "django-helpdesk harness failed; see $LOGS/helpdesk.log"
    tail -20 "$LOGS/helpdesk.log" >&2 || true
  fi
else
  log "django-helpdesk skipped (BENCH_PEER=0)"
fi

metric bench_wall_seconds "$(($(date +%s) - T_START))" s
"$PY" "$HERE/report.py" "$SUMMARY" "$PEER_SUMMARY" "$RESULTS/versions.txt" > "$RESULTS/summary.txt"
cat "$RESULTS/summary.txt"
