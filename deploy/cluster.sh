#!/usr/bin/env bash
# `make cluster`: the production topology on this machine, without Docker. Debian's nginx
# (installed when missing) on https://127.0.0.1:8443 with a certificate made here, in
# front of two `pinkflow serve` instances in production mode on PostgreSQL + Redis, and
# one `pinkflow worker`, on a fresh database. deploy/nginx.conf is rendered with only its
# ports and paths filled in. Runs until interrupted; stops everything it started.
#
# Settings (environment): CLUSTER_BIN (default $CARGO_TARGET_DIR/debug/pinkflow, with
# pinkflow-media beside it), CLUSTER_HTTPS_PORT (8443), CLUSTER_HTTP_PORT (8088),
# CLUSTER_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres: an admin
# connection, used to create and drop the database), CLUSTER_DB (pinkflow_cluster),
# CLUSTER_REDIS_URL (redis://127.0.0.1:6379), CLUSTER_STATE (a file to write the
# cluster's addresses and pids to once it is up; test-cluster.sh reads it),
# CLUSTER_KEEP=1 (keep the work folder and its logs). Other PinkFlow settings in the
# environment (RATE_LIMIT_*, BCRYPT_COST, …) reach the instances.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
SRC_BIN="${CLUSTER_BIN:-$CARGO_TARGET_DIR/debug/pinkflow}"
HTTPS_PORT="${CLUSTER_HTTPS_PORT:-8443}"
HTTP_PORT="${CLUSTER_HTTP_PORT:-8088}"
PG_ADMIN="${CLUSTER_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="${CLUSTER_DB:-pinkflow_cluster}"
REDIS="${CLUSTER_REDIS_URL:-redis://127.0.0.1:6379}"
VIDEO_MAX_SIZE_MB="${VIDEO_MAX_SIZE_MB:-500}"

log() { echo "cluster: $*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$SRC_BIN" ] || die "no binary at $SRC_BIN (cargo build --bin pinkflow --bin pinkflow-media)"
[ -x "$(dirname "$SRC_BIN")/pinkflow-media" ] || die "no pinkflow-media next to $SRC_BIN"
for tool in openssl psql curl envsubst; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian's nginx"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    # The package may start its own site on port 80; this cluster does not use it.
    if [ -f /run/nginx.pid ]; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
  else
    die "nginx is needed: sudo apt-get install -y nginx"
  fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d /tmp/pinkflow-cluster.XXXXXX)"
# nginx's workers run as an unprivileged user: they must reach the videos and the temp dir.
chmod 755 "$WORK"
PIDS=()
NGINX_PID=""
DB_CREATED=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" $NGINX_PID; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$DB_CREATED" ]; then
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  # This deployment's cache keys (sessions expire on their own).
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS" --scan --pattern "pinkflow_cluster_$$:*" 2>/dev/null |
      xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1 || true
  fi
  if [ -n "${CLUSTER_STATE:-}" ]; then rm -f "$CLUSTER_STATE"; fi
  # Stopped by Ctrl-C or SIGTERM is the normal end; anything else keeps the logs.
  if [ "${CLUSTER_KEEP:-}" = 1 ] || { [ "$status" != 0 ] && [ "$status" != 130 ] && [ "$status" != 143 ]; }; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  log "stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Private copies: a build from another checkout cannot swap the binary mid-run.
mkdir -p "$WORK/bin" "$WORK/videos" "$WORK/nginx/logs" "$WORK/nginx/temp" "$WORK/tls"
cp "$SRC_BIN" "$WORK/bin/pinkflow"
cp "$(dirname "$SRC_BIN")/pinkflow-media" "$WORK/bin/pinkflow-media"
BIN="$WORK/bin/pinkflow"
chmod 755 "$WORK/videos"

# A self-signed certificate for 127.0.0.1 and localhost (clients trust it with --cacert).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" >/dev/null 2>&1
chmod 600 "$WORK/tls/key.pem"

# A fresh database.
psql "$PG_ADMIN" -qc "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql "$PG_ADMIN" -qc "CREATE DATABASE $DB_NAME" >/dev/null
DB_CREATED=1
DATABASE_URL="$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN" "$DB_NAME")"

# Production settings shared by every process of the deployment.
export APP_ENV=production
export DATABASE_URL REDIS_URL="$REDIS"
export CACHE_KEY_PREFIX="pinkflow_cluster_$$"
export SECRET_KEY="${SECRET_KEY:-$(openssl rand -hex 32)}"
export REFRESH_SECRET_KEY="${REFRESH_SECRET_KEY:-$(openssl rand -hex 32)}"
export PUBLIC_URL="${PUBLIC_URL:-https://127.0.0.1:$HTTPS_PORT}"
export VIDEO_UPLOAD_FOLDER="$WORK/videos" VIDEO_MAX_SIZE_MB
export MEDIA_X_ACCEL_PREFIX=/protected-media/
export TRUSTED_PROXIES=127.0.0.1
export HOST=127.0.0.1 WORKER_EMBEDDED=false
export RUST_LOG="${RUST_LOG:-info}"
export LOG_FORMAT="${LOG_FORMAT:-json}"

