// CUDA backend tests. The first group checks the host-and-device helpers and the host-side plan
// on the CPU (they run everywhere), including a CPU emulation of the kernel sequence built from
// the same helpers. The second group runs the kernels on a device and compares every output
// with reference_codes() and with the CPU kernel, bit for bit; without a device those tests are
// reported as skipped with the reason.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cuda_common.cuh"
#include "cuda_plan.cuh"
#include "dgp_cuda.h"
#include "dual_select.h"
#include "test_util.h"

using namespace dgp_test;

namespace {

const Dist kAllDists[] = {Dist::LogNormal,   Dist::Uniform,    Dist::AllEqual, Dist::FewValues,
                          Dist::SignedZeros, Dist::Subnormals, Dist::FullRange};

const char* dist_name(Dist d) {
  switch (d) {
    case Dist::LogNormal: return "lognormal";
    case Dist::Uniform: return "uniform";
    case Dist::AllEqual: return "all-equal";
    case Dist::FewValues: return "few-values";
    case Dist::SignedZeros: return "signed-zeros";
    case Dist::Subnormals: return "subnormals";
    case Dist::FullRange: return "full-range";
  }
  return "?";
}

// (kTop, kBottom) pairs for a layer of n elements: the edges and a few ordinary cuts.
std::vector<std::pair<uint64_t, uint64_t>> k_cases(uint64_t n) {
  std::vector<std::pair<uint64_t, uint64_t>> c = {{0, 0}, {n, 0}, {0, n}};
  if (n >= 1) c.push_back({1, 0}), c.push_back({0, 1});
  if (n >= 2) c.push_back({1, n - 1}), c.push_back({n - 1, 1}), c.push_back({1, 1});
  c.push_back({n / 100, n * 8 / 10});  // the DGP default shape: top 1%, bottom 80%
  c.push_back({n / 3, n / 3});
  c.push_back({n / 2, n - n / 2});     // kTop + kBottom = n
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

// ---- CPU emulation of the kernel sequence, from the shared helpers ------------------------------
// Mirrors dgp_cuda_kernels.cuh: three histogram passes per side with select_bucket and
// side_advance, finalize_sides, then tiles (of `tile` elements, small here to stress the tile
// boundaries) with the tie ordinals and kept offsets of the tile scan.
std::vector<uint8_t> emulate(const std::vector<float>& g, uint64_t k_top, uint64_t k_bottom,
                             uint32_t tile) {
  using namespace dgp;
  using namespace dgp::cuda;
  const uint32_t n = (uint32_t)g.size();
  std::vector<uint32_t> keys(n);
  for (uint32_t i = 0; i < n; ++i) keys[i] = magnitude_key(bits_of(g[i]));
  Side sides[2] = {init_top_side(n, (uint32_t)k_top), init_bottom_side(n, (uint32_t)k_bottom)};
  for (int pass = 0; pass < kPasses; ++pass) {
    for (Side& s : sides) {
      if (!s.active) continue;
      std::vector<uint32_t> hist(digit_bins(pass), 0);
      for (uint32_t k : keys)
        if (side_matches(s, k, pass)) ++hist[key_digit(k, pass)];
      uint64_t rank = s.rank, below = 0;
      const uint32_t b = select_bucket(hist.data(), digit_bins(pass), &rank, &below);
      side_advance(&s, pass, b, (uint32_t)rank, hist[b]);
    }
  }
  const Final f = finalize_sides(sides[0], sides[1]);
  std::vector<uint8_t> codes(n);
  Counts tile_before = zero_counts();
  uint64_t kept = 0;
  for (uint32_t start = 0; start < n; start += tile) {
    const uint32_t end = std::min<uint64_t>(n, (uint64_t)start + tile);
    Counts total = zero_counts();
    for (uint32_t i = start; i < end; ++i) total = add_counts(total, element_counts(keys[i], f));
    Thresholds th = tile_thresholds(f, tile_before, total);
    uint32_t tt = tile_before.top_ties, tb = tile_before.bottom_ties;
    for (uint32_t i = start; i < end; ++i) {
      if (keys[i] == f.top_key) {
        if (tt == f.top_ties) th.top_index = i;
        ++tt;
      }
      if (keys[i] == f.bottom_key) {
        if (tb == f.bottom_first) th.bottom_index = i;
        ++tb;
      }
    }
    Counts run = tile_before;
    for (uint32_t i = start; i < end; ++i) {
      DGP_CHECK_MSG(kept_before(i, run, f) == kept, "kept offset at %u: %llu vs %llu", i,
                    (unsigned long long)kept_before(i, run, f), (unsigned long long)kept);
      codes[i] = classify(keys[i], i, th);
      kept += codes[i] == 1;
      run = add_counts(run, element_counts(keys[i], f));
    }
    tile_before = add_counts(tile_before, total);
  }
  return codes;
}

// ---- Device test helpers -----------------------------------------------------------------------

void require_cuda() {
  char why[256];
  if (dgp_cuda_device_count(why, sizeof why) == 0)
    throw Skip{std::string("no CUDA device: ") + why};
}

// One layer of a call with all four outputs.
struct Job {
  std::vector<float> g;
  uint64_t k_top = 0, k_bottom = 0;
  std::vector<uint8_t> codes;
  std::vector<float> pruned;
  std::vector<uint32_t> kept_indices;
  std::vector<float> kept_values;
  std::string what;

  Job(std::vector<float> values, uint64_t kt, uint64_t kb, std::string name)
      : g(std::move(values)), k_top(kt), k_bottom(kb), what(std::move(name)) {
    const size_t n = g.size(), kept = n - kt - kb;
    codes.assign(n, 0xee);  // poison: every byte must be written
    pruned.assign(n, float_of(0x7fc0dead));
    kept_indices.assign(kept, 0xdeadbeefu);
    kept_values.assign(kept, float_of(0x7fc0dead));
  }

  DgpLayer layer() {
    DgpLayer L;
    L.values = g.data();
    L.n = g.size();
    L.k_top = k_top;
    L.k_bottom = k_bottom;
    L.codes = codes.data();
    L.pruned = pruned.data();
    L.kept_indices = kept_indices.data();
    L.kept_values = kept_values.data();
    return L;
  }
};

// Checks all outputs of `j` against the expected class codes, bit for bit (SPEC §4).
void expect_outputs(const Job& j, const std::vector<uint8_t>& expected) {
  const size_t n = j.g.size();
  for (size_t i = 0; i < n; ++i)
    DGP_CHECK_MSG(j.codes[i] == expected[i], "%s: code[%zu] = %d, expected %d", j.what.c_str(), i,
                  j.codes[i], expected[i]);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t want = expected[i] == 1 ? bits_of(j.g[i]) : 0u;
    DGP_CHECK_MSG(bits_of(j.pruned[i]) == want, "%s: pruned[%zu] = %08x, expected %08x",
                  j.what.c_str(), i, bits_of(j.pruned[i]), want);
    if (expected[i] != 1) continue;
    DGP_CHECK_MSG(k < j.kept_indices.size(), "%s: more kept elements than slots", j.what.c_str());
    DGP_CHECK_MSG(j.kept_indices[k] == i, "%s: kept_indices[%zu] = %u, expected %zu",
                  j.what.c_str(), k, j.kept_indices[k], i);
    DGP_CHECK_MSG(bits_of(j.kept_values[k]) == bits_of(j.g[i]), "%s: kept_values[%zu] differs",
                  j.what.c_str(), k);
    ++k;
  }
  DGP_CHECK_MSG(k == j.kept_indices.size(), "%s: %zu kept, expected %zu", j.what.c_str(), k,
                j.kept_indices.size());
}

void run_cuda(std::vector<Job>& jobs) {
  std::vector<DgpLayer> layers;
  for (Job& j : jobs) layers.push_back(j.layer());
  const DgpStatus s = dgp_cuda_select_layers(layers.data(), layers.size());
  DGP_CHECK_MSG(s.code == DGP_OK, "status %d: %s", s.code, s.message);
}

// The CPU kernel's codes for one layer (`threads` as in select_layers_cpu).
std::vector<uint8_t> cpu_codes(Job copy, int threads) {
  std::vector<Job> one{std::move(copy)};
  DgpLayer L = one[0].layer();
  const DgpStatus s = dgp::select_layers_cpu(&L, 1, threads);
  DGP_CHECK_MSG(s.code == DGP_OK, "CPU status %d: %s", s.code, s.message);
  return one[0].codes;
}

// reference_codes() for several (kTop, kBottom) of one input, sorting once (large layers).
std::vector<uint32_t> reference_order(const std::vector<float>& g) {
  std::vector<uint32_t> order(g.size());
  for (size_t i = 0; i < g.size(); ++i) order[i] = (uint32_t)i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const uint32_t ka = bits_of(g[a]) & 0x7fffffffu, kb = bits_of(g[b]) & 0x7fffffffu;
    return ka != kb ? ka > kb : a < b;
  });
  return order;
}

