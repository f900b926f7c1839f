#!/usr/bin/env bash
# `make faults`: fault injection against a release build (see bench/faults.py): Redis
# SIGKILLed under load, PostgreSQL restarted under load, a video worker SIGKILLed
# mid-transcode, SIGTERM to the server under load. Loopback only, bounded in time (about
# two minutes once built); every process started here is stopped on exit, whatever happens.
# Writes docs/FAULTS.md; exits non-zero when an expectation fails.
#
# Needs: python3, redis-server, PostgreSQL 15 server binaries (PG_BIN, default
# /usr/lib/postgresql/15/bin), psql, ffmpeg. Uses none of the machine's running servers.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
export PG_BIN
for tool in python3 redis-server psql ffmpeg "$PG_BIN/initdb" "$PG_BIN/pg_ctl"; do
  command -v "$tool" >/dev/null || { echo "faults: $tool is needed" >&2; exit 2; }
done
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "faults: run as a normal user, or create the postgres user (initdb refuses root)" >&2
  exit 2
fi

cargo build --release --quiet --bin pinkflow --bin pinkflow-media
WORK="$(mktemp -d)"
# A copy, so another build sharing the target directory cannot swap it mid-run; the FFmpeg
# helper next to it, where serve and worker find it.
BIN="$WORK/pinkflow"
cp "$CARGO_TARGET_DIR/release/pinkflow" "$BIN"
cp "$CARGO_TARGET_DIR/release/pinkflow-media" "$WORK/pinkflow-media"
PY_PID=""

cleanup() {
  local status=$?
  set +e  # clean up everything, whatever fails
  trap - EXIT INT TERM
  if [ -n "$PY_PID" ]; then kill "$PY_PID" 2>/dev/null; wait "$PY_PID" 2>/dev/null; fi
  # Everything the Python side started is listed here, even if it died mid-scenario.
  if [ -f "$WORK/pids" ]; then
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$WORK/pids"
  fi
  if [ -f "$WORK/pg/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true
    else
      "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  fi
  if [ "$status" != 0 ] && [ -z "${FAULTS_KEEP:-}" ]; then
    echo "faults: logs of the failed run:" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f (last 20 lines)" >&2; tail -20 "$f" >&2; }; done
  fi
  if [ -n "${FAULTS_KEEP:-}" ]; then echo "faults: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A hard bound on the whole run, whatever a scenario does.
timeout "${FAULTS_TIMEOUT:-900}" python3 bench/faults.py --bin "$BIN" --work "$WORK" \
  --out docs/FAULTS.md ${FAULTS_ONLY:+--only "$FAULTS_ONLY"} &
PY_PID=$!
rc=0
wait "$PY_PID" || rc=$?
PY_PID=""
exit "$rc"
