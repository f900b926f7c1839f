#!/usr/bin/env bash
# `make test-cluster`: the cluster of `make cluster` (deploy/cluster.sh: nginx on TLS in
# front of two `pinkflow serve` in production mode on PostgreSQL + Redis, one
# `pinkflow worker`), tested end to end through nginx on https:
#   1. register and sign in with the page forms; the session cookie is Secure (TLS);
#   2. upload (API) on one instance, processed by the worker (the instances run none);
#   3. watched through the other instance with Range requests, the bytes sent by nginx
#      (X-Accel-Redirect: the instances' own answer has the header and no body);
#   4. signing out on one instance refuses the session on the other;
#   5. one instance SIGKILLed while GETs run: 0 of them fail;
#   6. the Grafana dashboard and alerts read only series /metrics exports;
#   7. a backup (pg_dump + the video folder) restored into a new database and folder,
#      served by a new instance: the account signs in, the video plays, byte for byte.
# Needs the debug build (make builds it), PostgreSQL and Redis (TEST_POSTGRES_URL,
# TEST_REDIS_URL or their defaults), nginx (installed when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pinkflow-target}"
SRC_BIN="${CLUSTER_BIN:-$CARGO_TARGET_DIR/debug/pinkflow}"
PG_ADMIN="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
T="$(mktemp -d /tmp/pinkflow-test-cluster.XXXXXX)"
CLUSTER_PID=""
RESTORED_PID=""
RESTORE_DB="pinkflow_cluster_restore_$$"
FAILURES=0

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$RESTORED_PID" ]; then kill "$RESTORED_PID" 2>/dev/null || true; wait "$RESTORED_PID" 2>/dev/null || true; fi
  if [ -n "$CLUSTER_PID" ]; then kill -TERM "$CLUSTER_PID" 2>/dev/null || true; wait "$CLUSTER_PID" 2>/dev/null || true; fi
  psql "$PG_ADMIN" -qc "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $RESTORE_DB WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "$status" = 0 ]; then rm -rf "$T"; else echo "test-cluster: files kept in $T" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILURES=$((FAILURES + 1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
die() { echo "Bail out! $*"; exit 1; }

# Private copies of the binaries (another build sharing the target dir cannot swap them).
mkdir -p "$T/bin"
cp "$SRC_BIN" "$(dirname "$SRC_BIN")/pinkflow-media" "$T/bin/"
CLIP_BIN="$(dirname "$SRC_BIN")/examples/test_clip"
"$CLIP_BIN" "$T/clip.mp4" 2 320 240 >/dev/null

# The same secrets for the cluster and for the restored instance (a second host).
export SECRET_KEY REFRESH_SECRET_KEY
SECRET_KEY="$(openssl rand -hex 32)"
REFRESH_SECRET_KEY="$(openssl rand -hex 32)"
# Production settings, with limits that let one client IP run this test.
export BCRYPT_COST=10 RATE_LIMIT_API=100000/minute RATE_LIMIT_LOGIN=1000/minute \
  RATE_LIMIT_REGISTER=1000/minute VIDEO_X264_PRESET=ultrafast WORKER_POLL_INTERVAL=1s \
  RUST_LOG=info LOG_FORMAT=json

STATE="$T/cluster.state"
CLUSTER_BIN="$T/bin/pinkflow" CLUSTER_STATE="$STATE" CLUSTER_POSTGRES_URL="$PG_ADMIN" \
  CLUSTER_REDIS_URL="$REDIS" CLUSTER_DB="pinkflow_cluster_$$" \
  CLUSTER_HTTPS_PORT="$(free_port)" CLUSTER_HTTP_PORT="$(free_port)" \
  bash deploy/cluster.sh >"$T/cluster.log" 2>&1 &
CLUSTER_PID=$!
for _ in $(seq 1 600); do
  [ -f "$STATE" ] && break
  kill -0 "$CLUSTER_PID" 2>/dev/null || { cat "$T/cluster.log"; die "the cluster did not start"; }
  sleep 0.1
done
[ -f "$STATE" ] || { cat "$T/cluster.log"; die "the cluster did not start in 60 s"; }
# shellcheck disable=SC1090
. "$STATE"
APP1="127.0.0.1:$APP1_PORT"
APP2="127.0.0.1:$APP2_PORT"
echo "# cluster: $BASE -> $APP1, $APP2; worker $WORKER_PID"

