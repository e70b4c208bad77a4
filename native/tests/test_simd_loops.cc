// The vector loops' edges: every short size at every float offset with every output kind through
// the public call (whichever loops this build and DGP_SIMD run), and, on aarch64, each NEON loop
// of select_neon.h on its own against the scalar rule: tails, unaligned starts, every lane mask,
// tie-heavy keys with -0, +0 and subnormals, thresholds at every index.
#include <limits>

#include "dual_select.h"
#include "radix_common.h"
#include "select_neon.h"
#include "small_select.h"
#include "test_util.h"

using namespace dgp_test;

namespace {

// One layer at `offset` floats past a 16-byte boundary, every output asked for, checked against
// the reference; outputs are offset too, and the slots around them must stay untouched.
void check_all_outputs(const std::vector<float>& g, uint64_t kt, uint64_t kb, size_t offset, int threads) {
  const size_t n = g.size(), kept = n - kt - kb, pad = 8;
  std::vector<float> in(n + 2 * pad, 9.f);
  std::copy(g.begin(), g.end(), in.begin() + offset);
  std::vector<uint8_t> codes(n + 2 * pad, 9);
  std::vector<float> pruned(n + 2 * pad, 7.f), vals(kept + 2 * pad, 7.f);
  std::vector<uint32_t> idx(kept + 2 * pad, 7);
  DgpLayer L{};
  L.values = in.data() + offset; L.n = n; L.k_top = kt; L.k_bottom = kb;
  L.codes = codes.data() + offset; L.pruned = pruned.data() + offset;
  L.kept_indices = idx.data() + offset; L.kept_values = vals.data() + offset;
  const DgpStatus s = dgp::select_layers_cpu(&L, 1, threads);
  DGP_CHECK_MSG(s.code == DGP_OK, "status %d: %s", s.code, s.message);
  const auto want = reference_codes(g, kt, kb);
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    DGP_CHECK_MSG(codes[offset + i] == want[i], "n %zu kTop %llu kBottom %llu offset %zu threads %d at %zu", n,
                  (unsigned long long)kt, (unsigned long long)kb, offset, threads, i);
    const bool is_kept = want[i] == 1;
    DGP_CHECK_MSG(bits_of(pruned[offset + i]) == (is_kept ? bits_of(g[i]) : 0u), "pruned n %zu at %zu", n, i);
    if (is_kept) {
      DGP_CHECK_MSG(idx[offset + m] == i && bits_of(vals[offset + m]) == bits_of(g[i]), "sparse n %zu at %zu", n, i);
      ++m;
    }
  }
  DGP_CHECK(m == kept);
  for (size_t j = 0; j < offset; ++j)
    DGP_CHECK(codes[j] == 9 && pruned[j] == 7.f && idx[j] == 7 && vals[j] == 7.f);
  for (size_t j = offset + n; j < codes.size(); ++j) DGP_CHECK(codes[j] == 9 && pruned[j] == 7.f);
  for (size_t j = offset + kept; j < idx.size(); ++j) DGP_CHECK(idx[j] == 7 && vals[j] == 7.f);
}

}  // namespace

DGP_TEST(cpu_simd_every_short_size_and_offset) {
  const Dist dists[] = {Dist::LogNormal, Dist::Uniform, Dist::AllEqual, Dist::FewValues,
                        Dist::SignedZeros, Dist::Subnormals, Dist::FullRange};
  std::mt19937_64 rng(4242);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 67; ++n) sizes.push_back(n);
  for (size_t n : {100, 1000, 4099}) sizes.push_back(n);
  for (size_t n : sizes)
    for (Dist d : dists) {
      const auto g = make_input(d, n, 31 * n + int(d));
      const uint64_t r1 = n ? rng() % (n + 1) : 0, r2 = rng() % (n - r1 + 1);
      const uint64_t cases[][2] = {{0, 0}, {n, 0}, {0, n}, {n / 10, n * 8 / 10}, {n > 0, n > 0 ? n - 1 : 0}, {r1, r2}};
      for (auto& c : cases)
        for (size_t offset = 0; offset < 4; ++offset) check_all_outputs(g, c[0], c[1], offset, 1);
    }
}

