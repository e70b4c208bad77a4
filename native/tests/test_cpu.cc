// CPU kernel vs the reference sort, and unit tests of the shared host/device helpers
// (radix_common.h) that the CUDA kernel uses too.
#include <cmath>
#include <limits>

#include "dual_select.h"
#include "radix_common.h"
#include "small_select.h"
#include "test_util.h"

using namespace dgp_test;

namespace dgp_test {

std::vector<uint8_t> cpu_codes(const std::vector<float>& g, uint64_t k_top, uint64_t k_bottom, int threads) {
  std::vector<uint8_t> codes(g.size(), 9);
  DgpLayer L{};
  L.values = g.data();
  L.n = g.size();
  L.k_top = k_top;
  L.k_bottom = k_bottom;
  L.codes = codes.data();
  const DgpStatus s = dgp::select_layers_cpu(&L, 1, threads);
  DGP_CHECK_MSG(s.code == DGP_OK, "status %d: %s", s.code, s.message);
  return codes;
}

}  // namespace dgp_test

DGP_TEST(radix_digits_cover_31_bits_once) {
  DGP_CHECK(dgp::digit_bits(0) + dgp::digit_bits(1) + dgp::digit_bits(2) == 31);
  const uint32_t key = 0x5a5a5a5au & dgp::kMagnitudeMask;
  uint32_t rebuilt = 0;
  for (int p = 0; p < dgp::kPasses; ++p) rebuilt = (rebuilt << dgp::digit_bits(p)) | dgp::key_digit(key, p);
  DGP_CHECK(rebuilt == key);
  DGP_CHECK(dgp::key_prefix(key, 0) == 0);
  DGP_CHECK(dgp::key_prefix(key, 2) == (key >> 9));
}

DGP_TEST(magnitude_key_orders_like_abs) {
  const float xs[] = {0.f, -0.f, 1e-45f, -2e-45f, 1e-38f, 0.5f, -0.75f, 1.f, 3e38f};
  for (float a : xs)
    for (float b : xs) {
      const bool by_key = dgp::magnitude_key(bits_of(a)) < dgp::magnitude_key(bits_of(b));
      DGP_CHECK_MSG(by_key == (std::fabs(a) < std::fabs(b)), "a=%g b=%g", a, b);
    }
  DGP_CHECK(dgp::is_non_finite(bits_of(std::numeric_limits<float>::infinity())));
  DGP_CHECK(dgp::is_non_finite(bits_of(-std::numeric_limits<float>::quiet_NaN())));
  DGP_CHECK(!dgp::is_non_finite(bits_of(3.4028235e38f)));
}

DGP_TEST(select_bucket_finds_rank_and_remainder) {
  uint32_t hist[8] = {3, 0, 2, 5, 0, 0, 1, 4};
  uint64_t rank = 6, below = 0;
  DGP_CHECK(dgp::select_bucket(hist, 8, &rank, &below) == 3);
  DGP_CHECK(rank == 1 && below == 5);
  rank = 0;
  DGP_CHECK(dgp::select_bucket(hist, 8, &rank, &below) == 0 && rank == 0);
  rank = 14;
  DGP_CHECK(dgp::select_bucket(hist, 8, &rank, &below) == 7 && rank == 3);
}

DGP_TEST(tie_rule_counts) {
  // 5 equal keys; ascending positions among them are index-descending.
  DGP_CHECK(dgp::top_tie_count(5, 0) == 5);  // wanted position 0 of the tie: all 5 are top
  DGP_CHECK(dgp::top_tie_count(5, 4) == 1);  // only the lowest index is top
  DGP_CHECK(dgp::bottom_first_tie_ordinal(5, 0) == 4);  // only the highest index is bottom
  DGP_CHECK(dgp::bottom_first_tie_ordinal(5, 4) == 0);  // all 5 are bottom
  dgp::Thresholds t = dgp::no_thresholds();
  DGP_CHECK(dgp::classify(0x7fffffffu, 0, t) == 1 && dgp::classify(0, 123, t) == 1);
  t.top_key = 10;
  t.top_index = 3;
  t.bottom_key = 2;
  t.bottom_index = 7;
  DGP_CHECK(dgp::classify(11, 99, t) == 2 && dgp::classify(10, 2, t) == 2 && dgp::classify(10, 3, t) == 1);
  DGP_CHECK(dgp::classify(1, 0, t) == 0 && dgp::classify(2, 7, t) == 0 && dgp::classify(2, 6, t) == 1);
}

