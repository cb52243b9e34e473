#!/usr/bin/env bash
# The Cookie Jar benchmark. Builds what it needs (release), measures the
# floors (F0: actix-web hello world; F1: the same plus one sqlx SQLite query;
# H: argon2id hashes per second on one core), then the shop itself on a
# fresh SQLite database, then F2 and F3 (the catalog's and the cart page's
# own query and markup on the bare stack, on the shop's database), and writes BENCHMARKS.md with every
# figure and its ratio to the floors of the same run, followed by
# bench/NOTES.md (what the figures mean, by hand).
#
#   bench/run.sh                     the full run (about 8 minutes)
#   bench/run.sh --quick             every scenario for 2 s: checks it works
#   bench/run.sh --postgres URL      S1 and S2 on PostgreSQL too (URL of a
#                                    server: a fresh database is made there)
#   bench/run.sh --out FILE          write FILE instead of BENCHMARKS.md
#   bench/run.sh --quick --dev       the same on the debug build (CI's smoke
#                                    run: it reuses the test build; figures
#                                    of a debug build mean nothing)
#   bench/run.sh --only "F1 S1"      only these runs (while working on one;
#                                    no report is written; STORES: the
#                                    session stores' rows)
#
# BENCH_PERF_DIR=DIR records a CPU profile of the server during each run
# (perf record -e cpu-clock -g, DIR/LABEL.data; read it with perf report -i).
# For symbols, build with them into a target directory of their own:
#   CARGO_PROFILE_RELEASE_DEBUG=true CARGO_TARGET_DIR=/tmp/prof \
#     BENCH_PERF_DIR=/tmp/perf bench/run.sh --only "F1 S2"
#
# The session stores (the rows cookie_S1 ... redis_S5): S1, S2 and S5 on
# the shop with SESSION_STORE=cookie, database and redis, one after the
# other in the same run, each on a fresh SQLite database; Redis at
# REDIS_URL if set (under a key prefix of the run's own, removed at the
# end), else a redis-server the run starts on wrk's core. S2 here is a guest without a cookie (a
# first visit, a bot): the store must be left as it was, and the report
# says how many entries it held before and after.
#
# Needs wrk (Debian: apt-get install wrk), curl, taskset, python3, and for the
# stores' rows sqlite3 and Redis (apt-get install sqlite3 redis-server). Loopback only;
# every load is bounded in time. The server runs on core 0 and wrk on core 1
# when there are two cores or more. What it shares with scripts/scan.sh
# (starting and stopping the servers, the shop's clients, reading wrk's
# JSON) is in scripts/shop.py.
#
# One load generator stands for many users here, and its logins all use one
# account, so the shop runs with the login limits raised
# (CLIENT_AUTH_POSTS_PER_MINUTE, per client; LOGIN_MAX_FAILURES, per email);
# every other setting is the default.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10
CONNECTIONS=64
QUICK=0
DEV=0
PG_SERVER=""
OUT=BENCHMARKS.md
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --quick) QUICK=1; DURATION=2; shift ;;
    --dev) DEV=1; shift ;;
    --postgres) PG_SERVER="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

for tool in wrk curl taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
if [ -z "$ONLY" ] || [[ " $ONLY " == *" STORES "* ]]; then
  for tool in sqlite3 redis-cli redis-server; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool for the stores' rows (apt-get install sqlite3 redis-server)" >&2; exit 1; }
  done
fi
if [ -n "${BENCH_PERF_DIR:-}" ]; then
  command -v perf >/dev/null || { echo "BENCH_PERF_DIR needs perf (apt-get install linux-perf)" >&2; exit 1; }
  mkdir -p "$BENCH_PERF_DIR"
  BENCH_PERF_DIR=$(cd "$BENCH_PERF_DIR" && pwd)
fi

