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

status=0
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
