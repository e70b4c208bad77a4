// Native tests of the streaming aggregator (native/wire/stream_aggregate.h) on the golden vectors
// of docs/FORMAT.md: sums, rejection with the sums untouched, every truncation and every resealed
// bit flip handled (run under ASan/UBSan in CI to check "never out of bounds").
// `dgp_native_tests stream` runs just these.
#include <cmath>

#include "crc32_fast.h"
#include "stream_aggregate.h"
#include "test_util.h"
#include "wire_kernels.h"

using namespace dgp_wire;

namespace {

// update-small.bin (FORMAT.md): round 7; b [4] {1: 0.5, 3: -2}; w [2,300] {5: 1.25, 130: -0, 599: 0.1}; s [] {0: 42}.
const std::vector<uint8_t> kUpdateSmall = {
    0x44, 0x47, 0x50, 0x57, 0x01, 0x01, 0x00, 0x00, 0x49, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00,
    0x00, 0x00, 0x01, 0x62, 0x01, 0x04, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x01,
    0x77, 0x02, 0x02, 0xac, 0x02, 0x01, 0x03, 0x05, 0x7d, 0xd5, 0x03, 0x00, 0x00, 0xa0, 0x3f, 0x00, 0x00, 0x00,
    0x80, 0xcd, 0xcc, 0xcc, 0x3d, 0x01, 0x73, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x28, 0x42, 0x9f, 0x10, 0x91,
    0x80};
// Its layout: name, rank, dims of each layer.
const std::vector<uint8_t> kSmallLayout = {0x01, 0x62, 0x01, 0x04, 0x01, 0x77, 0x02, 0x02, 0xac, 0x02, 0x01, 0x73, 0x00};

StreamSpec small_spec(uint32_t round = 7) {
  return StreamSpec{KIND_UPDATE, round, 0, kSmallLayout.data(), kSmallLayout.size(), 3, 605};
}

void reseal(std::vector<uint8_t>& m) {
  const uint32_t n = uint32_t(m.size());
  std::memcpy(m.data() + 8, &n, 4);
  const uint32_t c = crc32(m.data(), m.size() - 4);
  std::memcpy(m.data() + m.size() - 4, &c, 4);
}

}  // namespace

DGP_TEST(stream_golden_update_sums) {
  std::vector<double> acc(605, 0.0);
  StreamProblem p;
  DGP_CHECK(stream_add(kUpdateSmall.data(), kUpdateSmall.size(), small_spec(), 2.0, acc.data(), &p) == STREAM_OK);
  DGP_CHECK(stream_add(kUpdateSmall.data(), kUpdateSmall.size(), small_spec(), 0.5, acc.data(), &p) == STREAM_OK);
  DGP_CHECK(acc[1] == 1.25 && acc[3] == -5.0 && acc[0] == 0.0 && acc[2] == 0.0);
  DGP_CHECK(acc[4 + 5] == 3.125 && acc[4 + 599] == 2.0 * double(0.1f) + 0.5 * double(0.1f));
  DGP_CHECK(acc[4 + 130] == 0.0 && !std::signbit(acc[4 + 130]));  // +0 + -0 stays +0
  DGP_CHECK(acc[604] == 105.0);
  uint64_t sizes[3];
  DGP_CHECK(stream_layer_sizes(small_spec(), sizes) && sizes[0] == 4 && sizes[1] == 600 && sizes[2] == 1);
}

DGP_TEST(stream_rejects_and_leaves_sums_untouched) {
  std::vector<double> acc(605, 1.5);
  StreamProblem p;
  auto m = kUpdateSmall;
  m[30] ^= 1;  // a value bit: only the CRC sees it
  DGP_CHECK(stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p) == STREAM_CRC_MISMATCH);
  DGP_CHECK(stream_add(kUpdateSmall.data(), kUpdateSmall.size(), small_spec(8), 1.0, acc.data(), &p) ==
            STREAM_ROUND_MISMATCH && p.got == 7 && p.want == 8);
  m = kUpdateSmall;
  // the scalar's value 42 -> a NaN (0x7fc00000: bytes 65..68 = 00 00 c0 7f)
  m[65] = 0x00; m[66] = 0x00; m[67] = 0xc0; m[68] = 0x7f;
  reseal(m);
  DGP_CHECK(stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p) == STREAM_NON_FINITE && p.layer == 2 && p.at == 65);
  m = kUpdateSmall;
  m[45] = 0xd6;  // delta 469 -> 470: index 600, out of range of w
  reseal(m);
  DGP_CHECK(stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p) == WIRE_OUT_OF_RANGE && p.layer == 1 && p.got == 2);
  m = kUpdateSmall;
  m[21] = 0x63;  // layer name 'b' -> 'c'
  reseal(m);
  DGP_CHECK(stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p) == STREAM_LAYER_MISMATCH && p.layer == 0 && p.at == 20);
  for (double v : acc) DGP_CHECK(v == 1.5);
}