// Layers past the small path: compaction and the output passes over whole blocks, and with two
// threads a split at an odd element, so each part's loops start unaligned.
DGP_TEST(cpu_simd_large_layers_unaligned_parts) {
  const uint64_t sizes[] = {dgp::kSmallLayerMax + 5, dgp::kSplitLayerMin + 3};
  const Dist dists[] = {Dist::LogNormal, Dist::FewValues, Dist::SignedZeros, Dist::Subnormals};
  for (uint64_t n : sizes)
    for (Dist d : dists) {
      const auto g = make_input(d, n, n + 7 * int(d));
      for (int threads : {1, 2}) {
        check_all_outputs(g, n / 100, n * 8 / 10, 1, threads);
        check_all_outputs(g, n / 3, n / 3, 3, threads);
      }
    }
}

#if DGP_NEON

namespace {

struct TestCut {
  uint32_t top_key, bottom_key, top_index, bottom_index;
};

// Bit patterns with many ties: both zeros, subnormals, normals, the largest finite, both signs.
uint32_t tie_heavy(std::mt19937_64& rng) {
  static const uint32_t pool[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007fffffu,
                                  0x00800000u, 0x3f800000u, 0xbf800000u, 0x3f800001u, 0x7f7fffffu,
                                  0xff7fffffu, 0x00000002u};
  if (rng() % 8 == 0) {
    uint32_t u;
    do { u = uint32_t(rng()); } while ((u & dgp::kExponentMask) == dgp::kExponentMask);
    return u;
  }
  return pool[rng() % (sizeof pool / sizeof pool[0])];
}

// A cut of the form make_cut builds: keys taken from the data (so ties sit at the threshold), any
// index in or around the range, and the "never" forms.
TestCut random_cut(std::mt19937_64& rng, const std::vector<uint32_t>& bits, uint64_t end) {
  TestCut c;
  auto some_key = [&] { return bits.empty() ? 0u : bits[rng() % bits.size()] & dgp::kMagnitudeMask; };
  c.top_key = some_key();
  c.top_index = uint32_t(rng() % (end + 2));
  c.bottom_key = some_key();
  c.bottom_index = uint32_t(rng() % (end + 2));
  if (c.bottom_key > c.top_key) std::swap(c.bottom_key, c.top_key);
  switch (rng() % 6) {
    case 0: c.top_key = 0x7fffffffu; c.top_index = 0; break;   // never top
    case 1: c.bottom_key = 0; c.bottom_index = 0xffffffffu; break;  // never bottom
    case 2: c.bottom_key = c.top_key; break;                    // both thresholds on one key
    default: break;
  }
  return c;
}

uint8_t rule(uint32_t raw, uint64_t i, const TestCut& c) {
  dgp::Thresholds t;
  t.top_key = c.top_key; t.bottom_key = c.bottom_key; t.top_index = c.top_index; t.bottom_index = c.bottom_index;
  return dgp::classify(raw & dgp::kMagnitudeMask, i, t);
}

struct VectorSink {
  std::vector<uint64_t>* at;
  std::vector<uint32_t>* idx;
  std::vector<uint32_t>* val;
  void put(uint64_t a, uint32_t i, uint32_t b) const {
    at->push_back(a);
    idx->push_back(i);
    val->push_back(b);
  }
};

// Every (begin, end) with begin < 8 and a length up to 67, plus long random ranges.
template <class F>
void for_each_range(std::mt19937_64& rng, F&& f) {
  for (uint64_t begin = 0; begin < 8; ++begin)
    for (uint64_t len = 0; len <= 67; ++len) f(begin, begin + len);
  for (int r = 0; r < 40; ++r) {
    const uint64_t begin = rng() % 64;
    f(begin, begin + rng() % 5000);
  }
}

}  // namespace

