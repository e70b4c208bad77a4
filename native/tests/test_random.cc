// The randomness kernels (native/privacy/random.cc): RFC 8439 §2.3.2's block and Appendix A.1 #1,
// the counter that never wraps, the guards on exactly sized buffers (the sanitizer build runs
// them), and the sampler's determinism. The full vector set and the comparison with the
// TypeScript twin are test/privacy/random.test.ts and noise.test.ts.
#include "table_args.h"
#include "test_util.h"

DGP_TEST(chacha20_rfc8439_block_vectors) {
  using namespace dgp_kernels;
  Guard g;
  // §2.3.2: key 00 01 .. 1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1; the state words
  std::vector<uint32_t> key(8), nonce = {0x09000000u, 0x4a000000u, 0u}, out(16);
  for (int i = 0; i < 8; i++)
    key[i] = uint32_t(4 * i) | uint32_t(4 * i + 1) << 8 | uint32_t(4 * i + 2) << 16 | uint32_t(4 * i + 3) << 24;
  chacha20Blocks(g, in(key), in(nonce), 1, mut(out));
  const uint32_t want[16] = {0xe4e7f110u, 0x15593bd1u, 0x1fdd0f50u, 0xc47120a3u, 0xc7f4d1c7u, 0x0368c033u,
                             0x9aaa2204u, 0x4e6cd4c3u, 0x466482d2u, 0x09aa9f07u, 0x05d7c214u, 0xa2028bd9u,
                             0xd19c12b5u, 0xb94e16deu, 0xe883d0cbu, 0x4e3c50a2u};
  DGP_CHECK(g.arg == 0);
  for (int i = 0; i < 16; i++) DGP_CHECK_MSG(out[i] == want[i], "word %d: %08x, want %08x", i, out[i], want[i]);
  // A.1 #1: zero key and nonce, counter 0: keystream 76 b8 e0 ad a0 f1 3d 90 ...
  std::vector<uint32_t> zero_key(8, 0), zero_nonce(3, 0), two(32);
  chacha20Blocks(g, in(zero_key), in(zero_nonce), 0, mut(two));
  DGP_CHECK(two[0] == 0xade0b876u && two[1] == 0x903df1a0u && two[15] == 0x8665eeb2u);
  // A.1 #2 is the second block of the same stream: 9f 07 e7 be ...
  DGP_CHECK(two[16] == 0xbee7079fu && two[31] == 0x6f4d794bu);
}

DGP_TEST(random_kernels_refuse_out_of_bounds_arguments) {
  using namespace dgp_kernels;
  std::vector<uint32_t> key(8), key7(7), nonce(3), nonce4(4), out16(16), out15(15), out32(32);
  std::vector<int32_t> z(5);
  const auto refused = [](auto run, int arg) {
    Guard g;
    run(g);
    DGP_CHECK_MSG(g.arg == arg, "refused argument %d, want %d", g.arg, arg);
  };
  refused([&](Guard& g) { chacha20Blocks(g, in(key7), in(nonce), 0, mut(out16)); }, 1);
  refused([&](Guard& g) { chacha20Blocks(g, in(key), in(nonce4), 0, mut(out16)); }, 2);
  refused([&](Guard& g) { chacha20Blocks(g, in(key), in(nonce), 0x100000000ull, mut(out16)); }, 3);
  refused([&](Guard& g) { chacha20Blocks(g, in(key), in(nonce), 0, mut(out15)); }, 4);
  refused([&](Guard& g) { chacha20Blocks(g, in(key), in(nonce), 0xffffffffull, mut(out32)); }, 4);  // would wrap
  refused([&](Guard& g) { chacha20Blocks(g, in(key), in(nonce), 0xffffffffull, mut(out16)); }, 0);  // the last block
  refused([&](Guard& g) { discreteGaussian(g, in(key7), in(nonce), 0, 4, mut(z)); }, 1);
  refused([&](Guard& g) { discreteGaussian(g, in(key), in(nonce4), 0, 4, mut(z)); }, 2);
  refused([&](Guard& g) { discreteGaussian(g, in(key), in(nonce), 0x100000000ull, 4, mut(z)); }, 3);
  refused([&](Guard& g) { discreteGaussian(g, in(key), in(nonce), 0, 0, mut(z)); }, 4);
  refused([&](Guard& g) { discreteGaussian(g, in(key), in(nonce), 0, (1u << 20) + 1, mut(z)); }, 4);
}

DGP_TEST(discrete_gaussian_is_deterministic_and_refuses_to_wrap) {
  using namespace dgp_kernels;
  Guard g;
  std::vector<uint32_t> key = {1, 2, 3, 4, 5, 6, 7, 8}, nonce = {9, 10, 11};
  std::vector<int32_t> a(1000), b(1000);
  const double used = discreteGaussian(g, in(key), in(nonce), 5, 1u << 20, mut(a));
  DGP_CHECK(g.arg == 0 && used > 0);
  DGP_CHECK(discreteGaussian(g, in(key), in(nonce), 5, 1u << 20, mut(b)) == used);
  DGP_CHECK(a == b);
  double s2 = 0;
  for (int32_t v : a) s2 += double(v) * v;
  const double sd = std::sqrt(s2 / a.size()) / (1u << 20);
  DGP_CHECK_MSG(sd > 0.85 && sd < 1.15, "sd %g", sd);  // 1000 draws: sd within ~7 standard errors
  // the last block holds about 8 draws at scale 2^20: 1000 draws from block 2^32 - 1 run out
  DGP_CHECK(discreteGaussian(g, in(key), in(nonce), 0xffffffffull, 1u << 20, mut(a)) == -1);
}

// The draws and the blocks consumed must never change unnoticed (seeded runs replay): FNV-1a
// digests of the draws, with the returns, computed by the plain reference of the strip sampler
// (test/privacy/dg_reference.ts).
DGP_TEST(discrete_gaussian_draws_are_pinned) {
  using namespace dgp_kernels;
  struct Case {
    uint32_t scale;
    uint64_t counter;
    size_t n;
    double used;
    uint64_t fnv;
  };
  const Case cases[] = {
      {1u, 0x5ull, 10000, 1975, 0xc8f1c39cb97370beull},
      {3u, 0x5ull, 10000, 1210, 0xffb0a10f455ace7cull},
      {1000u, 0x5ull, 10000, 1031, 0xa089b91b59dcc991ull},
      {1048575u, 0x5ull, 10000, 1228, 0xb151b0a4b3c7b716ull},
      {1048576u, 0x5ull, 10000, 1228, 0xa30f571f39a51716ull},
      {1048576u, 0xfffffff0ull, 100000, -1, 0xa37ee926d952d6dull},
      {7u, 0xffffffffull, 100, -1, 0x322c8266aefbfbd8ull},
  };
  std::vector<uint32_t> key = {1, 2, 3, 4, 5, 6, 7, 8}, nonce = {9, 0, 0xffffffffu};
  for (const Case& c : cases) {
    Guard g;
    std::vector<int32_t> z(c.n);
    const double used = discreteGaussian(g, in(key), in(nonce), c.counter, c.scale, mut(z));
    uint64_t h = 0xcbf29ce484222325ull;
    for (int32_t v : z) {
      h ^= uint32_t(v);
      h *= 0x100000001b3ull;
    }
    DGP_CHECK_MSG(used == c.used && h == c.fnv, "scale %u counter %llu: used %g, digest %llx", c.scale,
                  (unsigned long long)c.counter, used, (unsigned long long)h);
  }
}
