#!/usr/bin/env bash
# `make bench-search`: the search rows of issue 14, on SQLite and (when reachable)
# PostgreSQL + Redis. Seeds BENCH_SEARCH_VIDEOS public videos (default 100,000) with
# BENCH_SEARCH_CUES caption cues (default 1,000,000) straight into the database
# (`pinkflow seed-search`: no files, no transcoding), then measures with wrk, against
# the bare handler:
#   one common word (`q=cooking`), two words (`q=cooking winter`), three filters
#   (`sign_language=BSL&captions=en&length=5-20`) and the unfiltered first page,
# each signed out as served (first pages shared from the read cache until a change) and
# as served while an owner edits a video every BENCH_SEARCH_CHANGE_EVERY seconds (1; each
# edit drops every kept search page), and with the read cache off
# (`CACHE_DEFAULT_TIMEOUT=0`: every request runs the search).
# Targets: each row >= 0.1 x bare with p99 < 50 ms at 32 connections; the unfiltered first
# page >= 0.25 x bare. Also reports the database size the search indexes add.
# Knobs: BENCH_BIN (binary; default: a release build), BENCH_DURATION (s per row, 5),
# BENCH_CONNECTIONS (32), BENCH_POSTGRES_URL, BENCH_REDIS_URL, BENCH_SEARCH_VIDEOS,
# BENCH_SEARCH_CUES, BENCH_SEARCH_OUT (default docs/SEARCH_BENCHMARKS.md),
# BENCH_SEARCH_KEEP (a directory: the seeded SQLite file is kept there and the seeded
# PostgreSQL database kept as pinkflow_search_bench_keep, and both are reused by the next
# run with the same sizes instead of seeding again), BENCH_SEARCH_ROWS (a subset of
# "one_word two_words three_filters first_page"), BENCH_SEARCH_BACKENDS ("sqlite postgres").
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
DURATION="${BENCH_DURATION:-5}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
VIDEOS="${BENCH_SEARCH_VIDEOS:-100000}"
CUES="${BENCH_SEARCH_CUES:-1000000}"
PG_ADMIN="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379}"
OUT="${BENCH_SEARCH_OUT:-docs/SEARCH_BENCHMARKS.md}"
KEEP="${BENCH_SEARCH_KEEP:-}"
BACKENDS="${BENCH_SEARCH_BACKENDS:-sqlite postgres}"
CHANGE_EVERY="${BENCH_SEARCH_CHANGE_EVERY:-1}"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
LOAD_AT_START="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown)"
WORK="$(mktemp -d)"
SERVER_PID=""
PG_DB=""
cleanup() {
  if [ -n "${WRITER_PID:-}" ]; then kill "$WRITER_PID" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ] && [ -z "$KEEP" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --quiet --bin pinkflow --bin pinkflow-media
fi
SRC_BIN="${BENCH_BIN:-$CARGO_TARGET_DIR/release/pinkflow}"
cp "$SRC_BIN" "$WORK/pinkflow"
cp "$(dirname "$SRC_BIN")/pinkflow-media" "$WORK/pinkflow-media"
BIN="$WORK/pinkflow"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server DATABASE_URL REDIS_URL [VAR=value ...]
start_server() {
  local db="$1" redis="$2"; shift 2
  local port; port="$(free_port)"
  env -i PATH="$PATH" HOME="$HOME" APP_ENV=production HOST=127.0.0.1 PORT="$port" \
    PUBLIC_URL="http://127.0.0.1:$port" DATABASE_URL="$db" ${redis:+REDIS_URL="$redis"} CACHE_KEY_PREFIX="bench_search_$$" \
    SECRET_KEY="bench-access-secret-0123456789abcdef0123456789" \
    REFRESH_SECRET_KEY="bench-refresh-secret-0123456789abcdef012345678" \
    RATE_LIMIT_API=100000000/second VIDEO_UPLOAD_FOLDER="$WORK/videos" RUST_LOG=warn "$@" \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.05
  done
  BASE="http://127.0.0.1:$port"
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# run_wrk URL -> "req/s p50_ms p99_ms non2xx"
run_wrk() {
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1" >"$WORK/wrk.txt" 2>&1
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {p: ms(v, u) for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s|m)\b", text)}
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
print(f"{rps:.0f} {lat.get('50', 0):.2f} {lat.get('99', 0):.2f} {int(non2xx.group(1)) if non2xx else 0}")
PY
}

ROWS="${BENCH_SEARCH_ROWS:-one_word two_words three_filters first_page}"
path_of() {
  case "$1" in
    one_word) echo "/catalogue?q=cooking" ;;
    two_words) echo "/catalogue?q=cooking+winter" ;;
    three_filters) echo "/catalogue?sign_language=BSL&captions=en&length=5-20" ;;
    first_page) echo "/catalogue" ;;
  esac
}
TABLE=""
SIZES=""

