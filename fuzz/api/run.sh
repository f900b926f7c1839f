#!/usr/bin/env bash
# `make fuzz-api` / `make fuzz-api-smoke`: schemathesis against a real server, using the
# OpenAPI document the server publishes at /api/openapi.json.
#
# Starts the debug binary (FUZZ_PROFILE=release for a release build) on a free loopback
# port with a fresh SQLite database and generous rate limits, registers an account whose
# bearer token fuzz/api/hooks.py supplies, runs `schemathesis run --checks all`, then
# reads the HAR report to count requests and 5xx answers. Fails when schemathesis finds
# anything, when any answer is a 5xx, or when fewer than FUZZ_MIN_REQUESTS were sent.
#
# Knobs: FUZZ_EXAMPLES (max examples per operation and phase, default 300),
# FUZZ_MIN_REQUESTS (default 1000), FUZZ_POSTGRES_URL (an admin URL such as
# postgres://postgres@127.0.0.1:5432/postgres: run on a fresh PostgreSQL database created
# and dropped with psql, instead of SQLite), FUZZ_REDIS_URL (with it, use that Redis), FUZZ_SEED (default: random), FUZZ_PROFILE,
# FUZZ_WORKERS (schemathesis workers, default 1: hypothesis raced with 2), FUZZ_VENV (default $HOME/.cache/pinkflow-venv, created with schemathesis when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
EXAMPLES="${FUZZ_EXAMPLES:-300}"
MIN_REQUESTS="${FUZZ_MIN_REQUESTS:-1000}"
PROFILE="${FUZZ_PROFILE:-debug}"
VENV="${FUZZ_VENV:-$HOME/.cache/pinkflow-venv}"
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"

if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "Installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

# pinkflow-media: the FFmpeg helper serve runs (found next to the binary).
if [ "$PROFILE" = release ]; then cargo build --release --quiet --bin pinkflow --bin pinkflow-media; else cargo build --quiet --bin pinkflow --bin pinkflow-media; fi
BIN="$CARGO_TARGET_DIR/$PROFILE/pinkflow"

WORK="$(mktemp -d)"
SERVER_PID=""
PG_DB=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql -q "$FUZZ_POSTGRES_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

DATABASE_URL="sqlite://$WORK/fuzz.db"
if [ -n "${FUZZ_POSTGRES_URL:-}" ]; then
  command -v psql >/dev/null || { echo "FUZZ_POSTGRES_URL needs psql (apt-get install postgresql-client)" >&2; exit 1; }
  PG_DB="pinkflow_fuzz_$(date +%s)_$$"
  psql -q "$FUZZ_POSTGRES_URL" -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
  DATABASE_URL="${FUZZ_POSTGRES_URL%/*}/$PG_DB"
fi
echo "fuzz-api: database ${DATABASE_URL%%://*}${FUZZ_REDIS_URL:+, redis}"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
env -i PATH="$PATH" HOME="$HOME" APP_ENV=testing HOST=127.0.0.1 PORT="$PORT" \
  DATABASE_URL="$DATABASE_URL" ${FUZZ_REDIS_URL:+REDIS_URL="$FUZZ_REDIS_URL"} VIDEO_UPLOAD_FOLDER="$WORK/videos" \
  SECRET_KEY="fuzz-access-secret-0123456789abcdef0123456789" \
  REFRESH_SECRET_KEY="fuzz-refresh-secret-0123456789abcdef012345678" \
  BCRYPT_COST=4 LOGIN_THROTTLE_ATTEMPTS=1000 \
  RATE_LIMIT_API=1000000/second RATE_LIMIT_LOGIN=1000000/second \
  RATE_LIMIT_REGISTER=1000000/second RATE_LIMIT_REFRESH=1000000/second \
  RATE_LIMIT_PASSWORD_RESET=1000000/second \
  RUST_LOG=warn LOG_FORMAT=json "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 500); do
  curl -sf "$BASE/healthz" >/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.02
done

export FUZZ_BASE="$BASE" FUZZ_EMAIL="fuzzer@example.com" FUZZ_PASSWORD="fuzzing-password-1"
curl -sf -X POST "$BASE/api/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"$FUZZ_EMAIL\",\"username\":\"fuzzer\",\"password\":\"$FUZZ_PASSWORD\"}" >/dev/null

SEED_ARGS=()
[ -n "${FUZZ_SEED:-}" ] && SEED_ARGS=(--seed "$FUZZ_SEED")
mkdir -p target/schemathesis
HAR="target/schemathesis/fuzz-api.har"
status=0
PYTHONPATH="fuzz/api" SCHEMATHESIS_HOOKS=hooks "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
  --checks all --max-examples "$EXAMPLES" --workers "${FUZZ_WORKERS:-1}" --no-color \
  --report har --report-har-path "$HAR" --report-junit-path target/schemathesis/junit.xml \
  --report junit "${SEED_ARGS[@]}" || status=$?

python3 - "$HAR" "$MIN_REQUESTS" <<'PY' || status=1
import json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
total = len(entries)
errors = [e for e in entries if e["response"]["status"] >= 500]
by_status = {}
for e in entries:
    by_status[e["response"]["status"]] = by_status.get(e["response"]["status"], 0) + 1
print(f"fuzz-api: {total} requests, {len(errors)} with 5xx; by status: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items())))
for e in errors[:10]:
    print("  5xx:", e["request"]["method"], e["request"]["url"], e["response"]["status"])
if errors or total < int(sys.argv[2]):
    sys.exit(f"fuzz-api: need at least {sys.argv[2]} requests and no 5xx")
PY

# Our own errors (actix logs malformed requests it answers with 400 as "stream error").
if grep '"level":"ERROR"' "$WORK/server.log" | grep -vq '"message":"stream error'; then
  echo "Server errors logged:"; grep '"level":"ERROR"' "$WORK/server.log" | grep -v '"message":"stream error' | head -20; status=1
fi
exit "$status"
