// libFuzzer harness (clang -fsanitize=fuzzer,address,undefined; .ci/steps/40-native-fuzz.sh) for
// the native decoder and the streaming aggregator's validate-then-apply path. The message kind
// byte picks the target, so the golden vectors of test/fixtures/wire/ are seeds as they are:
//   kind 1: stream_add of an update against update-small.bin's layout
//   kind 3: stream_add of aligned values against aligned.bin's positions
//   kind 4: partial_merge against partial-small.bin's layout
// Each input runs twice: as given (header and CRC paths) and with its length field and CRC
// recomputed (so mutations reach the layer parser). Invariants, checked with abort(): a rejected
// message leaves the sums bit-identical; an accepted one validates again. Every input also drives
// read_indices (the index-block decoder of decodeUpdate's native path) over its tail bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "stream_aggregate.h"
#include "wire_kernels.h"

using namespace dgp_wire;

namespace {

const uint8_t kUpdateLayout[] = {0x01, 0x62, 0x01, 0x04, 0x01, 0x77, 0x02, 0x02, 0xac, 0x02, 0x01, 0x73, 0x00};
const uint8_t kAlignedLayout[] = {0x0c, 'd', 'e', 'n', 's', 'e', '/', 'k', 'e', 'r', 'n', 'e', 'l', 0x05};
const uint8_t kPartialLayout[] = {0x01, 0x62, 0x01, 0x04, 0x01, 0x73, 0x00};

uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

void check(bool ok) {
  if (!ok) std::abort();
}

void run_stream(const std::vector<uint8_t>& m) {
  if (m.size() < 6) return;
  const int kind = m[5];
  // The spec takes the message's own round, so the fuzzer need not guess it.
  const uint32_t round = m.size() >= 16 ? le32(m.data() + 12) : 0;
  StreamSpec spec{};
  if (kind == KIND_UPDATE || kind == 0) spec = {KIND_UPDATE, round, 0, kUpdateLayout, sizeof kUpdateLayout, 3, 605};
  else if (kind == KIND_ALIGNED) spec = {KIND_ALIGNED, round, 0x838dbb86u, kAlignedLayout, sizeof kAlignedLayout, 1, 5};
  else if (kind == KIND_PARTIAL) spec = {KIND_UPDATE, round, 0, kPartialLayout, sizeof kPartialLayout, 2, 5};
  else return;
  std::vector<double> acc(size_t(spec.total), 0.25), before = acc;
  StreamProblem p;
  int code;
  if (kind == KIND_PARTIAL) {
    uint32_t clients = 0;
    double weight = 0;
    code = partial_merge(m.data(), m.size(), spec, acc.data(), &clients, &weight, &p);
    if (code == STREAM_OK) check(partial_validate(m.data(), m.size(), spec, &clients, &weight, &p) == STREAM_OK);
  } else {
    code = stream_add(m.data(), m.size(), spec, 1.5, acc.data(), &p);
    if (code == STREAM_OK) check(stream_validate(m.data(), m.size(), spec, &p) == STREAM_OK);
  }
  if (code != STREAM_OK) check(std::memcmp(acc.data(), before.data(), acc.size() * sizeof(double)) == 0);
  check(code == p.code);
}

void run_indices(const uint8_t* data, size_t size) {
  if (size < 12) return;
  const int coding = data[0] & 1;
  const uint64_t n = le32(data + 4) & 0xFFFFFu;  // up to 2^20: bounds the output buffer
  const uint64_t count = (uint64_t(data[1]) | uint64_t(data[2]) << 8) % (n + 1);
  std::vector<uint32_t> out(static_cast<size_t>(count), 0u);
  size_t consumed = 0;
  uint64_t at = 0;
  const int s = read_indices(data + 12, size - 12, coding, count, n, out.data(), &consumed, &at);
  if (s == WIRE_OK) {
    check(consumed <= size - 12);
    for (size_t j = 0; j < out.size(); ++j) check(out[j] < n && (j == 0 || out[j] > out[j - 1]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> m(data, data + size);  // exact-size heap copy: ASan sees any overread
  run_stream(m);
  if (m.size() >= 24) {
    const uint32_t n = uint32_t(m.size());
    std::memcpy(m.data() + 8, &n, 4);
    const uint32_t c = crc32(m.data(), m.size() - 4);
    std::memcpy(m.data() + m.size() - 4, &c, 4);
    run_stream(m);
  }
  run_indices(data, size);
  return 0;
}