DGP_TEST(stream_every_truncation_and_resealed_flip) {
  std::vector<double> ref(605, 0.0), acc(605, 0.0);
  StreamProblem p;
  for (size_t len = 0; len < kUpdateSmall.size(); ++len) {
    std::vector<uint8_t> m(kUpdateSmall.begin(), kUpdateSmall.begin() + long(len));  // exact-size buffer: ASan sees overreads
    DGP_CHECK(stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p) != STREAM_OK);
    if (len >= 24) {
      reseal(m);
      DGP_CHECK(stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p) != STREAM_OK);
    }
  }
  for (double v : acc) DGP_CHECK(v == 0.0);
  int accepted = 0;
  for (size_t bit = 24 * 8; bit < (kUpdateSmall.size() - 4) * 8; ++bit) {
    auto m = kUpdateSmall;
    m[bit / 8] ^= uint8_t(1u << (bit % 8));
    reseal(m);
    std::vector<double> before = acc;
    const int code = stream_add(m.data(), m.size(), small_spec(), 1.0, acc.data(), &p);
    if (code == STREAM_OK) ++accepted;
    else DGP_CHECK(acc == before);
  }
  DGP_CHECK(accepted > 0);  // value bits: still a valid message
}

DGP_TEST(stream_golden_partial_merge) {
  // partial-small.bin (FORMAT.md): round 7, b [4] sums {3, 1.25, 0, -2}, s [] {39}, 2 clients, weight 4.
  const std::vector<uint8_t> layout = {0x01, 0x62, 0x01, 0x04, 0x01, 0x73, 0x00};
  std::vector<uint8_t> m = {0x44, 0x47, 0x50, 0x57, 0x01, 0x04, 0x00, 0x00, 0x5b, 0, 0, 0, 0x07, 0, 0, 0, 0x02, 0, 0, 0,
                            0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x40,
                            0x01, 0x62, 0x01, 0x04};
  for (double v : {3.0, 1.25, 0.0, -2.0}) {
    uint8_t b[8];
    std::memcpy(b, &v, 8);
    m.insert(m.end(), b, b + 8);
  }
  m.insert(m.end(), {0x01, 0x73, 0x00});
  const double s = 39.0;
  uint8_t b[8];
  std::memcpy(b, &s, 8);
  m.insert(m.end(), b, b + 8);
  m.insert(m.end(), {0, 0, 0, 0});
  reseal(m);
  DGP_CHECK(m.size() == 91 && m[87] == 0xb2 && m[88] == 0x96 && m[89] == 0x3f && m[90] == 0x7a);  // the golden CRC
  const StreamSpec spec{KIND_UPDATE, 7, 0, layout.data(), layout.size(), 2, 5};
  std::vector<double> acc(5, 0.0);
  uint32_t clients = 0;
  double weight = 0;
  StreamProblem p;
  DGP_CHECK(partial_merge(m.data(), m.size(), spec, acc.data(), &clients, &weight, &p) == STREAM_OK);
  DGP_CHECK(clients == 2 && weight == 4.0 && acc[0] == 3.0 && acc[1] == 1.25 && acc[3] == -2.0 && acc[4] == 39.0);
  const double inf = INFINITY;
  std::memcpy(m.data() + 79, &inf, 8);
  reseal(m);
  DGP_CHECK(partial_merge(m.data(), m.size(), spec, acc.data(), &clients, &weight, &p) == STREAM_NON_FINITE && p.layer == 1);
  DGP_CHECK(acc[4] == 39.0);
}

DGP_TEST(stream_crc32_fast_matches_crc32) {
  std::mt19937 rng(11);
  std::vector<uint8_t> b(1 << 20);
  for (auto& x : b) x = uint8_t(rng());
  for (size_t len = 0; len <= 300; ++len)
    for (size_t off = 0; off < 4; ++off) DGP_CHECK_MSG(crc32_fast(b.data() + off, len) == crc32(b.data() + off, len), "len %zu off %zu", len, off);
  for (size_t len : {size_t(1000), size_t(4096), size_t(65537), b.size() - 3})
    DGP_CHECK(crc32_fast(b.data() + 3, len) == crc32(b.data() + 3, len));
  const char* s = "123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
  DGP_CHECK(crc32_fast(reinterpret_cast<const uint8_t*>(s), 9) == 0xCBF43926u);
  DGP_CHECK(crc32_fast(reinterpret_cast<const uint8_t*>(s), 72) == crc32(reinterpret_cast<const uint8_t*>(s), 72));
}
