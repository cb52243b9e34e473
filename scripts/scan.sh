#!/usr/bin/env bash
# The Cookie Jar security scan: two scanners against the release binary on
# loopback, and a verdict.
#
# - sqlmap (SQL injection) attacks the four forms that reach the database
#   (login, register, cart, preferences), the CSRF token fetched afresh
#   before each request; the shop's own access log proves its requests were
#   taken (a 403 from the CSRF check would mean nothing was tested).
# - wapiti crawls and attacks the whole site signed in (SQL, blind SQL,
#   command, file and CRLF injection, reflected and stored XSS, open
#   redirect, CSRF, cookie flags, security headers, CSP), then as a guest
#   the login and register forms, then checks the cookie flags and headers
#   of an instance in its HTTPS configuration (COOKIE_SECURE=true).
# - A redirect after a POST (the theme toggle's back, the login's next),
#   which wapiti 3.0.4 does not try, is tried with curl.
# - Any answer 500 or above in the shop's own access log is a finding too.
#
#   scripts/scan.sh                  the CI run (about 2 minutes on 2 cores, and the build)
#   scripts/scan.sh --quick          shorter budgets (under a minute): checks it works
#   scripts/scan.sh --summary FILE   also write the summary to FILE
#   scripts/scan.sh --keep           keep the logs, traffic and reports; say where
#
# Exits 1 on any real finding, and when a scanner fails to run, runs out of
# time, skips a module or is refused by the shop: a scan that did not happen
# never passes. What a scanner reports that is not real is listed with the
# reason in NOT_REAL below, and printed beside the finding.
#
# Needs cargo, curl, python3, and sqlmap and wapiti (Debian packages,
# installed with apt-get when missing). COOKIE_JAR_BIN=PATH scans that
# binary instead of building one. Loopback only: the shop listens on
# 127.0.0.1 and wapiti may connect nowhere else (see `shop.py wapiti`
# below). What it shares with bench/run.sh (starting the shop, its
# clients, reading its JSON access log) is in scripts/shop.py.
# Bounded: sqlmap by its level and a cap per form, wapiti by its crawl time
# and a time per module, each under `timeout`.
#
# One scanner stands for many clients here and sends thousands of failed
# logins, so the shop runs with the login limits raised
# (CLIENT_AUTH_POSTS_PER_MINUTE, per client; LOGIN_MAX_FAILURES, per email);
# every other setting is the default.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
SUMMARY_FILE=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --summary) SUMMARY_FILE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "scripts/scan.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# Budgets. sqlmap: its level and risk, and a hard cap per form in seconds
# (it ends well before). wapiti: seconds of crawling, then seconds per
# attack module (a module that reaches it stops, and the output says so).
if [ "$QUICK" = 1 ]; then
  SQLMAP_LEVEL=1; SQLMAP_RISK=1; SQLMAP_TECHNIQUES=BEU; SQLMAP_CAP=60
  CRAWL=15; ATTACK=4; DEPTH=2; GUEST_CRAWL=5; GUEST_ATTACK=2
else
  SQLMAP_LEVEL=2; SQLMAP_RISK=3; SQLMAP_TECHNIQUES=BEUSTQ; SQLMAP_CAP=120
  CRAWL=30; ATTACK=20; DEPTH=3; GUEST_CRAWL=10; GUEST_ATTACK=8
fi

STARTED=$(date +%s)
fail() { echo "scripts/scan.sh: $*" >&2; exit 1; }

for tool in curl python3; do
  command -v "$tool" >/dev/null || fail "needs $tool"
done
# install TOOL: the Debian package of that name, when the command is missing.
install() {
  command -v "$1" >/dev/null && return 0
  echo "== installing $1 (apt-get)"
  apt-get install -y -qq "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$1" >/dev/null; }
  command -v "$1" >/dev/null || fail "could not install $1"
}
install sqlmap
install wapiti

if [ -n "${COOKIE_JAR_BIN:-}" ]; then
  BIN=$(realpath "$COOKIE_JAR_BIN")
  echo "== the binary: $BIN (COOKIE_JAR_BIN, not built here)"