# The build of cargo's target directory (CARGO_TARGET_DIR, if set), by absolute path.
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET=$PWD/$TARGET ;; esac
PROFILE=(--release); BIN=$TARGET/release
if [ "$DEV" = 1 ]; then PROFILE=(); BIN=$TARGET/debug; fi
echo "== building ($([ "$DEV" = 1 ] && echo "debug, --dev" || echo release))"
cargo build "${PROFILE[@]}" --quiet --bin cookie-jar --example floor_hello --example floor_query \
  --example floor_catalog --example floor_cart --example argon2_rate

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  # The sessions the run left in a Redis it did not start (REDIS_URL).
  if [ -n "${SHARED_REDIS:-}" ]; then
    redis-cli -u "$SHARED_REDIS" --scan --pattern "$REDIS_PREFIX*" \
      | xargs -r -n 500 redis-cli -u "$SHARED_REDIS" del >/dev/null || true
  fi
  # The servers: SIGTERM, then their end.
  [ ${#PIDS[@]} = 0 ] || scripts/shop.py stop "${PIDS[@]}" || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

CORES=$(nproc)
# SERVER_PIN: the same pinning, as scripts/shop.py spawn and start take it.
if [ "$CORES" -ge 2 ]; then
  SERVER_CPU=(taskset -c 0); SERVER_PIN=(--cpus 0); LOAD_CPU=(taskset -c 1); SERVER_CORES=1
  PINNING="server on core 0, wrk on core 1"
else
  SERVER_CPU=(); SERVER_PIN=(); LOAD_CPU=(); SERVER_CORES=1
  PINNING="one core: server and wrk share it (not pinned)"
fi

# ---- helpers -----------------------------------------------------------------

SERVER_PID=""

# start NAME URL_TO_WAIT_FOR COMMAND...: runs COMMAND on the server's core
# until the URL answers, its output in $WORK/NAME.log; sets SERVER_PID.
start() {
  local name=$1 ready=$2; shift 2
  SERVER_PID=$(scripts/shop.py spawn --name "$name" --log "$WORK/$name.log" --ready "$ready" \
    "${SERVER_PIN[@]}" -- "$@")
  PIDS+=("$SERVER_PID")
}

# stop: SIGTERM to the server, then its end.
stop() {
  scripts/shop.py stop "$SERVER_PID"
  SERVER_PID=""
}

# The peak resident memory (VmHWM, kB) since the last reset_peak.
reset_peak() { echo 5 > "/proc/$SERVER_PID/clear_refs"; }
peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

# load LABEL URL CONNECTIONS [VAR=VALUE...]: one wrk run; its JSON line and
# the server's peak memory go to $WORK/LABEL.
load() {
  local label=$1 url=$2 conns=$3; shift 3
  reset_peak
  local perf=""
  if [ -n "${BENCH_PERF_DIR:-}" ]; then
    perf record -q -e cpu-clock -g -p "$SERVER_PID" -o "$BENCH_PERF_DIR/$label.data" \
      -- sleep "$DURATION" 2>"$BENCH_PERF_DIR/$label.log" &
    perf=$!
  fi
  env "$@" "${LOAD_CPU[@]}" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 5s \
    -s bench/scenario.lua "$url" | tail -n 1 >"$WORK/$label.json"
  if [ -n "$perf" ] && ! wait "$perf"; then
    echo "   (no profile of $label: perf failed, see $BENCH_PERF_DIR/$label.log)" >&2
  fi
  peak_kb >"$WORK/$label.rss"
  echo "   $label: $(cat "$WORK/$label.json")  peak RSS $(($(cat "$WORK/$label.rss") / 1024)) MB"
}

# field LABEL KEY...: figures of wrk's line $WORK/LABEL.json, as written.
field() { local label=$1; shift; scripts/shop.py field "$WORK/$label.json" "$@"; }
rss_mb() { echo $(($(cat "$WORK/$1.rss") / 1024)); }
ratio() { scripts/shop.py ratio "$1" "$2"; }

# The shop's visitors (scripts/shop.py): each one's cookies in $WORK/WHO.jar.
# new_guest WHO: a fresh guest of the shop at $SHOP; cookie_of WHO: its
# Cookie header; token_of WHO PAGE: the CSRF token of PAGE (/cart).
new_guest() { scripts/shop.py client "$WORK/$1.jar" "$SHOP"; }
cookie_of() { scripts/shop.py cookie "$WORK/$1.jar"; }
token_of() { scripts/shop.py token "$WORK/$1.jar" "$2"; }

# signed_in_with_cart WHO EMAIL: a signed-in user with five lines in the
# cart; prints its Cookie header.
signed_in_with_cart() {
  scripts/shop.py register "$WORK/$1.jar" "$SHOP" "$2" --name Bench --cart 1,2,3,4,8
}

# wanted RUN: whether this run was asked for (all, without --only).
wanted() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

# ---- the floors ----------------------------------------------------------------

if wanted F0; then
echo "== F0: actix-web, a static 2 KB page"
PORT=$(scripts/shop.py free-port)
start floor_hello "http://127.0.0.1:$PORT/" "$BIN/examples/floor_hello" "127.0.0.1:$PORT"
load F0 "http://127.0.0.1:$PORT/" "$CONNECTIONS"
stop
fi

if wanted F1; then
echo "== F1: actix-web + one sqlx SQLite query"
PORT=$(scripts/shop.py free-port)
start floor_query "http://127.0.0.1:$PORT/" "$BIN/examples/floor_query" "127.0.0.1:$PORT" "$WORK/floor.db"
load F1 "http://127.0.0.1:$PORT/" "$CONNECTIONS"
stop
fi

echo "== H: argon2id on one core (m = 19 MiB, t = 2, p = 1)"
HASH_SECONDS=$([ "$QUICK" = 1 ] || [ -n "$ONLY" ] && echo 1 || echo 5)
"${SERVER_CPU[@]}" "$BIN/examples/argon2_rate" "$HASH_SECONDS" >"$WORK/H.json"
echo "   H: $(cat "$WORK/H.json")"
HASH_RATE=$(field H per_second)

# ---- the shop ------------------------------------------------------------------

# shop_on DATABASE_URL [VAR=VALUE...]: starts the shop's binary on it, on
# the server's core, from a directory of its own (no .env read), the login
# limits raised; sets SHOP and SERVER_PID. Its log stays in the text
# format, the default (the report says: default settings).
SHOPS=0
shop_on() {
  local url=$1 started; shift
  SHOPS=$((SHOPS + 1))
  started=$(scripts/shop.py start --name "shop$SHOPS" --dir "$WORK/shop$SHOPS" --log "$WORK/shop$SHOPS.log" \
    "${SERVER_PIN[@]}" --login-limits-raised "$BIN/cookie-jar" DATABASE_URL="$url" \
    LOG="${BENCH_LOG:-info}" LOG_FORMAT="${LOG_FORMAT:-text}" "$@")
  read -r SERVER_PID SHOP <<<"$started"
  PIDS+=("$SERVER_PID")
}

echo "== the shop on SQLite"
shop_on "sqlite://$WORK/shop.db?mode=rwc"

# S1's user (F3 reads its cart too, so it is made even when S1 does not run).
USER_COOKIE=$(signed_in_with_cart s1 s1@example.com)
if wanted S1; then
echo "-- S1: GET /cart, signed in, 5 lines"
curl -s -o /dev/null -w '%{size_download}' -H "Cookie: $USER_COOKIE" "$SHOP/cart" >"$WORK/S1.bytes"
load S1 "$SHOP/cart" "$CONNECTIONS" BENCH_COOKIE="$USER_COOKIE"
fi

if wanted S2; then
echo "-- S2: GET /products, a guest"
new_guest s2
curl -s -o /dev/null -w '%{size_download}' -H "Cookie: $(cookie_of s2)" "$SHOP/products" >"$WORK/S2.bytes"
load S2 "$SHOP/products" "$CONNECTIONS" BENCH_COOKIE="$(cookie_of s2)"
fi

# The ladder from F0 to S2: what each layer of the shop costs on its own.
if wanted L0; then
echo "-- L0: GET /livez (the shop's middleware, no session, no database)"
load L0 "$SHOP/livez" "$CONNECTIONS"
fi
if wanted L1; then
echo "-- L1: GET /login, a guest (plus the session cookie and a page; no database)"
new_guest l1
load L1 "$SHOP/login" "$CONNECTIONS" BENCH_COOKIE="$(cookie_of l1)"
fi

# A guest whose one request signs in (again and again): the logins below.
signed_in_with_cart s3user s3@example.com >/dev/null
new_guest s3
LOGIN=$(scripts/shop.py login-form "$WORK/s3.jar" s3@example.com)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $(cookie_of s3)" -d "$LOGIN" "$SHOP/login")" = 303 ] \
  || { echo "the login request of S3 does not sign in" >&2; exit 1; }

if wanted S3; then
echo "-- S3: logins in a closed loop"
load S3 "$SHOP/login" "$CORES" BENCH_METHOD=POST BENCH_COOKIE="$(cookie_of s3)" BENCH_BODY="$LOGIN"
fi

if wanted S3_overload; then
echo "-- S3+: logins far beyond capacity ($CONNECTIONS at once), and a visitor who arrives meanwhile"
# While wrk floods, a probe logs in every 50 ms on a new connection, like
# a visitor arriving: how long its answer takes, by status. (wrk's own
# latencies of this run mix the few admitted logins, which wait seconds
# for a starved hashing thread, with the many refusals.)
probe() {
  local cookie
  cookie=$(cookie_of s3)
  sleep 0.5
  for _ in $(seq 1 $((DURATION * 15))); do
    "${LOAD_CPU[@]}" curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}\n' \
      -H "Cookie: $cookie" -d "$LOGIN" "$SHOP/login" >>"$WORK/probe.txt" &
    sleep 0.05
  done
  wait
}
probe &
PROBE=$!
load S3_overload "$SHOP/login" "$CONNECTIONS" BENCH_METHOD=POST BENCH_COOKIE="$(cookie_of s3)" \
  BENCH_BODY="$LOGIN" BENCH_COUNT_STATUSES=1
