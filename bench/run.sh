#!/usr/bin/env bash
# `make bench-http`: load-test a release build with wrk, on SQLite and (when reachable) on
# PostgreSQL + Redis, print the results side by side and write them to docs/BENCHMARKS.md.
#
# Scenarios per backend: a bare handler, /healthz, GET /api/auth/user with a token, the
# preference-varied home fragment (HX-Request) as a cache HIT and as a cache MISS (a second
# server with CACHE_DEFAULT_TIMEOUT=0, i.e. caching off; /metrics confirms both), the watch
# page of a captioned video with a signed edition and feedback (signed out and signed in,
# page and HTMX fragment), the catalogue, GET /api/auth/user with AUTH_CACHE_TTL=0 (every
# request checks revocation in the database; on the second server), sign-in
# (bcrypt), pages during a login storm, and memory: idle, with 1,000 keep-alive
# connections, after load; plus start-to-ready time; and the player (bench/player.js, node
# with playwright-core and Chromium): time to first frame of a 720p video after pressing
# the player's Play button, and the player's own JS + CSS gzipped.
#
# Everything runs on loopback, bounded in time (about 2 minutes per backend by default),
# and the servers and background wrk runs are stopped on exit. Knobs:
#   BENCH_DURATION (s per scenario, default 5), BENCH_CONNECTIONS (default 32),
#   BENCH_THREADS (wrk threads, default 1), BENCH_LOGIN_CONNECTIONS (default: cores),
#   BENCH_LOGIN_DURATION (s, default 10),
#   BENCH_STORM_DURATION (s, default 10), BENCH_STORM_LOGINS (concurrent sign-ins, 32),
#   BENCH_STORM_PAGE_CONNECTIONS (default 8), BENCH_PACE_MS (pause between one
#   connection's page requests, default 10), BENCH_KEEPALIVE (connections, default 1000),
#   BENCH_BCRYPT_COST (default 12, the production default), BENCH_POSTGRES_URL (admin URL;
#   default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL
#   (default redis://127.0.0.1:6379), BENCH_OUT (default docs/BENCHMARKS.md), BENCH_BIN
#   (a release binary already built, with pinkflow-media next to it: skips `cargo build`),
#   BENCH_PLAYER_RUNS (page loads for time to first frame, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
DURATION="${BENCH_DURATION:-5}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-1}"
LOGIN_CONNECTIONS="${BENCH_LOGIN_CONNECTIONS:-$(nproc)}"
LOGIN_DURATION="${BENCH_LOGIN_DURATION:-10}"
STORM_DURATION="${BENCH_STORM_DURATION:-10}"
STORM_LOGINS="${BENCH_STORM_LOGINS:-32}"
STORM_PAGE_CONNECTIONS="${BENCH_STORM_PAGE_CONNECTIONS:-8}"
export BENCH_PACE_MS="${BENCH_PACE_MS:-10}"
KEEPALIVE="${BENCH_KEEPALIVE:-1000}"
BCRYPT_COST="${BENCH_BCRYPT_COST:-12}"
PG_ADMIN="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379}"
OUT="${BENCH_OUT:-docs/BENCHMARKS.md}"
# A non-default preference profile (the home fragment is cached per profile).
PROFILE="preferred_sign_language=BSL&visual_density=4&reading_level=2&motion_sensitivity=true&color_contrast=high"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
# 1,000 keep-alive connections need that many descriptors in wrk and in the server.
need_fds=$((KEEPALIVE + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_fds" ]; then
  ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
WORK="$(mktemp -d)"
SERVER_PID=""
BG_PIDS=()
PG_DB=""
cleanup() {
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --quiet --bin pinkflow --bin pinkflow-media --example test_clip
fi
CLIP_BIN="$(dirname "${BENCH_BIN:-$CARGO_TARGET_DIR/release/pinkflow}")/examples/test_clip"
# A private copy: a build from another checkout sharing CARGO_TARGET_DIR cannot swap the
# binary in the middle of the run. The FFmpeg helper goes next to it, where serve finds it.
SRC_BIN="${BENCH_BIN:-$CARGO_TARGET_DIR/release/pinkflow}"
cp "$SRC_BIN" "$WORK/pinkflow"
cp "$(dirname "$SRC_BIN")/pinkflow-media" "$WORK/pinkflow-media"
BIN="$WORK/pinkflow"
# Sizes of the shipped binaries on disk (release profile: no debug info), in MiB.
size_mib() { stat -c %s "$1" | awk '{printf "%.1f", $1/1048576}'; }
# DWARF sections left (.debug_gdb_scripts is a pretty-printer hint, not debug info).
debug_sections() { readelf -SW "$1" 2>/dev/null | grep '\.debug_' | grep -vc 'debug_gdb_scripts' || true; }
SIZE_SERVER="$(size_mib "$WORK/pinkflow")"
SIZE_MEDIA="$(size_mib "$WORK/pinkflow-media")"
SIZE_ROW="| release binaries on disk: \`pinkflow\` / \`pinkflow-media\` (MiB; .debug sections: $(debug_sections "$WORK/pinkflow") / $(debug_sections "$WORK/pinkflow-media")) |"
# The clip the watch page and catalogue rows show (2 s, 320x240), and the player's (3 s, 720p).
"$CLIP_BIN" "$WORK/clip.mp4" 2 320 240 >/dev/null
"$CLIP_BIN" "$WORK/clip720.mp4" 3 1280 720 >/dev/null
PLAYER_RUNS="${BENCH_PLAYER_RUNS:-20}"
# The player's limits: time to first frame p95 (ms) and its own JS + CSS gzipped (bytes).
PLAYER_TTFF_MAX=300
PLAYER_GZIP_MAX=30720

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server NAME DATABASE_URL REDIS_URL [VAR=value ...]: start, wait for /healthz.
start_server() {
  local name="$1" db="$2" redis="$3"; shift 3
  local port; port="$(free_port)"
  local start_ns; start_ns="$(date +%s%N)"
  env -i PATH="$PATH" HOME="$HOME" APP_ENV=production HOST=127.0.0.1 PORT="$port" PUBLIC_URL="http://127.0.0.1:$port" \
    DATABASE_URL="$db" ${redis:+REDIS_URL="$redis"} CACHE_KEY_PREFIX="bench_$$" \
    SECRET_KEY="bench-access-secret-0123456789abcdef0123456789" \
    REFRESH_SECRET_KEY="bench-refresh-secret-0123456789abcdef012345678" \
    BCRYPT_COST="$BCRYPT_COST" RATE_LIMIT_API=100000000/second RATE_LIMIT_LOGIN=100000000/second \
    RATE_LIMIT_REGISTER=1000000/second RATE_LIMIT_REFRESH=1000000/second \
    LOGIN_THROTTLE_ATTEMPTS=1000 VIDEO_UPLOAD_FOLDER="$WORK/videos" WORKER_EMBEDDED=true \
    WORKER_CONCURRENCY=2 VIDEO_UPLOADS_PER_DAY=1000 RUST_LOG=warn "$@" \
    "$BIN" serve >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
    sleep 0.01
  done
  STARTUP_MS=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  BASE="http://127.0.0.1:$port"
}

stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# status_field FIELD -> the server's /proc status value in MiB (VmRSS, RssAnon, RssFile ...)
status_mib() { awk -v f="$1:" '$1 == f {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
threads() { awk '$1 == "Threads:" {print $2}' "/proc/$SERVER_PID/status"; }

# The home fragment's hit and miss counters as "hits misses".
cache_counts() {
  curl -sf "$BASE/metrics" | awk '
    /^pinkflow_cache_hits_total\{.*cache="home"/ {h=$NF}
    /^pinkflow_cache_misses_total\{.*cache="home"/ {m=$NF}
    END {printf "%d %d\n", h, m}'
}

declare -A COMMANDS=()
COMMAND_ORDER=()
# record SCENARIO [wrk args...]: keep the first backend's wrk command line for the report.
record() {
  local scenario="$1"; shift
  [ -n "${COMMANDS[$scenario]:-}" ] && return 0
  local shown="wrk" arg
  for arg in "$@"; do
    arg="${arg//$BASE/http://127.0.0.1:\$PORT}"
    if [ -n "${TOKEN:-}" ]; then arg="${arg//$TOKEN/\$TOKEN}"; fi
    case "$arg" in *[\ \&\;]*) arg="'$arg'" ;; esac
    shown+=" $arg"
  done
  COMMANDS[$scenario]="$shown  # $scenario"
  COMMAND_ORDER+=("$scenario")
}
# run_wrk SCENARIO [wrk args...] -> "req/s p50_ms p99_ms requests non2xx socket_errors"
run_wrk() {
  local scenario="$1"; shift
  wrk "$@" >"$WORK/wrk-$scenario.txt" 2>&1 || { cat "$WORK/wrk-$scenario.txt" >&2; return 1; }
  python3 - "$WORK/wrk-$scenario.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {p: ms(v, u) for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s|m)\b", text)}
requests = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = sum(int(x) for x in sock.groups()) if sock else 0
print(f"{rps:.0f} {lat.get('50', 0):.2f} {lat.get('99', 0):.2f} {requests} "
      f"{int(non2xx.group(1)) if non2xx else 0} {errors}")
PY
}

ratio() { python3 -c "print(f'{$1/$2:.2f}' if $2 else '-')"; }
lt() { python3 -c "import sys; sys.exit(0 if float('$1') < float('$2') else 1)"; }

declare -A R=()      # R[backend|scenario] = "req/s p50 p99 ratio"
declare -A M=()      # M[backend|measure] = value
declare -A NOTE=()   # NOTE[backend|scenario] = hit/miss counts, status codes ...
declare -A P=()      # P[backend|measure] = the player's figures (bench/player.js)
FAILED=()
BACKENDS=()

# A scenario whose responses must all be 2xx (the lines are kept for the report).
measure() {
  local backend="$1" scenario="$2"; shift 2
  local rps p50 p99 n non2xx errs
  record "$scenario" "$@"
  read -r rps p50 p99 n non2xx errs < <(run_wrk "$scenario" "$@")
  [ -n "${errs:-}" ] || { echo "bench: wrk failed in $backend $scenario" >&2; exit 1; }
  if [ "$non2xx" -gt 0 ] || [ "$errs" -gt 0 ]; then
    FAILED+=("$backend $scenario: $non2xx non-2xx responses, $errs socket errors of $n requests")
  fi
  R["$backend|$scenario"]="$rps $p50 $p99"
  LAST_REQUESTS="$n"
  echo "  $scenario: $rps req/s, p50 $p50 ms, p99 $p99 ms ($n requests)"
}

# check_cache BACKEND SCENARIO BEFORE(hits misses) AFTER(hits misses) EXPECT(hit|miss)
check_cache() {
  local backend="$1" scenario="$2" expect="$7"
  local hits=$(($5 - $3)) misses=$(($6 - $4))
  NOTE["$backend|$scenario"]="$hits hits, $misses misses"
  local word=hits
  if [ "$expect" = miss ]; then word=misses; fi
  echo "    /metrics: $hits hits, $misses misses (all should be $word)"
  local want=$hits other=$misses
  [ "$expect" = miss ] && want=$misses other=$hits
  if [ "$want" -eq 0 ] || [ $((other * 100)) -gt "$want" ]; then
    FAILED+=("$backend $scenario: /metrics counted $hits hits and $misses misses")
  fi
}

# bench_player BACKEND: the player rows (a 720p upload, then Chromium on loopback).
bench_player() {
  local backend="$1" out p50 p95 gz height framework
  if out="$(node bench/player.js "$BASE" "$TOKEN" "$WORK/clip720.mp4" "$PLAYER_RUNS" 2>"$WORK/player.err")"; then
    read -r p50 p95 gz height framework < <(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["p50_ms"], r["p95_ms"], r["player_gzip_bytes"], r["height"], r["framework"])' "$out")
    P["$backend|ttff_p50"]="$p50"
    P["$backend|ttff_p95"]="$p95"
    P["$backend|gzip"]="$(python3 -c "print(f'{$gz/1024:.1f}')")"
    P["$backend|gzip_bytes"]="$gz"
    [ "$height" = 720 ] || FAILED+=("$backend: the player's clip is ${height}p, not 720p")
    [ "$framework" = False ] || FAILED+=("$backend: the player's script looks like it uses a front-end framework")
    echo "  player: time to first frame p50 $p50 ms, p95 $p95 ms ($PLAYER_RUNS loads, ${height}p); JS + CSS ${P[$backend|gzip]} KiB gzipped"
  else
    P["$backend|ttff_p50"]="-"; P["$backend|ttff_p95"]="-"; P["$backend|gzip"]="-"; P["$backend|gzip_bytes"]=""
    FAILED+=("$backend: the player rows could not be measured: $(tr '\n' ' ' <"$WORK/player.err")")
  fi
}

bench_backend() {
  local backend="$1" url="$2" redis="${3:-}"
  BACKENDS+=("$backend")
  echo "== $backend"
  start_server "$backend" "$url" "$redis"
  M["$backend|startup"]="$STARTUP_MS"
  sleep 1
  M["$backend|idle"]="$(status_mib VmRSS)"
  M["$backend|idle_anon"]="$(status_mib RssAnon)"
  M["$backend|idle_file"]="$(status_mib RssFile)"
  M["$backend|threads"]="$(threads)"
  echo "  start to ready ${STARTUP_MS} ms; idle RSS ${M[$backend|idle]} MiB (anon ${M[$backend|idle_anon]}, file ${M[$backend|idle_file]}), ${M[$backend|threads]} threads"

  curl -sf -X POST "$BASE/api/auth/register" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","username":"bench","password":"benchpassword"}' >/dev/null
  TOKEN="$(curl -sf -X POST "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchpassword"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  # The fragment really is a fragment (no document around it).
  local fragment
  fragment="$(curl -sf -H 'HX-Request: true' -H "Cookie: pinkflow_prefs=$PROFILE" "$BASE/")"
  if grep -qi '<!doctype' <<<"$fragment"; then
    FAILED+=("$backend: GET / with HX-Request returned a whole page, not a fragment")
  fi

  # A captioned video with a signed edition and a rating, 20 more catalogue cards, and a
  # browser signed in through the sign-in form.
  local vid browser_cookie
  read -r vid browser_cookie < <(python3 bench/seed.py "$BASE" "$TOKEN" "$WORK/clip.mp4" "$WORK")
  [ -n "${vid:-}" ] || { echo "bench: seeding failed in $backend" >&2; exit 1; }
  local watch_html
  watch_html="$(curl -sf "$BASE/videos/$vid" || true)"
  if ! grep -q 'Line 60 of the bench captions' <<<"$watch_html"; then
    FAILED+=("$backend: the watch page does not show the transcript it is measured with")
  fi

  local w=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$BASE/bench/bare" >/dev/null # warm-up
  measure "$backend" bare "${w[@]}" "$BASE/bench/bare"
  measure "$backend" healthz "${w[@]}" "$BASE/healthz"
  measure "$backend" user "${w[@]}" -H "Authorization: Bearer $TOKEN" "$BASE/api/auth/user"
  measure "$backend" watch "${w[@]}" "$BASE/videos/$vid"
  measure "$backend" watch_frag "${w[@]}" -H 'HX-Request: true' "$BASE/videos/$vid"
  measure "$backend" watch_in "${w[@]}" -H "Cookie: $browser_cookie" "$BASE/videos/$vid"
  measure "$backend" watch_in_frag "${w[@]}" -H 'HX-Request: true' -H "Cookie: $browser_cookie" "$BASE/videos/$vid"
  measure "$backend" catalogue "${w[@]}" "$BASE/catalogue"
  bench_player "$backend"

  local before after
  before="$(cache_counts)"
  measure "$backend" hit "${w[@]}" -H 'HX-Request: true' -H "Cookie: pinkflow_prefs=$PROFILE" "$BASE/"
  after="$(cache_counts)"
  check_cache "$backend" hit $before $after hit

  # Sign-in: bcrypt at BCRYPT_COST on BCRYPT_CONCURRENCY threads. The per-IP and
  # per-account throttles are raised above, so every answer should be 200.
  local rps p50 p99 n non2xx errs
  local login=(-t1 -c"$LOGIN_CONNECTIONS" -d"${LOGIN_DURATION}s" --latency --timeout 30s
    -s bench/login.lua "$BASE/api/auth/login")
  record login "${login[@]}"
  read -r rps p50 p99 n non2xx errs < <(run_wrk login "${login[@]}")
  R["$backend|login"]="$rps $p50 $p99"
  NOTE["$backend|login"]="$n requests, $non2xx non-2xx, $errs socket errors"
  echo "  login: $rps req/s, p50 $p50 ms, p99 $p99 ms (${NOTE[$backend|login]})"
  if [ "$n" -eq 0 ] || [ $((non2xx * 2)) -ge "$n" ] || [ "$errs" -gt 0 ]; then
    FAILED+=("$backend login: ${NOTE[$backend|login]}")
  fi

  # Pages at a steady pace, alone and then during a login storm.
  measure "$backend" paced -t1 -c"$STORM_PAGE_CONNECTIONS" -d"${STORM_DURATION}s" --latency \
    -s bench/paced.lua "$BASE/"
  local storm_txt="$WORK/storm-$backend.txt"
  wrk -t1 -c"$STORM_LOGINS" -d"$((STORM_DURATION + 2))s" --timeout 60s -s bench/login.lua \
    "$BASE/api/auth/login" >"$storm_txt" 2>&1 &
  local storm_pid=$!
  BG_PIDS+=("$storm_pid")
  if [ -z "${COMMANDS[storm]:-}" ]; then
    COMMANDS[storm]="wrk -t1 -c$STORM_LOGINS -d$((STORM_DURATION + 2))s --timeout 60s -s bench/login.lua http://127.0.0.1:\$PORT/api/auth/login &  # storm, 1 s before the next"
    COMMAND_ORDER+=(storm)
  fi
  sleep 1
  measure "$backend" storm_page -t1 -c"$STORM_PAGE_CONNECTIONS" -d"${STORM_DURATION}s" --latency \
    -s bench/paced.lua "$BASE/"
  wait "$storm_pid" || true
  read -r rps p50 p99 n non2xx errs < <(python3 - "$storm_txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
n = int(re.search(r"(\d+) requests in", t).group(1))
x = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
s = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
print(f"{rps:.1f} 0 0 {n} {int(x.group(1)) if x else 0} {sum(map(int, s.groups())) if s else 0}")
PY
)
  NOTE["$backend|storm"]="$rps sign-ins/s ($n, $non2xx non-2xx, $errs socket errors)"
  echo "    during the storm: ${NOTE[$backend|storm]}"
  if [ "$n" -eq 0 ] || [ $((non2xx * 2)) -ge "$n" ]; then
    FAILED+=("$backend login storm: ${NOTE[$backend|storm]}")
  fi

  # 1,000 keep-alive connections on /healthz, RSS sampled while they are open.
  local samples="$WORK/rss-$backend.txt"
  : >"$samples"
  (while kill -0 "$SERVER_PID" 2>/dev/null; do status_mib VmRSS >>"$samples"; echo >>"$samples"; sleep 0.1; done) &
  local sampler=$!
  BG_PIDS+=("$sampler")
  local ka=(-t2 -c"$KEEPALIVE" -d"${DURATION}s" --latency --timeout 10s "$BASE/healthz")
  record keepalive "${ka[@]}"
  read -r rps p50 p99 n non2xx errs < <(run_wrk keepalive "${ka[@]}")
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  R["$backend|keepalive"]="$rps $p50 $p99"
  NOTE["$backend|keepalive"]="$n requests, $non2xx non-2xx, $errs socket errors"
  echo "  $KEEPALIVE keep-alive connections: $rps req/s, p99 $p99 ms (${NOTE[$backend|keepalive]})"
  M["$backend|keepalive_rss"]="$(sort -n "$samples" | tail -1)"
  M["$backend|loaded"]="$(status_mib VmRSS)"
  M["$backend|peak"]="$(status_mib VmHWM)"
  echo "  RSS with $KEEPALIVE connections open (peak sample) ${M[$backend|keepalive_rss]} MiB; after load ${M[$backend|loaded]} MiB; high-water ${M[$backend|peak]} MiB"
  stop_server

  # Cache MISS: a second server with caching off; the same requests render every time.
  # It also keeps no principals (AUTH_CACHE_TTL=0): every authenticated request checks
  # revocation in the database.
  start_server "$backend-nocache" "$url" "$redis" CACHE_DEFAULT_TIMEOUT=0 AUTH_CACHE_TTL=0
  wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$BASE/bench/bare" >/dev/null # warm-up
  before="$(cache_counts)"
  measure "$backend" miss "${w[@]}" -H 'HX-Request: true' -H "Cookie: pinkflow_prefs=$PROFILE" "$BASE/"
  after="$(cache_counts)"
  check_cache "$backend" miss $before $after miss
  TOKEN="$(curl -sf -X POST "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchpassword"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  measure "$backend" user_nocache "${w[@]}" -H "Authorization: Bearer $TOKEN" "$BASE/api/auth/user"
  stop_server
  TOKEN=""

  local bare_rps; read -r bare_rps _ < <(echo "${R[$backend|bare]}")
  local s
  for s in $SCENARIOS; do
    read -r rps _ < <(echo "${R[$backend|$s]}")
    R["$backend|$s"]+=" $(ratio "$rps" "$bare_rps")"
  done
}

SCENARIOS="bare healthz user user_nocache watch watch_frag watch_in watch_in_frag catalogue hit miss login paced storm_page keepalive"
bench_backend SQLite "sqlite://$WORK/bench.db"
PG_NOTE=""
if command -v psql >/dev/null && psql "$PG_ADMIN" -Atc 'select 1' >/dev/null 2>&1; then
  PG_DB="pinkflow_bench_$$"
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" && psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB"
  REDIS_ARG=""
  if command -v redis-cli >/dev/null && redis-cli -u "$REDIS" ping 2>/dev/null | grep -q PONG; then
    REDIS_ARG="$REDIS"
  fi
  bench_backend "PostgreSQL${REDIS_ARG:+ + Redis}" "${PG_ADMIN%/*}/$PG_DB" "$REDIS_ARG"
  if [ -n "$REDIS_ARG" ]; then
    redis-cli -u "$REDIS" --scan --pattern "bench_$$:*" | xargs -r redis-cli -u "$REDIS" del >/dev/null
  fi
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
  PG_DB=""
else
  PG_NOTE="PostgreSQL was not reachable at $PG_ADMIN, so only SQLite was measured."
fi

label() {
  case "$1" in
    bare) echo "bare handler (\`GET /bench/bare\`)" ;;
    healthz) echo "\`GET /healthz\`" ;;
    user) echo "\`GET /api/auth/user\` (Bearer token)" ;;
    user_nocache) echo "\`GET /api/auth/user\`, \`AUTH_CACHE_TTL=0\` (revocation read per request)" ;;
    watch) echo "watch page \`GET /videos/{id}\`, signed out" ;;
    watch_frag) echo "watch page fragment (HX-Request), signed out" ;;
    watch_in) echo "watch page, signed in (a viewer, not the owner)" ;;
    watch_in_frag) echo "watch page fragment (HX-Request), signed in (a viewer)" ;;
    catalogue) echo "\`GET /catalogue\` (22 videos), signed out" ;;
    hit) echo "home fragment, cache HIT (\`GET /\`, HX-Request, one profile)" ;;
    miss) echo "home fragment, cache MISS (same, \`CACHE_DEFAULT_TIMEOUT=0\`)" ;;
    login) echo "sign-in \`POST /api/auth/login\` (bcrypt cost $BCRYPT_COST, $LOGIN_CONNECTIONS conns)" ;;
    paced) echo "page \`GET /\`, $STORM_PAGE_CONNECTIONS conns paced ${BENCH_PACE_MS} ms, no storm" ;;
    storm_page) echo "page \`GET /\`, same load, during a $STORM_LOGINS-sign-in storm" ;;
    keepalive) echo "\`GET /healthz\` over $KEEPALIVE keep-alive connections" ;;
  esac
}