DGP_TEST(cpu_matches_reference_on_all_distributions) {
  const Dist dists[] = {Dist::LogNormal, Dist::Uniform, Dist::AllEqual, Dist::FewValues,
                        Dist::SignedZeros, Dist::Subnormals, Dist::FullRange};
  const size_t sizes[] = {0, 1, 2, 3, 31, 1000, 70000, 400000};
  for (Dist d : dists)
    for (size_t n : sizes) {
      const auto g = make_input(d, n, n * 7 + int(d));
      const uint64_t cases[][2] = {{0, 0}, {n, 0}, {0, n}, {n / 100, n * 8 / 10}, {n / 2, n - n / 2}, {n > 0, 0}};
      for (auto& c : cases)
        for (int threads : {1, 2}) {
          const auto want = reference_codes(g, c[0], c[1]);
          const auto got = cpu_codes(g, c[0], c[1], threads);
          DGP_CHECK_MSG(got == want, "dist %d n %zu kTop %llu kBottom %llu threads %d", int(d), n,
                        (unsigned long long)c[0], (unsigned long long)c[1], threads);
        }
    }
}

DGP_TEST(cpu_reports_first_bad_value_of_lowest_layer) {
  std::vector<float> a(10, 1.f), b(100000, 0.5f), c(5, 2.f);
  b[77777] = std::numeric_limits<float>::quiet_NaN();
  b[88888] = std::numeric_limits<float>::infinity();
  c[1] = -std::numeric_limits<float>::infinity();
  DgpLayer L[3] = {};
  L[0].values = a.data(); L[0].n = a.size();
  L[1].values = b.data(); L[1].n = b.size();
  L[2].values = c.data(); L[2].n = c.size();
  const DgpStatus s = dgp::select_layers_cpu(L, 3, 2);
  DGP_CHECK(s.code == DGP_BAD_VALUE && s.layer == 1 && s.index == 77777);
}

// Every layer's cuts are found before any output is written: a NaN in the last layer leaves the
// outputs of every earlier layer (small, grouped on the pool, split across threads) untouched.
DGP_TEST(cpu_bad_value_leaves_every_output_untouched) {
  std::vector<size_t> sizes(300, 300);  // enough work to group the whole layers on the pool
  sizes.push_back(size_t(1) << 19);     // split across threads
  sizes.push_back(16);
  sizes.push_back(40000);               // the bad one (2048-bin path)
  for (int threads : {1, 2}) {
    std::vector<std::vector<float>> g(sizes.size());
    std::vector<std::vector<uint8_t>> codes(sizes.size());
    std::vector<std::vector<float>> pruned(sizes.size());
    std::vector<DgpLayer> L(sizes.size());
    for (size_t l = 0; l < sizes.size(); ++l) {
      g[l] = make_input(Dist(l % 7), sizes[l], l);
      codes[l].assign(sizes[l], 9);
      pruned[l].assign(sizes[l], 7.f);
      L[l] = DgpLayer{};
      L[l].values = g[l].data(); L[l].n = sizes[l]; L[l].k_top = sizes[l] / 100; L[l].k_bottom = sizes[l] / 2;
      L[l].codes = codes[l].data(); L[l].pruned = pruned[l].data();
    }
    g.back()[39999] = std::numeric_limits<float>::quiet_NaN();
    const DgpStatus s = dgp::select_layers_cpu(L.data(), L.size(), threads);
    DGP_CHECK(s.code == DGP_BAD_VALUE && s.layer == sizes.size() - 1 && s.index == 39999);
    for (size_t l = 0; l < sizes.size(); ++l) {
      DGP_CHECK_MSG(std::all_of(codes[l].begin(), codes[l].end(), [](uint8_t c) { return c == 9; }), "layer %zu threads %d", l, threads);
      DGP_CHECK_MSG(std::all_of(pruned[l].begin(), pruned[l].end(), [](float v) { return v == 7.f; }), "layer %zu threads %d", l, threads);
    }
  }
}