C=(curl -sS --cacert "$CACERT" --max-time 20)
csrf() { grep -o 'name="csrf_token" value="[^"]*"' "$1" | head -n1 | sed 's/.*value="\([^"]*\)"/\1/'; }
# The upstream of the newest access-log line matching a pattern (nginx logs on completion).
upstream_of() {
  sleep 0.2
  grep -F "$1" "$ACCESS_LOG" | tail -n1 | sed -n 's/.* upstream=\([^ ]*\) .*/\1/p'
}
other_than() { if [ "$1" = "$APP1" ]; then echo "$APP2"; else echo "$APP1"; fi; }

# 1. Register and sign in with the page forms, over TLS and HTTP/2.
EMAIL="cluster$$@example.com"
PASSWORD="cluster-password-$$"
"${C[@]}" -c "$T/reg.jar" -b "$T/reg.jar" -o "$T/register.html" "$BASE/register"
code="$("${C[@]}" -c "$T/reg.jar" -b "$T/reg.jar" -o /dev/null -w '%{http_code}' \
  --data-urlencode "csrf_token=$(csrf "$T/register.html")" --data-urlencode "email=$EMAIL" \
  --data-urlencode "username=cluster$$" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "preferred_sign_language=BSL" "$BASE/register")"
check "register through nginx (303, got $code)" [ "$code" = 303 ]
JAR="$T/browser.jar"
"${C[@]}" -c "$JAR" -b "$JAR" -o "$T/login.html" -w '%{http_version}' "$BASE/login" >"$T/h2"
check "nginx speaks HTTP/2 over TLS (got $(cat "$T/h2"))" [ "$(cat "$T/h2")" = 2 ]
code="$("${C[@]}" -c "$JAR" -b "$JAR" -D "$T/login.headers" -o /dev/null -w '%{http_code}' \
  --data-urlencode "csrf_token=$(csrf "$T/login.html")" --data-urlencode "email=$EMAIL" \
  --data-urlencode "password=$PASSWORD" "$BASE/login")"
check "sign in through nginx (303, got $code)" [ "$code" = 303 ]
SESSION_COOKIE="$(grep -i '^set-cookie: pinkflow_session=' "$T/login.headers" | tail -n1 || true)"
check "the session cookie is Secure and HttpOnly ($SESSION_COOKIE)" \
  bash -c '[[ "$1" == *"; Secure"* && "$1" == *"HttpOnly"* && "$1" != *"pinkflow_session=;"* ]]' _ "$SESSION_COOKIE"
SESSION="$(awk '$6 == "pinkflow_session" {print $7}' "$JAR" | tail -n1)"
check "the cookie jar keeps it for https only" \
  bash -c 'awk '"'"'$6 == "pinkflow_session" {print $4}'"'"' "$1" | grep -qx TRUE' _ "$JAR"
"${C[@]}" -b "$JAR" -o "$T/account.html" "$BASE/account"
check "the account page through nginx shows the signed-in person" grep -q "cluster$$" "$T/account.html"
for app in "$APP1" "$APP2"; do
  code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: pinkflow_session=$SESSION" "http://$app/account")"
  check "the session is valid on instance $app (200, got $code)" [ "$code" = 200 ]
done

# The proxy's own duties: HTTPS only, text compressed, /static cached, /metrics private.
loc="$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/login?x=1")"
check "plain HTTP redirects to https ($loc)" [ "$loc" = "301 $BASE/login?x=1" ]
enc="$("${C[@]}" -H 'Accept-Encoding: gzip' -o /dev/null -D - "$BASE/login" | tr -d '\r' |
  sed -n 's/^content-encoding: //Ip')"
check "pages are compressed (content-encoding $enc)" [ "$enc" = gzip ]
css="$(grep -o '/static/site\.[a-z0-9]*\.css' "$T/login.html" | head -n1)"
"${C[@]}" -o /dev/null "$BASE$css"
cached="$("${C[@]}" -o /dev/null -D - "$BASE$css" | tr -d '\r' | sed -n 's/^x-cache-status: //Ip')"
check "/static is served from nginx's cache the second time ($css: $cached)" [ "$cached" = HIT ]
code="$("${C[@]}" -o /dev/null -w '%{http_code}' "$BASE/metrics")"
check "/metrics is not reachable through nginx ($code)" [ "$code" = 404 ]

# 2. Upload on one instance (API, streamed through nginx), processed by the worker.
TOKEN="$("${C[@]}" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
"${C[@]}" -H "Authorization: Bearer $TOKEN" -o "$T/upload.json" -w '%{http_code}' \
  -F title="Cluster clip" -F description="Through nginx" -F sign_language=BSL \
  -F visibility=private -F "file=@$T/clip.mp4;type=video/mp4" "$BASE/api/videos" >"$T/code"
