#!/usr/bin/env bash
# Runs the static checks (ruff's lint and format check, mypy) and then the tousu
# test suite: on SQLite always, and on PostgreSQL too when one is available
# (CI=true: installs, starts and configures a local server). A failed check fails
# the run, but the tests still run; the summary at the end says what failed.
#
# Usage: bash scripts/test.sh [extra pytest args...]
# Normally run through `make test`, which creates .venv first.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTEST=${TOUSU_PYTEST:-.venv/bin/pytest}   # override only to test this script
RUFF=.venv/bin/ruff
MYPY=.venv/bin/mypy
VENV_PYTHON=.venv/bin/python
CI=${CI:-false}
PG_ROLE=tousu
PG_PASSWORD=tousu
PG_DB=tousu

log() { printf '\n==> %s\n' "$*"; }
warn() { printf '\n!!! %s\n' "$*" >&2; }

if [[ ! -x "$PYTEST" ]]; then
    echo "error: $PYTEST not found; run 'make install' (or 'make test') first." >&2
    exit 2
fi

# The developer's own PostgreSQL URL, if any; the SQLite run never sees it.
USER_DATABASE_URL=${DATABASE_URL:-}
unset DATABASE_URL

FAILED=false

# --- static checks ------------------------------------------------------------------
# What they cover is configured in pyproject.toml ([tool.ruff], [tool.mypy]); mypy keeps
# its cache in .mypy_cache, so a run after a small change takes a second or two.
CHECK_NAMES=()
CHECK_RESULTS=()

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_check NAME COMMAND... -- runs one check, its findings printed as they come.
run_check() {
    local name=$1; shift
    log "$name: ${*#.venv/bin/}"
    local rc=0 started result
    started=$(now_ms)
    if [[ ! -x $1 ]]; then
        echo "$1 not found: run 'make install' (the test extra installs it)." >&2
        rc=127
    else
        set +e
        "$@"
        rc=$?
        set -e
    fi
    local ms=$(($(now_ms) - started))
    local took
    took=$(printf '%d.%d s' $((ms / 1000)) $(((ms % 1000) / 100)))
    if ((rc == 0)); then
        result="passed ($took)"
    else
        result="FAILED: exit $rc, findings above ($took)"
        FAILED=true
    fi
    CHECK_NAMES+=("$name")
    CHECK_RESULTS+=("$result")
}

run_check "ruff check" "$RUFF" check tousu bench
run_check "ruff format" "$RUFF" format --check --diff tousu bench
run_check "mypy" "$MYPY"

# --- system packages (root, or sudo in CI) -----------------------------------
SUDO=()
CAN_INSTALL=false
if [[ $(id -u) -eq 0 ]]; then
    CAN_INSTALL=true
elif [[ $CI == true ]] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
    CAN_INSTALL=true
fi

APT_UPDATED=false
apt_install() {
    $CAN_INSTALL || return 1
    command -v apt-get >/dev/null 2>&1 || return 1
    local aptlog attempt
    aptlog=$(mktemp)
    if ! $APT_UPDATED; then
        log "apt-get update"
        if ! "${SUDO[@]}" apt-get update -q >"$aptlog" 2>&1; then
            tail -n 20 "$aptlog"; rm -f "$aptlog"; return 1
        fi
        APT_UPDATED=true
    fi
    log "apt-get install $* (output kept quiet unless it fails)"
    for attempt in 1 2; do
        if "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q "$@" </dev/null >"$aptlog" 2>&1; then
            grep -E '^[0-9]+ upgraded' "$aptlog" || true
            rm -f "$aptlog"
            return 0
        fi
        tail -n 30 "$aptlog"
        warn "apt-get install $* failed (attempt $attempt)"
        sleep 5
    done
    rm -f "$aptlog"
    return 1
}

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# --- Chromium for the browser tests -------------------------------------------
BROWSER_STATUS=""
CHROMIUM=/usr/bin/chromium
missing=()
[[ -x $CHROMIUM ]] || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1 && ! deb_installed fonts-noto-cjk; then
    missing+=(fonts-noto-cjk)   # CJK fonts, so Chinese renders in screenshots
fi
[[ -x /usr/bin/redis-server ]] || missing+=(redis-server)   # the Redis-backed job workers' tests
[[ -x /usr/sbin/dovecot ]] || missing+=(dovecot-imapd)   # the mail gateway's IMAP poller tests
# Letters (tousu/letters): WeasyPrint needs Pango; its tests render pages with pdftoppm.
[[ -x /usr/bin/pdftoppm ]] || missing+=(poppler-utils)
if command -v dpkg-query >/dev/null 2>&1 && ! deb_installed libpango-1.0-0; then
    missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