wait "$PROBE"
# "N p50 p99 max" of the probe's answers with this status, in ms.
probe_stats() {
  awk -v s="$1" '$1 == s { print $2 * 1000 }' "$WORK/probe.txt" | sort -n | awk '
    { v[NR] = $1 } END {
      if (NR == 0) { print "0 - - -"; exit }
      # nearest rank: the smallest value with at least p % of them at or below it
      p50 = int(NR * 0.50 + 0.999); p99 = int(NR * 0.99 + 0.999)
      printf "%d %.1f %.1f %.1f", NR, v[p50], v[p99], v[NR] }'
}
PROBE_503=$(probe_stats 503)
PROBE_303=$(probe_stats 303)
echo "   the probe: 503 (n p50 p99 max ms): $PROBE_503; 303: $PROBE_303"
fi

if wanted S4; then
echo "-- S4: S1 at a fixed rate, quiet, then under a login storm (3x hashing capacity)"
USER_COOKIE=$(signed_in_with_cart s4 s4@example.com)
RATE_CONNS=10; RATE_DELAY=20   # 10 connections, one request each 20 ms: ~500 req/s
load S4_quiet "$SHOP/cart" "$RATE_CONNS" BENCH_COOKIE="$USER_COOKIE" BENCH_DELAY_MS="$RATE_DELAY"
# Logins offered at three times what the server's cores can hash (H per
# core): 30 connections, each pausing so that together they send 3x.
# Most are refused (503) at once; the queue stays full.
STORM_CONNS=30
STORM_DELAY=$(awk -v r="$HASH_RATE" -v c="$SERVER_CORES" -v n="$STORM_CONNS" 'BEGIN { printf "%d", n * 1000 / (3 * r * c) }')
env BENCH_METHOD=POST BENCH_COOKIE="$(cookie_of s3)" BENCH_BODY="$LOGIN" BENCH_DELAY_MS="$STORM_DELAY" \
  BENCH_COUNT_STATUSES=1 "${LOAD_CPU[@]}" wrk -t1 -c"$STORM_CONNS" -d"$((DURATION + 2))s" --timeout 5s \
  -s bench/scenario.lua "$SHOP/login" | tail -n 1 >"$WORK/S4_storm.json" &