# Targets: "met" or "MISSED", with the figure.
verdict() { if "$@"; then echo met; else echo MISSED; fi; }
TARGETS=""
target() { TARGETS+="- $1"$'\n'; }
for b in "${BACKENDS[@]}"; do
  read -r _ _ _ ur < <(echo "${R[$b|user]}")
  read -r _ _ _ hr < <(echo "${R[$b|hit]}")
  read -r _ _ sp99 _ < <(echo "${R[$b|storm_page]}")
  v="$(verdict lt 0.495 "$ur")"
  target "$b — authenticated JSON ≥ 0.50 × bare: **$v** (ratio $ur)."
  read -r _ _ _ unr < <(echo "${R[$b|user_nocache]}")
  v="$(verdict lt 0.295 "$unr")"
  target "$b — authenticated JSON with \`AUTH_CACHE_TTL=0\` ≥ 0.30 × bare: **$v** (ratio $unr)."
  for s in watch watch_frag watch_in watch_in_frag catalogue; do
    read -r _ _ _ sr < <(echo "${R[$b|$s]}")
    v="$(verdict lt 0.245 "$sr")"
    target "$b — $(label "$s") ≥ 0.25 × bare: **$v** (ratio $sr)."
  done
  read -r _ _ _ mr < <(echo "${R[$b|miss]}")
  v="$(verdict lt 0.495 "$hr")"
  why=""
  if [ "$v" = MISSED ] && lt "$hr" "$mr"; then
    if [[ "$b" == *Redis* ]]; then
      why=" Why: a hit is slower than no cache at all (MISS row, ratio $mr): each lookup makes two Redis round trips (the pool's PING on check-out and the lookup script), which under load cost more than rendering the home content."
    else
      why=" Why: a hit was no faster than rendering without the cache (MISS row, ratio $mr): the home content is cheap to render, and this run was noisy (bare handler p99 $(echo "${R[$b|bare]}" | cut -d' ' -f3) ms)."
    fi
  fi
  target "$b — cached fragment ≥ 0.50 × bare: **$v** (ratio $hr).$why"
  v="$(verdict lt "${M[$b|idle]}" 30)"
  why=""
  if [ "$v" = MISSED ]; then why=" Why: see \"Idle memory\" below."; fi
  target "$b — idle memory < 30 MiB: **$v** (${M[$b|idle]} MiB VmRSS).$why"
  read -r _ _ pp99 _ < <(echo "${R[$b|paced]}")
  v="$(verdict lt "$sp99" 25)"
  why=""
  if [ "$v" = MISSED ]; then
    if lt "$pp99" 25; then
      why=" Why: the storm pushed it from $pp99 ms; the server, the page wrk and the $STORM_LOGINS-connection sign-in wrk share $(nproc) cores, and bcrypt keeps BCRYPT_CONCURRENCY of them busy."
    else
      why=" Why: the page is already at $pp99 ms p99 without the storm (same load), so the storm is not the cause"
      if [[ "$b" == *Redis* ]]; then
        why+=": the page's cache lookup in Redis is (see the cache HIT row)."
      else
        why+="; other work on the machine is (bare handler p99 $(echo "${R[$b|bare]}" | cut -d' ' -f3) ms)."
      fi
    fi
  fi
  target "$b — login-storm page p99 < 25 ms: **$( [ "$v" = met ] && echo PASS || echo MISS)** ($sp99 ms).$why"