# start_writer DATABASE_URL: an owner (registered through the API) of the newest listed
# video edits its title every CHANGE_EVERY seconds while the rows are read.
WRITER_PID=""
start_writer() {
  local db="$1"
  curl -s -o /dev/null -X POST "$BASE/api/auth/register" -H 'content-type: application/json' \
    -d '{"email":"search-writer@example.com","username":"search-writer","password":"writerpassword"}'
  local give="UPDATE videos SET owner_id = (SELECT id FROM users WHERE email = 'search-writer@example.com') WHERE id = (SELECT max(id) FROM videos)"
  case "$db" in
    sqlite://*) python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=30); c.execute(sys.argv[2]); c.commit()' "${db#sqlite://}" "$give" ;;
    *) psql "$db" -qc "$give" ;;
  esac
  curl -sf -X POST "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d '{"email":"search-writer@example.com","password":"writerpassword"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' >"$WORK/writer-token"
  local video; video="$(curl -sf "$BASE/api/videos?scope=public&sort=newest&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["videos"][0]["id"])')"
  python3 bench/search_writer.py "$BASE" "$video" "$CHANGE_EVERY" "$WORK/writer-token" >"$WORK/writer.out" &
  WRITER_PID=$!
  sleep 0.5
  kill -0 "$WRITER_PID" || { echo "the search writer failed" >&2; exit 1; }
}
stop_writer() {
  kill "$WRITER_PID" 2>/dev/null || true; wait "$WRITER_PID" 2>/dev/null || true; WRITER_PID=""
  echo "  [changing] the writer changed a video $(cat "$WORK/writer.out") times"
}

# measure_all BACKEND DATABASE_URL REDIS
measure_all() {
  local backend="$1" db="$2" redis="$3"
  local mode
  for mode in cached changing uncached; do
    if [ "$mode" = uncached ]; then start_server "$db" "$redis" CACHE_DEFAULT_TIMEOUT=0; else start_server "$db" "$redis"; fi
    wrk -t1 -c"$CONNECTIONS" -d2s "$BASE/bench/bare" >/dev/null
    local bare p50 p99 bad; read -r bare p50 p99 bad < <(run_wrk "$BASE/bench/bare")
    echo "  [$mode] bare: $bare req/s, p99 $p99 ms"
    [ "$mode" = changing ] && start_writer "$db"
    local row
    for row in $ROWS; do
      local url="$BASE$(path_of "$row")"
      curl -sf "$url" | grep -o 'results-heading" tabindex="-1">[^<]*' | sed "s/.*>/  [$mode] $row: /" || true
      local rps; read -r rps p50 p99 bad < <(run_wrk "$url")
      local ratio; ratio="$(python3 -c "print(f'{$rps/$bare:.2f}')")"
      local min=0.1; [ "$row" = first_page ] && min=0.25
      local verdict; verdict="$(python3 -c "print('met' if $ratio >= $min and $p99 < 50 and $bad == 0 else 'MISSED')")"
      # One request at a time: what a single visitor waits for in this mode.
      local one one50 one99 onebad; read -r one one50 one99 onebad < <(CONNECTIONS=1 DURATION=2 run_wrk "$url")
      echo "  [$mode] $row: $rps req/s, p50 $p50 ms, p99 $p99 ms, $ratio x bare, non-2xx $bad: $verdict; alone: p50 $one50 ms"
      TABLE+="| $backend | $mode | \`$(path_of "$row")\` | $rps | $p50 | $p99 | $ratio | $verdict | $one50 |"$'\n'
    done
    [ "$mode" = changing ] && stop_writer
    stop_server
  done
}