STORM=$!
sleep 1
load S4 "$SHOP/cart" "$RATE_CONNS" BENCH_COOKIE="$USER_COOKIE" BENCH_DELAY_MS="$RATE_DELAY"
wait "$STORM"
echo "   the storm: $(cat "$WORK/S4_storm.json")"
fi

if wanted S5; then
echo "-- S5: 90 % GET /cart, 10 % POST /cart/items/1 (a real change each)"
USER_COOKIE=$(signed_in_with_cart s5 s5@example.com)
MIX_TOKEN=$(token_of s5 /cart)
load S5 "$SHOP/cart" "$CONNECTIONS" BENCH_COOKIE="$(cookie_of s5)" BENCH_MIX_PATH=/cart/items/1 \
  BENCH_MIX_TOKEN="$MIX_TOKEN" BENCH_MIX_EVERY=10
fi

if wanted M; then
echo "-- M: memory after a burst of 30 parallel logins, then 500 in a row"
reset_peak
scripts/shop.py post "$WORK/s3.jar" /login --body "$LOGIN" --times 30 --parallel >/dev/null
BURST_KB=$(peak_kb)
scripts/shop.py post "$WORK/s3.jar" /login --body "$LOGIN" --times "$([ "$QUICK" = 1 ] && echo 50 || echo 500)" >/dev/null
SEQUENCE_KB=$(peak_kb)
echo "   30 parallel: $((BURST_KB / 1024)) MB; then 500 in a row: $((SEQUENCE_KB / 1024)) MB"
fi

