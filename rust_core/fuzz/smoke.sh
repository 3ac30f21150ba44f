#!/usr/bin/env bash
# CI smoke pass of the cargo-fuzz targets: build, then run each target for
# FUZZ_SECONDS (default 60) from the checked-in seed corpus. Fails on any
# crash, panic, leak or timeout (libFuzzer exits non-zero and leaves the input
# in artifacts/<target>/). The checked-in corpus is never modified: new inputs
# go to a scratch directory.
#
#   rust_core/fuzz/smoke.sh                 # all targets, 60 s each
#   FUZZ_SECONDS=10 rust_core/fuzz/smoke.sh jws_verify
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain the
# nightly-only flags are unlocked with RUSTC_BOOTSTRAP=1. The core is
# `#![forbid(unsafe_code)]`, so the default sanitizer is none (FUZZ_SANITIZER=
# address to run under ASan); debug assertions (overflow checks) are on.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
SECONDS_EACH="${FUZZ_SECONDS:-60}"
SANITIZER="${FUZZ_SANITIZER:-none}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(jws_verify claims_resigned jwk_parse json_strict)
fi
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz" >&2; exit 2; }

cargo fuzz build -s "$SANITIZER" -a

BIN="target/x86_64-unknown-linux-gnu/release"
status=0
# 1. Regression inputs (every crash ever found): each must pass, except those listed in
#    regressions/OPEN, which must still fail (strict: a fixed one must be un-listed).
for t in "${TARGETS[@]}"; do
  [ -d "regressions/$t" ] || continue
  for f in "regressions/$t"/*; do
    id="$t/$(basename "$f")"
    if TOKENWARD_FUZZ_NO_MASK=1 "$BIN/$t" -runs=1 "$f" >/dev/null 2>&1; then rc=0; else rc=1; fi
    if grep -qxF "$id" regressions/OPEN; then
      if [ $rc -eq 0 ]; then
        echo "!! $id no longer crashes: fixed? remove it from regressions/OPEN (and src/lib.rs known_open)" >&2
        status=1
      else
        echo "   $id: still failing (open, reported)"
      fi
    elif [ $rc -ne 0 ]; then
      echo "!! regression $id crashes again" >&2
      TOKENWARD_FUZZ_NO_MASK=1 "$BIN/$t" -runs=1 "$f" 2>&1 | grep -m3 -E "panicked|ERROR" >&2 || true
      status=1
    fi
  done
done

# 2. Fuzz each target from the checked-in corpus.
for t in "${TARGETS[@]}"; do
  work="corpus-work/$t"
  mkdir -p "$work" "artifacts/$t" logs
  echo "== $t: ${SECONDS_EACH}s"
  if cargo fuzz run -s "$SANITIZER" -a "$t" "$work" "corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -print_final_stats=1 >"logs/$t.log" 2>&1; then
    grep -E "^#[0-9]+.*(DONE|pulse|NEW)" "logs/$t.log" | tail -n 1 || true
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "logs/$t.log" || true
  else
    echo "!! $t FAILED (see rust_core/fuzz/logs/$t.log and artifacts/$t/)" >&2
    tail -n 40 "logs/$t.log" >&2
    status=1
  fi
done
exit $status