std::vector<uint8_t> codes_from_order(const std::vector<uint32_t>& order, uint64_t k_top,
                                      uint64_t k_bottom) {
  const size_t n = order.size();
  std::vector<uint8_t> codes(n, 1);
  for (size_t r = 0; r < k_top; ++r) codes[order[r]] = 2;
  for (size_t r = n - k_bottom; r < n; ++r) codes[order[r]] = 0;
  return codes;
}

}  // namespace

// ==== CPU-side tests of the shared helpers and the host plan ====================================

DGP_TEST(cuda_helpers_sides_and_final) {
  using namespace dgp::cuda;
  // Inactive sides (k = 0) never remove anything, whatever the key.
  const Final none = finalize_sides(init_top_side(10, 0), init_bottom_side(10, 0));
  for (uint32_t key : {0u, 1u, 0x3f800000u, 0x7f7fffffu}) {
    const Counts c = element_counts(key, none);
    DGP_CHECK(c.strict == 0 && c.top_ties == 0);
    const dgp::Thresholds th = tile_thresholds(none, zero_counts(), c);
    DGP_CHECK(dgp::classify(key, 0, th) == 1 && dgp::classify(key, 9, th) == 1);
  }
  // k = n on either side: ascending position 0 for the top, n-1 for the bottom.
  const Side t = init_top_side(10, 10), b = init_bottom_side(10, 10);
  DGP_CHECK(t.active && t.rank == 0 && b.active && b.rank == 9);
  // side_advance appends digits: after the three passes the prefix is the whole key.
  Side s = init_top_side(10, 1);
  const uint32_t key = 0x3f8ab123u;
  for (int pass = 0; pass < dgp::kPasses; ++pass) {
    DGP_CHECK(side_matches(s, key, pass));
    side_advance(&s, pass, dgp::key_digit(key, pass), 0, 1);
  }
  DGP_CHECK(s.prefix == key);
  // One tie at the key, wanted at position 0 among the ties: the tie is top (ordinal 0 < 1).
  const Final f = finalize_sides(s, init_bottom_side(10, 0));
  DGP_CHECK(f.top_key == key && f.top_ties == 1);
}