stop

# floor_pair RUN EXAMPLE ARGS...: a page's own work on the bare stack, on
# the shop's database: RUN through SqlitePool, then RUNa through AnyPool
# (examples/EXAMPLE.rs ADDRESS DATABASE ARGS... [any]).
floor_pair() {
  local run=$1 example=$2; shift 2
  for variant in "$run" "${run}a"; do
    PORT=$(scripts/shop.py free-port)
    start "floor_$variant" "http://127.0.0.1:$PORT/" "$BIN/examples/$example" "127.0.0.1:$PORT" \
      "$WORK/shop.db" "$@" "$([ "$variant" = "${run}a" ] && echo any || echo sqlite)"
    curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$PORT/" >"$WORK/$variant.bytes"
    load "$variant" "http://127.0.0.1:$PORT/" "$CONNECTIONS"
    stop
  done
}

# The catalog page's query and cards (the floors below S2 in the ladder).
if wanted F2; then
echo "== F2: actix-web + the catalog's query + its cards (SqlitePool), F2a: the same through AnyPool"
floor_pair F2 floor_catalog
fi

# The cart page's: S1's visitor query for S1's user, and its cart lines.
if wanted F3; then
echo "== F3: actix-web + the cart page's query + its lines (SqlitePool), F3a: the shop's query function through AnyPool"
floor_pair F3 floor_cart s1@example.com
fi

# ---- the session stores ----------------------------------------------------

# Redis: REDIS_URL if set, else a redis-server of the run's own on the load
# generator's core (the server's core stays the shop's alone, as when Redis
# runs on a machine of its own), keeping nothing on disk.
REDIS_PREFIX="cookie-jar-bench:$$:"
if [ -n "${REDIS_URL:-}" ]; then
  REDIS=$REDIS_URL; SHARED_REDIS=$REDIS_URL
elif wanted STORES; then
  REDIS_PORT=18799
  REDIS=redis://127.0.0.1:$REDIS_PORT
  "${LOAD_CPU[@]}" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do redis-cli -u "$REDIS" ping >/dev/null 2>&1 && break; sleep 0.05; done