if ((${#missing[@]})) && $CAN_INSTALL; then
    apt_install "${missing[@]}" || warn "could not install ${missing[*]}"
fi
if [[ -x $CHROMIUM ]]; then
    BROWSER_STATUS="chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    BROWSER_STATUS="chromium missing: browser tests skipped"
    warn "$CHROMIUM not found (install Debian's 'chromium' and 'fonts-noto-cjk' as root): browser tests will be skipped."
fi

# --- running pytest ---------------------------------------------------------------
RUN_NAMES=()
RUN_RESULTS=()
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# run_suite NAME [VAR=value ...] -- runs pytest with the given environment.
run_suite() {
    local name=$1; shift
    log "pytest on $name"
    local rc=0
    set +e
    env "$@" "$PYTEST" -p no:cacheprovider -n 2 "${PYTEST_ARGS[@]}" 2>&1 | tee "$OUT"
    rc=${PIPESTATUS[0]}
    set -e

    # Counts from pytest's closing line ("=== 3 passed, 1 skipped in 2.0s ===").
    local closing passed=0 failed=0 errors=0 skipped=0
    closing=$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s' "$OUT" | tail -n 1 || true)
    if [[ -n $closing ]]; then
        passed=$(grep -oE '[0-9]+ passed' <<<"$closing" | grep -oE '[0-9]+' || echo 0)
        failed=$(grep -oE '[0-9]+ failed' <<<"$closing" | grep -oE '[0-9]+' || echo 0)
        errors=$(grep -oE '[0-9]+ errors?' <<<"$closing" | grep -oE '[0-9]+' || echo 0)
        skipped=$(grep -oE '[0-9]+ skipped' <<<"$closing" | grep -oE '[0-9]+' || echo 0)
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed + errors))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))

    local result
    case $rc in
        0)
            if [[ -n $closing ]] && ((passed == 0)); then
                result="FAILED: exit 0 but no test passed ($skipped skipped)"
                FAILED=true
            elif [[ -z $closing ]]; then
                result="passed (pytest's closing line not found)"
            else
                result="passed ($passed passed, $skipped skipped)"
            fi ;;
        5)
            result="FAILED: pytest collected no tests (exit 5)"
            FAILED=true ;;
        *)
            result="FAILED: pytest exit $rc ($passed passed, $((failed + errors)) failed/errors, $skipped skipped)"
            FAILED=true ;;
    esac
    RUN_NAMES+=("$name")
    RUN_RESULTS+=("$result")
}

PYTEST_ARGS=("$@")

# --- SQLite -------------------------------------------------------------------------
run_suite "SQLite" -u DATABASE_URL

# --- PostgreSQL -------------------------------------------------------------------
PG_NOTE=""

pg_can_connect() {  # pg_can_connect URL
    if command -v psql >/dev/null 2>&1; then
        PGCONNECT_TIMEOUT=5 psql "$1" -X -q -t -c 'select 1' >/dev/null 2>&1
    else
        "$VENV_PYTHON" - "$1" >/dev/null 2>&1 <<'PY'
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=5).close()
PY
    fi
}

pg_server_installed() {
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null \
        && command -v pg_lsclusters >/dev/null 2>&1 \
        && command -v pg_ctlcluster >/dev/null 2>&1
}

as_postgres() {  # run a command as the postgres superuser, from a dir it can read
    if command -v runuser >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "${SUDO[@]}" -u postgres "$@")
    fi
}