check "upload through nginx (202, got $(cat "$T/code"))" [ "$(cat "$T/code")" = 202 ]
VIDEO_ID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/upload.json")"
UPLOADED_ON="$(upstream_of '"POST /api/videos HTTP')"
WATCH_ON="$(other_than "$UPLOADED_ON")"
echo "# video $VIDEO_ID uploaded on $UPLOADED_ON; watched on $WATCH_ON"
status=""
for _ in $(seq 1 120); do
  status="$("${C[@]}" -H "Authorization: Bearer $TOKEN" "$BASE/api/videos/$VIDEO_ID" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("status",""))')"
  case "$status" in ready|failed) break ;; esac
  sleep 0.5
done
check "the worker processed the video (status $status)" [ "$status" = ready ]
check "by the separate worker process (its log names the video)" \
  grep -q "\"video_id\":$VIDEO_ID" "$WORK/worker.log"
check "and not by the instances (they run no worker)" \
  bash -c '! grep -q "video worker started" "$1" "$2"' _ "$WORK/app1.log" "$WORK/app2.log"

# 3. Watched through the other instance: Range requests, bytes sent by nginx.
MP4="$(ls "$VIDEO_DIR"/processed/*.mp4)"
SIZE="$(stat -c %s "$MP4")"
head -c 200 "$MP4" | tail -c 100 >"$T/expected.bin"
URL="/media/videos/$VIDEO_ID/video.mp4"
served_by_other=""
for _ in 1 2 3 4; do
  code="$("${C[@]}" -b "$JAR" -r 100-199 -D "$T/range.headers" -o "$T/range.bin" -w '%{http_code}' "$BASE$URL")"
  on="$(upstream_of "\"GET $URL HTTP")"
  [ "$on" = "$WATCH_ON" ] && served_by_other=1
  [ "$code" = 206 ] || break
done
check "a Range request with the session cookie gets 206 (got $code)" [ "$code" = 206 ]
check "with Content-Range bytes 100-199/$SIZE" grep -qi "^content-range: bytes 100-199/$SIZE" "$T/range.headers"
check "as video/mp4, private to the viewer (the app's headers kept)" \
  bash -c 'grep -qi "^content-type: video/mp4" "$1" && grep -qi "^cache-control: private" "$1"' _ "$T/range.headers"
check "and exactly those bytes of the processed file" cmp -s "$T/range.bin" "$T/expected.bin"
check "the access check ran on the other instance ($WATCH_ON)" [ -n "$served_by_other" ]
check "nginx sent the bytes from the X-Accel-Redirect target (access log)" \
  grep -q "GET $URL HTTP.* accel=/protected-media/processed/" "$ACCESS_LOG"
direct="$(curl -sS -D "$T/direct.headers" -o "$T/direct.bin" -w '%{http_code}' \
  -H "Authorization: Bearer $TOKEN" -r 100-199 "http://$WATCH_ON$URL")"
check "the instance itself answers with X-Accel-Redirect and no body ($direct)" \
  bash -c '[ "$1" = 200 ] && grep -qi "^x-accel-redirect: /protected-media/processed/" "$2" && [ ! -s "$3" ]' \
  _ "$direct" "$T/direct.headers" "$T/direct.bin"
code="$("${C[@]}" -o /dev/null -w '%{http_code}' -r 0-99 "$BASE$URL")"
check "signed out, the private video is refused (404, got $code)" [ "$code" = 404 ]
code="$("${C[@]}" -b "$JAR" -o "$T/watch.html" -w '%{http_code}' "$BASE/videos/$VIDEO_ID")"
check "the watch page through nginx (200, got $code)" [ "$code" = 200 ]

# 4. Signing out on one instance refuses the session on the other.
"${C[@]}" -b "$JAR" -o "$T/account2.html" "$BASE/account"
code="$("${C[@]}" -b "$JAR" -c "$JAR" -o /dev/null -w '%{http_code}' \
  --data-urlencode "csrf_token=$(csrf "$T/account2.html")" "$BASE/logout")"
check "sign out through nginx (303, got $code)" [ "$code" = 303 ]
OUT_ON="$(upstream_of '"POST /logout HTTP')"
for app in "$(other_than "$OUT_ON")" "$OUT_ON"; do
  code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: pinkflow_session=$SESSION" "http://$app/account")"
  check "after signing out on $OUT_ON, the old cookie is refused on $app (303 to sign-in, got $code)" [ "$code" = 303 ]
  code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: pinkflow_session=$SESSION" -r 0-99 "http://$app$URL")"
  check "and so is the video on $app (404, got $code)" [ "$code" = 404 ]
done

