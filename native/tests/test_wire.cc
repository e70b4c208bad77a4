// Native unit tests of the FL kernels (native/wire), including hostile inputs: every decode of
// truncated or corrupted index blocks must return a status without reading past `avail` (run
// under ASan/valgrind to check the "without"); `dgp_native_tests wire` runs just these.
#include "test_util.h"
#include "wire_kernels.h"

using namespace dgp_wire;

namespace {

std::vector<uint32_t> random_subset(uint64_t n, double density, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<uint32_t> out;
  for (uint64_t i = 0; i < n; ++i)
    if (u(rng) < density) out.push_back(uint32_t(i));
  return out;
}

std::vector<uint8_t> encode(const std::vector<uint32_t>& idx, uint64_t n, int coding) {
  std::vector<uint8_t> out(size_t(n / 8 + 5 * idx.size() + 8));
  const int64_t w = write_indices(idx.data(), idx.size(), n, coding, out.data(), out.size());
  DGP_CHECK(w >= 0);
  out.resize(size_t(w));
  return out;
}

int decode(const std::vector<uint8_t>& in, int coding, uint64_t count, uint64_t n, std::vector<uint32_t>* out,
           uint64_t* at = nullptr) {
  out->assign(size_t(count), 0);
  size_t consumed = 0;
  uint64_t where = 0;
  const int s = read_indices(in.data(), in.size(), coding, count, n, out->data(), &consumed, &where);
  if (at) *at = where;
  if (s == WIRE_OK) DGP_CHECK(consumed == in.size());
  return s;
}

}  // namespace

DGP_TEST(wire_crc32_check_value) {
  const char* s = "123456789";
  DGP_CHECK(crc32(reinterpret_cast<const uint8_t*>(s), 9) == 0xCBF43926u);
  DGP_CHECK(crc32(nullptr, 0) == 0);
  // Slice-by-8 and bytewise paths agree at every split.
  std::vector<uint8_t> b(1000);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 131 + 7);
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t x : b) {
    c ^= x;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  DGP_CHECK(crc32(b.data(), b.size()) == (c ^ 0xFFFFFFFFu));
}

DGP_TEST(wire_index_round_trip_both_codings) {
  for (uint64_t n : {0ull, 1ull, 9ull, 1000ull, 100000ull}) {
    for (double density : {0.0, 0.003, 0.09, 0.5, 1.0}) {
      const auto idx = random_subset(n, density, n * 7 + uint64_t(density * 100));
      size_t bad = 0;
      const int64_t dsize = delta_size(idx.data(), idx.size(), n, &bad);
      DGP_CHECK(dsize >= 0);
      for (int coding : {CODING_BITMAP, CODING_DELTA}) {
        const auto bytes = encode(idx, n, coding);
        DGP_CHECK(bytes.size() == size_t(coding == CODING_BITMAP ? (n + 7) / 8 : uint64_t(dsize)));
        std::vector<uint32_t> back;
        DGP_CHECK(decode(bytes, coding, idx.size(), n, &back) == WIRE_OK);
        DGP_CHECK(back == idx);
      }
    }
  }
}

DGP_TEST(wire_varint_edges) {
  // The largest index, 2^32-2, in a layer of 2^32-1: a 5-byte varint with top byte 0x0f.
  const uint64_t n = 0xFFFFFFFFull;
  const std::vector<uint32_t> idx = {0xFFFFFFFEu};
  const auto bytes = encode(idx, n, CODING_DELTA);
  DGP_CHECK(bytes.size() == 5 && bytes[4] == 0x0f);
  std::vector<uint32_t> back;
  DGP_CHECK(decode(bytes, CODING_DELTA, 1, n, &back) == WIRE_OK && back[0] == 0xFFFFFFFEu);
  DGP_CHECK(decode({0xff, 0xff, 0xff, 0xff, 0x10}, CODING_DELTA, 1, n, &back) == WIRE_VARINT_OVERFLOW);
  DGP_CHECK(decode({0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, CODING_DELTA, 1, n, &back) == WIRE_VARINT_OVERFLOW);
  DGP_CHECK(decode({0x81, 0x00}, CODING_DELTA, 1, n, &back) == WIRE_VARINT_OVERLONG);
  DGP_CHECK(decode({0x05, 0x00}, CODING_DELTA, 2, n, &back) == WIRE_NOT_ASCENDING);
  DGP_CHECK(decode({0x05, 0x03}, CODING_DELTA, 2, 8, &back) == WIRE_OUT_OF_RANGE);
  // Sum of deltas overflowing 32 bits is out of range, not wrapped.
  DGP_CHECK(decode({0xfe, 0xff, 0xff, 0xff, 0x0f, 0x05}, CODING_DELTA, 2, n, &back) == WIRE_OUT_OF_RANGE);
  DGP_CHECK(decode({0x05}, CODING_DELTA, 2, n, &back) == WIRE_TRUNCATED);
  DGP_CHECK(decode({}, 7, 0, n, &back) == WIRE_BAD_CODING);
}

DGP_TEST(wire_bitmap_hostile) {
  std::vector<uint32_t> back;
  uint64_t at = 0;
  DGP_CHECK(decode({0x0a}, CODING_BITMAP, 2, 4, &back) == WIRE_OK && back[0] == 1 && back[1] == 3);
  DGP_CHECK(decode({0x0a}, CODING_BITMAP, 1, 4, &back, &at) == WIRE_COUNT_MISMATCH && at == 1);
  DGP_CHECK(decode({0x0a}, CODING_BITMAP, 3, 4, &back, &at) == WIRE_COUNT_MISMATCH && at == 2);
  DGP_CHECK(decode({0x12}, CODING_BITMAP, 2, 4, &back, &at) == WIRE_BITMAP_PADDING && at == 4);
  DGP_CHECK(decode({0xff}, CODING_BITMAP, 5, 4, &back) == WIRE_OUT_OF_RANGE);  // count > n
  // A bitmap of 2^32-1 bits from 3 bytes: refused by length before any read.
  DGP_CHECK(decode({1, 2, 3}, CODING_BITMAP, 1, 0xFFFFFFFFull, &back) == WIRE_TRUNCATED);
}

DGP_TEST(wire_decode_every_truncation_and_flip) {
  const uint64_t n = 3000;
  const auto idx = random_subset(n, 0.05, 5);
  for (int coding : {CODING_BITMAP, CODING_DELTA}) {
    const auto bytes = encode(idx, n, coding);
    std::vector<uint32_t> back;
    for (size_t len = 0; len < bytes.size(); ++len) {
      // Exact-size copies so reading past the end would touch unowned memory under ASan.
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(len));
      DGP_CHECK(decode(cut, coding, idx.size(), n, &back) != WIRE_OK);
    }
    for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
      auto b = bytes;
      b[bit / 8] ^= uint8_t(1u << (bit % 8));
      back.assign(idx.size(), 0);
      size_t consumed = 0;
      uint64_t at = 0;
      const int s = read_indices(b.data(), b.size(), coding, idx.size(), n, back.data(), &consumed, &at);
      DGP_CHECK(s <= WIRE_OK && consumed <= b.size());
    }
  }
}