DGP_TEST(neon_output_loops_match_the_rule) {
  std::mt19937_64 rng(77);
  for_each_range(rng, [&](uint64_t begin, uint64_t end) {
    std::vector<uint32_t> bits(end + 16);
    for (auto& b : bits) b = tie_heavy(rng);
    for (int trial = 0; trial < 4; ++trial) {
      const TestCut c = random_cut(rng, bits, end);
      std::vector<uint8_t> codes(bits.size(), 9);
      std::vector<uint32_t> pruned(bits.size(), 7);
      dgp::neon::write_codes(bits.data(), begin, end, c, codes.data());
      dgp::neon::write_pruned(bits.data(), begin, end, c, pruned.data());
      const uint64_t counted = dgp::neon::count_kept(bits.data(), begin, end, c);
      std::vector<uint64_t> at;
      std::vector<uint32_t> idx, val;
      const uint64_t start = rng() % 5;
      const uint64_t last = dgp::neon::write_sparse(bits.data(), begin, end, c, start, VectorSink{&at, &idx, &val});
      uint64_t kept = 0;
      for (uint64_t i = 0; i < bits.size(); ++i) {
        const bool inside = i >= begin && i < end;
        const uint8_t want = rule(bits[i], i, c);
        DGP_CHECK_MSG(codes[i] == (inside ? want : 9), "begin %llu end %llu at %llu code %d want %d",
                      (unsigned long long)begin, (unsigned long long)end, (unsigned long long)i, codes[i], want);
        DGP_CHECK_MSG(pruned[i] == (inside ? (want == 1 ? bits[i] : 0u) : 7u), "begin %llu end %llu at %llu got %x bits %x want %d", (unsigned long long)begin, (unsigned long long)end, (unsigned long long)i, pruned[i], bits[i], want);
        if (inside && want == 1) {
          DGP_CHECK(kept < idx.size() && at[kept] == start + kept && idx[kept] == i && val[kept] == bits[i]);
          ++kept;
        }
      }
      DGP_CHECK(counted == kept && idx.size() == kept && last == start + kept);
    }
  });
}

namespace {

struct ListSink {
  uint32_t* keys;
  uint32_t* index;
  uint64_t at;
  uint32_t bucket;
};

void compact_tail(const uint32_t* bits, uint64_t i, uint64_t end, ListSink& top, ListSink& bottom) {
  for (; i < end; ++i) {
    const uint32_t k = bits[i] & dgp::kMagnitudeMask;
    for (ListSink* s : {&top, &bottom})
      if ((k >> 20) == s->bucket) {
        s->keys[s->at] = k;
        s->index[s->at++] = uint32_t(i);
      }
  }
}

}  // namespace