DGP_TEST(cpu_rejects_inconsistent_counts) {
  std::vector<float> a(10, 1.f);
  DgpLayer L{};
  L.values = a.data();
  L.n = 10;
  L.k_top = 6;
  L.k_bottom = 5;
  const DgpStatus s = dgp::select_layers_cpu(&L, 1, 1);
  DGP_CHECK(s.code == DGP_BAD_ARGUMENT && s.layer == 0);
}

DGP_TEST(cpu_sparse_and_pruned_outputs_agree_with_codes) {
  const auto g = make_input(Dist::LogNormal, 300000, 5);
  const uint64_t kt = 3000, kb = 240000, kept = g.size() - kt - kb;
  std::vector<uint8_t> codes(g.size());
  std::vector<float> pruned(g.size(), 7.f), vals(kept);
  std::vector<uint32_t> idx(kept);
  DgpLayer L{};
  L.values = g.data(); L.n = g.size(); L.k_top = kt; L.k_bottom = kb;
  L.codes = codes.data(); L.pruned = pruned.data(); L.kept_indices = idx.data(); L.kept_values = vals.data();
  DGP_CHECK(dgp::select_layers_cpu(&L, 1, 2).code == DGP_OK);
  size_t m = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (codes[i] == 1) {
      DGP_CHECK(idx[m] == i && bits_of(vals[m]) == bits_of(g[i]) && bits_of(pruned[i]) == bits_of(g[i]));
      ++m;
    } else {
      DGP_CHECK(bits_of(pruned[i]) == 0u);
    }
  }
  DGP_CHECK(m == kept);
}

DGP_TEST(cpu_sparse_indices_or_values_alone) {
  const auto g = make_input(Dist::FewValues, 400000, 8);
  const uint64_t kt = 4000, kb = 300000, kept = g.size() - kt - kb;
  std::vector<uint32_t> idx_both(kept), idx_only(kept);
  std::vector<float> val_both(kept), val_only(kept);
  for (int threads : {1, 2}) {
    DgpLayer both{}, only_idx{}, only_val{};
    both.values = only_idx.values = only_val.values = g.data();
    both.n = only_idx.n = only_val.n = g.size();
    both.k_top = only_idx.k_top = only_val.k_top = kt;
    both.k_bottom = only_idx.k_bottom = only_val.k_bottom = kb;
    both.kept_indices = idx_both.data();
    both.kept_values = val_both.data();
    only_idx.kept_indices = idx_only.data();
    only_val.kept_values = val_only.data();
    DGP_CHECK(dgp::select_layers_cpu(&both, 1, threads).code == DGP_OK);
    DGP_CHECK(dgp::select_layers_cpu(&only_idx, 1, threads).code == DGP_OK);
    DGP_CHECK(dgp::select_layers_cpu(&only_val, 1, threads).code == DGP_OK);
    DGP_CHECK(idx_only == idx_both);
    for (size_t j = 0; j < kept; ++j) DGP_CHECK(bits_of(val_only[j]) == bits_of(val_both[j]));
  }
}

// Every size class of the kernel (dual_select.h) on both sides of each boundary.
DGP_TEST(cpu_matches_reference_at_size_boundaries) {
  const uint64_t S = dgp::kSmallLayerMax, L = dgp::kSplitLayerMin;
  const uint64_t sizes[] = {S - 1, S, S + 1, L - 1, L, L + 1};
  const Dist dists[] = {Dist::LogNormal, Dist::FewValues, Dist::Subnormals};
  for (uint64_t n : sizes)
    for (Dist d : dists) {
      const auto g = make_input(d, n, n + 31 * int(d));
      const uint64_t cases[][2] = {{n / 100, n * 8 / 10}, {1, n - 1}, {n / 2, 0}};
      for (auto& c : cases) {
        const auto want = reference_codes(g, c[0], c[1]);
        for (int threads : {1, 2})
          DGP_CHECK_MSG(cpu_codes(g, c[0], c[1], threads) == want, "dist %d n %llu kTop %llu kBottom %llu threads %d",
                        int(d), (unsigned long long)n, (unsigned long long)c[0], (unsigned long long)c[1], threads);
      }
    }
}

