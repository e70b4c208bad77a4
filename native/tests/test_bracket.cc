// The sample-bracketed path of large layers (bracket_select.h): exact whenever it answers, a
// Miss (and the exact radix path, through select_layers_cpu) whenever the sample misjudges.
// Named cpu_* so the DGP_SIMD levels step of CI runs them on each vector path.
#include <cmath>
#include <limits>

#include "bracket_select.h"
#include "dual_select.h"
#include "test_util.h"

using namespace dgp_test;

namespace {

const uint32_t* bits(const std::vector<float>& g) { return reinterpret_cast<const uint32_t*>(g.data()); }

// Runs the bracketed path on its own; when it answers, its thresholds must be find_thresholds'
// and its codes the reference's. Returns what it answered.
dgp::BracketResult check_bracketed(const std::vector<float>& g, uint64_t k_top, uint64_t k_bottom, int parts) {
  const uint64_t n = g.size();
  std::vector<uint8_t> codes(n, 9);
  dgp::Thresholds got{};
  const dgp::BracketResult r =
      dgp::find_thresholds_bracketed(bits(g), n, k_top, k_bottom, codes.data(), parts, parts, &got);
  if (r != dgp::BracketResult::Done) return r;
  dgp::Thresholds want{};
  uint64_t bad = 0;
  DGP_CHECK(dgp::find_thresholds(g.data(), n, k_top, k_bottom, 1, &want, &bad));
  DGP_CHECK_MSG(got.top_key == want.top_key && got.top_index == want.top_index &&
                    got.bottom_key == want.bottom_key && got.bottom_index == want.bottom_index,
                "n %llu kTop %llu kBottom %llu parts %d", (unsigned long long)n,
                (unsigned long long)k_top, (unsigned long long)k_bottom, parts);
  DGP_CHECK_MSG(codes == reference_codes(g, k_top, k_bottom), "codes: n %llu kTop %llu kBottom %llu parts %d",
                (unsigned long long)n, (unsigned long long)k_top, (unsigned long long)k_bottom, parts);
  return r;
}

}  // namespace

// Smooth distributions take the path (so it is really tested) and get it right at every kind of
// cut, including the ends of the order and cuts next to each other.
DGP_TEST(cpu_bracket_exact_when_it_answers) {
  const uint64_t n = dgp::kBracketMin + 4099;  // not a multiple of the sample stride or a block
  const Dist dists[] = {Dist::LogNormal, Dist::Uniform, Dist::Subnormals, Dist::FullRange, Dist::SignedZeros};
  for (Dist d : dists) {
    const auto g = make_input(d, n, 5 + int(d));
    const uint64_t cases[][2] = {{n / 100, n * 8 / 10}, {n / 100, 0}, {0, n * 8 / 10}, {1, 1},
                                 {n, 0},       {0, n},           {n / 2, n - n / 2}, {n / 3, n / 3}};
    for (auto& c : cases)
      for (int parts : {1, 2}) {
        const dgp::BracketResult r = check_bracketed(g, c[0], c[1], parts);
        if (d == Dist::LogNormal || d == Dist::Uniform)
          DGP_CHECK_MSG(r == dgp::BracketResult::Done, "dist %d kTop %llu kBottom %llu parts %d answered %d", int(d),
                        (unsigned long long)c[0], (unsigned long long)c[1], parts, int(r));
      }
  }
}

// A cut inside a tie group bigger than the candidate cap: predicted from the sample, so the
// layer goes to the exact path without a wasted pass; the call is still exact.
DGP_TEST(cpu_bracket_ties_go_to_the_exact_path) {
  const uint64_t n = dgp::kBracketMin * 2;
  for (Dist d : {Dist::AllEqual, Dist::FewValues}) {
    const auto g = make_input(d, n, 11 + int(d));
    DGP_CHECK(check_bracketed(g, n / 100, n * 8 / 10, 1) == dgp::BracketResult::Miss);
    DGP_CHECK(cpu_codes(g, n / 100, n * 8 / 10, 1) == reference_codes(g, n / 100, n * 8 / 10));
  }
}