fi
# stored STORE: how many session states the store keeps now ("-": none can).
stored() {
  case "$1" in
    cookie) echo - ;;
    database) sqlite3 "$WORK/store-database.db" "SELECT COUNT(*) FROM session_store" ;;
    redis) redis-cli -u "$REDIS" --scan --pattern "$REDIS_PREFIX*" | wc -l | tr -d ' ' ;;
  esac
}
if wanted STORES; then
# The three shops run side by side on the server's core (an idle one costs
# nothing) and are measured in turns, round after round, each run the
# median of its rounds: the machine's speed drifts over minutes, and turns
# spread the drift over all three.
declare -A STORE_SHOP STORE_PID S1_COOKIE S5_COOKIE S5_TOKEN
for store in cookie database redis; do
  echo "== the shop with SESSION_STORE=$store"
  shop_on "sqlite://$WORK/store-$store.db?mode=rwc" SESSION_STORE="$store" REDIS_URL="$REDIS" \
    REDIS_KEY_PREFIX="$REDIS_PREFIX"
  STORE_SHOP[$store]=$SHOP; STORE_PID[$store]=$SERVER_PID
  S1_COOKIE[$store]=$(signed_in_with_cart "st1$store" "st1-$store@example.com")
  S5_COOKIE[$store]=$(signed_in_with_cart "st5$store" "st5-$store@example.com")
  S5_TOKEN[$store]=$(token_of "st5$store" /cart)
done
ROUNDS=$([ "$QUICK" = 1 ] && echo 1 || echo 7)
ROUND_SECONDS=$([ "$QUICK" = 1 ] && echo "$DURATION" || echo 3)
for scenario in S1 S2 S5; do
  for store in cookie database redis; do stored "$store" >"$WORK/${store}_$scenario.before"; done
  for round in $(seq 1 "$ROUNDS"); do
    for store in cookie database redis; do
      SHOP=${STORE_SHOP[$store]}; SERVER_PID=${STORE_PID[$store]}
      label="${store}_${scenario}_$round"
      case $scenario in
        S1) DURATION=$ROUND_SECONDS load "$label" "$SHOP/cart" "$CONNECTIONS" BENCH_COOKIE="${S1_COOKIE[$store]}" ;;
        S2) DURATION=$ROUND_SECONDS load "$label" "$SHOP/products" "$CONNECTIONS" ;;
        S5) DURATION=$ROUND_SECONDS load "$label" "$SHOP/cart" "$CONNECTIONS" BENCH_COOKIE="${S5_COOKIE[$store]}" \
              BENCH_MIX_PATH=/cart/items/1 BENCH_MIX_TOKEN="${S5_TOKEN[$store]}" BENCH_MIX_EVERY=10 ;;
      esac
    done
  done
  # Each store's run is its median round (its figures and its memory).
  for store in cookie database redis; do
    median=$(for round in $(seq 1 "$ROUNDS"); do echo "$(field "${store}_${scenario}_$round" rps) $round"; done \
      | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }')
    cp "$WORK/${store}_${scenario}_$median.json" "$WORK/${store}_$scenario.json"
    cp "$WORK/${store}_${scenario}_$median.rss" "$WORK/${store}_$scenario.rss"
    echo "$(cat "$WORK/${store}_$scenario.before") $(stored "$store")" >"$WORK/${store}_$scenario.stored"
  done
  for store in database redis; do
    [ "$scenario" = S2 ] && echo "   $store: store entries before and after S2: $(cat "$WORK/${store}_S2.stored")"
  done
done
for store in cookie database redis; do SERVER_PID=${STORE_PID[$store]}; stop; done
fi

if [ -n "$PG_SERVER" ]; then
  echo "== the shop on PostgreSQL"
  PG_DB="cookie_jar_bench_$$"
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $PG_DB"
  shop_on "$PG_SERVER/$PG_DB"
  USER_COOKIE=$(signed_in_with_cart pg1 pg1@example.com)
  load PG_S1 "$SHOP/cart" "$CONNECTIONS" BENCH_COOKIE="$USER_COOKIE"
  new_guest pg2
  load PG_S2 "$SHOP/products" "$CONNECTIONS" BENCH_COOKIE="$(cookie_of pg2)"
  stop
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE $PG_DB"
fi

