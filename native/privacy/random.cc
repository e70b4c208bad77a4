// The randomness kernels (issue 20 asks 2-3; docs/PRIVACY.md "Randomness" and "Noise sampler"):
// chacha20Blocks, the RFC 8439 §2.3 block function over consecutive counters, and
// discreteGaussian, exact draws of the discrete Gaussian N_Z(0, scale²) (Canonne, Kamath and
// Steinke 2020, Algorithms 1-3 with σ = t = scale) conditioned on |z| < 2^26, read from that
// keystream. Integer arithmetic only (no libm, no floating point), so the addon, the wasm module
// and the TypeScript twin (src/backends/ts/random.ts) give the same bits; the twin's comments
// state the keystream's bit order, which this file follows step for step.
#include <cstdint>
#include <cstring>

#include "../glue/kernel_table.h"
#include "chacha20.h"
#include "chacha20_stream.h"

namespace dgp_privacy {
namespace {

constexpr uint64_t kLimit = uint64_t(1) << 26;      // proposals restricted to |z| < 2^26
constexpr uint64_t kMaxScale = uint64_t(1) << 20;   // largest scale t
constexpr uint64_t kTwo52 = uint64_t(1) << 52;
constexpr uint64_t kLastBlock = 0xffffffffu;


// The keystream as bits: words in order; a 32-bit buffer gives its bits from the least
// significant up; bits(k) takes the buffer's remaining bits as the low part.
class BitStream {
 public:
  BitStream(const uint32_t* key, const uint32_t* nonce, uint64_t counter) : key_(key), nonce_(nonce), counter_(counter) {}
  uint64_t used = 0;       // blocks generated
  bool exhausted = false;  // the stream would pass block 2^32 - 1; reads then give zeros

  uint32_t bit() {
    if (avail_ == 0) {
      buf_ = next();
      avail_ = 32;
    }
    const uint32_t b = buf_ & 1u;
    buf_ >>= 1;
    avail_--;
    return b;
  }
  // k uniform bits, 1 <= k <= 30
  uint32_t bits(int k) {
    if (avail_ >= k) {
      const uint32_t v = buf_ & ((1u << k) - 1u);
      buf_ >>= k;
      avail_ -= k;
      return v;
    }
    const int need = k - avail_;
    const uint32_t w = next();
    const uint32_t v = buf_ | ((w & ((1u << need) - 1u)) << avail_);
    buf_ = w >> need;
    avail_ = 32 - need;
    return v;
  }

