// The vectorised ChaCha20 keystream (native/privacy/chacha20_stream.h): every variant this CPU
// runs (scalar, 4 lanes, AVX2, AVX-512) against chacha20_block word for word, for every length
// 0..300 (partial blocks and batches), large lengths, counters up to the last block 2^32 - 1 (the
// tail batch's lanes wrap there), stored, added and subtracted, with sentinels around the buffer.
// Then the maskAdd / quantizeStochastic kernels against a block-at-a-time reference.
#include <cmath>

#include "../privacy/chacha20.h"
#include "../privacy/chacha20_stream.h"
#include "table_args.h"
#include "test_util.h"

namespace {

using dgp_privacy::Apply;
using dgp_privacy::Lanes;

constexpr uint32_t kSentinel = 0xa5a5a5a5u;

// dst ± the keystream, one chacha20_block at a time.
void reference(const uint32_t* key, const uint32_t* nonce, uint32_t counter, Apply op, uint32_t* dst, size_t n) {
  uint32_t w[16];
  for (size_t i = 0; i < n; i++) {
    if (i % 16 == 0) dgp_privacy::chacha20_block(key, nonce, counter + uint32_t(i / 16), w);
    dst[i] = op == Apply::Store ? w[i % 16] : op == Apply::Add ? dst[i] + w[i % 16] : dst[i] - w[i % 16];
  }
}

const char* lanes_name(Lanes l) {
  return l == Lanes::Scalar ? "scalar" : l == Lanes::Vec4 ? "vec4" : l == Lanes::Avx2 ? "avx2" : "avx512";
}

// One comparison; the buffer has 16 sentinel words on each side that must stay untouched.
void check_one(Lanes lanes, uint32_t counter, Apply op, size_t n, std::mt19937& rng) {
  uint32_t key[8], nonce[3];
  for (uint32_t& k : key) k = uint32_t(rng());
  for (uint32_t& k : nonce) k = uint32_t(rng());
  std::vector<uint32_t> got(n + 32, kSentinel), want;
  for (size_t i = 0; i < n; i++) got[16 + i] = rng();
  want = got;
  reference(key, nonce, counter, op, want.data() + 16, n);
  DGP_CHECK(dgp_privacy::chacha20_apply_with(lanes, key, nonce, counter, op, got.data() + 16, n));
  for (size_t i = 0; i < n + 32; i++)
    DGP_CHECK_MSG(got[i] == want[i], "%s, counter %u, op %d, n %zu: word %zd is %08x, want %08x", lanes_name(lanes),
                  counter, int(op), n, ptrdiff_t(i) - 16, got[i], want[i]);
}

std::vector<Lanes> variants() {
  std::vector<Lanes> v;
  for (Lanes l : {Lanes::Scalar, Lanes::Vec4, Lanes::Avx2, Lanes::Avx512}) {
    uint32_t probe = 0, key[8] = {}, nonce[3] = {};
    if (dgp_privacy::chacha20_apply_with(l, key, nonce, 0, Apply::Store, &probe, 1)) v.push_back(l);
  }
  return v;
}

}  // namespace

DGP_TEST(chacha20_stream_variants_match_the_block_function) {
  std::mt19937 rng(21);
  const auto lanes = variants();
  DGP_CHECK(!lanes.empty() && lanes[0] == Lanes::Scalar);
  for (Lanes l : lanes) {
    for (Apply op : {Apply::Store, Apply::Add, Apply::Subtract}) {
      for (size_t n = 0; n <= 300; n++) check_one(l, uint32_t(rng() >> 8), op, n, rng);
      for (size_t n : {size_t(1023), size_t(4096), size_t(16 * 16 * 7 + 5), size_t(100003)})
        check_one(l, uint32_t(rng()) >> 1, op, n, rng);
    }
  }
}

DGP_TEST(chacha20_stream_runs_to_the_last_block) {
  std::mt19937 rng(8439);
  for (Lanes l : variants())
    for (Apply op : {Apply::Store, Apply::Add, Apply::Subtract})
      for (size_t blocks = 1; blocks <= 40; blocks++)  // the stream ends exactly at block 2^32 - 1
        for (size_t partial : {size_t(0), size_t(1), size_t(15)}) {
          const size_t n = 16 * blocks - partial;
          check_one(l, uint32_t(0x100000000ull - blocks), op, n, rng);
        }
}

DGP_TEST(chacha20_stream_rfc8439_vector) {
  // §2.3.2 (key 00..1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1), word 0 and 15
  uint32_t key[8], nonce[3] = {0x09000000u, 0x4a000000u, 0u};
  for (int i = 0; i < 8; i++)
    key[i] = uint32_t(4 * i) | uint32_t(4 * i + 1) << 8 | uint32_t(4 * i + 2) << 16 | uint32_t(4 * i + 3) << 24;
  for (Lanes l : variants()) {
    std::vector<uint32_t> out(16 * 33);
    DGP_CHECK(dgp_privacy::chacha20_apply_with(l, key, nonce, 1, Apply::Store, out.data(), out.size()));
    DGP_CHECK_MSG(out[0] == 0xe4e7f110u && out[15] == 0x4e3c50a2u, "%s", lanes_name(l));
  }
}

DGP_TEST(mask_add_and_quantize_match_a_block_reference) {
  using namespace dgp_kernels;
  std::mt19937 rng(17);
  std::vector<uint32_t> key(8), nonce(3);
  for (auto& k : key) k = rng();
  for (auto& k : nonce) k = rng();
  for (size_t n : {size_t(0), size_t(1), size_t(17), size_t(255), size_t(4097), size_t(20001)}) {
    std::vector<uint32_t> acc(n), want(n);
    for (size_t i = 0; i < n; i++) acc[i] = want[i] = rng();
    Guard g;
    maskAdd(g, in(key), in(nonce), 7, true, mut(acc));
    reference(key.data(), nonce.data(), 7, Apply::Subtract, want.data(), n);
    DGP_CHECK(g.arg == 0 && acc == want);
    // quantizeStochastic: value i rounds up iff its 53 keystream bits fall below its fraction
    std::vector<float> values(n);
    for (auto& v : values) v = float(int32_t(rng()) / 65536.0);
    std::vector<int32_t> q(n);
    std::vector<uint32_t> stream(2 * n);
    reference(key.data(), nonce.data(), 3, Apply::Store, stream.data(), 2 * n);
    DGP_CHECK(quantizeStochastic(g, in(key), in(nonce), 3, in(values), 1000.0, 1024.0, mut(q)) == -1 && g.arg == 0);
    for (size_t i = 0; i < n; i++) {
      const double x = values[i], y = (x < -1000.0 ? -1000.0 : x > 1000.0 ? 1000.0 : x) * 1024.0, f = std::floor(y);
      const double u = double(stream[2 * i] >> 11) * 4294967296.0 + double(stream[2 * i + 1]);
      DGP_CHECK_MSG(q[i] == int32_t(u < (y - f) * 9007199254740992.0 ? f + 1 : f), "n %zu, value %zu", n, i);
    }
  }
}