DGP_TEST(cuda_helpers_ordinal_place_and_tile_thresholds) {
  using namespace dgp::cuda;
  DGP_CHECK(ordinal_place(2, 3, 4) == -1);
  DGP_CHECK(ordinal_place(3, 3, 4) == 0);
  DGP_CHECK(ordinal_place(6, 3, 4) == 0);
  DGP_CHECK(ordinal_place(7, 3, 4) == 1);
  DGP_CHECK(ordinal_place(3, 3, 0) == 1);
  Final f;
  f.top_key = 100;
  f.bottom_key = 5;
  f.top_ties = 2;
  f.bottom_first = 10;
  Counts before = zero_counts(), total = zero_counts();
  before.top_ties = 5;   // the tile starts after the 2 top ties: none of its ties is top
  total.top_ties = 3;
  before.bottom_ties = 12;  // and after the first bottom tie: all of its ties are bottom
  total.bottom_ties = 1;
  dgp::Thresholds th = tile_thresholds(f, before, total);
  DGP_CHECK(dgp::classify(100, 1000, th) == 1);  // tie at top_key, ordinal >= 2: kept
  DGP_CHECK(dgp::classify(5, 1000, th) == 0);    // tie at bottom_key, ordinal >= 10: bottom
  before.top_ties = 0;
  before.bottom_ties = 0;
  total.top_ties = 1;
  total.bottom_ties = 1;
  th = tile_thresholds(f, before, total);
  // Ordinal 2 of the top ties and 10 of the bottom ties lie beyond this tile.
  DGP_CHECK(dgp::classify(100, 1000, th) == 2);
  DGP_CHECK(dgp::classify(5, 1000, th) == 1);
}

