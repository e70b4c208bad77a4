// The secure-aggregation kernels (SPEC §12; docs/SECAGG.md, "Masks and quantization"): maskAdd
// (a ChaCha20 keystream added to or subtracted from a uint32 vector mod 2^32), quantizeStochastic
// (clamp, scale, unbiased random rounding to int32 with keystream bits) and modularAdd. Their
// TypeScript twins (src/backends/ts/masks.ts) state the exact semantics; this file follows them
// step for step (one float64 multiply per value, no fused operations), so every backend gives the
// same bits.
#include <cmath>
#include <cstdint>

#include "../core/simd_variants.h"
#include "../glue/kernel_table.h"
#include "chacha20_stream.h"

namespace {

constexpr uint64_t kLastBlock = 0xffffffffu;

bool keyed(dgp_glue::Guard& g, const dgp_glue::In<uint32_t>& key, const dgp_glue::In<uint32_t>& nonce, uint64_t counter,
           uint64_t blocks, int streamArg) {
  return g.ok(key.length == 8, 1, "key must hold 8 words") && g.ok(nonce.length == 3, 2, "nonce must hold 3 words") &&
         g.ok(counter <= kLastBlock, 3, "counter must fit 32 bits") &&
         g.ok(counter + blocks <= kLastBlock + 1, streamArg, "the 32-bit block counter would wrap");
}

// Values [0, m) from their keystream words (2 per value). Branch-free: rounding up is a coin
// flip, so a branch would mispredict half the time; f + (u < t) equals the `? f + 1 : f` of the
// definition (bound · inverseStep + 1 < 2^31 keeps f and f + 1 inside int32). Compiled for
// AVX-512, AVX2 and the baseline (simd_variants.h), where floor is an instruction rather than a
// libm call; one rounding per operation: every build passes -ffp-contract=off (no fused multiply-add).
static inline DGP_ALWAYS_INLINE void quantize_chunk_body(const float* values, const uint32_t* words, size_t m, double bound,
                                                         double inverseStep, int32_t* out) {
  for (size_t j = 0; j < m; j++) {
    const double x = values[j];
    const double y = (x < -bound ? -bound : x > bound ? bound : x) * inverseStep;
    const double f = std::floor(y);
    const double u = double(words[2 * j] >> 11) * 4294967296.0 + double(words[2 * j + 1]);
    out[j] = int32_t(f) + int32_t(u < (y - f) * 9007199254740992.0);
  }
}
DGP_SIMD_VARIANTS(void, quantize_chunk,
                  (const float* values, const uint32_t* words, size_t m, double bound, double inverseStep, int32_t* out),
                  (values, words, m, bound, inverseStep, out))

}  // namespace

namespace dgp_kernels {

void maskAdd(Guard& g, In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, bool subtract, Mut<uint32_t> acc) {
  const size_t n = acc.length;
  if (!keyed(g, key, nonce, counter, (n + 15) / 16, 5)) return;
  dgp_privacy::chacha20_apply(key.data, nonce.data, uint32_t(counter),
                              subtract ? dgp_privacy::Apply::Subtract : dgp_privacy::Apply::Add, acc.data, n);
}

double quantizeStochastic(Guard& g, In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, In<float> values, double bound,
                          double inverseStep, Mut<int32_t> out) {
  const size_t n = values.length;
  if (!keyed(g, key, nonce, counter, (n + 7) / 8, 4) || !g.ok(bound >= 0, 5, "bound must be >= 0") ||
      !g.ok(inverseStep > 0 && bound * inverseStep + 1 < 2147483648.0, 6,
            "bound · inverseStep + 1 must be below 2^31") ||
      !g.ok(out.length == n, 7, "out must hold values.length integers"))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!std::isfinite(values.data[i])) return double(i);
  // The keystream in chunks of kChunk blocks (8 values, 2 words each, per block); a chunk starts
  // on a block boundary, so value i reads words 2i and 2i + 1 of the stream as before.
  constexpr size_t kChunk = 64;
  uint32_t words[16 * kChunk];
  for (size_t start = 0; start < n; start += 8 * kChunk) {
    const size_t m = n - start < 8 * kChunk ? n - start : 8 * kChunk;
    dgp_privacy::chacha20_apply(key.data, nonce.data, uint32_t(counter + start / 8), dgp_privacy::Apply::Store, words,
                                2 * m);
    quantize_chunk(values.data + start, words, m, bound, inverseStep, out.data + start);
  }
  return -1;
}

void modularAdd(Guard& g, Mut<uint32_t> acc, In<uint32_t> values, bool subtract) {
  if (!g.ok(values.length == acc.length, 2, "values must be as long as acc")) return;
  const size_t n = acc.length;
  if (subtract)
    for (size_t i = 0; i < n; i++) acc.data[i] -= values.data[i];
  else
    for (size_t i = 0; i < n; i++) acc.data[i] += values.data[i];
}

}  // namespace dgp_kernels