done
for b in "${BACKENDS[@]}"; do
  if [ "${P[$b|ttff_p95]}" = - ]; then
    target "$b — player time to first frame (720p) p95 < $PLAYER_TTFF_MAX ms: **MISSED** (not measured)."
    target "$b — the player's own JS + CSS < 30 KB gzipped, no front-end framework: **MISSED** (not measured)."
    continue
  fi
  v="$(verdict lt "${P[$b|ttff_p95]}" "$PLAYER_TTFF_MAX")"
  target "$b — player time to first frame (720p) p95 < $PLAYER_TTFF_MAX ms: **$v** (${P[$b|ttff_p95]} ms, p50 ${P[$b|ttff_p50]} ms, $PLAYER_RUNS fresh page loads)."
  v="$(verdict lt "${P[$b|gzip_bytes]}" "$PLAYER_GZIP_MAX")"
  target "$b — the player's own JS + CSS < 30 KB gzipped, no front-end framework: **$v** (${P[$b|gzip]} KiB)."
done
v="$(verdict lt "${M[SQLite|startup]}" 1000)"
target "SQLite — start to ready < 1 s: **$v** (${M[SQLite|startup]} ms, fresh database, migrations included)."

CPU="$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
MACHINE="$(nproc) cores ($CPU), $(free -m | awk '/Mem:/ {printf "%.1f", $2/1024}') GiB RAM, $(uname -sr)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + local changes')"
{
  echo "# Benchmarks"
  echo
  echo "Generated by \`make bench-http\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC') at commit $COMMIT;"
  echo "do not edit by hand (the \"Idle memory\" notes come from bench/run.sh too)."
  echo
  echo "Machine: $MACHINE. Release build, \`APP_ENV=production\`, default workers and pools,"
  echo "\`RUST_LOG=warn\`, loopback only: the server and wrk share the same cores, so"
  echo "every figure includes wrk's own CPU use, and other work on the machine adds noise."
  echo "${DURATION} s per row (sign-in ${LOGIN_DURATION} s, the paced page rows ${STORM_DURATION} s)."
  echo "The server links $(ldd "$BIN" | grep -c '=>') shared libraries."
  echo
  header="| scenario |"
  rule="|---|"
  for b in "${BACKENDS[@]}"; do
    header+=" $b req/s | p50 ms | p99 ms | × bare |"
    rule+="---:|---:|---:|---:|"
  done
  echo "$header"
  echo "$rule"
  for s in $SCENARIOS; do
    row="| $(label "$s") |"
    for b in "${BACKENDS[@]}"; do
      read -r rps p50 p99 rt < <(echo "${R[$b|$s]}")
      row+=" $rps | $p50 | $p99 | $rt |"
    done
    echo "$row"
  done
  echo
  echo "Checks behind the rows (from /metrics and wrk):"
  echo
  for b in "${BACKENDS[@]}"; do
    echo "- $b: cache HIT row ${NOTE[$b|hit]}; cache MISS row ${NOTE[$b|miss]};"
    echo "  sign-in row ${NOTE[$b|login]}; storm ${NOTE[$b|storm]};"
    echo "  keep-alive row ${NOTE[$b|keepalive]}."
  done
  echo
  header="| memory and start-up |"
  rule="|---|"
  for b in "${BACKENDS[@]}"; do header+=" $b |"; rule+="---:|"; done
  echo "$header"
  echo "$rule"
  for m in startup idle idle_anon idle_file threads keepalive_rss loaded peak; do
    case "$m" in
      startup) row="| start to ready, fresh database (ms) |" ;;
      idle) row="| RSS idle, 1 s after ready (MiB) |" ;;
      idle_anon) row="| of which anonymous (heap, stacks) (MiB) |" ;;
      idle_file) row="| of which file-backed (binary, libraries) (MiB) |" ;;
      threads) row="| threads at idle |" ;;
      keepalive_rss) row="| RSS with $KEEPALIVE keep-alive connections open (MiB) |" ;;
      loaded) row="| RSS after all the load (MiB) |" ;;
      peak) row="| RSS high-water mark (MiB) |" ;;
    esac
    for b in "${BACKENDS[@]}"; do row+=" ${M[$b|$m]} |"; done
    echo "$row"
  done
  row="$SIZE_ROW"
  for b in "${BACKENDS[@]}"; do row+=" $SIZE_SERVER / $SIZE_MEDIA |"; done
  echo "$row"
  echo
  header="| player (720p clip, Chromium on loopback) |"
  rule="|---|"
  for b in "${BACKENDS[@]}"; do header+=" $b |"; rule+="---:|"; done
  echo "$header"
  echo "$rule"
  for m in ttff_p50 ttff_p95 gzip; do
    case "$m" in
      ttff_p50) row="| time to first frame after Play, p50 (ms) |" ;;
      ttff_p95) row="| time to first frame after Play, p95 (ms) |" ;;
      gzip) row="| the player's own JS + CSS, gzipped (KiB) |" ;;
    esac
    for b in "${BACKENDS[@]}"; do row+=" ${P[$b|$m]} |"; done
    echo "$row"
  done
  echo
  echo "## Targets"
  echo
  printf '%s' "$TARGETS"
  [ -n "$PG_NOTE" ] && echo && echo "$PG_NOTE"
  if [ "${#FAILED[@]}" -gt 0 ]; then
    echo
    echo "**Scenarios that did not measure what they claim:**"
    for f in "${FAILED[@]}"; do echo "- $f"; done
  fi
  echo
  if [ -f bench/MEMORY.md ]; then cat bench/MEMORY.md; echo; fi
  echo "## How it was run"
  echo
  echo "\`make bench-http\` (= \`bash bench/run.sh\`), then \`make bench-video\` for the video figures ([VIDEO_BENCHMARKS.md](VIDEO_BENCHMARKS.md)); fault tests: \`make faults\` ([FAULTS.md](FAULTS.md))."
  echo "Each server: \`APP_ENV=production BCRYPT_COST=$BCRYPT_COST RATE_LIMIT_API=100000000/second"
  echo "RATE_LIMIT_LOGIN=100000000/second LOGIN_THROTTLE_ATTEMPTS=1000 RUST_LOG=warn pinkflow serve\`"
  echo "(the cache MISS row on a second server with \`CACHE_DEFAULT_TIMEOUT=0\`). The wrk commands:"
  echo
  echo '```'
  for s in "${COMMAND_ORDER[@]}"; do echo "${COMMANDS[$s]}"; done
  echo '```'
  echo
  echo "Knobs: BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_LOGIN_CONNECTIONS, BENCH_LOGIN_DURATION,"
  echo "BENCH_STORM_DURATION, BENCH_STORM_LOGINS, BENCH_STORM_PAGE_CONNECTIONS, BENCH_PACE_MS,"
  echo "BENCH_KEEPALIVE, BENCH_BCRYPT_COST, BENCH_POSTGRES_URL, BENCH_REDIS_URL, BENCH_OUT, BENCH_BIN, BENCH_PLAYER_RUNS."
  echo "The player rows: \`node bench/player.js BASE TOKEN clip720.mp4 $PLAYER_RUNS\` (a fresh browser context per"
  echo "load, after one warm-up load; from a click on the player's Play button to the first frame presented,"
  echo "\`requestVideoFrameCallback\`; the sizes are the page's own /static/player.* files, gzipped)."
} >"$OUT"
echo
cat "$OUT"
echo
echo "wrote $OUT"
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "bench: some scenarios did not measure what they claim:" >&2
  printf '  %s\n' "${FAILED[@]}" >&2
  exit 1
fi