// Candidates of two top-digit buckets, in both layouts (the radix path's key >> 20 through
// neon::compact, the small path's key >> 23 through neon::compact_small): lanes drawn from the
// two buckets' digits and two others, so every 4-lane mask of each list occurs (counted below);
// the buckets equal, and one that never matches. The lists must hold exactly the matches in
// index order and nothing may be written past 4 spare slots.
DGP_TEST(neon_compaction_matches_the_filter) {
  std::mt19937_64 rng(91);
  for (int shift : {20, 23}) {
    const uint32_t bins = 1u << (31 - shift), low = (1u << shift) - 1;
    bool seen_top[16] = {}, seen_bottom[16] = {};
    for_each_range(rng, [&](uint64_t begin, uint64_t end) {
      for (int trial = 0; trial < 3; ++trial) {
        const uint32_t digits[4] = {uint32_t(rng() % bins), uint32_t(rng() % bins), 0, bins == 2048 ? 0x7f7u : 0xfeu};
        std::vector<uint32_t> bits(end + 16);
        for (auto& b : bits) b = (digits[rng() % 4] << shift) | (uint32_t(rng()) & (0x80000000u | low));
        uint32_t tb = digits[0], bb = trial == 1 ? digits[0] : digits[1];
        if (trial == 2 && rng() % 2) (rng() % 2 ? tb : bb) = shift == 20 ? 0xffffffffu : 0x100u;
        const uint32_t sentinel = 0xdeadbeefu;
        const uint64_t start = rng() % 5;
        std::vector<uint32_t> tk(start + bits.size() + 8, sentinel), ti(tk), bk(tk), bi(tk);
        ListSink top{tk.data(), ti.data(), start, tb}, bottom{bk.data(), bi.data(), start, bb};
        uint64_t first = 0;  // the index the loop numbers bits[begin] with
        if (shift == 20) {
          dgp::neon::compact(bits.data(), begin, end, top, bottom, compact_tail);
        } else {
          dgp::neon::compact_small(bits.data() + begin, end - begin, tb, bb, top.keys, top.index, top.at, bottom.keys,
                                   bottom.index, bottom.at, dgp::small_detail::compact_small_scalar);
          first = begin;
        }
        for (const ListSink* s : {&top, &bottom}) {
          uint64_t at = start;
          for (uint64_t i = begin; i < end; ++i) {
            const uint32_t k = bits[i] & dgp::kMagnitudeMask;
            if ((k >> shift) != s->bucket) continue;
            DGP_CHECK_MSG(s->keys[at] == k && s->index[at] == i - first, "shift %d begin %llu end %llu i %llu", shift,
                          (unsigned long long)begin, (unsigned long long)end, (unsigned long long)i);
            ++at;
          }
          DGP_CHECK(s->at == at);
          for (uint64_t j = 0; j < start; ++j) DGP_CHECK(s->keys[j] == sentinel && s->index[j] == sentinel);
          for (uint64_t j = at + 4; j < tk.size(); ++j) DGP_CHECK(s->keys[j] == sentinel && s->index[j] == sentinel);
        }
        // The lane masks the 16-element blocks' 4-lane groups met.
        for (uint64_t block = begin; block + 16 <= end; block += 16)
          for (uint64_t g = block; g < block + 16; g += 4) {
            unsigned mt = 0, mb = 0;
            for (int l = 0; l < 4; ++l) {
              mt |= unsigned(((bits[g + l] & dgp::kMagnitudeMask) >> shift) == tb) << l;
              mb |= unsigned(((bits[g + l] & dgp::kMagnitudeMask) >> shift) == bb) << l;
            }
            seen_top[mt] = seen_bottom[mb] = true;
          }
      }
    });
    for (int m = 0; m < 16; ++m)
      DGP_CHECK_MSG(seen_top[m] && seen_bottom[m], "shift %d: lane mask %d never tested", shift, m);
  }
}

namespace {

// The bracketed pass's inputs and outputs, field for field as bracket_select.cc has them.
struct TestBounds {
  uint32_t above, below;
  uint32_t top_lo, top_hi, bottom_lo, bottom_hi;
  uint32_t top_mid, bottom_mid;
};
struct TestTally {
  uint64_t above = 0, below = 0;
  uint32_t max_key = 0;
};
struct TestList {
  uint32_t* keys;
  uint32_t* index;
  uint64_t at;
};

// The pass by its definition (bracket_select.cc: BracketBounds), one key at a time.
void bracket_by_definition(const uint32_t* bits, uint64_t i, uint64_t end, const TestBounds& b, uint8_t* codes,
                           TestList& top, TestList& bottom, TestTally& t) {
  for (; i < end; ++i) {
    const uint32_t k = bits[i] & dgp::kMagnitudeMask;
    t.above += k > b.above;
    t.below += k < b.below;
    t.max_key = std::max(t.max_key, k);
    if (codes) codes[i] = uint8_t(1 + (k > b.top_mid) - (k < b.bottom_mid));
    if (k >= b.top_lo && k <= b.top_hi) {
      top.keys[top.at] = k;
      top.index[top.at++] = uint32_t(i);
    }
    if (k >= b.bottom_lo && k <= b.bottom_hi) {
      bottom.keys[bottom.at] = k;
      bottom.index[bottom.at++] = uint32_t(i);
    }
  }
}

}  // namespace