 private:
  uint32_t next() {
    if (word_ == 16) {
      const uint64_t c = counter_ + used;
      if (c > kLastBlock) {
        exhausted = true;
        return 0;
      }
      chacha20_block(key_, nonce_, uint32_t(c), words_);
      used++;
      word_ = 0;
    }
    return words_[word_++];
  }
  const uint32_t* key_;
  const uint32_t* nonce_;
  uint64_t counter_;
  uint32_t words_[16];
  int word_ = 16;
  uint32_t buf_ = 0;
  int avail_ = 0;
};

inline int bit_length(uint32_t v) { return v == 0 ? 0 : 32 - __builtin_clz(v); }

// Uniform integer in [0, n), 1 <= n <= 2^30, by rejection on the bit length of n - 1.
uint32_t uniform_below(BitStream& s, uint32_t n) {
  if (n == 1) return 0;
  const int k = bit_length(n - 1);
  for (;;) {
    const uint32_t v = s.bits(k);
    if (v < n || s.exhausted) return v;
  }
}

// Bernoulli(a / c) for 0 <= a <= c <= 2^52: a uniform binary fraction against the expansion of a/c.
bool bernoulli_frac(BitStream& s, uint64_t a, uint64_t c) {
  if (a == 0) return false;
  if (a >= c) return true;
  for (;;) {
    a *= 2;
    uint32_t digit = 0;
    if (a >= c) {
      a -= c;
      digit = 1;
    }
    const uint32_t r = s.bit();
    if (r != digit) return r < digit;
    if (a == 0 || s.exhausted) return false;
  }
}

// Bernoulli(exp(-a / b)) for 0 <= a <= b <= 2^52 (CKS Algorithm 1, γ in [0, 1]).
bool bernoulli_exp_frac(BitStream& s, uint64_t a, uint64_t b) {
  uint64_t k = 1;
  for (;;) {
    const bool hit = k * b <= kTwo52 ? bernoulli_frac(s, a, k * b) : (bernoulli_frac(s, a, b) && bernoulli_frac(s, 1, k));
    if (!hit || s.exhausted) break;
    k++;
  }
  return (k & 1) == 1;
}

// Bernoulli(exp(-a / b)) for a < 2^53, 1 <= b <= 2^52.
bool bernoulli_exp(BitStream& s, uint64_t a, uint64_t b) {
  const uint64_t q = a / b, r = a % b;
  for (uint64_t i = 0; i < q; i++)
    if (!bernoulli_exp_frac(s, 1, 1) || s.exhausted) return false;
  return bernoulli_exp_frac(s, r, b);
}

// One draw of N_Z(0, t²) conditioned on |z| < 2^26 (CKS Algorithm 3 with σ = t).
int32_t gaussian_draw(BitStream& s, uint32_t t) {
  const uint64_t b = 2 * uint64_t(t) * t;
  for (;;) {
    const uint32_t u = uniform_below(s, t);
    if (!bernoulli_exp_frac(s, u, t)) {
      if (s.exhausted) return 0;
      continue;
    }
    uint64_t x = u;
    bool far = false;
    while (bernoulli_exp_frac(s, 1, 1) && !s.exhausted) {
      x += t;
      if (x >= kLimit) {
        far = true;
        break;
      }
    }
    if (s.exhausted) return 0;
    if (far) continue;
    const uint32_t sign = s.bit();
    if (sign == 1 && x == 0) continue;
    const uint64_t d = x >= t ? x - t : t - x;
    if (bernoulli_exp(s, d * d, b)) return sign == 1 ? -int32_t(x) : int32_t(x);
    if (s.exhausted) return 0;
  }
}

}  // namespace
}  // namespace dgp_privacy

namespace dgp_kernels {

void chacha20Blocks(Guard& g, In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, Mut<uint32_t> out) {
  if (!g.ok(key.length == 8, 1, "key must hold 8 words") || !g.ok(nonce.length == 3, 2, "nonce must hold 3 words") ||
      !g.ok(counter <= dgp_privacy::kLastBlock, 3, "counter must fit 32 bits") ||
      !g.ok(out.length % 16 == 0, 4, "out must hold whole 16-word blocks") ||
      !g.ok(counter + out.length / 16 <= dgp_privacy::kLastBlock + 1, 4, "the 32-bit block counter would wrap"))
    return;
  dgp_privacy::chacha20_apply(key.data, nonce.data, uint32_t(counter), dgp_privacy::Apply::Store, out.data, out.length);
}

double discreteGaussian(Guard& g, In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, uint64_t scale, Mut<int32_t> out) {
  if (!g.ok(key.length == 8, 1, "key must hold 8 words") || !g.ok(nonce.length == 3, 2, "nonce must hold 3 words") ||
      !g.ok(counter <= dgp_privacy::kLastBlock, 3, "counter must fit 32 bits") ||
      !g.ok(scale >= 1 && scale <= dgp_privacy::kMaxScale, 4, "scale must be an integer in [1, 2^20]"))
    return 0;
  dgp_privacy::BitStream s(key.data, nonce.data, counter);
  for (size_t i = 0; i < out.length; i++) {
    out.data[i] = dgp_privacy::gaussian_draw(s, uint32_t(scale));
    if (s.exhausted) return -1;
  }
  return double(s.used);
}

}  // namespace dgp_kernels
