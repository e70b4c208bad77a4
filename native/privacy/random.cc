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
constexpr size_t kMaxChunk = 64;                     // blocks per keystream refill, at most

// The keystream as bits: words in order; a 32-bit word gives its bits from the least significant
// up; bits(k) takes the remaining bits of the current word as the low part. Reads past block
// 2^32 - 1 give zeros and make the stream exhausted. Implemented as a bit position over the
// keystream: a 64-bit cache (n_ bits, the next bit lowest) fed from a buffer of whole blocks
// (chacha20_apply, growing from 1 to kMaxChunk blocks per refill). Only the bits consumed count:
// used() is the blocks holding consumed bits, exactly what generating one block at a time, when
// its first bit is read, would count, so the blocks generated ahead change nothing.
class BitStream {
 public:
  BitStream(const uint32_t* key, const uint32_t* nonce, uint64_t counter)
      : key_(key), nonce_(nonce), counter_(counter), total_bits_((kLastBlock + 1 - counter) * 512) {}

  // True once the buffer reaches the stream's last block: from then on the multi-bit fast paths
  // defer to the bit-at-a-time loops (which see the end exactly).
  bool near_end = false;

  // The next 32 bits (unconsumed), the next bit lowest.
  uint32_t peek() {
    fill();
    return uint32_t(cache_);
  }
  void skip(int k) {  // k <= 32, after peek()
    cache_ >>= k;
    n_ -= k;
  }
  uint32_t bit() {
    fill();
    const uint32_t b = uint32_t(cache_) & 1u;
    skip(1);
    return b;
  }
  // k uniform bits, 1 <= k <= 30
  uint32_t bits(int k) {
    fill();
    const uint32_t v = uint32_t(cache_) & ((1u << k) - 1u);
    skip(k);
    return v;
  }
  bool exhausted() const { return near_end && pos() > total_bits_; }
  uint64_t used() const { return (pos() + 511) / 512; }

 private:
  uint64_t pos() const { return words_taken_ * 32 - uint64_t(n_); }
  void fill() {
    if (n_ < 32) {
      if (wi_ == wn_) refill();
      cache_ |= uint64_t(buf_[wi_++]) << n_;
      n_ += 32;
      words_taken_++;
    }
  }
  void refill() {
    const uint64_t first = counter_ + generated_;
    const size_t nb = chunk_;
    if (chunk_ < kMaxChunk) chunk_ *= 2;
    const uint64_t left = first <= kLastBlock ? kLastBlock + 1 - first : 0;
    const size_t real = nb < left ? nb : size_t(left);
    if (real > 0) chacha20_apply(key_, nonce_, uint32_t(first), Apply::Store, buf_, real * 16);
    if (real < nb) std::memset(buf_ + real * 16, 0, (nb - real) * 16 * sizeof(uint32_t));
    if (real == left) near_end = true;
    generated_ += nb;
    wi_ = 0;
    wn_ = nb * 16;
  }
  const uint32_t* key_;
  const uint32_t* nonce_;
  uint64_t counter_;
  uint64_t total_bits_;
  uint64_t generated_ = 0;
  uint64_t words_taken_ = 0;
  uint64_t cache_ = 0;
  int n_ = 0;
  size_t chunk_ = 1;
  size_t wi_ = 0, wn_ = 0;
  uint32_t buf_[kMaxChunk * 16];
};

inline int bit_length(uint32_t v) { return v == 0 ? 0 : 32 - __builtin_clz(v); }

// Uniform integer in [0, n), 1 <= n <= 2^30, by rejection on the bit length of n - 1.
uint32_t uniform_below(BitStream& s, uint32_t n) {
  if (n == 1) return 0;
  const int k = bit_length(n - 1);
  for (;;) {
    const uint32_t v = s.bits(k);
    if (v < n || s.exhausted()) return v;
  }
}

// The reference loops, one bit at a time (any bit source with bit() and exhausted()): the
// definition of the bits consumed. The fast paths below give the same results from the same bits.

// Bernoulli(a / c) for 0 <= a <= c <= 2^52: a uniform binary fraction against the expansion of a/c.
template <class S>
constexpr bool bernoulli_frac_ref(S& s, uint64_t a, uint64_t c) {
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
    if (a == 0 || s.exhausted()) return false;
  }
}

// Bernoulli(exp(-a / b)) for 0 <= a <= b <= 2^52 (CKS Algorithm 1, γ in [0, 1]).
template <class S>
constexpr bool bernoulli_exp_frac_ref(S& s, uint64_t a, uint64_t b) {
  uint64_t k = 1;
  for (;;) {
    const bool hit = k * b <= kTwo52 ? bernoulli_frac_ref(s, a, k * b) : (bernoulli_frac_ref(s, a, b) && bernoulli_frac_ref(s, 1, k));
    if (!hit || s.exhausted()) break;
    k++;
  }
  return (k & 1) == 1;
}