if [[ " $BACKENDS " == *" sqlite "* ]]; then
DB_FILE="$WORK/search.db"
if [ -n "$KEEP" ]; then mkdir -p "$KEEP"; DB_FILE="$KEEP/search-$VIDEOS-$CUES.db"; fi
if [ -n "$KEEP" ] && [ -f "$DB_FILE" ]; then
  echo "== SQLite: reusing $DB_FILE"
else
  echo "== SQLite: seeding $VIDEOS videos, $CUES cues"
  DATABASE_URL="sqlite://$DB_FILE" "$BIN" seed-search --videos "$VIDEOS" --cues "$CUES"
fi
measure_all SQLite "sqlite://$DB_FILE" ""
# Size the search adds: the same file without the FTS table, its triggers and indexes.
cp "$DB_FILE" "$WORK/full.db"
cp "$DB_FILE" "$WORK/plain.db"
python3 - "$WORK/full.db" "$WORK/plain.db" >"$WORK/sizes.txt" <<'PY'
import os, sqlite3, sys
full, plain = sys.argv[1], sys.argv[2]
c = sqlite3.connect(plain)
for t in ["video_fts_video_insert", "video_fts_video_update", "video_fts_video_delete",
          "video_fts_caption_insert", "video_fts_caption_update", "video_fts_caption_delete"]:
    c.execute(f"DROP TRIGGER IF EXISTS {t}")
c.execute("DROP TABLE IF EXISTS video_fts")
c.execute("DROP INDEX IF EXISTS videos_listed_newest_idx")
c.execute("DROP INDEX IF EXISTS videos_listed_language_idx")
c.commit(); c.execute("VACUUM"); c.close()
c = sqlite3.connect(full); c.execute("VACUUM"); c.close()
a, b = os.path.getsize(full), os.path.getsize(plain)
print(f"SQLite: database {a/2**20:.1f} MiB, of which the search index (FTS5, with its copy of the text) and the two keyset indexes {(a-b)/2**20:.1f} MiB")
PY
rm -f "$WORK/full.db" "$WORK/plain.db"
cat "$WORK/sizes.txt"; SIZES+="- $(cat "$WORK/sizes.txt")"$'\n'
fi

