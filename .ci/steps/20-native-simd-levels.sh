# The CPU kernels' narrower vector paths, forced with DGP_SIMD on whatever machine CI has: the
# native suite's CPU tests (they compare every size class against the reference sort) once per
# level below the CPU's own, and the jest size-class equivalence test on the AVX2 path (the
# addon reads DGP_SIMD at load).
set -euo pipefail
for level in avx2 sse2 scalar; do
  echo "-- DGP_SIMD=$level"
  DGP_SIMD=$level ./build/dgp_native_tests cpu_
done
DGP_SIMD=avx2 npx jest test/core/size_classes.test.ts