DGP_TEST(wire_write_refuses_bad_input_and_small_buffers) {
  const std::vector<uint32_t> bad = {3, 3};
  uint8_t out[16];
  size_t where = 0;
  DGP_CHECK(delta_size(bad.data(), 2, 10, &where) == -1 && where == 1);
  DGP_CHECK(write_indices(bad.data(), 2, 10, CODING_DELTA, out, sizeof out) == -1);
  DGP_CHECK(write_indices(bad.data(), 2, 10, CODING_BITMAP, out, sizeof out) == -1);
  const std::vector<uint32_t> ok = {1, 200};
  DGP_CHECK(write_indices(ok.data(), 2, 1000, CODING_BITMAP, out, sizeof out) == -1);  // needs 125 bytes
  DGP_CHECK(write_indices(ok.data(), 2, 1000, CODING_DELTA, out, 2) == -1);            // needs 3 bytes
  DGP_CHECK(write_indices(ok.data(), 2, 1000, 9, out, sizeof out) == -1);
}

DGP_TEST(wire_float_kernels) {
  const float nan = std::nanf("");
  const std::vector<float> v = {1.f, -0.f, 3.f};
  std::vector<uint8_t> raw(12);
  std::memcpy(raw.data(), v.data(), 12);
  std::vector<float> out(3);
  DGP_CHECK(read_values(raw.data(), 3, out.data()) == -1 && out == v);
  const std::vector<float> bad = {1.f, INFINITY, nan};
  DGP_CHECK(first_non_finite(bad.data(), 3) == 1);

  std::vector<float> dst(4, 0.f);
  const std::vector<uint32_t> idx = {0, 3, 9};
  const std::vector<float> val = {0.1f, 0.2f, 0.3f};
  DGP_CHECK(scatter(dst.data(), 4, idx.data(), val.data(), 3, 1.f, true) == 2);  // stops at index 9
  DGP_CHECK(dst[0] == 0.1f && dst[3] == 0.2f);
  // Unfused: w * v rounded to float32, then the sum rounded (what the TypeScript twin does).
  std::vector<float> acc = {1.f};
  const std::vector<float> x = {0.1f};
  axpy(acc.data(), x.data(), 1, 0.3f);
  const float prod = 0.3f * 0.1f;
  DGP_CHECK(dgp_test::bits_of(acc[0]) == dgp_test::bits_of(1.f + prod));

  const std::vector<float> p = {1.f, 2.f, 3.f, 4.f};
  const std::vector<uint8_t> codes = {0, 1, 2, 0};
  std::vector<float> e(4, 9.f);
  memory_update(p.data(), codes.data(), 4, MODE_BOTTOM, e.data());
  DGP_CHECK((e == std::vector<float>{1.f, 0.f, 0.f, 4.f}));
  memory_update(p.data(), codes.data(), 4, MODE_ALL, e.data());
  DGP_CHECK((e == std::vector<float>{1.f, 0.f, 3.f, 4.f}));
  memory_update(p.data(), codes.data(), 4, MODE_NONE, e.data());
  DGP_CHECK((e == std::vector<float>(4, 0.f)));

  std::vector<uint8_t> c = codes;
  const std::vector<uint32_t> pos = {1, 2};
  std::vector<float> sent(2);
  DGP_CHECK(aligned_gather(p.data(), c.data(), 4, pos.data(), 2, sent.data()) == -1);
  DGP_CHECK(sent[0] == 2.f && sent[1] == 0.f);                   // position 2 is own-top: withheld
  DGP_CHECK((c == std::vector<uint8_t>{0, 1, 2, 0}));
  const std::vector<uint32_t> far = {7};
  DGP_CHECK(aligned_gather(p.data(), c.data(), 4, far.data(), 1, sent.data()) == 0);
}
