#!/usr/bin/env bash
# One run on a GPU machine: configure + build (sm_90 unless ARCH is set), the native tests, the
# benchmark, optionally compute-sanitizer. Logs go to $OUT (or ./device-logs).
#   native/cuda/bench/device_run.sh [tests] [bench] [sanitize]   (default: tests bench)
set -u
OUT=${OUT:-$PWD/device-logs}
mkdir -p "$OUT"
export PATH=/usr/local/cuda/bin:$PATH
steps=${*:-tests bench}
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  nvcc --version | tail -2
  cmake --version | head -1
  nproc
} > "$OUT/env.log" 2>&1
cmake -S . -B build-dev -DDGP_BUILD_TESTS=ON -DDGP_BUILD_BENCH=ON -DDGP_BUILD_ADDON=OFF -DDGP_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=${ARCH:-90} > "$OUT/build.log" 2>&1 &&
  cmake --build build-dev -j"$(nproc)" >> "$OUT/build.log" 2>&1 || { echo BUILD FAILED; tail -30 "$OUT/build.log"; exit 1; }
for s in $steps; do
  case $s in
    tests) timeout 300 ./build-dev/dgp_native_tests > "$OUT/tests.log" 2>&1; echo "tests rc=$?"; grep -E "FAIL|passed" "$OUT/tests.log" ;;
    bench) timeout 400 ./build-dev/dgp_cuda_bench ${BENCH_ARGS:-} > "$OUT/bench.log" 2>&1; echo "bench rc=$?" ;;
    bench1) DGP_BENCH_CPU_THREADS=1 timeout 400 ./build-dev/dgp_cuda_bench ${BENCH_ARGS:-} > "$OUT/bench-cpu1.log" 2>&1; echo "bench1 rc=$?" ;;
    sanitize)
      for tool in memcheck racecheck synccheck initcheck; do
        timeout 150 compute-sanitizer --tool $tool --error-exitcode 9 ./build-dev/dgp_native_tests ${SAN_FILTER:-cuda_many_small} > "$OUT/sanitize-$tool.log" 2>&1
        echo "sanitize $tool rc=$?"; tail -3 "$OUT/sanitize-$tool.log"
      done ;;
  esac
done
