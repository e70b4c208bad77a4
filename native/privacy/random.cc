// The randomness kernels (issue 20 asks 2-3; docs/PRIVACY.md "Randomness" and "Noise sampler"):
// chacha20Blocks, the RFC 8439 §2.3 block function over consecutive counters, and
// discreteGaussian, draws of the discrete Gaussian N_Z(0, scale²) on |z| < B (B >= 20·scale),
// each point's probability within a factor 1 ± 2^-50 of the exact one, by the strip sampler
// (gaussian_table.h), read from that keystream. Integer arithmetic decides every draw (no libm;
// the one pre-test in doubles only ever agrees with it), so the addon, the wasm module and the
// TypeScript twin (src/backends/ts/random.ts) give the same bits; the twin's comments state the
// keystream's bit order, which this file follows.
#include <cstdint>
#include <cstring>

#include "../glue/kernel_table.h"
#include "chacha20.h"
#include "chacha20_stream.h"
#include "gaussian_table.h"

namespace dgp_privacy {
namespace {

constexpr uint64_t kMaxScale = uint64_t(1) << 20;   // largest scale t
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

  uint32_t bit() { return bits(1); }
  // k uniform bits, 1 <= k <= 32 (the first bit lowest)
  uint32_t bits(int k) {
    const uint32_t v = peek(k);
    skip(k);
    return v;
  }
  // The next k bits, 1 <= k <= 32, not consumed.
  uint32_t peek(int k) {
    fill();
    return uint32_t(cache_ & ((uint64_t(1) << k) - 1));
  }
  void skip(int k) {  // k <= 32, after peek()
    cache_ >>= k;
    n_ -= k;
  }
  bool exhausted() const { return near_end_ && pos() > total_bits_; }
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
    if (real == left) near_end_ = true;  // the buffer reached the last block
    generated_ += nb;
    wi_ = 0;
    wn_ = nb * 16;
  }
  const uint32_t* key_;
  const uint32_t* nonce_;
  uint64_t counter_;
  uint64_t total_bits_;
  bool near_end_ = false;
  uint64_t generated_ = 0;
  uint64_t words_taken_ = 0;
  uint64_t cache_ = 0;
  int n_ = 0;
  size_t chunk_ = 1;
  size_t wi_ = 0, wn_ = 0;
  uint32_t buf_[kMaxChunk * 16];
};

// One table per thread, rebuilt when the scale changes (about 0.2 ms). Not inlined: the draw loop
// then holds a plain pointer instead of asking for the thread-local address at every draw.
__attribute__((noinline)) const GaussianTable& table_for(uint32_t t) {
  static thread_local GaussianTable table;
  if (table.t != t) build_gaussian_table(table, t);
  return table;
}

// One draw of N_Z(0, t²) by the strip sampler (docs/PRIVACY.md, "Noise sampler"). Each proposal
// reads: 32 bits, the low 12 a column of the alias table and the high 20 its threshold (bucket k
// rejects); the strip's halvings, a bit at a time (all 0 keeps it); then wbits + 17 bits: the low
// wbits the offset in the strip (rejected and read again, wbits bits later, when >= w), 16 bits u
// and a sign bit. u < the strip's fast bound accepts; otherwise 23 + 23 more bits complete a
// 62-bit u against accept_bound. -0 is rejected. The TypeScript twin reads the same bits in the
// same order.
int32_t gaussian_draw(BitStream& s, const GaussianTable& tb) {
  for (;;) {
    const uint32_t r = s.bits(32);
    const uint32_t col = r & (kColumns - 1);
    // col or its alias, without a branch (the choice is a coin flip the predictor cannot learn)
    const uint32_t use_alias = 0u - uint32_t((r >> kColumnBits) >= tb.threshold[col]);
    const uint32_t i = col ^ ((col ^ tb.alias[col]) & use_alias);
    if (i < tb.k) {
      bool kept = true;
      for (uint32_t e = tb.halvings[i]; e > 0 && kept; e--) kept = s.bit() == 0;
      if (kept) {
        uint32_t y = s.peek(tb.wbits + 17);
        uint32_t offset = y & ((1u << tb.wbits) - 1);
        while (offset >= tb.w && !s.exhausted()) {
          s.skip(tb.wbits);
          y = s.peek(tb.wbits + 17);
          offset = y & ((1u << tb.wbits) - 1);
        }
        s.skip(tb.wbits + 17);
        const uint32_t u = (y >> tb.wbits) & 0xffffu;
        const uint32_t sign = y >> (tb.wbits + 16);
        const uint64_t x = uint64_t(i) * tb.w + offset;
        bool accept = u < tb.fast[i];
        if (__builtin_expect(!accept, 0)) {
          const uint64_t mid = s.bits(23);
          const uint64_t low = s.bits(23);
          accept = accepts(tb, i, x, (uint64_t(u) << 46) | (mid << 23) | low);
        }
        if (accept & ((sign == 0) | (x != 0))) {  // one branch, taken 99% of the time
          const int32_t m = -int32_t(sign);  // 0 or -1: x or -x without a branch
          return (int32_t(x) ^ m) - m;
        }
      }
    }
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
  const dgp_privacy::GaussianTable& tb = dgp_privacy::table_for(uint32_t(scale));
  dgp_privacy::BitStream s(key.data, nonce.data, counter);
  for (size_t i = 0; i < out.length; i++) {
    out.data[i] = dgp_privacy::gaussian_draw(s, tb);
    if (s.exhausted()) return -1;
  }
  return double(s.used());
}

}  // namespace dgp_kernels