DGP_TEST(cuda_helpers_kept_before) {
  using namespace dgp::cuda;
  // Brute force over small layers: kept_before(i) equals the number of kept elements in [0, i).
  for (Dist d : kAllDists) {
    for (size_t n : {1u, 2u, 7u, 33u, 200u}) {
      const std::vector<float> g = make_input(d, n, 11 + n);
      for (auto kk : k_cases(n)) {
        const std::vector<uint8_t> want = reference_codes(g, kk.first, kk.second);
        const std::vector<uint8_t> got = emulate(g, kk.first, kk.second, 1);  // checks kept_before
        DGP_CHECK_MSG(got == want, "%s n=%zu kTop=%llu kBottom=%llu", dist_name(d), n,
                      (unsigned long long)kk.first, (unsigned long long)kk.second);
      }
    }
  }
}

DGP_TEST(cuda_emulated_pipeline_matches_reference) {
  // The kernel sequence's logic, run on the CPU from the same helpers, with tiles of several
  // sizes so ties and kept runs cross tile boundaries in every way.
  for (Dist d : kAllDists) {
    for (size_t n : {0u, 1u, 2u, 3u, 16u, 17u, 100u, 1000u, 5000u}) {
      const std::vector<float> g = make_input(d, n, 1000 + n);
      for (auto kk : k_cases(n)) {
        const std::vector<uint8_t> want = reference_codes(g, kk.first, kk.second);
        for (uint32_t tile : {1u, 3u, 16u, 4096u}) {
          DGP_CHECK_MSG(emulate(g, kk.first, kk.second, tile) == want,
                        "%s n=%zu kTop=%llu kBottom=%llu tile=%u", dist_name(d), n,
                        (unsigned long long)kk.first, (unsigned long long)kk.second, tile);
        }
      }
    }
  }
}

DGP_TEST(cuda_plan_layout) {
  using namespace dgp::cuda;
  std::vector<std::vector<float>> data = {make_input(Dist::Uniform, 5, 1), {},
                                          make_input(Dist::Uniform, 100000, 2),
                                          make_input(Dist::Uniform, 4096, 3)};
  std::vector<uint8_t> codes(100000);
  std::vector<DgpLayer> layers(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    std::memset(&layers[i], 0, sizeof(DgpLayer));
    layers[i].values = data[i].data();
    layers[i].n = data[i].size();
    layers[i].k_top = data[i].size() / 10;
    layers[i].k_bottom = data[i].size() / 2;
  }
  layers[2].codes = codes.data();
  Plan p;
  DgpStatus st;
  DGP_CHECK(build_plan(layers.data(), layers.size(), &p, &st));
  DGP_CHECK(p.layers.size() == 3);  // the empty layer has no device work
  DGP_CHECK(p.position[0] == 0 && p.position[1] == 2 && p.position[2] == 3);
  DGP_CHECK(p.outputs == kOutCodes);
  uint64_t expect_offset = 0, expect_kept = 0;
  for (size_t i = 0; i < p.layers.size(); ++i) {
    const LayerDesc& d = p.layers[i];
    DGP_CHECK(d.offset == expect_offset && d.offset % kAlign == 0);
    DGP_CHECK(d.kept_offset == expect_kept);
    expect_offset += round_up(d.n, kAlign);
    expect_kept += d.n - d.k_top - d.k_bottom;
    DGP_CHECK(d.list_cap == (d.n >= kListMinLayer ? d.n / kListDivisor : 0));
    // Segments and tiles cover [0, n) exactly, in order.
    uint64_t covered = 0;
    for (const Segment& s : p.segments) {
      if (s.layer != i) continue;
      DGP_CHECK(s.start == covered && s.len > 0 && s.len <= kSegment && s.start % kAlign == 0);
      covered += s.len;
    }
    DGP_CHECK(covered == d.n);
    uint32_t tiles = 0;
    for (size_t t = 0; t < p.tiles.size(); ++t) {
      if (p.tiles[t].layer != i) continue;
      DGP_CHECK(t == d.first_tile + tiles);
      DGP_CHECK(p.tiles[t].start == (uint64_t)tiles * kTile);
      ++tiles;
    }
    DGP_CHECK((uint64_t)tiles * kTile >= d.n && (uint64_t)(tiles - 1) * kTile < d.n);
  }
  DGP_CHECK(p.elements == expect_offset && p.kept == expect_kept);
}