// The small-layer path on every count pair of tiny layers (its early exits: a candidate list of
// one, ties filling a whole bucket, thresholds in the same bucket).
DGP_TEST(cpu_small_layers_every_count_pair) {
  const Dist dists[] = {Dist::LogNormal, Dist::AllEqual, Dist::FewValues, Dist::SignedZeros, Dist::FullRange};
  for (Dist d : dists)
    for (uint64_t n = 0; n <= 24; ++n) {
      const auto g = make_input(d, n, 1000 + n + 77 * int(d));
      for (uint64_t kt = 0; kt <= n; ++kt)
        for (uint64_t kb = 0; kb + kt <= n; ++kb)
          DGP_CHECK_MSG(cpu_codes(g, kt, kb, 1) == reference_codes(g, kt, kb), "dist %d n %llu kTop %llu kBottom %llu",
                        int(d), (unsigned long long)n, (unsigned long long)kt, (unsigned long long)kb);
    }
}

// Thousands of small layers in one call: grouped onto the pool (2 threads) or run inline (1),
// every output kind, the same bits as one call per layer; a NaN reports the lowest layer.
DGP_TEST(cpu_many_small_layers_one_call) {
  std::mt19937_64 rng(99);
  const size_t count = 3000;
  std::vector<std::vector<float>> g(count);
  std::vector<uint64_t> kt(count), kb(count);
  for (size_t l = 0; l < count; ++l) {
    const size_t n = rng() % 400;
    g[l] = make_input(Dist(rng() % 7), n, l);
    kt[l] = n ? rng() % (n / 10 + 1) : 0;
    kb[l] = n ? rng() % (n - kt[l] + 1) : 0;
  }
  for (int threads : {1, 2}) {
    std::vector<std::vector<uint8_t>> codes(count);
    std::vector<std::vector<float>> pruned(count), vals(count);
    std::vector<std::vector<uint32_t>> idx(count);
    std::vector<DgpLayer> layers(count);
    for (size_t l = 0; l < count; ++l) {
      const size_t n = g[l].size(), kept = n - kt[l] - kb[l];
      codes[l].assign(n, 9);
      pruned[l].assign(n, 7.f);
      vals[l].assign(kept, 7.f);
      idx[l].assign(kept, 7);
      DgpLayer& L = layers[l];
      L = DgpLayer{};
      L.values = g[l].data(); L.n = n; L.k_top = kt[l]; L.k_bottom = kb[l];
      L.codes = codes[l].data(); L.pruned = pruned[l].data();
      L.kept_indices = idx[l].data(); L.kept_values = vals[l].data();
    }
    DGP_CHECK(dgp::select_layers_cpu(layers.data(), count, threads).code == DGP_OK);
    for (size_t l = 0; l < count; ++l) {
      DGP_CHECK_MSG(codes[l] == reference_codes(g[l], kt[l], kb[l]), "layer %zu threads %d", l, threads);
      size_t m = 0;
      for (size_t i = 0; i < g[l].size(); ++i) {
        const bool kept = codes[l][i] == 1;
        DGP_CHECK(bits_of(pruned[l][i]) == (kept ? bits_of(g[l][i]) : 0u));
        if (kept) {
          DGP_CHECK(idx[l][m] == i && bits_of(vals[l][m]) == bits_of(g[l][i]));
          ++m;
        }
      }
    }
    std::vector<std::vector<float>> bad = {g[1234], g[2000]};
    bad[0].push_back(std::numeric_limits<float>::infinity());
    bad[0].push_back(std::numeric_limits<float>::quiet_NaN());
    bad[1].insert(bad[1].begin(), std::numeric_limits<float>::quiet_NaN());
    std::vector<DgpLayer> plain(count);
    for (size_t l = 0; l < count; ++l) {
      plain[l] = DgpLayer{};
      plain[l].values = g[l].data(); plain[l].n = g[l].size();
    }
    plain[1234].values = bad[0].data(); plain[1234].n = bad[0].size();
    plain[2000].values = bad[1].data(); plain[2000].n = bad[1].size();
    const DgpStatus s = dgp::select_layers_cpu(plain.data(), count, threads);
    DGP_CHECK(s.code == DGP_BAD_VALUE && s.layer == 1234 && s.index == g[1234].size());
  }
}