# Migrations once, before any instance starts (as in an upgrade).
"$BIN" migrate >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; die "migrate failed"; }

APP_PORTS=()
for i in 1 2; do
  port="$(free_port)"
  PORT="$port" "$BIN" serve >"$WORK/app$i.log" 2>&1 &
  PIDS+=($!)
  APP_PORTS+=("$port")
done
"$BIN" worker >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
WORKER_PID=$!

for i in 0 1; do
  port="${APP_PORTS[$i]}"
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || { cat "$WORK/app$((i + 1)).log" >&2; die "app $((i + 1)) exited"; }
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || die "app $((i + 1)) not ready"
done

# deploy/nginx.conf with only its ports and paths filled in.
export PINKFLOW_HTTP_PORT="$HTTP_PORT" PINKFLOW_HTTPS_PORT="$HTTPS_PORT"
export PINKFLOW_APP_1="127.0.0.1:${APP_PORTS[0]}" PINKFLOW_APP_2="127.0.0.1:${APP_PORTS[1]}"
export PINKFLOW_TLS_CERT="$WORK/tls/cert.pem" PINKFLOW_TLS_KEY="$WORK/tls/key.pem"
export PINKFLOW_VIDEO_DIR="$WORK/videos"
export PINKFLOW_MAX_BODY_MB=$((VIDEO_MAX_SIZE_MB + 1))
export PINKFLOW_NGINX_PID="$WORK/nginx/nginx.pid"
export PINKFLOW_NGINX_LOG_DIR="$WORK/nginx/logs" PINKFLOW_NGINX_TEMP_DIR="$WORK/nginx/temp"
# shellcheck disable=SC2016 # the names of the variables to substitute, not their values
envsubst "$(env | sed -n 's/^\(PINKFLOW_[A-Z0-9_]*\)=.*/$\1/p')" \
  <deploy/nginx.conf >"$WORK/nginx/nginx.conf"
if grep -v '^[[:space:]]*#' "$WORK/nginx/nginx.conf" | grep '\${PINKFLOW_' >&2; then die "placeholders left unfilled"; fi
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/test.log" \
  || { cat "$WORK/nginx/test.log" >&2; die "nginx -t failed"; }
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/stderr.log" &
NGINX_PID=$!
BASE="https://127.0.0.1:$HTTPS_PORT"
for _ in $(seq 1 100); do
  curl -sf --cacert "$WORK/tls/cert.pem" "$BASE/readyz" >/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/stderr.log" >&2; die "nginx exited"; }
  sleep 0.1
done
curl -sf --cacert "$WORK/tls/cert.pem" "$BASE/readyz" >/dev/null || die "nginx does not answer on $BASE"

if [ -n "${CLUSTER_STATE:-}" ]; then
  {
    echo "BASE=$BASE"
    echo "HTTP_PORT=$HTTP_PORT"
    echo "CACERT=$WORK/tls/cert.pem"
    echo "WORK=$WORK"
    echo "APP1_PORT=${APP_PORTS[0]}"
    echo "APP2_PORT=${APP_PORTS[1]}"
    echo "APP1_PID=${PIDS[0]}"
    echo "APP2_PID=${PIDS[1]}"
    echo "WORKER_PID=$WORKER_PID"
    echo "NGINX_PID=$NGINX_PID"
    echo "DATABASE_URL=$DATABASE_URL"
    echo "VIDEO_DIR=$WORK/videos"
    echo "ACCESS_LOG=$WORK/nginx/logs/access.log"
  } >"$CLUSTER_STATE.tmp"
  mv "$CLUSTER_STATE.tmp" "$CLUSTER_STATE"
fi
log "up: $BASE (nginx $NGINX_PID) -> app 1 127.0.0.1:${APP_PORTS[0]} (pid ${PIDS[0]}), app 2 127.0.0.1:${APP_PORTS[1]} (pid ${PIDS[1]}); worker pid $WORKER_PID"
log "database $DB_NAME, videos and logs in $WORK; Ctrl-C stops everything"
# Until interrupted (or until nginx or the worker stops on its own). An app instance
# may be killed on purpose (test-cluster does): nginx sends its requests to the other.
while kill -0 "$NGINX_PID" 2>/dev/null && kill -0 "$WORKER_PID" 2>/dev/null; do
  sleep 1 &
  wait $! || true
done
die "nginx or the worker stopped"