# 5. One instance SIGKILLed while clients GET pages, API and media: 0 failed GETs.
LOAD_SECS=8
load() {
  local out="$1" end=$((SECONDS + LOAD_SECS)) i=0 paths=("/" "/healthz" "/api/videos/$VIDEO_ID" "$URL" "/catalogue")
  while [ "$SECONDS" -lt "$end" ]; do
    p="${paths[$((i % ${#paths[@]}))]}"
    code="$(curl -sS --cacert "$CACERT" --max-time 10 -o /dev/null -w '%{http_code}' \
      -H "Authorization: Bearer $TOKEN" -r 0-1023 "$BASE$p" 2>/dev/null || echo 000)"
    echo "$(date +%s.%N) $code $p" >>"$out"
    i=$((i + 1))
  done
}
for n in 1 2 3; do load "$T/load$n.txt" & done
sleep 2
KILLED_AT="$(date +%s.%N)"
kill -KILL "$APP1_PID"
echo "# SIGKILLed instance $APP1 (pid $APP1_PID)"
wait_loads() { for job in $(jobs -p); do [ "$job" = "$CLUSTER_PID" ] || wait "$job" || true; done; }
wait_loads
cat "$T"/load?.txt >"$T/load.txt"
total="$(wc -l <"$T/load.txt")"
after="$(awk -v k="$KILLED_AT" '$1 > k' "$T/load.txt" | wc -l)"
failed="$(awk '$2 != 200 && $2 != 206' "$T/load.txt" | wc -l)"
retried="$(grep -c "upstream=[^ ]*, " "$ACCESS_LOG" || true)"
echo "# $total GETs ($after after the kill), $failed failed; nginx moved $retried to the other instance"
awk '$2 != 200 && $2 != 206' "$T/load.txt" | head -n5 | sed 's/^/# failed: /'
check "GETs ran before and after the kill ($total, $after after)" [ "$after" -ge 20 ] && [ "$total" -gt "$after" ]
check "0 failed GETs while an instance died ($failed)" [ "$failed" = 0 ]

# 6. The Grafana dashboard and the alerts read only series and labels /metrics exports.
curl -sS -o "$T/metrics.txt" "http://$APP2/metrics"
missing=""
for name in $(grep -ohE 'pinkflow_[a-z_]+' deploy/grafana/pinkflow-dashboard.json deploy/prometheus-alerts.yml | sort -u); do
  grep -qE "^${name}[{ ]" "$T/metrics.txt" || missing+=" $name"
done
for label in $(grep -ohE 'by \([a-z_, ]+\)' deploy/grafana/pinkflow-dashboard.json deploy/prometheus-alerts.yml |
  sed 's/by (\(.*\))/\1/' | tr ', ' '\n\n' | grep -vxE 'le|instance|' | sort -u); do
  grep -qE "[{,]$label=\"" "$T/metrics.txt" || missing+=" label:$label"
done
check "every series and label of the dashboard and alerts is exported (missing:${missing:- none})" [ -z "$missing" ]

# 7. Backup (pg_dump + the video folder) and restore on a new database and folder.
pg_dump -Fc -f "$T/backup.dump" "$DATABASE_URL"
tar -C "$VIDEO_DIR" -czf "$T/videos.tar.gz" .
psql "$PG_ADMIN" -qc "CREATE DATABASE $RESTORE_DB" >/dev/null
RESTORE_URL="${DATABASE_URL%/*}/$RESTORE_DB"
pg_restore --no-owner --exit-on-error -d "$RESTORE_URL" "$T/backup.dump"
mkdir -p "$T/restored-videos"
tar -C "$T/restored-videos" -xzf "$T/videos.tar.gz"
RPORT="$(free_port)"
env APP_ENV=production HOST=127.0.0.1 PORT="$RPORT" PUBLIC_URL="http://127.0.0.1:$RPORT" DATABASE_URL="$RESTORE_URL" \
  REDIS_URL="$REDIS" CACHE_KEY_PREFIX="pinkflow_restore_$$" WORKER_EMBEDDED=false \
  VIDEO_UPLOAD_FOLDER="$T/restored-videos" "$T/bin/pinkflow" serve >"$T/restored.log" 2>&1 &
RESTORED_PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$RPORT/readyz" >/dev/null && break; sleep 0.1; done
RTOKEN="$(curl -sS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" \
  "http://127.0.0.1:$RPORT/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))' || true)"
check "restored: the account signs in" [ -n "$RTOKEN" ]
curl -sS -H "Authorization: Bearer $RTOKEN" -o "$T/restored.mp4" "http://127.0.0.1:$RPORT$URL" || true
check "restored: the video plays, byte for byte the original" cmp -s "$T/restored.mp4" "$MP4"

echo "# test-cluster: $FAILURES failed"
[ "$FAILURES" = 0 ]
