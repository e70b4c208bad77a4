#!/usr/bin/env bash
# libFuzzer on the native decoder, the streaming aggregator's validate-then-apply path and the
# kernel table's memory guards (native/fuzz/fuzz_stream.cc), with AddressSanitizer +
# UndefinedBehaviorSanitizer, seeded with the golden vectors of test/fixtures/wire/. Any crash, sanitizer report or broken invariant fails
# CI and leaves the input in $FUZZ_ARTIFACTS (add it to the native tests as a regression case).
set -euo pipefail
apt-get install -y --no-install-recommends clang-16 libclang-rt-16-dev >/dev/null
runs=${DGP_FUZZ_RUNS:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FUZZ_ARTIFACTS=${FUZZ_ARTIFACTS:-$work/artifacts/}
mkdir -p "$work/corpus" "$FUZZ_ARTIFACTS"
cp test/fixtures/wire/*.bin "$work/corpus/"
clang++-16 -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Inative/wire native/fuzz/fuzz_stream.cc native/wire/stream_aggregate.cc native/wire/crc32_fast.cc native/wire/wire_kernels.cc \
  native/wire/wire_surface.cc \
  -o "$work/fuzz_stream"
"$work/fuzz_stream" -runs="$runs" -max_len=4096 -seed=1 -print_final_stats=1 \
  -artifact_prefix="$FUZZ_ARTIFACTS" "$work/corpus" 2>&1 | tail -n 25
echo "native fuzz: $runs executions, no crash"
