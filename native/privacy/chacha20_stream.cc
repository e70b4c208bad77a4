// chacha20_apply (chacha20_stream.h): whole batches of blocks in the widest vector variant the
// CPU has, then the rest (fewer blocks than a batch, and a partial last block) through one more
// batch into a local buffer, of which only the words still wanted are applied.
#include "chacha20_stream.h"

#include "../core/cpu_features.h"
#include "../core/simd_variants.h"
#include "chacha20.h"

// Vec4 needs __builtin_shufflevector: clang, or GCC 12 and later.
#if (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)) && \
    (defined(__x86_64__) || defined(__aarch64__) || defined(__wasm_simd128__))
#define DGP_CHACHA_VEC4 1
#include "chacha20_vec4.h"
#else
#define DGP_CHACHA_VEC4 0
#endif
#if DGP_X86_VARIANTS
#include "chacha20_x86.h"
#endif

namespace dgp_privacy {
namespace {

constexpr size_t kMaxLanes = 16;  // the widest batch (AVX-512)

// One block at a time: the reference every variant equals (and the fallback).
template <Apply op>
size_t batches_scalar(const uint32_t* key, const uint32_t* nonce, uint32_t counter, uint32_t* dst, size_t blocks) {
  uint32_t w[16];
  for (size_t b = 0; b < blocks; b++, dst += 16) {
    chacha20_block(key, nonce, counter + uint32_t(b), w);
    for (int i = 0; i < 16; i++) dst[i] = op == Apply::Store ? w[i] : op == Apply::Add ? dst[i] + w[i] : dst[i] - w[i];
  }
  return blocks;
}

bool available(Lanes lanes) {
  switch (lanes) {
    case Lanes::Scalar: return true;
    case Lanes::Vec4: return DGP_CHACHA_VEC4;
#if DGP_X86_VARIANTS
    case Lanes::Avx2: return dgp::detected_simd() >= dgp::Simd::Avx2;
    case Lanes::Avx512: return dgp::detected_simd() == dgp::Simd::Avx512;
#else
    default: return false;
#endif
  }
  return false;
}

size_t width(Lanes lanes) {
  return lanes == Lanes::Avx512 ? 16 : lanes == Lanes::Avx2 ? 8 : lanes == Lanes::Vec4 ? 4 : 1;
}

template <Apply op>
size_t batches(Lanes lanes, const uint32_t* key, const uint32_t* nonce, uint32_t counter, uint32_t* dst, size_t blocks) {
  switch (lanes) {
#if DGP_X86_VARIANTS
    case Lanes::Avx512: return x86::batches_avx512<op>(key, nonce, counter, dst, blocks);
    case Lanes::Avx2: return x86::batches_avx2<op>(key, nonce, counter, dst, blocks);
#endif
#if DGP_CHACHA_VEC4
    case Lanes::Vec4: return vec4::batches<op>(key, nonce, counter, dst, blocks);
#endif
    default: return batches_scalar<op>(key, nonce, counter, dst, blocks);
  }
}

template <Apply op>
void run(Lanes lanes, const uint32_t* key, const uint32_t* nonce, uint32_t counter, uint32_t* dst, size_t n) {
  const size_t done = batches<op>(lanes, key, nonce, counter, dst, n / 16) * 16;
  if (done == n) return;
  // At most one batch is left (< width full blocks plus a partial one). Its lanes past the end of
  // the stream may count beyond 2^32 - 1 (they wrap); their words are never used.
  uint32_t words[16 * kMaxLanes];
  batches<Apply::Store>(lanes, key, nonce, counter + uint32_t(done / 16), words, width(lanes));
  for (size_t i = 0; i < n - done; i++) {
    uint32_t& d = dst[done + i];
    d = op == Apply::Store ? words[i] : op == Apply::Add ? d + words[i] : d - words[i];
  }
}

}  // namespace

Lanes chacha20_lanes() {
#if DGP_X86_VARIANTS
  static const Lanes chosen = [] {
    switch (dgp::active_simd()) {
      case dgp::Simd::Avx512: return Lanes::Avx512;
      case dgp::Simd::Avx2: return Lanes::Avx2;
      case dgp::Simd::Scalar: return Lanes::Scalar;
      default: return Lanes::Vec4;
    }
  }();
  return chosen;
#elif defined(__wasm__)
  return DGP_CHACHA_VEC4 ? Lanes::Vec4 : Lanes::Scalar;  // no cpu_features in the wasm module
#else
  static const Lanes chosen = DGP_CHACHA_VEC4 && dgp::active_simd() != dgp::Simd::Scalar ? Lanes::Vec4 : Lanes::Scalar;
  return chosen;
#endif
}

bool chacha20_apply_with(Lanes lanes, const uint32_t* key, const uint32_t* nonce, uint32_t counter, Apply op,
                         uint32_t* dst, size_t n) {
  if (!available(lanes)) return false;
  if (op == Apply::Store) run<Apply::Store>(lanes, key, nonce, counter, dst, n);
  if (op == Apply::Add) run<Apply::Add>(lanes, key, nonce, counter, dst, n);
  if (op == Apply::Subtract) run<Apply::Subtract>(lanes, key, nonce, counter, dst, n);
  return true;
}

void chacha20_apply(const uint32_t* key, const uint32_t* nonce, uint32_t counter, Apply op, uint32_t* dst, size_t n) {
  chacha20_apply_with(chacha20_lanes(), key, nonce, counter, op, dst, n);
}

}  // namespace dgp_privacy