DGP_TEST(cuda_plan_rejects_like_cpu) {
  // Same status, layer and message as the CPU kernel's check_layer for each kind of bad layer.
  std::vector<float> g(10, 1.f);
  DgpLayer cases[4];
  for (DgpLayer& L : cases) {
    std::memset(&L, 0, sizeof L);
    L.values = g.data();
    L.n = g.size();
  }
  cases[0].k_top = 6, cases[0].k_bottom = 5;
  cases[1].values = nullptr;
  cases[2].n = 0x100000000ull;
  cases[3].k_top = 11;
  for (const DgpLayer& bad : cases) {
    DgpLayer layers[2] = {cases[0], bad};
    layers[0].k_top = 1, layers[0].k_bottom = 1;
    dgp::cuda::Plan p;
    DgpStatus gpu, cpu;
    DGP_CHECK(!dgp::cuda::build_plan(layers, 2, &p, &gpu));
    DGP_CHECK(!dgp::check_layer(bad, 1, &cpu));
    DGP_CHECK(gpu.code == DGP_BAD_ARGUMENT && gpu.code == cpu.code && gpu.layer == 1);
    DGP_CHECK_MSG(std::strcmp(gpu.message, cpu.message) == 0, "'%s' vs '%s'", gpu.message, cpu.message);
  }
}

DGP_TEST(cuda_staging_windows) {
  using namespace dgp::cuda;
  char host[1];
  const std::vector<Piece> pieces = {{host, 0, 100},       {host, 112, 50},  {host, 162, 0},
                                     {host, 170, 1000},    {host, 1000000, 10}};
  const std::vector<Window> w = staging_windows(pieces, 256);
  // First run [0, 1170) in windows of at most 256 bytes, then [1000000, 1000010).
  uint64_t at = 0;
  size_t i = 0;
  for (; i < w.size() && w[i].start < 1000000; ++i) {
    DGP_CHECK(w[i].start == at && w[i].bytes <= 256 && w[i].bytes > 0);
    at += w[i].bytes;
  }
  DGP_CHECK(at == 1170);
  DGP_CHECK(i + 1 == w.size() && w[i].start == 1000000 && w[i].bytes == 10);
}

DGP_TEST(cuda_device_count_reports_reason) {
  char why[256] = "unset";
  const int n = dgp_cuda_device_count(why, sizeof why);
  DGP_CHECK(n >= 0);
  if (n == 0) DGP_CHECK_MSG(why[0] != '\0' && std::strcmp(why, "unset") != 0, "empty reason");
  if (!dgp_cuda_compiled()) DGP_CHECK(n == 0);
}

// ==== Device tests (skipped without a CUDA device) ===============================================

