#!/usr/bin/env bash
# `make bench`: load-test a release build with wrk, on SQLite and (when reachable) on
# PostgreSQL + Redis, and write the results to docs/BENCHMARKS.md.
#
# Everything runs on loopback, bounded in time. Knobs: BENCH_DURATION (s, default 10),
# BENCH_CONNECTIONS (default 32), BENCH_THREADS (wrk threads, default 1),
# BENCH_POSTGRES_URL (admin URL; default postgres://postgres@127.0.0.1:5432/postgres),
# BENCH_REDIS_URL (default redis://127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-1}"
PG_ADMIN="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379}"
OUT="docs/BENCHMARKS.md"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/pinkflow"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server NAME DATABASE_URL [REDIS_URL]
start_server() {
  local port; port="$(free_port)"
  local start_ns; start_ns="$(date +%s%N)"
  env -i PATH="$PATH" HOME="$HOME" APP_ENV=production HOST=127.0.0.1 PORT="$port" \
    DATABASE_URL="$2" ${3:+REDIS_URL="$3"} \
    SECRET_KEY="bench-access-secret-0123456789abcdef0123456789" \
    REFRESH_SECRET_KEY="bench-refresh-secret-0123456789abcdef012345678" \
    BCRYPT_COST=10 RATE_LIMIT_API=100000000/second RATE_LIMIT_LOGIN=1000000/second \
    RATE_LIMIT_REGISTER=1000000/second VIDEO_UPLOAD_FOLDER="$WORK/videos" RUST_LOG=warn \
    "$BIN" serve >"$WORK/$1.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$1.log" >&2; exit 1; }
    sleep 0.02
  done
  STARTUP_MS=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  BASE="http://127.0.0.1:$port"
}

stop_server() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }

# wrk_run PATH [HEADER] -> "req/s p50_ms p99_ms"
wrk_run() {
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  [ -n "${2:-}" ] && args+=(-H "$2")
  wrk "${args[@]}" "$BASE$1" >"$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = dict((p, ms(v, u)) for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", text))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:.*", text)
if non2xx:
    sys.exit(f"unexpected non-2xx responses: {non2xx.group(1)}")
print(f"{rps:.0f} {lat['50']:.2f} {lat['99']:.2f}")
PY
}

ROWS=""
bench_backend() {
  local name="$1" url="$2" redis="${3:-}"
  start_server "$name" "$url" "$redis"
  local idle; idle="$(rss_mib)"
  curl -sf -X POST "$BASE/api/auth/register" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","username":"bench","password":"benchpassword"}' >/dev/null
  local token
  token="$(curl -sf -X POST "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchpassword"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  wrk_run /bench/bare >/dev/null  # warm-up
  read -r bare_rps bare_p50 bare_p99 < <(wrk_run /bench/bare)
  read -r h_rps h_p50 h_p99 < <(wrk_run /healthz)
  read -r u_rps u_p50 u_p99 < <(wrk_run /api/auth/user "Authorization: Bearer $token")
  local loaded; loaded="$(rss_mib)"
  stop_server
  ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
  ROWS+="| $name | bare handler | $bare_rps | $bare_p50 | $bare_p99 | 1.00 |"$'\n'
  ROWS+="| $name | \`GET /healthz\` | $h_rps | $h_p50 | $h_p99 | $(ratio "$h_rps" "$bare_rps") |"$'\n'
  ROWS+="| $name | \`GET /api/auth/user\` (token + database) | $u_rps | $u_p50 | $u_p99 | $(ratio "$u_rps" "$bare_rps") |"$'\n'
  MEM+="| $name | $STARTUP_MS | $idle | $loaded |"$'\n'
  echo "$name: bare $bare_rps req/s, /api/auth/user $u_rps req/s (ratio $(ratio "$u_rps" "$bare_rps"))"
}

MEM=""
bench_backend SQLite "sqlite://$WORK/bench.db"
PG_NOTE=""
if psql "$PG_ADMIN" -Atc 'select 1' >/dev/null 2>&1; then
  DB="pinkflow_bench_$$"
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB" && psql "$PG_ADMIN" -qc "CREATE DATABASE $DB"
  REDIS_ARG=""
  if redis-cli -u "$REDIS" ping 2>/dev/null | grep -q PONG; then REDIS_ARG="$REDIS"; fi
  bench_backend "PostgreSQL${REDIS_ARG:+ + Redis}" "${PG_ADMIN%/*}/$DB" "$REDIS_ARG"
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
else
  PG_NOTE="PostgreSQL was not reachable at the admin URL, so only SQLite was measured."
fi

CPU="$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
{
  echo "# Benchmarks"
  echo
  echo "Generated by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'); do not edit by hand."
  echo
  echo "Machine: $(nproc) cores ($CPU), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)."
  echo "Load: wrk, $THREADS thread(s), $CONNECTIONS connections, ${DURATION} s per row, on loopback;"
  echo "the server and wrk share the same cores. Release build, \`APP_ENV=production\`, default workers."
  echo
  echo "| backend | endpoint | req/s | p50 ms | p99 ms | ratio to bare |"
  echo "|---|---|---:|---:|---:|---:|"
  printf '%s' "$ROWS"
  echo
  echo "| backend | start to ready (ms) | RSS idle (MiB) | RSS after load (MiB) |"
  echo "|---|---:|---:|---:|"
  printf '%s' "$MEM"
  echo
  echo "Target (issue 2): the authenticated endpoint at least half the bare handler (ratio ≥ 0.50)."
  [ -n "$PG_NOTE" ] && echo && echo "$PG_NOTE"
  echo
  echo "Reproduce: \`make bench\` (BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_POSTGRES_URL, BENCH_REDIS_URL)."
} >"$OUT"
echo "wrote $OUT"