// Bernoulli(a / c), the same decision from the same bits as bernoulli_frac_ref, kDigits digits of
// a/c at a time: digit i (branch-free doubling) against stream bit i of a peeked window; the first
// index where they differ, or where the remainder is 0 (the digits end), decides, and exactly the
// bits up to it are consumed (the window's bits past the end are zeros, so the multi-bit paths
// run only while near_end is false; then the reference loop takes over from the same state).
constexpr int kDigits = 4;
// For c = 2^L the digits of a/c are the bits of a from bit L - 1 down, and the remainder is 0
// after digit L - 1 - ctz(a): 8 digits at a time against the window reversed by table.
struct Rev8 {
  uint8_t r[256] = {};
  constexpr Rev8() {
    for (int v = 0; v < 256; v++) {
      int x = 0;
      for (int i = 0; i < 8; i++) x |= ((v >> i) & 1) << (7 - i);
      r[v] = uint8_t(x);
    }
  }
};
constexpr Rev8 kRev8{};

// bernoulli_frac for c = 2^len, 0 < a < c.
inline __attribute__((always_inline)) bool bernoulli_frac_pow2(BitStream& s, uint64_t a, int len) {
  for (;;) {
    if (__builtin_expect(s.near_end, 0)) return bernoulli_frac_ref(s, a, uint64_t(1) << len);
    const uint32_t r = s.peek();
    const uint32_t top = len >= 8 ? uint32_t(a >> (len - 8)) : uint32_t(a << (8 - len));  // digit 0 at bit 7
    const uint32_t x = (uint32_t(kRev8.r[r & 0xffu]) ^ top) & 0xffu;
    const int f = x ? __builtin_clz(x) - 24 : 8;   // first digit that differs
    const int zi = len - 1 - __builtin_ctzll(a);   // the last nonzero digit
    const int stop = f < zi ? f : zi;
    if (__builtin_expect(stop < 8, 1)) {
      s.skip(stop + 1);
      return f == stop && ((top >> (7 - f)) & 1u);  // f == stop < 8 here: the shift is defined
    }
    s.skip(8);
    len -= 8;
    a &= (uint64_t(1) << len) - 1;
  }
}

bool bernoulli_frac(BitStream& s, uint64_t a, uint64_t c) {
  if (a == 0) return false;
  if (a >= c) return true;
  if ((c & (c - 1)) == 0) return bernoulli_frac_pow2(s, a, __builtin_ctzll(c));
  for (;;) {
    if (s.near_end) return bernoulli_frac_ref(s, a, c);
    const uint32_t r = s.peek();
    uint32_t d = 0, z = 0;
    for (int i = 0; i < kDigits; i++) {
      a *= 2;
      const uint64_t ge = a >= c ? 1 : 0;
      a -= c & (0 - ge);
      d |= uint32_t(ge) << i;
      z |= uint32_t(a == 0) << i;
    }
    const uint32_t stop = (r ^ d) | z;
    if (stop & ((1u << kDigits) - 1u)) {
      const int i = __builtin_ctz(stop);
      s.skip(i + 1);
      return ((~r & d) >> i) & 1u;
    }
    s.skip(kDigits);
  }
}

// Bernoulli(exp(-1)) (bernoulli_exp_frac with a = b = 1) by table: entry w (the next kE1Bits
// bits) holds the bits it consumes (low 5 bits, 0: more than kE1Bits, run the loop) and the result
// (bit 7), made by running the reference loop on w.
constexpr int kE1Bits = 12;
struct WindowBits {
  uint32_t w;
  int limit;
  int at = 0;
  bool over = false;
  constexpr uint32_t bit() {
    if (at >= limit) {
      over = true;
      return 0;
    }
    return (w >> at++) & 1u;
  }
  constexpr bool exhausted() const { return over; }
};
struct E1Table {
  uint8_t e[1u << kE1Bits] = {};
  constexpr E1Table() {
    for (uint32_t w = 0; w < (1u << kE1Bits); w++) {
      WindowBits src{w, kE1Bits, 0, false};
      const bool r = bernoulli_exp_frac_ref(src, 1, 1);
      e[w] = src.over ? 0 : uint8_t(src.at | (r ? 0x80 : 0));
    }
  }
};
constexpr E1Table kE1{};