DGP_TEST(cuda_matches_reference_all_distributions) {
  require_cuda();
  // Every distribution and size class, every k edge case, each combination once as a single
  // layer call and once more inside one batch per distribution.
  const size_t sizes[] = {1, 2, 3, 5, 15, 16, 17, 31, 100, 1000, 2047, 2048, 2049, 4095,
                          4096, 4097, 10000, 32768, 32769, 65536, 70001};
  for (Dist d : kAllDists) {
    std::vector<Job> batch;
    std::vector<std::vector<uint8_t>> expected;
    for (size_t n : sizes) {
      const std::vector<float> g = make_input(d, n, 7 * n + int(d));
      for (auto kk : k_cases(n)) {
        char name[96];
        std::snprintf(name, sizeof name, "%s n=%zu kTop=%llu kBottom=%llu", dist_name(d), n,
                      (unsigned long long)kk.first, (unsigned long long)kk.second);
        batch.emplace_back(g, kk.first, kk.second, name);
        expected.push_back(reference_codes(g, kk.first, kk.second));
      }
    }
    run_cuda(batch);
    for (size_t i = 0; i < batch.size(); ++i) expect_outputs(batch[i], expected[i]);
    // A few of them alone (a one-layer call has its own, simplest launch geometry).
    for (size_t i = 0; i < batch.size(); i += 7) {
      std::vector<Job> one{Job(batch[i].g, batch[i].k_top, batch[i].k_bottom, batch[i].what)};
      run_cuda(one);
      expect_outputs(one[0], expected[i]);
    }
  }
}

DGP_TEST(cuda_matches_cpu_large_layers) {
  require_cuda();
  // Sizes where layers span many segments and tiles, the candidate lists are used (or overflow:
  // all-equal and few-values), up to 10^7 elements.
  struct Case {
    Dist d;
    size_t n;
  };
  const Case cases[] = {{Dist::LogNormal, 1000003}, {Dist::Uniform, 1 << 20},
                        {Dist::FewValues, 999999},  {Dist::AllEqual, 1048577},
                        {Dist::FullRange, 777777},  {Dist::SignedZeros, 500001},
                        {Dist::Subnormals, 600000}, {Dist::LogNormal, 10000000},
                        {Dist::FewValues, 10000000}};
  for (const Case& c : cases) {
    const std::vector<float> g = make_input(c.d, c.n, 99 + c.n);
    const std::vector<uint32_t> order = reference_order(g);
    for (auto kk : {std::make_pair(c.n / 100, c.n * 8 / 10), std::make_pair(c.n / 2, c.n / 2),
                    std::make_pair(size_t(1), c.n - 1), std::make_pair(size_t(0), c.n / 7)}) {
      char name[96];
      std::snprintf(name, sizeof name, "%s n=%zu kTop=%zu kBottom=%zu", dist_name(c.d), c.n,
                    kk.first, kk.second);
      std::vector<Job> one{Job(g, kk.first, kk.second, name)};
      run_cuda(one);
      expect_outputs(one[0], codes_from_order(order, kk.first, kk.second));
      // And the CPU kernel, single-threaded (its own suite covers its threading).
      DGP_CHECK_MSG(one[0].codes == cpu_codes(Job(g, kk.first, kk.second, name), 1),
                    "%s: CUDA vs CPU kernel", name);
    }
  }
}

DGP_TEST(cuda_many_small_layers_one_batch) {
  require_cuda();
  // A model of 700 tensors, mostly tiny (biases, norms), a few large, random counts each.
  std::mt19937_64 rng(2024);
  std::vector<Job> jobs;
  std::vector<std::vector<uint8_t>> expected;
  for (int l = 0; l < 700; ++l) {
    size_t n = rng() % 6 == 0 ? 0 : size_t(rng() % 3000);
    if (l % 97 == 5) n = 200000 + rng() % 100000;
    const Dist d = kAllDists[rng() % 7];
    const std::vector<float> g = make_input(d, n, rng());
    const uint64_t kt = n ? rng() % (n + 1) : 0;
    const uint64_t kb = n - kt ? rng() % (n - kt + 1) : 0;
    char name[96];
    std::snprintf(name, sizeof name, "layer %d %s n=%zu", l, dist_name(d), n);
    jobs.emplace_back(g, kt, kb, name);
    expected.push_back(reference_codes(g, kt, kb));
  }
  run_cuda(jobs);
  for (size_t i = 0; i < jobs.size(); ++i) expect_outputs(jobs[i], expected[i]);
}

