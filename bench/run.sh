#!/usr/bin/env bash
# tousu's benchmark, run by hand (not in CI): tousu, a bare Django view and django-helpdesk, measured
# in one run on this machine with the same load tool (wrk) and the same server settings (gunicorn,
# sync workers, 127.0.0.1). See bench/README.md.
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
start_tousu() {
  SERVER_PORT=$(free_port)
  TOUSU_SCAN_INTERVAL_SECONDS=0 TOUSU_ANCHOR_INTERVAL_SECONDS=0 TOUSU_DATA_DIR=$DATA "$VENV/bin/tousu" serve --host 127.0.0.1 --port "$SERVER_PORT" --workers "$WORKERS" \
    >> "$LOGS/tousu-server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready tousu-server /login/
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

helper() { TOUSU_DATA_DIR=$DATA "$PY" "$HERE/helpers.py" "$@"; }
tousu() { TOUSU_DATA_DIR=$DATA "$VENV/bin/tousu" "$@"; }

# =================================================================== run
log "tousu benchmark: complaints=$COUNT duration=${DURATION}s concurrency=$CONC workers=$WORKERS data=$DATA"
ensure_wrk
{
  echo "date_utc $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1) x$(nproc)"
  echo "memory_kib $(awk '/MemTotal/ {print $2}' /proc/meminfo)"
  echo "load_at_start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "python $("$PY" -c 'import sys; print(sys.version.split()[0])')"
  echo "sqlite $("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  echo "django $("$PY" -c 'import django; print(django.get_version())')"
  echo "wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}')"
  echo "gunicorn_workers $WORKERS sync"
  echo "tousu_commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty')"
} > "$RESULTS/versions.txt"

# ---- the seeded instance: seeded once, reused while it holds BENCH_COUNT seeded complaints
MARK=$DATA/bench-seeded
if [ -f "$MARK" ] && [ "$(cat "$MARK")" = "$COUNT" ] && [ -f "$DATA/tousu.sqlite3" ]; then
  tousu migrate --noinput -v0   # the code may have moved on since the seed
  tousu init --preset government --demo > "$LOGS/init.log"   # idempotent: reference data only
  log "reusing $DATA (seeded with $COUNT complaints; $(helper count) now)"
  metric seed_reused 1 bool
else
  log "fresh instance in $DATA: migrate, init --demo, seed --count $COUNT"
  rm -rf "$DATA"
  mkdir -p "$DATA"
  tousu migrate --noinput -v0
  tousu init --preset government --demo > "$LOGS/init.log"
  t0=$(date +%s.%N)
  tousu seed --count "$COUNT" --no-progress -v2 | tee "$LOGS/seed.log"
  secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
  metric seed_reused 0 bool
  metric seed_complaints "$COUNT" count
  metric seed_seconds "$secs" s
  metric seed_rate "$(awk "BEGIN { printf \"%.0f\", $COUNT / $secs }")" complaints/s
  if [ "${BENCH_VERIFY:-1}" = 1 ]; then
    t0=$(date +%s.%N)
    tousu verify-audit | tee "$LOGS/verify.log"
    metric verify_audit_seconds "$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")" s
  fi
  echo "$COUNT" > "$MARK"
fi
metric db_size "$(( $(stat -c %s "$DATA/tousu.sqlite3") / 1048576 ))" MiB
metric complaints_before_load "$(helper count)" count

CLERK_TOKEN=$(tousu token clerk --label bench)
CENTER_TOKEN=$(tousu token center --label bench)
CENTER_COOKIE=$(helper cookie center)
UNIT=$(helper busy-unit)
log "busy unit: $UNIT"
helper explain "$UNIT" > "$LOGS/list-query-plan.txt" 2>&1 || true

# ---- framework ceiling: the bare Django JSON view, same gunicorn settings
log "bare Django JSON view"
start_hello
run_wrk hello "http://127.0.0.1:$SERVER_PORT/hello/"
stop_server

# ---- tousu: API list (center, scope all), newest first
LIST_QS="status=in_progress&unit=$UNIT&limit=25"
log "tousu: API list ?$LIST_QS"
start_tousu
probe api_list "http://127.0.0.1:$SERVER_PORT/api/v1/complaints?$LIST_QS" -H "Authorization: Bearer $CENTER_TOKEN"
WRK_HEADERS="Authorization: Bearer $CENTER_TOKEN" run_wrk api_list "http://127.0.0.1:$SERVER_PORT/api/v1/complaints?$LIST_QS"
stop_server

# ---- tousu: the staff list page (logged-in session as center)
log "tousu: staff list page /list/?status=in_progress&unit=$UNIT"
start_tousu
probe staff_list "http://127.0.0.1:$SERVER_PORT/list/?status=in_progress&unit=$UNIT" -H "Cookie: sessionid=$CENTER_COOKIE"
WRK_HEADERS="Cookie: sessionid=$CENTER_COOKIE" run_wrk staff_list "http://127.0.0.1:$SERVER_PORT/list/?status=in_progress&unit=$UNIT"
stop_server

# ---- tousu: registration through the API (POST, bearer token of the clerk)
log "tousu: API registration (POST)"
before=$(helper count)
start_tousu
BODY='{"channel": "hotline", "summary": "压测登记 {n} 营业执照未一次性告知", "content": "到县政务服务中心市场监管窗口办理个体工商户营业执照,工作人员每次只告知一项材料缺失,跑了三趟仍未办成。编号 {n}", "demands": "要求一次性告知所需材料并尽快办结", "complainants": [{"name": "张建华", "phone": "1380000{n}", "address": "某县城关镇人民路8号"}], "respondents": [{"unit": "amr"}]}'
WRK_METHOD=POST WRK_BODY="$BODY" WRK_HEADERS="Authorization: Bearer $CLERK_TOKEN|Content-Type: application/json" \
  run_wrk register "http://127.0.0.1:$SERVER_PORT/api/v1/complaints"
stop_server
after=$(helper count)
metric register_rows_committed_incl_warmup "$((after - before))" count
if [ "${BENCH_VERIFY:-1}" = 1 ]; then   # walks the whole chain: minutes at a million complaints
  t0=$(date +%s.%N)
  tousu verify-audit > "$LOGS/verify-after-load.log" 2>&1 && metric audit_after_load_ok 1 bool || metric audit_after_load_ok 0 bool
  metric verify_after_load_seconds "$(awk "BEGIN { printf \"%.0f\", $(date +%s.%N) - $t0 }")" s
fi
echo "load_after_tousu $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/versions.txt"

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