# ---- the report ----------------------------------------------------------------

[ -z "$ONLY" ] || exit 0

F1_RPS=$(field F1 rps)
F1_P99=$(field F1 p99_ms)
# row LABEL WHAT VERSUS [503]: a table row; with 503, those answers are
# what the run expects (refused logins) and not counted as errors.
row() {
  local label=$1 what=$2 versus=$3 rps p50 p99 socket_errors non_2xx_3xx expected=0
  read -r rps p50 p99 socket_errors non_2xx_3xx <<<"$(field "$label" rps p50_ms p99_ms socket_errors non_2xx_3xx)"
  if [ "${4:-}" = 503 ]; then
    expected=$(field "$label" statuses.503 --default 0)
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$what" "$rps" \
    "$p50" "$p99" "$((socket_errors + non_2xx_3xx - expected))" "$(rss_mb "$label")" "$versus"
}

{
  echo "# Benchmarks"
  echo
  echo "Written by \`bench/run.sh$([ "$QUICK" = 1 ] && echo " --quick")\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Every figure below"
  echo "comes from this one run; compare them only as ratios (the machine is shared"
  echo "and noisy). Rerun: \`bench/run.sh\` (add \`--postgres postgres://USER@HOST\` for"
  echo "the PostgreSQL rows)."
  echo
  echo "**Machine**: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $CORES cores,"
  echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr); $PINNING."
  echo "**Load**: wrk, one thread, $CONNECTIONS connections (S3: $CORES; S4: $RATE_CONNS at a fixed rate),"
  echo "${DURATION} s each, loopback. The shop: the release binary on a fresh SQLite"
  echo "database, default settings but the login limits raised (\`CLIENT_AUTH_POSTS_PER_MINUTE\`,"
  echo "\`LOGIN_MAX_FAILURES\`: one load client and one account stand for many users),"
  echo "\`LOG=info\` (one access-log line per request)."
  echo
  echo "| run | what | req/s | p50 ms | p99 ms | errors | peak RSS MB | vs the floor |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
  row F0 "actix-web, static 2 KB page" "-"
  row F1 "actix-web + one SQLite query" "-"
  row S1 "GET /cart, signed in, 5 lines" "$(ratio "$(field S1 rps)" "$F1_RPS") x F1 req/s; p99 $(ratio "$(field S1 p99_ms)" "$F1_P99") x F1"
  row S2 "GET /products, guest" "$(ratio "$(field S2 rps)" "$F1_RPS") x F1 req/s"
  row L0 "GET /livez: the middleware alone" "$(ratio "$(field L0 rps)" "$(field F0 rps)") x F0 req/s"
  row L1 "GET /login, guest: + session, page; no query" "$(ratio "$(field L1 rps)" "$(field F0 rps)") x F0 req/s"
  row F2 "actix-web + the catalog query + its $(cat "$WORK/F2.bytes") B of cards" "$(ratio "$(field F2 rps)" "$F1_RPS") x F1; S2 ($(cat "$WORK/S2.bytes") B) is $(ratio "$(field S2 rps)" "$(field F2 rps)") x F2"
  row F2a "F2 through AnyPool" "$(ratio "$(field F2a rps)" "$(field F2 rps)") x F2"
  row F3 "actix-web + the cart query + its $(cat "$WORK/F3.bytes") B of lines" "$(ratio "$(field F3 rps)" "$F1_RPS") x F1; S1 ($(cat "$WORK/S1.bytes") B) is $(ratio "$(field S1 rps)" "$(field F3 rps)") x F3"
  row F3a "F3 through AnyPool (the shop's function)" "$(ratio "$(field F3a rps)" "$(field F3 rps)") x F3"
  row S3 "POST /login, closed loop ($CORES connections)" "$(ratio "$(field S3 rps)" "$HASH_RATE") x H (one core: $HASH_RATE hashes/s)"
  row S3_overload "POST /login, $CONNECTIONS at once" "statuses: $(field S3_overload statuses); a visitor meanwhile: 503 in p99 $(echo "$PROBE_503" | cut -d' ' -f3) ms" 503
  row S4_quiet "GET /cart at ~$((RATE_CONNS * 1000 / RATE_DELAY)) req/s, quiet" "-"
  row S4 "the same during a login storm" "p99 $(ratio "$(field S4 p99_ms)" "$(field S4_quiet p99_ms)") x quiet"
  row S5 "90 % GET /cart, 10 % POST /cart/items/1" "$(ratio "$(field S5 rps)" "$(field S1 rps)") x S1 req/s"
  if [ -n "$PG_SERVER" ]; then
    row PG_S1 "S1 on PostgreSQL" "$(ratio "$(field PG_S1 rps)" "$(field S1 rps)") x S1 on SQLite"
    row PG_S2 "S2 on PostgreSQL" "$(ratio "$(field PG_S2 rps)" "$(field S2 rps)") x S2 on SQLite"
  fi
  echo
  echo "**The session stores** (\`SESSION_STORE\`): the three shops side by side, each on a fresh"
  echo "SQLite database, measured in turns, $ROUNDS rounds of $ROUND_SECONDS s; each row is its median round."
  echo "Redis: $([ -n "${REDIS_URL:-}" ] && echo "at REDIS_URL" || echo "a redis-server of the run's own on wrk's core"), over loopback. S2 here is a guest without"
  echo "a cookie. *Cost* is what a request spends beyond the cookie store's: 1/req/s minus"
  echo "the cookie store's 1/req/s, in microseconds of the server's one core."
  echo
  echo "| run | what | req/s | p50 ms | p99 ms | errors | peak RSS MB | vs the cookie store |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
  # vs RUN TARGET: this store's run against the cookie store's, its cost,
  # and the target.
  vs() {
    local base="cookie_${1#*_}"
    awk -v a="$(field "$1" rps)" -v b="$(field "$base" rps)" -v t="$2" 'BEGIN {
      if (a <= 0 || b <= 0) { print "-"; exit }
      printf "%.2f x", a / b
      if (t != "-") printf " (target >= %s)", t
      printf "; cost %.1f us a request", 1e6 / a - 1e6 / b }'
  }
  for scenario in S1 S2 S5; do
    case $scenario in
      S1) what="GET /cart, signed in, 5 lines"; target_db=0.7; target_redis=0.75 ;;
      S2) what="GET /products, no cookie"; target_db=0.9; target_redis=0.9 ;;
      S5) what="90 % GET /cart, 10 % POST /cart/items/1"; target_db=-; target_redis=- ;;
    esac
    for store in cookie database redis; do
      versus="-"
      [ "$store" = database ] && versus=$(vs "${store}_$scenario" "$target_db")
      [ "$store" = redis ] && versus=$(vs "${store}_$scenario" "$target_redis")
      if [ "$scenario" = S2 ] && [ "$store" != cookie ]; then
        versus="$versus; store entries before/after: $(tr ' ' / <"$WORK/${store}_S2.stored")"
      fi
      row "${store}_$scenario" "$what, SESSION_STORE=$store" "$versus"
    done
  done
  echo
  echo "- **H**: one core computes $HASH_RATE argon2id hashes a second (\`examples/argon2_rate.rs\`)."
  echo "- **The login storm** during S4: $(cat "$WORK/S4_storm.json")."
  echo "- **A visitor during the S3+ flood** (a new connection every 50 ms): 503 answers (count, p50, p99, max ms):"
  echo "  $PROBE_503; signed in (303): $PROBE_303."
  echo "- **Memory**: a burst of 30 parallel logins peaked at $((BURST_KB / 1024)) MB; the same process"
  echo "  after $([ "$QUICK" = 1 ] && echo 50 || echo 500) more logins in a row, $((SEQUENCE_KB / 1024)) MB."
  echo
  cat bench/NOTES.md
} >"$OUT"

echo "== wrote $OUT"
