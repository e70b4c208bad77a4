// libFuzzer harness (clang -fsanitize=fuzzer,address,undefined; .ci/steps/40-native-fuzz.sh) for
// the native decoder and the streaming aggregator's validate-then-apply path. The message kind
// byte picks the target, so the golden vectors of test/fixtures/wire/ are seeds as they are:
//   kind 1: stream_add of an update against update-small.bin's layout
//   kind 3: stream_add of aligned values against aligned.bin's positions
//   kind 4: partial_merge against partial-small.bin's layout
// Each input runs twice: as given (header and CRC paths) and with its length field and CRC
// recomputed (so mutations reach the layer parser). Invariants, checked with abort(): a rejected
// message leaves the sums bit-identical; an accepted one validates again. Every input also drives
// read_indices (the index-block decoder of decodeUpdate's native path) over its tail bytes, and
// the kernel table's functions (native/glue/kernel_table.h, as both glues call them) with
// offsets, ends and array lengths taken from the input: their guards must refuse every
// combination that would leave the exactly sized buffers.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../glue/kernel_table.h"
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

// The table's functions over exactly sized buffers with hostile offsets and lengths. A refused
// call (g.arg != 0) must have written nothing; ASan checks that none reads or writes outside.
void run_table(const uint8_t* data, size_t size) {
  using namespace dgp_kernels;
  if (size < 16) return;
  const std::vector<uint8_t> bytes(data + 16, data + size);
  const uint64_t a = data[8], b = uint64_t(data[9]) << 4 | (data[10] & 15), n = data[11] + (uint64_t(data[12]) << 8);
  const int coding = data[13] & 3;
  {
    Guard g;
    crc32(g, {bytes.data(), bytes.size()}, a, b);
    check(g.arg == 0 || g.arg == 3);
  }
  {
    std::vector<uint32_t> out(data[14] % 64, 7u);
    std::vector<double> at(data[15] & 1, -1.0);
    const std::vector<uint32_t> keep = out;
    Guard g;
    readIndices(g, {bytes.data(), bytes.size()}, a, b, uint64_t(coding), n, {out.data(), out.size()}, {at.data(), at.size()});
    if (g.arg) check(out == keep && (at.empty() || at[0] == -1.0));
  }
  {
    std::vector<float> out(data[14] % 64, 7.f);
    Guard g;
    readValues(g, {bytes.data(), bytes.size()}, a, {out.data(), out.size()});
    if (g.arg) for (float v : out) check(v == 7.f);
  }
  {
    std::vector<uint8_t> out(data[15] % 40, 9);
    std::vector<uint32_t> idx;
    for (size_t i = 0; i + 1 < bytes.size() && idx.size() < 32; i += 2) idx.push_back(bytes[i] | uint32_t(bytes[i + 1]) << 8);
    Guard g;
    writeIndices(g, {out.data(), out.size()}, a % 48, {idx.data(), idx.size()}, n, uint64_t(coding));
    check(g.arg == 0 || g.arg == 2);
    const bool short_values = (data[13] & 0x80) != 0 && !idx.empty();  // lengths that disagree
    std::vector<float> dst(data[14] % 64, 0.f), vals(idx.size() - (short_values ? 1 : 0), 1.f);
    Guard h;
    scatter(h, {dst.data(), dst.size()}, {idx.data(), idx.size()}, {vals.data(), vals.size()}, 0.5, (data[13] & 4) != 0);
    check(h.arg == 0 || h.arg == 3);
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
  run_table(data, size);
  return 0;
}