// Bernoulli(exp(-a / b)) for 0 <= a <= b <= 2^52 (CKS Algorithm 1, γ in [0, 1]). For b = 2^L
// the steps k = 2^j (k·b = 2^(L+j) <= 2^52) take the power-of-two path inline.
bool bernoulli_exp_frac(BitStream& s, uint64_t a, uint64_t b) {
  if ((b & (b - 1)) == 0 && a != 0) {
    const int lb = __builtin_ctzll(b);
    uint64_t k = 1;
    for (;;) {
      bool hit;
      const int len = lb + __builtin_ctzll(k);
      if ((k & (k - 1)) == 0 && len <= 52)
        hit = a >= (uint64_t(1) << len) || bernoulli_frac_pow2(s, a, len);
      else
        hit = k * b <= kTwo52 ? bernoulli_frac(s, a, k * b) : (bernoulli_frac(s, a, b) && bernoulli_frac(s, 1, k));
      if (!hit || s.exhausted()) break;
      k++;
    }
    return (k & 1) == 1;
  }
  uint64_t k = 1;
  for (;;) {
    const bool hit = k * b <= kTwo52 ? bernoulli_frac(s, a, k * b) : (bernoulli_frac(s, a, b) && bernoulli_frac(s, 1, k));
    if (!hit || s.exhausted()) break;
    k++;
  }
  return (k & 1) == 1;
}

// bernoulli_exp_frac(s, 1, 1)
inline bool bernoulli_exp1(BitStream& s) {
  if (!s.near_end) {
    const uint32_t e = kE1.e[s.peek() & ((1u << kE1Bits) - 1u)];
    if (e != 0) {
      s.skip(int(e & 31u));
      return e >> 7;
    }
  }
  return bernoulli_exp_frac(s, 1, 1);
}

// The geometric count of the discrete Laplace (successes of Bernoulli(exp(-1)) before the first
// failure) by table: entry w (the next kGeoBits bits) holds the bits the whole loop consumes (low
// 5 bits, 0: more than kGeoBits) and the count (above), made by running the reference loop on w.
constexpr int kGeoBits = 12;
struct GeoTable {
  uint16_t e[1u << kGeoBits] = {};
  constexpr GeoTable() {
    for (uint32_t w = 0; w < (1u << kGeoBits); w++) {
      WindowBits src{w, kGeoBits, 0, false};
      uint32_t v = 0;
      while (bernoulli_exp_frac_ref(src, 1, 1) && !src.over) v++;
      e[w] = src.over ? 0 : uint16_t(src.at | (v << 5));
    }
  }
};
constexpr GeoTable kGeo{};

// Bernoulli(exp(-a / b)) for a < 2^53, 1 <= b <= 2^52.
bool bernoulli_exp(BitStream& s, uint64_t a, uint64_t b) {
  uint64_t q = 0, r = a;
  if (a >= b) {
    q = a / b;
    r = a - q * b;
  }
  for (uint64_t i = 0; i < q; i++)
    if (!bernoulli_exp1(s) || s.exhausted()) return false;
  return bernoulli_exp_frac(s, r, b);
}

// One draw of N_Z(0, t²) conditioned on |z| < 2^26 (CKS Algorithm 3 with σ = t).
int32_t gaussian_draw(BitStream& s, uint32_t t) {
  const uint64_t b = 2 * uint64_t(t) * t;
  for (;;) {
    const uint32_t u = uniform_below(s, t);
    if (!bernoulli_exp_frac(s, u, t)) {
      if (s.exhausted()) return 0;
      continue;
    }
    uint64_t x = u;
    bool far = false;
    uint32_t g = 0;
    if (!s.near_end) {
      g = kGeo.e[s.peek() & ((1u << kGeoBits) - 1u)];
      if (g != 0 && x + uint64_t(g >> 5) * t < kLimit) {
        s.skip(int(g & 31u));
        x += uint64_t(g >> 5) * t;
      } else {
        g = 0;
      }
    }
    if (g == 0) while (bernoulli_exp1(s) && !s.exhausted()) {
      x += t;
      if (x >= kLimit) {
        far = true;
        break;
      }
    }
    if (s.exhausted()) return 0;
    if (far) continue;
    const uint32_t sign = s.bit();
    if (sign == 1 && x == 0) continue;
    const uint64_t d = x >= t ? x - t : t - x;
    if (bernoulli_exp(s, d * d, b)) return sign == 1 ? -int32_t(x) : int32_t(x);
    if (s.exhausted()) return 0;
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
    if (s.exhausted()) return -1;
  }
  return double(s.used());
}

}  // namespace dgp_kernels