// Inputs the sample misjudges: the sampled keys are larger than all others (the cuts fall
// outside both intervals: the counts say so), or the unsampled keys all equal one key inside
// the top interval (the candidates overflow their cap). Both are a Miss; the call is exact.
DGP_TEST(cpu_bracket_misses_fall_back_exactly) {
  const uint64_t n = dgp::kBracketMin * 2 + 77;
  const uint64_t s = dgp::bracket_sample_size(n);
  std::vector<char> sampled(n, 0);
  for (uint64_t j = 0; j < s; ++j) sampled[dgp::bracket_sample_at(n, s, j)] = 1;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uni(0.f, 1.f);

  std::vector<float> high(n);  // sampled keys in [2, 3), the rest in [0, 1)
  for (uint64_t i = 0; i < n; ++i) high[i] = sampled[i] ? 2.f + uni(rng) : -uni(rng);
  std::vector<float> flat(n);  // sampled keys spread over [0, 1), the rest all 0.99
  for (uint64_t i = 0; i < n; ++i) flat[i] = sampled[i] ? uni(rng) : 0.99f;

  for (const auto* g : {&high, &flat}) {
    for (int parts : {1, 2})
      DGP_CHECK(check_bracketed(*g, n / 100, n * 8 / 10, parts) == dgp::BracketResult::Miss);
    for (int threads : {1, 2})
      DGP_CHECK(cpu_codes(*g, n / 100, n * 8 / 10, threads) == reference_codes(*g, n / 100, n * 8 / 10));
  }
}

// A NaN or Infinity anywhere, sampled or not, is reported with its first index.
DGP_TEST(cpu_bracket_reports_non_finite) {
  const uint64_t n = dgp::kBracketMin + 1000;
  const uint64_t s = dgp::bracket_sample_size(n);
  const uint64_t at[] = {0, n - 1, dgp::bracket_sample_at(n, s, 5), dgp::bracket_sample_at(n, s, 5) + 1};
  for (uint64_t i : at)
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
      auto g = make_input(Dist::LogNormal, n, 99);
      g[i] = bad;
      dgp::Thresholds t{};
      DGP_CHECK(dgp::find_thresholds_bracketed(bits(g), n, n / 100, n / 2, nullptr, 1, 1, &t) ==
                dgp::BracketResult::NonFinite);
      DgpLayer L{};
      L.values = g.data();
      L.n = n;
      L.k_top = n / 100;
      L.k_bottom = n / 2;
      std::vector<uint8_t> codes(n);
      L.codes = codes.data();
      const DgpStatus st = dgp::select_layers_cpu(&L, 1, 1);
      DGP_CHECK_MSG(st.code == DGP_BAD_VALUE && st.index == i, "index %llu: got %d at %llu", (unsigned long long)i,
                    st.code, (unsigned long long)st.index);
    }
}

// Pruned and sparse outputs next to the codes the pass wrote, and alone (no codes asked).
DGP_TEST(cpu_bracket_other_outputs_agree_with_codes) {
  const uint64_t n = dgp::kBracketMin + 5;
  const auto g = make_input(Dist::LogNormal, n, 123);
  const auto want = reference_codes(g, n / 100, n * 8 / 10);
  for (bool with_codes : {true, false}) {
    std::vector<uint8_t> codes(n, 9);
    std::vector<float> pruned(n, 7.f);
    uint64_t kept = 0;
    for (uint8_t c : want) kept += c == 1;
    std::vector<uint32_t> idx(kept);
    std::vector<float> val(kept);
    DgpLayer L{};
    L.values = g.data();
    L.n = n;
    L.k_top = n / 100;
    L.k_bottom = n * 8 / 10;
    L.codes = with_codes ? codes.data() : nullptr;
    L.pruned = pruned.data();
    L.kept_indices = idx.data();
    L.kept_values = val.data();
    DGP_CHECK(dgp::select_layers_cpu(&L, 1, 1).code == DGP_OK);
    if (with_codes) DGP_CHECK(codes == want);
    uint64_t j = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const bool keep = want[i] == 1;
      DGP_CHECK(bits_of(pruned[i]) == (keep ? bits_of(g[i]) : 0u));
      if (keep) {
        DGP_CHECK(idx[j] == i && bits_of(val[j]) == bits_of(g[i]));
        ++j;
      }
    }
  }
}