if [[ " $BACKENDS " == *" postgres "* ]] && command -v psql >/dev/null && psql "$PG_ADMIN" -Atc 'select 1' >/dev/null 2>&1; then
  PG_DB="pinkflow_search_bench_$$"
  [ -n "$KEEP" ] && PG_DB="pinkflow_search_bench_keep"
  PG_URL="${PG_ADMIN%/*}/$PG_DB"
  REDIS_ARG=""
  if command -v redis-cli >/dev/null && redis-cli -u "$REDIS" ping 2>/dev/null | grep -q PONG; then REDIS_ARG="$REDIS"; fi
  seeded="$(psql "$PG_URL" -Atc "SELECT count(*) FROM videos" 2>/dev/null || true)"
  if [ -n "$KEEP" ] && [ "$seeded" = "$VIDEOS" ]; then
    echo "== PostgreSQL: reusing $PG_DB"
  else
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB"
    echo "== PostgreSQL: seeding $VIDEOS videos, $CUES cues"
    DATABASE_URL="$PG_URL" "$BIN" seed-search --videos "$VIDEOS" --cues "$CUES"
  fi
  psql "$PG_URL" -qc "VACUUM ANALYZE"
  measure_all "PostgreSQL${REDIS_ARG:+ + Redis}" "$PG_URL" "$REDIS_ARG"
  line="$(psql "$PG_URL" -Atc "SELECT format('PostgreSQL: database %s, of which video_search (tsvector + GIN) %s and the two keyset indexes %s',
      pg_size_pretty(pg_database_size(current_database())), pg_size_pretty(pg_total_relation_size('video_search')),
      pg_size_pretty(pg_relation_size('videos_listed_newest_idx') + pg_relation_size('videos_listed_language_idx')))")"
  echo "$line"; SIZES+="- $line"$'\n'
  if [ -n "$REDIS_ARG" ]; then redis-cli -u "$REDIS" --scan --pattern "bench_search_$$:*" | xargs -r redis-cli -u "$REDIS" del >/dev/null; fi
  [ -z "$KEEP" ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
  PG_DB=""
fi

{
  echo "# Search benchmarks (issue 14)"
  echo
  echo "Generated by \`bench/search.sh\` on $(date -u +%Y-%m-%d) with a release build ($VIDEOS public videos, $CUES caption cues, $CONNECTIONS connections, ${DURATION} s per row, $(nproc) CPUs; load average when the run started: $LOAD_AT_START — the machine was shared with other builds and browser tests when that is above the CPU count, so read the figures as a lower bound)."
  echo
  echo "- **cached**: as served. Every search page (first or by cursor, signed in or out) is shared from the read cache until a video changes, so this is what a visitor gets for any page someone opened since the last change."
  echo "- **changing**: as served while the owner of the newest video edits its title through the API every ${CHANGE_EVERY} s (\`bench/search_writer.py\`): each edit drops every kept search page, and the visitors who then miss a page share one read of it."
  echo "- **uncached**: \`CACHE_DEFAULT_TIMEOUT=0\`, every request runs the search: what a search nobody asked for since the last change costs."
  echo "- Target (issue 14): ≥ 0.1 × bare with p99 < 50 ms at $CONNECTIONS connections (the unfiltered first page ≥ 0.25 × bare). \"alone\": p50 of one request at a time."
  echo
  echo "| backend | mode | request | req/s | p50 ms | p99 ms | × bare | target | alone p50 ms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$TABLE"
  echo
  echo "Database size added by the search indexes:"
  echo
  printf '%s' "$SIZES"
  echo
  echo "## Which mode meets what"
  echo
  for mode in cached changing uncached; do
    rows="$(printf '%s' "$TABLE" | grep -c "| $mode |" || true)"
    missed="$(printf '%s' "$TABLE" | grep "| $mode |" | grep -c MISSED || true)"
    echo "- $mode: $((rows - missed)) of $rows rows meet the target."
  done
  echo
  cat <<'TXT'
Uncached, the targets are out of reach on this machine: bare answers tens of thousands of
requests a second on two CPUs, and 0.1 × that leaves about 0.1 ms of CPU per search of
100,000 videos, which no database round trip, let alone a ranked full-text search, fits in.
What bounds an uncached search is the work per request, not the number of matches:

- **One statement** (`src/models/search`): a materialized `cand` CTE reads the newest 1,001
  matches in id order (the FTS5 doclist and the primary key are both in that order, so the
  scan stops early; PostgreSQL walks both primary keys backwards in a merge join). Their
  number is the count, exact up to 1,000 and estimated above it ("About 24,000 videos", from
  how much of the id range they cover); relevance ranks only them (`bm25` / `ts_rank`, 1,001
  calls for a word that matches 24,000 videos), and the older matches follow newest first,
  read by a flat id-ordered `SELECT` that stops after a page. Both sign-language segments,
  each card's tracks and editions and the transcripts come in the same statement.
- **Where the rest goes** (EXPLAIN on the seeded databases): for `q=cooking`, matching and
  ranking the 1,001 candidates (a few ms on SQLite, more on PostgreSQL, whose `@@` check and
  `ts_rank` detoast each document); for the three filters, finding 1,001 videos that pass
  filters one video in twelve passes means checking about 12,000 videos and their captions;
  the unfiltered first page is two index walks and the 1,001-row count.
- A page is cold only until one visitor after a change has read it (a change to a video
  drops every kept search page; a rating, only those ordered by rating): the visitors who
  ask for it meanwhile wait for that one read instead of each running the search, which
  is what the "changing" rows measure. A site where most searches are asked once between
  two changes sees more of the uncached figures.
TXT
} >"$OUT"
echo "wrote $OUT"
