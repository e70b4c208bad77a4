// The kernel table's functions (native/glue/kernel_table.h, defined in native/wire/wire_surface.cc)
// refuse every argument set that would take them out of bounds before touching memory, and
// otherwise return what the plain kernels return. Buffers are exactly sized, so under the
// sanitizer build (.ci/steps/40-native-sanitizers.sh) any read or write past them fails.
#include "table_args.h"
#include "test_util.h"
#include "wire_kernels.h"

DGP_TEST(table_kernels_refuse_out_of_bounds_arguments) {
  using namespace dgp_kernels;
  std::vector<uint8_t> bytes(10, 0xff), codes(4, 0);
  std::vector<uint32_t> idx = {1, 3}, out2(2);
  std::vector<float> f2(2, 1.f), f3(3, 1.f), f4(4, 1.f);
  std::vector<double> at1(1, 0), at0;
  const auto refused = [](auto run, int arg) {
    Guard g;
    run(g);
    DGP_CHECK_MSG(g.arg == arg, "refused argument %d, want %d", g.arg, arg);
  };
  refused([&](Guard& g) { crc32(g, in(bytes), 0, 11); }, 3);
  refused([&](Guard& g) { crc32(g, in(bytes), 6, 5); }, 3);
  refused([&](Guard& g) { writeIndices(g, mut(bytes), 11, in(idx), 8, 0); }, 2);
  refused([&](Guard& g) { readIndices(g, in(bytes), 0, 11, 0, 8, mut(out2), mut(at1)); }, 3);
  refused([&](Guard& g) { readIndices(g, in(bytes), 0, 1, 0, 8, mut(out2), mut(at0)); }, 7);
  refused([&](Guard& g) { readValues(g, in(bytes), 3, mut(f2)); }, 2);
  refused([&](Guard& g) { readValues(g, in(bytes), 11, mut(f2)); }, 2);
  refused([&](Guard& g) { scatter(g, mut(f4), in(idx), in(f3), 1, true); }, 3);
  refused([&](Guard& g) { axpy(g, mut(f2), in(f3), 1); }, 2);
  refused([&](Guard& g) { add(g, in(f2), in(f3), mut(f2)); }, 2);
  refused([&](Guard& g) { add(g, in(f2), in(f2), mut(f3)); }, 3);
  refused([&](Guard& g) { memoryUpdate(g, in(f4), in(codes), 3, mut(f4)); }, 3);
  refused([&](Guard& g) { memoryUpdate(g, in(f3), in(codes), 0, mut(f3)); }, 2);
  refused([&](Guard& g) { memoryUpdate(g, in(f4), in(codes), 0, mut(f3)); }, 4);
  refused([&](Guard& g) { alignedGather(g, in(f3), mut(codes), in(idx), mut(f2)); }, 2);
  refused([&](Guard& g) { alignedGather(g, in(f4), mut(codes), in(idx), mut(f3)); }, 4);
}

DGP_TEST(table_kernels_return_the_plain_kernels_results) {
  using namespace dgp_kernels;
  Guard g;
  const std::vector<uint8_t> check = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  DGP_CHECK(crc32(g, in(check), 0, 9) == double(0xCBF43926u));
  std::vector<uint8_t> block(8, 0);
  const std::vector<uint32_t> idx = {1, 3, 200};
  DGP_CHECK(writeIndices(g, mut(block), 2, in(idx), 256, dgp_wire::CODING_DELTA) == 2 + 3 + 1);
  std::vector<uint32_t> back(3);
  std::vector<double> at(1, -1);
  DGP_CHECK(readIndices(g, in(block), 2, 8, dgp_wire::CODING_DELTA, 256, mut(back), mut(at)) == 6);
  DGP_CHECK(back == idx && at[0] == -1);
  DGP_CHECK(readIndices(g, in(block), 2, 8, dgp_wire::CODING_DELTA, 100, mut(back), mut(at)) == dgp_wire::WIRE_OUT_OF_RANGE);
  DGP_CHECK(at[0] == 2);
  DGP_CHECK(deltaSize(g, in(idx), 100) == -3);
  DGP_CHECK(g.arg == 0);
}

DGP_TEST(table_kernels_take_empty_arrays_with_null_data) {
  // An empty typed array may reach the kernels with a null data pointer (N-API gives one for a
  // zero-length buffer); memcpy/memset with null is undefined even for 0 bytes (found by the
  // fuzz step, .ci/steps/41-native-fuzz.sh).
  using namespace dgp_kernels;
  Guard g;
  const uint8_t byte = 0;
  DGP_CHECK(readValues(g, {&byte, 1}, 0, {nullptr, 0}) == -1);
  memoryUpdate(g, {nullptr, 0}, {nullptr, 0}, 2, {nullptr, 0});
  DGP_CHECK(writeIndices(g, {nullptr, 0}, 0, {nullptr, 0}, 0, 0) == 0);
  DGP_CHECK(g.arg == 0);
}