// The bracketed pass against its definition: intervals and mids on tie keys, empty intervals,
// the inactive forms, with and without codes, a NaN or Infinity now and then (the largest key).
DGP_TEST(neon_bracket_pass_matches_its_definition) {
  std::mt19937_64 rng(123);
  for_each_range(rng, [&](uint64_t begin, uint64_t end) {
    std::vector<uint32_t> bits(end + 16);
    for (auto& b : bits) b = rng() % 97 == 0 ? (0x7f800000u | uint32_t(rng() % 3) << 22) : tie_heavy(rng);
    auto key = [&] { return bits[rng() % bits.size()] & dgp::kMagnitudeMask; };
    for (int trial = 0; trial < 4; ++trial) {
      TestBounds b;
      uint32_t tk[3] = {key(), key(), key()}, bk[3] = {key(), key(), key()};
      std::sort(tk, tk + 3);
      std::sort(bk, bk + 3);
      b.top_lo = tk[0]; b.top_mid = tk[1]; b.top_hi = tk[2]; b.above = tk[2];
      b.bottom_lo = bk[0]; b.bottom_mid = bk[1]; b.bottom_hi = bk[2]; b.below = bk[0];
      if (trial == 1) { b.above = b.top_mid = dgp::kMagnitudeMask; b.top_lo = 1; b.top_hi = 0; }  // no top
      if (trial == 2) { b.below = b.bottom_mid = 0; b.bottom_lo = 1; b.bottom_hi = 0; }             // no bottom
      const bool with_codes = rng() % 4 != 0;
      const uint64_t start = rng() % 5;
      std::vector<uint32_t> lists[2][4];
      TestList L[2][2];
      for (int who = 0; who < 2; ++who)
        for (int side = 0; side < 2; ++side) {
          for (int a = 0; a < 2; ++a) lists[who][2 * side + a].assign(start + bits.size() + 8, 0xdeadbeefu);
          L[who][side] = TestList{lists[who][2 * side].data(), lists[who][2 * side + 1].data(), start};
        }
      std::vector<uint8_t> codes[2] = {std::vector<uint8_t>(bits.size(), 9), std::vector<uint8_t>(bits.size(), 9)};
      TestTally tally[2];
      tally[0].max_key = tally[1].max_key = uint32_t(rng() % 2);
      dgp::neon::bracket(bits.data(), begin, end, b, with_codes ? codes[0].data() : nullptr, L[0][0], L[0][1],
                         tally[0], bracket_by_definition);
      bracket_by_definition(bits.data(), begin, end, b, with_codes ? codes[1].data() : nullptr, L[1][0], L[1][1], tally[1]);
      DGP_CHECK_MSG(codes[0] == codes[1], "begin %llu end %llu trial %d", (unsigned long long)begin,
                    (unsigned long long)end, trial);
      DGP_CHECK(tally[0].above == tally[1].above && tally[0].below == tally[1].below &&
                tally[0].max_key == tally[1].max_key);
      for (int side = 0; side < 2; ++side) {
        const uint64_t at = L[1][side].at;
        DGP_CHECK(L[0][side].at == at);
        for (uint64_t j = 0; j < at; ++j)
          DGP_CHECK(lists[0][2 * side][j] == lists[1][2 * side][j] && lists[0][2 * side + 1][j] == lists[1][2 * side + 1][j]);
        for (uint64_t j = at + 4; j < lists[0][2 * side].size(); ++j)
          DGP_CHECK(lists[0][2 * side][j] == 0xdeadbeefu && lists[0][2 * side + 1][j] == 0xdeadbeefu);
      }
    }
  });
}

#else

DGP_TEST(neon_loops) { throw Skip{"not an aarch64 build: select_neon.h is not compiled here"}; }

#endif
