#!/usr/bin/env bash
# Fuzz the shop's pure parsers with cargo fuzz (libFuzzer + AddressSanitizer)
# for a bounded time, one target after the other, and print a summary.
#
# The targets (fuzz/fuzz_targets/, each says what it checks):
#   quantity        cart::parse_quantity
#   local_path      validate::local_path, see_other and the login redirect
#   email_and_name  validate::email, could_be_registered, normalize_email,
#                   display_name
#   password        validate::password (zxcvbn)
#   session_cookie  web::session::{open, seal} (key rotation) and the
#                   SessionState JSON inside the cookie
#   forms           web::form::Form<T> on every form, web::Query's decoding
#
# Why this is not in CI: cargo fuzz needs nightly-only compiler flags
# (-Zsanitizer=address, the sancov passes). This machine, like CI, has a
# stable toolchain only; stable rustc accepts those flags only with
# RUSTC_BOOTSTRAP=1, which switches off its stability guarantee, so this is
# a tool to run by hand, not a gate. It also takes minutes of CPU: one
# instrumented build of the whole shop (about 20 minutes on 2 busy cores
# the first time, a couple of minutes after a change in src/) and then
# --seconds of fuzzing per target (the run quoted in the README: 30 s
# each, 189 s in all with the build up to date).
#
#   scripts/fuzz.sh                     every target, 60 s each
#   scripts/fuzz.sh --seconds 30        30 s each
#   scripts/fuzz.sh forms quantity      only these targets
#   scripts/fuzz.sh --sanitizer none    without ASan: faster runs, after a
#                                       full rebuild (the parsers are safe
#                                       Rust: ASan adds little; not tried)
#   scripts/fuzz.sh --summary FILE      also write the summary table to FILE
#
# Inputs that grow coverage stay in fuzz/corpus/<target>/ (not committed)
# and are fuzzed again next time, after the seeds in fuzz/seeds/<target>/.
# A crash is saved in fuzz/artifacts/<target>/; the script prints the panic
# and the command that replays it, and exits 1 once every target has run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
sanitizer=address
summary_file=
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --sanitizer) sanitizer="$2"; shift 2 ;;
    --sanitizer=*) sanitizer="${1#*=}"; shift ;;
    --summary) summary_file="$2"; shift 2 ;;
    --summary=*) summary_file="${1#*=}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in
  ''|*[!0-9]*) echo "--seconds takes a whole number, not '$seconds'" >&2; exit 2 ;;
esac

if ! command -v cargo-fuzz >/dev/null; then
  echo "== installing cargo-fuzz"
  nice -n 10 cargo install --locked cargo-fuzz
fi

# Stable rustc with nightly flags (see the top of this file).
export RUSTC_BOOTSTRAP=1
fuzz=(nice -n 10 cargo fuzz)

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <("${fuzz[@]}" list)
fi

started=$SECONDS
logs=fuzz/target/fuzz-logs
mkdir -p "$logs"
echo "== building ${#targets[@]} targets (sanitizer: $sanitizer)"
if ! "${fuzz[@]}" build --sanitizer "$sanitizer" >"$logs/build.log" 2>&1; then
  tail -30 "$logs/build.log" >&2
  echo "the fuzz build failed: $logs/build.log" >&2
  exit 1
fi
echo "   built in $((SECONDS - started)) s"
bin_dir="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"
rows=()
failed=0
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  seeds="fuzz/seeds/$target"
  artifacts="fuzz/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  # New inputs go to the first directory.
  dirs=("$corpus")
  [ -d "$seeds" ] && dirs+=("$seeds")
  log="$logs/$target.log"
  marker="$logs/$target.start"
  touch "$marker"
  echo "== $target: ${seconds} s"
  status=0
  # What `cargo fuzz run --sanitizer S TARGET CORPUS SEEDS -- ARGS` runs, but
  # without its second look at the build: a change in src/ meanwhile would
  # rebuild the shop inside the time budget.
  # -timeout: an input that takes 10 s is a finding (a hang), not patience.
  nice -n 10 "$bin_dir/$target" -artifact_prefix="$artifacts/" "${dirs[@]}" \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$executions" ]; then
    # Without final stats (a crash): the last status line, "#N ...".
    executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  executions=${executions:-0}
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  found=$(find "$artifacts" -type f -newer "$marker")
  crashes=$(printf '%s' "$found" | grep -c . || true)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # failed without an artifact (a build error, an abort)
  fi
  if [ "$crashes" -gt 0 ]; then
    failed=1
    echo "   FOUND A CRASH (exit $status); the panic:"
    { grep -m1 -A3 "panicked at" "$log" || grep -m3 -E "ERROR: |SUMMARY: " "$log" || tail -5 "$log"; } \
      | cut -c1-400 | sed 's/^/     /'
    for crash in $found; do
      echo "   input: $crash: $(head -c 300 "$crash" | cat -v)"
      echo "   replay: RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer $sanitizer $target $crash"
    done
    echo "   full log: $log"
  else
    echo "   $executions executions (${per_second:-?}/s), no crash"
  fi
  rows+=("$target|$seconds|$executions|$crashes")
done

table() {
  printf '%-16s %8s %12s %8s\n' target seconds executions crashes
  for row in "${rows[@]}"; do
    IFS='|' read -r t s e c <<<"$row"
    printf '%-16s %8s %12s %8s\n' "$t" "$s" "$e" "$c"
  done
}
echo
echo "== summary (sanitizer: $sanitizer, $((SECONDS - started)) s in all, build included)"
table
if [ -n "$summary_file" ]; then
  table >"$summary_file"
fi
if [ "$failed" -ne 0 ]; then
  echo "a target crashed: see above" >&2
  exit 1
fi