DGP_TEST(cuda_optional_outputs_and_reuse) {
  require_cuda();
  // Null output pointers are skipped; a large call followed by smaller ones must not see stale
  // state from the buffers it reuses.
  const std::vector<float> big = make_input(Dist::LogNormal, 3000000, 5);
  std::vector<Job> first{Job(big, 30000, 2400000, "big")};
  run_cuda(first);
  expect_outputs(first[0], codes_from_order(reference_order(big), 30000, 2400000));

  const std::vector<float> g = make_input(Dist::Uniform, 50000, 6);
  const std::vector<uint8_t> want = reference_codes(g, 500, 40000);
  std::vector<uint8_t> codes(g.size(), 0xee);
  std::vector<uint32_t> idx(g.size() - 40500, 0);
  DgpLayer L;
  std::memset(&L, 0, sizeof L);
  L.values = g.data();
  L.n = g.size();
  L.k_top = 500;
  L.k_bottom = 40000;
  L.codes = codes.data();
  DgpStatus s = dgp_cuda_select_layers(&L, 1);
  DGP_CHECK_MSG(s.code == DGP_OK, "%s", s.message);
  DGP_CHECK(codes == want);
  L.codes = nullptr;
  L.kept_indices = idx.data();
  s = dgp_cuda_select_layers(&L, 1);
  DGP_CHECK_MSG(s.code == DGP_OK, "%s", s.message);
  size_t k = 0;
  for (size_t i = 0; i < g.size(); ++i)
    if (want[i] == 1) DGP_CHECK(idx[k++] == i);
  // Empty call, empty layers, and a layer with nothing to write.
  DGP_CHECK(dgp_cuda_select_layers(nullptr, 0).code == DGP_OK);
  DgpLayer empty;
  std::memset(&empty, 0, sizeof empty);
  DGP_CHECK(dgp_cuda_select_layers(&empty, 1).code == DGP_OK);
  L.kept_indices = nullptr;
  DGP_CHECK(dgp_cuda_select_layers(&L, 1).code == DGP_OK);
}

DGP_TEST(cuda_reports_bad_values) {
  require_cuda();
  const float nan = float_of(0x7fc00000u), inf = float_of(0x7f800000u), ninf = float_of(0xff800000u);
  std::vector<std::vector<float>> data = {
      make_input(Dist::Uniform, 100, 1), make_input(Dist::Uniform, 0, 2),
      make_input(Dist::LogNormal, 2000000, 3), make_input(Dist::Uniform, 10, 4)};
  data[2][1500000] = nan;   // a later segment
  data[2][70000] = ninf;    // the first bad index of the lowest bad layer
  data[2][1999999] = inf;
  data[3][0] = nan;
  std::vector<DgpLayer> layers(data.size());
  std::vector<uint8_t> codes(2000000);
  for (size_t i = 0; i < data.size(); ++i) {
    std::memset(&layers[i], 0, sizeof(DgpLayer));
    layers[i].values = data[i].data();
    layers[i].n = data[i].size();
    layers[i].codes = codes.data();
  }
  DgpStatus s = dgp_cuda_select_layers(layers.data(), layers.size());
  DGP_CHECK_MSG(s.code == DGP_BAD_VALUE && s.layer == 2 && s.index == 70000,
                "code %d layer %llu index %llu: %s", s.code, (unsigned long long)s.layer,
                (unsigned long long)s.index, s.message);
  const DgpStatus cpu = dgp::select_layers_cpu(layers.data(), layers.size(), 1);
  DGP_CHECK(cpu.code == s.code && cpu.layer == s.layer && cpu.index == s.index);
  DGP_CHECK_MSG(std::strcmp(cpu.message, s.message) == 0, "'%s' vs '%s'", cpu.message, s.message);
  // Bad values in a tiny layer, found with counts of zero too.
  layers[2].values = data[0].data();
  layers[2].n = data[0].size();
  layers[3].k_top = 3;
  s = dgp_cuda_select_layers(layers.data(), layers.size());
  DGP_CHECK(s.code == DGP_BAD_VALUE && s.layer == 3 && s.index == 0);
  // Bad arguments are reported before any device work, like the CPU kernel.
  layers[3].values = data[3].data();
  layers[1].k_top = 1;
  s = dgp_cuda_select_layers(layers.data(), layers.size());
  DGP_CHECK(s.code == DGP_BAD_ARGUMENT && s.layer == 1);
}