else
  echo "== building (release)"
  cargo build --release --quiet --bin cookie-jar
  BIN="$PWD/target/release/cookie-jar"
fi
BUILD_SECONDS=$(( $(date +%s) - STARTED ))

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  # The shops (scripts/shop.py started them): SIGTERM, then their end.
  [ ${#PIDS[@]} = 0 ] || scripts/shop.py stop "${PIDS[@]}" || true
  if [ "$KEEP" = 1 ]; then echo "== kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---- helpers -----------------------------------------------------------------
#
# scripts/shop.py: the shop started and stopped, its clients (each a file
# $WORK/WHO.jar of cookies; `scripts/shop.py --help` lists the rest).

# start_shop NAME [VAR=VALUE...]: the shop on a fresh SQLite database, run
# from $WORK/NAME (so no .env of the checkout is read), its log (JSON, one
# line per request at LOG=info) in $WORK/NAME.log; sets SHOP to its URL.
start_shop() {
  local name=$1 started pid; shift
  started=$(scripts/shop.py start --name "the shop ($name)" --dir "$WORK/$name" --log "$WORK/$name.log" \
    --login-limits-raised "$BIN" "$@") || fail "the shop ($name) did not start"
  read -r pid SHOP <<<"$started"
  PIDS+=("$pid")
}

# The shop's access log. log_lines NAME: its length so far;
# requests_logged NAME FROM [--method M] [--path P] [--status S] [...]:
# the requests logged after line FROM, counted (or as `shop.py requests`
# says).
log_lines() { wc -l <"$WORK/$1.log"; }
requests_logged() {
  local name=$1 from=$2; shift 2
  scripts/shop.py requests "$WORK/$name.log" --from "$from" "$@"
}

PASSWORD=$(scripts/shop.py password)

# ---- what is not real ------------------------------------------------------------
#
# What a scanner reports that is not a vulnerability of the shop, with the
# reason: "instance|category|info|reason", shell patterns. A finding is not
# real only when it matches one of these; any other fails the scan. The
# instance "plain" is the shop as scanned here, plain HTTP on loopback with
# COOKIE_SECURE off (its default outside production); "https" is the same
# shop with COOKIE_SECURE=true, as production runs it behind TLS.
NOT_REAL=(
  "plain|Secure Flag cookie|Secure flag is not set in the cookie : session|the scan runs over plain HTTP, where COOKIE_SECURE is off by design (a browser would not send a Secure cookie back over http); with COOKIE_SECURE=true, as in production, the cookie is Secure and named __Host-session: the https instance below checks it"
  "plain|HTTP Secure Headers|Strict-Transport-Security is not set|HSTS means nothing over plain HTTP; the shop sends it when COOKIE_SECURE is on (behind TLS): the https instance below checks it"
  "*|HTTP Secure Headers|X-XSS-Protection is not set|X-XSS-Protection is obsolete: current browsers ignore it, and OWASP advises not setting it (its filter could itself be abused); what stops XSS here is the output escaping (askama) and a Content-Security-Policy without inline script"
)

# ---- sqlmap: the four forms that reach the database -------------------------------

echo "== the shop, plain HTTP (COOKIE_SECURE=false), a fresh SQLite database;"
echo "   login limits raised: one scanner stands for many clients"
start_shop plain COOKIE_SECURE=false
echo "   $SHOP"
# Two customers, signed in, each with two products in the cart.
for who in sqlmap wapiti; do
  scripts/shop.py register "$WORK/${who}_user.jar" "$SHOP" "$who@example.com" --name Scanner --cart 1,2 >/dev/null
done

SQLMAP_FORMS=0
SQLMAP_REQUESTS=0
SQLMAP_LOGGED=0
SQLMAP_INJECTABLE=0

# run_sqlmap NAME FORM CSRF_PAGE COOKIE DATA: sqlmap against POST FORM with
# DATA, in the session of COOKIE, its csrf_token replaced before each
# request by the one on a fresh GET of CSRF_PAGE. Checks that it ran to the
# end, that the shop took its POSTs (by the shop's access log: sqlmap's
# traffic file names every request POST), and what sqlmap concluded.
run_sqlmap() {
  local name=$1 form=$2 page=$3 cookie=$4 data=$5
  local log="$WORK/sqlmap-$name.log" traffic="$WORK/sqlmap-$name.traffic"
  local from rc=0
  from=$(log_lines plain)
  echo "-- sqlmap: POST $form (the token from GET $page before each request)"
  # No --method=POST: with it, sqlmap 1.7 sends its token GETs as POSTs.
  # --drop-set-cookie: every request in the one session of COOKIE (a
  # registration that goes through signs in a new session; COOKIE stays a
  # guest's). Not tested: that cookie (changed, it is another session and
  # a 403) and the headers.
  timeout "$SQLMAP_CAP" sqlmap -u "$SHOP$form" --data="$data" --cookie="$cookie" --drop-set-cookie \
    --csrf-token=csrf_token --csrf-url="$SHOP$page" --skip=session,user-agent,referer,host \
    --batch --level="$SQLMAP_LEVEL" --risk="$SQLMAP_RISK" --dbms=SQLite --technique="$SQLMAP_TECHNIQUES" \
    --time-sec=1 --timeout=10 --retries=1 --skip-waf --flush-session --disable-coloring \
    --output-dir="$WORK/sqlmap" -t "$traffic" >"$log" 2>&1 || rc=$?
  if [ "$rc" = 124 ]; then
    tail -n 20 "$log" >&2; fail "sqlmap on $form ran out of its ${SQLMAP_CAP} s"
  fi
  [ "$rc" = 0 ] || { tail -n 20 "$log" >&2; fail "sqlmap on $form failed (exit $rc)"; }
  [ -s "$traffic" ] || { tail -n 20 "$log" >&2; fail "sqlmap on $form sent nothing"; }
  local sent logged posts refused first params
  sent=$(grep -c '^HTTP response \[#' "$traffic" || true)
  logged=$(requests_logged plain "$from")
  posts=$(requests_logged plain "$from" --method POST --path "$form")
  refused=$(requests_logged plain "$from" --method POST --path "$form" --status 403)
  first=$(requests_logged plain "$from" --method POST --path "$form" --first-status)
  SQLMAP_REQUESTS=$((SQLMAP_REQUESTS + sent))
  SQLMAP_LOGGED=$((SQLMAP_LOGGED + logged))
  SQLMAP_FORMS=$((SQLMAP_FORMS + 1))
  params=$(grep -oE "testing for SQL injection on [A-Z]+ parameter '[^']+'" "$log" | grep -oE "'[^']+'" \
    | tr -d "'" | tr '\n' ' ' | sed 's/ $//')
  echo "   $sent requests answered (the shop logged $logged);"
  echo "   $posts POSTs to $form, the first answered $first, $refused refused with 403; parameters tested: ${params:-none}"
  [ "$posts" -gt 0 ] || fail "sqlmap sent no POST to $form"
  [ "$first" != 403 ] || fail "the shop refused sqlmap's first POST to $form (403): the CSRF token was not accepted, nothing was tested"
  [ "$refused" = 0 ] || fail "the shop refused $refused of sqlmap's POSTs to $form (403): the CSRF token was not always accepted"
  [ -n "$params" ] || fail "sqlmap tested no parameter of $form"
  if grep -qiE "is vulnerable|appears to be( '[^']*')? injectable|identified the following injection point" "$log"; then
    SQLMAP_INJECTABLE=$((SQLMAP_INJECTABLE + 1))
    echo "   REAL FINDING: sqlmap found $form injectable:" >&2
    grep -iE "injectable|vulnerable|Parameter:|Type:|Title:|Payload:" "$log" | sed 's/^/     /' >&2
  elif grep -q "all tested parameters do not appear to be injectable" "$log"; then
    echo "   none injectable"
  else
    tail -n 20 "$log" >&2
    fail "sqlmap on $form ended without a verdict"
  fi
}

SQLMAP_START=$(date +%s)
scripts/shop.py client "$WORK/sqlmap_guest.jar" "$SHOP"
GUEST=$(scripts/shop.py cookie "$WORK/sqlmap_guest.jar")
GUEST_TOKEN=$(scripts/shop.py token "$WORK/sqlmap_guest.jar" /login)
USER=$(scripts/shop.py cookie "$WORK/sqlmap_user.jar")
USER_TOKEN=$(scripts/shop.py token "$WORK/sqlmap_user.jar" /cart)
# Baselines that reach the database and change nothing for good: a wrong
# password for a real account; an email already taken (the password is
# hashed, the insert refused); a product added; preferences saved.
run_sqlmap login /login /login "$GUEST" \
  "email=sqlmap%40example.com&password=not+the+password&next=%2Fcart&csrf_token=$GUEST_TOKEN"
run_sqlmap register /register /register "$GUEST" \
  "email=sqlmap%40example.com&display_name=Scanner&password=another+long+passphrase&password_confirm=another+long+passphrase&csrf_token=$GUEST_TOKEN"
run_sqlmap cart /cart/items /cart "$USER" "product_id=3&quantity=1&csrf_token=$USER_TOKEN"
run_sqlmap preferences /preferences /preferences "$USER" \
  "theme=dark&page_size=12&back=%2Fproducts&csrf_token=$USER_TOKEN"
SQLMAP_SECONDS=$(( $(date +%s) - SQLMAP_START ))

# ---- open redirects after a POST ----------------------------------------------------

# The theme toggle's back and the login's next send the browser on after a
# POST, to a path of the shop only. wapiti 3.0.4's redirect module tries GET
# parameters only (it does try GET /login?next= below), so these two are
# tried here, with its payload and the usual ways around a "starts with /"
# check; every Location must be a path ("/" and not "//" or "/\").
echo "-- open redirect: POST /preferences back=..., POST /login next=... (a guest signing in)"
scripts/shop.py client "$WORK/redirect_guest.jar" "$SHOP"
REDIRECT_COOKIE=$(scripts/shop.py cookie "$WORK/redirect_guest.jar")
REDIRECT_TOKEN=$(scripts/shop.py token "$WORK/redirect_guest.jar" /login)
REDIRECT_PROBES=0
REDIRECT_BAD=0
for target in 'https://openbugbounty.org/' '//openbugbounty.org/' '/\openbugbounty.org/' \
    '\\openbugbounty.org/' 'https:openbugbounty.org' '/%2F%2Fopenbugbounty.org' $'/\t/openbugbounty.org' \
    ' //openbugbounty.org/' $'/\r\nLocation: https://openbugbounty.org/' 'javascript:alert(1)'; do
  for form in /preferences /login; do
    if [ "$form" = /preferences ]; then
      field=back; fields=(--data-urlencode "theme=dark")
    else
      field=next; fields=(--data-urlencode "email=sqlmap@example.com" --data-urlencode "password=$PASSWORD")
    fi
    # The cookie sent, none kept: the guest stays a guest, whatever the login sets.
    location=$(curl -s -o /dev/null -D - -H "Cookie: $REDIRECT_COOKIE" --data-urlencode "csrf_token=$REDIRECT_TOKEN" \
      "${fields[@]}" --data-urlencode "$field=$target" "$SHOP$form" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    REDIRECT_PROBES=$((REDIRECT_PROBES + 1))
    case "$location" in
      /|/[!/\\]*) ;;
      *) REDIRECT_BAD=$((REDIRECT_BAD + 1))
         echo "   REAL FINDING: Open Redirect: POST $form $field=$(printf %q "$target") answered Location: ${location:-none}" >&2 ;;
    esac
  done
done
echo "   $REDIRECT_PROBES POSTs, $REDIRECT_BAD sent anywhere but a path of the shop"

# ---- wapiti ------------------------------------------------------------------------

# wapiti runs through `scripts/shop.py wapiti`, under wapiti's own Python,
# for two reasons (the module says more):
# - Debian's wapiti 3.0.4 crashes on any -x exclusion under Python 3.11 (a
#   regex with its flags at the end); shop.py puts them first;
# - it keeps wapiti on loopback: a name lookup or a connection for any other
#   host is refused (wapiti 3.0.4 starts every module, and some would fetch
#   their database from the web, with the scan's Cookie header).
WAPITI_PYTHON=$(head -n 1 "$(command -v wapiti)" | sed -n 's/^#! *//p' | cut -d' ' -f1)
[ -n "$WAPITI_PYTHON" ] || WAPITI_PYTHON=python3
# Its modules' databases, empty: nothing to fetch (wapp and nikto are not used).
mkdir -p "$WORK/wapiti-config"
echo '{}' >"$WORK/wapiti-config/apps.json"
: >"$WORK/wapiti-config/nikto_db"

WAPITI_REQUESTS=0
WAPITI_REAL=0
WAPITI_NOT_REAL=0
WAPITI_RUNS=0

# wapiti NAME INSTANCE MODULES CRAWL ATTACK DEPTH [ARGS...]: one bounded
# wapiti run against $SHOP (the shop INSTANCE), its JSON report in
# $WORK/NAME.json, then its findings judged. Fails unless every module ran.
wapiti_run() {
  local name=$1 instance=$2 modules=$3 crawl=$4 attack=$5 depth=$6; shift 6
  local rc=0 from module stopped="" n
  n=$(echo "$modules" | tr ',' '\n' | wc -l)
  # The whole run: the crawl, each module, start-up and report, with room
  # for a module's last request (wapiti checks its budget between them).
  local cap=$((crawl + n * (attack + 5) + 30))
  from=$(log_lines "$instance")
  timeout "$cap" "$WAPITI_PYTHON" scripts/shop.py wapiti -u "$SHOP/" --scope folder \
    -m "$modules" -d "$depth" --max-links-per-page 60 --max-files-per-dir 40 -S sneaky --skip csrf_token \
    --max-scan-time "$crawl" --max-attack-time "$attack" -t 10 \
    --store-session "$WORK/$name.session" --store-config "$WORK/wapiti-config" --flush-session \
    --no-bugreport -v 1 -f json -o "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1 || rc=$?
  local logged
  logged=$(requests_logged "$instance" "$from")
  WAPITI_REQUESTS=$((WAPITI_REQUESTS + logged))
  WAPITI_RUNS=$((WAPITI_RUNS + 1))
  if [ "$rc" = 124 ]; then tail -n 30 "$WORK/$name.log" >&2; fail "wapiti ($name) did not end within ${cap} s"; fi
  [ "$rc" = 0 ] || { tail -n 30 "$WORK/$name.log" >&2; fail "wapiti ($name) failed (exit $rc)"; }
  [ -s "$WORK/$name.json" ] || { tail -n 30 "$WORK/$name.log" >&2; fail "wapiti ($name) wrote no report"; }
  if grep -q "Traceback" "$WORK/$name.log"; then
    grep -B2 -A12 "Traceback" "$WORK/$name.log" | head -n 40 >&2; fail "wapiti ($name) crashed"
  fi
  if grep -q "loopback only" "$WORK/$name.log"; then
    grep "loopback only" "$WORK/$name.log" | sort -u >&2; fail "wapiti ($name) tried to leave loopback"
  fi
  for module in ${modules//,/ }; do
    grep -q "Launching module $module\$" "$WORK/$name.log" || fail "wapiti ($name) did not run its module $module"
    if grep -q "Max attack time was reached for module $module," "$WORK/$name.log"; then
      stopped="$stopped $module"
    fi
  done
  # Its POSTs the CSRF check refused: the csrf module sends one per form
  # with a wrong token on purpose (and the attacks leave the token alone:
  # --skip csrf_token); any more, and the token went stale, so part of the
  # scan tested nothing.
  local refused wrong_token found
  refused=$(requests_logged "$instance" "$from" --method POST --status 403)
  wrong_token=$(awk '/Launching module csrf$/ { f = 1; next } /Launching module/ { f = 0 } f && /^\tdata:/' \
    "$WORK/$name.log" | wc -l)
  [ "$refused" -le "$wrong_token" ] \
    || fail "the shop refused $refused of wapiti's POSTs ($name) with 403, the csrf module sent $wrong_token with a wrong token: the scan's token went stale"
  found=$(grep -oE 'Wapiti found [0-9]+ URLs and forms' "$WORK/$name.log" | grep -oE '[0-9]+' || echo 0)
  echo "   $logged requests in the shop's log; $found URLs and forms found; every module ran"
  [ "$refused" = 0 ] || echo "   $refused POSTs refused with 403, all of them the csrf module's with a wrong token"
  [ -z "$stopped" ] || echo "   stopped at their ${attack} s:$stopped"
  judge "$name" "$instance"
}

# judge NAME INSTANCE: each finding of $WORK/NAME.json (vulnerabilities and
# anomalies, such as a 500), real or not by NOT_REAL, printed with its
# reason or its request (shop.py judge); adds them up.
judge() {
  local real not_real
  printf '%s\n' "${NOT_REAL[@]}" | scripts/shop.py judge "$WORK/$1.json" "$2" --counts "$WORK/$1.counts" \
    || fail "could not read wapiti's report $1.json"
  read -r real not_real <"$WORK/$1.counts"
  echo "   $real real, $not_real not real"
  WAPITI_REAL=$((WAPITI_REAL + real))
  WAPITI_NOT_REAL=$((WAPITI_NOT_REAL + not_real))
}

WAPITI_START=$(date +%s)
EXCLUDE=(-x "$SHOP/logout*" -x "$SHOP/account/delete*" -x "$SHOP/profile/password*"
  -x "$SHOP/profile/sessions/revoke-others*" -x "$SHOP/profile/sessions/*/revoke*")

# Signed in by a Cookie header, so the scan keeps this login whatever the
# shop sets; excluded, what would end it or delete the account. The login
# page with a next is where a signed-in visitor is sent on from (GET).
MODULES=sql,blindsql,exec,file,crlf,xss,permanentxss,redirect,csrf,cookieflags,http_headers,csp
WAPITI_COOKIE=$(scripts/shop.py cookie "$WORK/wapiti_user.jar")
echo "-- wapiti: the whole site signed in, depth $DEPTH, ${CRAWL} s of crawling, then ${ATTACK} s a module at most"
echo "   modules: $MODULES (not ssrf or xxe: they need an outside endpoint)"
wapiti_run wapiti plain "$MODULES" "$CRAWL" "$ATTACK" "$DEPTH" -H "Cookie: $WAPITI_COOKIE" \
  "${EXCLUDE[@]}" -s "$SHOP/login?next=%2Fcart"
[ "$(scripts/shop.py get "$WORK/wapiti_user.jar" /profile)" = 200 ] \
  || fail "wapiti's login ended during the scan: the exclusions did not hold"
echo "   still signed in at the end"

# A guest sees what a signed-in visitor is sent away from: the login and
# register forms. Its cookie is fixed too: a registration that succeeds
# signs in a new session, this cookie stays a guest's (and its token good).
scripts/shop.py client "$WORK/wapiti_guest.jar" "$SHOP"
MODULES=sql,blindsql,exec,file,xss,permanentxss,csrf
echo "-- wapiti: a guest, the pages one link from home (login and register among them), ${GUEST_ATTACK} s a module"
echo "   modules: $MODULES"
wapiti_run wapiti-guest plain "$MODULES" "$GUEST_CRAWL" "$GUEST_ATTACK" 1 \
  -H "Cookie: $(scripts/shop.py cookie "$WORK/wapiti_guest.jar")" "${EXCLUDE[@]}" -s "$SHOP/login" -s "$SHOP/register"

# The cookie as production sets it (COOKIE_SECURE=true): wapiti keeps the
# one the shop sets, and checks its flags and the headers.
echo "== the shop with COOKIE_SECURE=true, as in production (still plain HTTP on loopback)"
start_shop https COOKIE_SECURE=true
set_cookie=$(curl -s -o /dev/null -D - "$SHOP/" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: //p' | sed -E 's/=[^;]*/=.../')
echo "   its cookie: $set_cookie"
case "$set_cookie" in
  __Host-session=*\;*Secure*) ;;
  *) fail "with COOKIE_SECURE=true the shop set no Secure __Host-session cookie" ;;
esac
echo "-- wapiti: cookie flags and security headers of the home page, a guest"
wapiti_run wapiti-https https cookieflags,http_headers,csp 10 10 0
WAPITI_SECONDS=$(( $(date +%s) - WAPITI_START ))

# ---- the verdict -------------------------------------------------------------------

# The shop's own view: every answer it gave, by status. A 5xx is a real
# finding whoever caused it (an error a payload provoked is where an
# injection starts).
echo "== the shop's access logs"
ACCESS_LOGS=("$WORK/plain.log" "$WORK/https.log")
SHOP_LOGGED=$(scripts/shop.py requests "${ACCESS_LOGS[@]}")
STATUSES=$(scripts/shop.py requests "${ACCESS_LOGS[@]}" --by-status)
echo "   $SHOP_LOGGED requests; by status: $STATUSES"
SERVER_ERRORS=$(scripts/shop.py requests "${ACCESS_LOGS[@]}" --min-status 500)
if [ "$SERVER_ERRORS" -gt 0 ]; then
  echo "   REAL FINDING: $SERVER_ERRORS answers 500 or above (first ten):" >&2
  scripts/shop.py requests "${ACCESS_LOGS[@]}" --min-status 500 --show 10 | sed 's/^/     /' >&2
fi

REAL_TOTAL=$((SQLMAP_INJECTABLE + REDIRECT_BAD + WAPITI_REAL + SERVER_ERRORS))
SECONDS_TAKEN=$(( $(date +%s) - STARTED ))
{
  echo "Security scan: scripts/scan.sh$([ "$QUICK" = 1 ] && echo " --quick"), $(date -u '+%Y-%m-%d %H:%M UTC'), ${SECONDS_TAKEN} s in all (${BUILD_SECONDS} s of it the build)"
  echo "- sqlmap $(sqlmap --version 2>/dev/null | grep -oE '^[0-9.]+' | head -n 1): $SQLMAP_FORMS forms (login, register, cart, preferences), level $SQLMAP_LEVEL, risk $SQLMAP_RISK,"
  echo "  techniques $SQLMAP_TECHNIQUES: $SQLMAP_REQUESTS requests ($SQLMAP_LOGGED in the shop's log), none refused by the CSRF check;"
  echo "  $SQLMAP_INJECTABLE forms injectable; ${SQLMAP_SECONDS} s"
  echo "- wapiti $(wapiti --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1): $WAPITI_RUNS runs (the site signed in; login and register as a guest;"
  echo "  cookie and headers with COOKIE_SECURE=true): $WAPITI_REQUESTS requests in the shop's log;"
  echo "  $WAPITI_REAL real findings, $WAPITI_NOT_REAL not real (each with its reason above); ${WAPITI_SECONDS} s"
  echo "- open redirect after a POST (curl): $REDIRECT_PROBES requests, $REDIRECT_BAD off the shop"
  echo "- the shop's access logs: $SHOP_LOGGED requests in all (the scanners' and the script's own);"
  echo "  by status: $STATUSES; $SERVER_ERRORS answers 500 or above"
  echo "- findings: $REAL_TOTAL real, $WAPITI_NOT_REAL not real"
} >"$WORK/summary"
echo "== summary"
cat "$WORK/summary"
[ -z "$SUMMARY_FILE" ] || cp "$WORK/summary" "$SUMMARY_FILE"
if [ "$REAL_TOTAL" -gt 0 ]; then
  echo "scripts/scan.sh: $REAL_TOTAL real finding(s), see above" >&2
  exit 1
fi