# Sets PG_PORT to a running local cluster's port, creating/starting it as needed.
pg_setup_local() {
    if ! pg_server_installed; then
        apt_install postgresql || { warn "could not install postgresql"; return 1; }
    fi
    pg_server_installed || { warn "no PostgreSQL server after install"; return 1; }

    local line ver name port status
    # Prefer the newest cluster called "main"; else the newest of any name.
    line=$(pg_lsclusters --no-header 2>/dev/null | awk '$2 == "main"' | sort -k1,1V | tail -n 1)
    [[ -n $line ]] || line=$(pg_lsclusters --no-header 2>/dev/null | sort -k1,1V | tail -n 1)
    if [[ -z $line ]]; then
        ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        log "creating PostgreSQL $ver cluster 'main'"
        "${SUDO[@]}" pg_createcluster "$ver" main || return 1
        line=$(pg_lsclusters --no-header | awk -v v="$ver" '$1 == v && $2 == "main"')
    fi
    read -r ver name port status _ <<<"$line"
    [[ -n $port ]] || { warn "could not read the cluster's port from pg_lsclusters"; return 1; }

    # Listen on loopback (IPv4) only.
    local conf=/etc/postgresql/$ver/$name/conf.d/tousu-test.conf
    local want="listen_addresses = '127.0.0.1'"
    if [[ -d $(dirname "$conf") ]] && [[ "$(cat "$conf" 2>/dev/null)" != "$want" ]]; then
        echo "$want" | "${SUDO[@]}" tee "$conf" >/dev/null || return 1
        if [[ $status == online* ]]; then
            log "restarting PostgreSQL $ver/$name to listen on 127.0.0.1"
            "${SUDO[@]}" pg_ctlcluster "$ver" "$name" restart || return 1
        fi
    fi

    if [[ $status != online* ]]; then
        log "starting PostgreSQL $ver/$name on port $port"
        "${SUDO[@]}" install -d -m 2775 -o postgres -g postgres /var/run/postgresql || return 1
        "${SUDO[@]}" pg_ctlcluster "$ver" "$name" start || return 1
    fi

    local i
    for i in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
    pg_isready -h 127.0.0.1 -p "$port" || { warn "PostgreSQL $ver/$name is not accepting connections on 127.0.0.1:$port"; return 1; }

    log "ensuring role '$PG_ROLE' (CREATEDB) and database '$PG_DB'"
    as_postgres psql -X -q -p "$port" -v ON_ERROR_STOP=1 -d postgres <<SQL || return 1
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
        CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    ELSE
        ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
    END IF;
END
\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_ROLE'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
SQL
    PG_PORT=$port
    PG_NOTE="local PostgreSQL $ver/$name on 127.0.0.1:$port"
}

PG_URL=""
if [[ -n $USER_DATABASE_URL ]]; then
    PG_URL=$USER_DATABASE_URL
    PG_NOTE="DATABASE_URL from the environment"
elif [[ $CI == true ]]; then
    PG_PORT=""
    if pg_setup_local; then
        PG_URL="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
        if ! pg_can_connect "postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres"; then
            warn "cannot log in to PostgreSQL as $PG_ROLE on 127.0.0.1:$PG_PORT"
            PG_URL=""
        fi
    fi
    if [[ -z $PG_URL ]]; then
        RUN_NAMES+=("PostgreSQL")
        RUN_RESULTS+=("FAILED: could not set up a PostgreSQL server in CI")
        FAILED=true
    fi
else
    # A developer's machine: use a running local server if the tousu role works.
    ports=()
    if command -v pg_lsclusters >/dev/null 2>&1; then
        while read -r _ _ p s _; do
            [[ $s == online* ]] && ports+=("$p")
        done < <(pg_lsclusters --no-header 2>/dev/null)
    fi
    ports+=(5432)
    for p in "${ports[@]}"; do
        if pg_can_connect "postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$p/postgres"; then
            PG_URL="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$p/$PG_DB"
            PG_NOTE="local PostgreSQL on 127.0.0.1:$p"
            break
        fi
    done
fi

if [[ -n $PG_URL ]]; then
    run_suite "PostgreSQL" DATABASE_URL="$PG_URL"
elif [[ $CI != true ]]; then
    PG_NOTE="not available"
    echo
    echo "PostgreSQL not available: ran the suite on SQLite only."
fi

# --- summary ----------------------------------------------------------------------
echo
echo "================================ test summary ================================"
for i in "${!CHECK_NAMES[@]}"; do
    printf '  %-12s %s\n' "${CHECK_NAMES[$i]}:" "${CHECK_RESULTS[$i]}"
done
echo "  browser:    $BROWSER_STATUS"
if [[ -n $PG_URL ]]; then
    echo "  PostgreSQL: $PG_NOTE"
elif [[ $CI != true ]]; then
    echo "  PostgreSQL not available: ran the suite on SQLite only."
fi
for i in "${!RUN_NAMES[@]}"; do
    printf '  %-12s %s\n' "${RUN_NAMES[$i]}:" "${RUN_RESULTS[$i]}"
done
echo "=============================================================================="
echo "tests: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"

if $FAILED; then
    exit 1
fi
