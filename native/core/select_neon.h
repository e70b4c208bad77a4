// NEON versions of the hot streaming loops, for aarch64 (the linux-arm64 prebuild): in
// dual_select.cc the candidate compaction and the output passes (codes, pruned values, kept
// count, sparse kept set), in bracket_select.cc the bracketed pass, in small_select.h the
// small path's compaction. Callers use them when
// neon::enabled() (DGP_SIMD=scalar turns them off); native/tests/test_simd_loops.cc checks them
// against the scalar rule. Element for element the same results as the scalar loops. Checked
// for bits under qemu; no ARM hardware has measured their speed (docs/ARCHITECTURE.md, SIMD
// paths). Elsewhere this header only defines DGP_NEON as 0.
#ifndef DGP_SELECT_NEON_H
#define DGP_SELECT_NEON_H

#if defined(__aarch64__) && defined(__ARM_NEON)
#define DGP_NEON 1
#else
#define DGP_NEON 0
#endif

#if DGP_NEON
#include <arm_neon.h>
#include <stdint.h>

#include <algorithm>

#include "compress4.h"
#include "cpu_features.h"
#include "radix_common.h"

namespace dgp {
namespace neon {

inline bool enabled() {
  static const bool on = active_simd() == Simd::Neon;
  return on;
}

// ---- output passes ---------------------------------------------------------------------------
//
// The output rule (radix_common.h: classify) for keys k < 2^31 and 32-bit indices i:
//   top    iff k > tk or (k == tk and i <  ti)   iff  k >= T,  T = tk + [i >= ti]
//   bottom iff k < bk or (k == bk and i >= bi)   iff  k <  B,  B = bk + [i >= bi]
// (integers; tk, bk < 2^31 so T, B do not wrap). T and B change only at i = ti and i = bi, so a
// range splits into at most three segments with constant T and B, and each element costs two
// compares instead of five compares and an index vector.

struct Bounds {
  uint32_t top, bottom;  // T and B above
};

inline uint32_t code_of(uint32_t k, Bounds b) { return 1u + (k >= b.top) - (k < b.bottom); }

// Calls f(s, e, bounds) for the segments of [begin, end) cut at the two threshold indices.
template <class CutT, class F>
inline void for_each_segment(uint64_t begin, uint64_t end, const CutT& c, F&& f) {
  const uint64_t cut[3] = {std::min(c.top_index, c.bottom_index), std::max(c.top_index, c.bottom_index), end};
  uint64_t s = begin;
  for (uint64_t at : cut) {
    const uint64_t e = std::min(std::max(at, s), end);
    if (e > s) f(s, e, Bounds{c.top_key + (s >= c.top_index), c.bottom_key + (s >= c.bottom_index)});
    s = e;
  }
}

inline uint32x4_t key4(const uint32_t* p) { return vandq_u32(vld1q_u32(p), vdupq_n_u32(kMagnitudeMask)); }

// All-ones lanes where the element is not kept: code 1 + top - bottom is 1 exactly when top ==
// bottom (xor, not or, so that even a cut with T < B gives the scalar loops' answer).
inline uint32x4_t removed4(uint32x4_t k, uint32x4_t top, uint32x4_t bottom) {
  return veorq_u32(vcgeq_u32(k, top), vcltq_u32(k, bottom));
}

// 16 bytes of 0xff / 0 from four 32-bit lane masks, folded to 4 bits per element (the usual
// NEON stand-in for a movemask): element j owns bits 4j..4j+3.
inline uint64_t nibbles16(uint32x4_t m0, uint32x4_t m1, uint32x4_t m2, uint32x4_t m3) {
  const uint16x8_t lo = vuzp1q_u16(vreinterpretq_u16_u32(m0), vreinterpretq_u16_u32(m1));
  const uint16x8_t hi = vuzp1q_u16(vreinterpretq_u16_u32(m2), vreinterpretq_u16_u32(m3));
  const uint8x16_t bytes = vuzp1q_u8(vreinterpretq_u8_u16(lo), vreinterpretq_u8_u16(hi));
  return vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(bytes), 4)), 0);
}

// codes[i] = 0 bottom, 1 kept, 2 top: bottom mask - top mask is -1 / 0 / +1, narrowed, plus 1.
template <class CutT>
void write_codes(const uint32_t* bits, uint64_t begin, uint64_t end, const CutT& c, uint8_t* codes) {
  for_each_segment(begin, end, c, [&](uint64_t s, uint64_t e, Bounds b) {
    const uint32x4_t top = vdupq_n_u32(b.top), bottom = vdupq_n_u32(b.bottom);
    uint64_t i = s;
    for (; i + 16 <= e; i += 16) {
      uint32x4_t d[4];
      for (int q = 0; q < 4; ++q) {
        const uint32x4_t k = key4(bits + i + 4 * q);
        d[q] = vsubq_u32(vcltq_u32(k, bottom), vcgeq_u32(k, top));
      }
      const uint16x8_t lo = vuzp1q_u16(vreinterpretq_u16_u32(d[0]), vreinterpretq_u16_u32(d[1]));
      const uint16x8_t hi = vuzp1q_u16(vreinterpretq_u16_u32(d[2]), vreinterpretq_u16_u32(d[3]));
      const uint8x16_t code = vuzp1q_u8(vreinterpretq_u8_u16(lo), vreinterpretq_u8_u16(hi));
      vst1q_u8(codes + i, vaddq_u8(code, vdupq_n_u8(1)));
    }
    for (; i < e; ++i) codes[i] = uint8_t(code_of(bits[i] & kMagnitudeMask, b));
  });
}

// out[i] = the value's bits when kept, +0 otherwise.
template <class CutT>
void write_pruned(const uint32_t* bits, uint64_t begin, uint64_t end, const CutT& c, uint32_t* out) {
  for_each_segment(begin, end, c, [&](uint64_t s, uint64_t e, Bounds b) {
    const uint32x4_t top = vdupq_n_u32(b.top), bottom = vdupq_n_u32(b.bottom);
    uint64_t i = s;
    for (; i + 4 <= e; i += 4) {
      const uint32x4_t raw = vld1q_u32(bits + i);
      const uint32x4_t k = vandq_u32(raw, vdupq_n_u32(kMagnitudeMask));
      vst1q_u32(out + i, vbicq_u32(raw, removed4(k, top, bottom)));
    }
    for (; i < e; ++i) out[i] = code_of(bits[i] & kMagnitudeMask, b) == 1u ? bits[i] : 0u;
  });
}

// How many elements of [begin, end) are kept. Lane counters stay below 2^30 (n < 2^32).
template <class CutT>
uint64_t count_kept(const uint32_t* bits, uint64_t begin, uint64_t end, const CutT& c) {
  uint64_t m = 0;
  for_each_segment(begin, end, c, [&](uint64_t s, uint64_t e, Bounds b) {
    const uint32x4_t top = vdupq_n_u32(b.top), bottom = vdupq_n_u32(b.bottom);
    uint32x4_t removed = vdupq_n_u32(0);
    uint64_t i = s;
    for (; i + 4 <= e; i += 4) removed = vsubq_u32(removed, removed4(key4(bits + i), top, bottom));  // -1 counts 1
    m += (i - s) - vaddlvq_u32(removed);
    for (; i < e; ++i) m += code_of(bits[i] & kMagnitudeMask, b) == 1u;
  });
  return m;
}

// Puts the kept elements in index order: out.put(at++, index, value bits). The kept set is
// scattered (about 1 in 5), so 16 elements are classified into a bit mask and its set bits are
// visited, as the AVX2 path does; a vector store could pass the end of the caller's list.
template <class CutT, class Sink>
uint64_t write_sparse(const uint32_t* bits, uint64_t begin, uint64_t end, const CutT& c, uint64_t at,
                      const Sink& out) {
  for_each_segment(begin, end, c, [&](uint64_t s, uint64_t e, Bounds b) {
    const uint32x4_t top = vdupq_n_u32(b.top), bottom = vdupq_n_u32(b.bottom);
    uint64_t i = s;
    for (; i + 16 <= e; i += 16) {
      uint32x4_t removed[4];
      for (int q = 0; q < 4; ++q) removed[q] = removed4(key4(bits + i + 4 * q), top, bottom);
      uint64_t m = ~nibbles16(removed[0], removed[1], removed[2], removed[3]) & 0x8888888888888888ull;
      while (m) {
        const uint64_t j = uint64_t(__builtin_ctzll(m)) >> 2;
        out.put(at++, uint32_t(i + j), bits[i + j]);
        m &= m - 1;
      }
    }
    for (; i < e; ++i)
      if (code_of(bits[i] & kMagnitudeMask, b) == 1u) out.put(at++, uint32_t(i), bits[i]);
  });
  return at;
}

// ---- candidate compaction ----------------------------------------------------------------------

// kCompress4 (compress4.h): NEON has no compress instruction either.

// The 4-bit lane mask of elements 4q..4q+3 from a nibbles16-style word: their nibbles' low bits
// (bits 16q, +4, +8, +12) gathered by one multiply into bits 12..15 (no two partial products
// meet, so nothing carries).
inline unsigned group_mask(uint64_t nibbles, int q) {
  return unsigned((((nibbles >> (16 * q)) & 0x1111u) * 0x1248u) >> 12) & 0xfu;
}

// Appends the lanes of (keys, index) set in mask at s.at; stores all 4 lanes, so the list needs
// 4 spare slots past its last candidate.
template <class Sink>
inline void append4(Sink& s, unsigned mask, uint32x4_t keys, uint32x4_t index) {
  const uint8x16_t perm = vld1q_u8(kCompress4.perm[mask]);
  vst1q_u32(s.keys + s.at, vreinterpretq_u32_u8(vqtbl1q_u8(vreinterpretq_u8_u32(keys), perm)));
  vst1q_u32(s.index + s.at, vreinterpretq_u32_u8(vqtbl1q_u8(vreinterpretq_u8_u32(index), perm)));
  s.at += kCompress4.count[mask];
}

// Copies (key, index) of the elements whose top digit, key >> Shift (11 bits for the radix path's
// Shift 20, 8 for the small path's 23), equals top_bucket or bottom_bucket, to the lists' ends in
// index order, from i while 16 elements remain (i advances). The words' high halves (sign, digit,
// a few more key bits) are compared as 16-bit lanes, so blocks with no candidate (most) cost one
// test; the others are compressed 4 lanes at a time. A bucket past the digit's range never matches.
template <int Shift, class List>
void compact_digit(const uint32_t* bits, uint64_t& i, uint64_t end, uint32_t top_bucket, uint32_t bottom_bucket,
                   List& top, List& bottom) {
  static_assert(Shift >= 20 && Shift <= 27, "the digit must sit in the high half above bit 19");
  constexpr uint32_t bins = 1u << (31 - Shift);
  constexpr int up = Shift - 16;  // the digit's place in the high half
  const uint16x8_t digit = vdupq_n_u16(uint16_t((bins - 1) << up));
  // A masked digit has its low `up` bits clear, so 1 matches nothing.
  const uint16x8_t tb = vdupq_n_u16(top_bucket < bins ? uint16_t(top_bucket << up) : 1);
  const uint16x8_t bb = vdupq_n_u16(bottom_bucket < bins ? uint16_t(bottom_bucket << up) : 1);
  const uint32x4_t magnitude = vdupq_n_u32(kMagnitudeMask);
  const uint32_t lanes[4] = {0, 1, 2, 3};
  const uint32x4_t lane = vld1q_u32(lanes);
  for (; i + 16 <= end; i += 16) {
    uint32x4_t r[4];
    for (int q = 0; q < 4; ++q) r[q] = vld1q_u32(bits + i + 4 * q);
    const uint16x8_t d01 = vandq_u16(vuzp2q_u16(vreinterpretq_u16_u32(r[0]), vreinterpretq_u16_u32(r[1])), digit);
    const uint16x8_t d23 = vandq_u16(vuzp2q_u16(vreinterpretq_u16_u32(r[2]), vreinterpretq_u16_u32(r[3])), digit);
    const uint16x8_t t01 = vceqq_u16(d01, tb), t23 = vceqq_u16(d23, tb);
    const uint16x8_t b01 = vceqq_u16(d01, bb), b23 = vceqq_u16(d23, bb);
    const uint16x8_t any = vorrq_u16(vorrq_u16(t01, t23), vorrq_u16(b01, b23));
    if (vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(any, 4)), 0) == 0) continue;
    const uint64_t mt = vget_lane_u64(
        vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(vuzp1q_u8(vreinterpretq_u8_u16(t01), vreinterpretq_u8_u16(t23))), 4)), 0);
    const uint64_t mb = vget_lane_u64(
        vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(vuzp1q_u8(vreinterpretq_u8_u16(b01), vreinterpretq_u8_u16(b23))), 4)), 0);
    for (int q = 0; q < 4; ++q) {
      const unsigned gt = group_mask(mt, q), gb = group_mask(mb, q);
      if ((gt | gb) == 0) continue;
      const uint32x4_t k = vandq_u32(r[q], magnitude);
      const uint32x4_t ix = vaddq_u32(vdupq_n_u32(uint32_t(i) + 4 * q), lane);
      if (gt) append4(top, gt, k, ix);
      if (gb) append4(bottom, gb, k, ix);
    }
  }
}

// dual_select.cc's compaction: digit 0 (key >> 20) against each sink's bucket; `scalar` does the
// last < 16 elements.
template <class Sink, class Scalar>
void compact(const uint32_t* bits, uint64_t begin, uint64_t end, Sink& top, Sink& bottom, Scalar scalar) {
  uint64_t i = begin;
  compact_digit<20>(bits, i, end, top.bucket, bottom.bucket, top, bottom);
  scalar(bits, i, end, top, bottom);
}

// small_select.h's compaction of bits[0, n): key >> 23 against tb and bb, appended at tk/ti[t]
// and bk/bi[b] (t and b advance); `scalar` (compact_small_scalar) does the last < 16 elements.
template <class Scalar>
void compact_small(const uint32_t* bits, uint64_t n, uint32_t tb, uint32_t bb, uint32_t* tk, uint32_t* ti,
                   uint64_t& t, uint32_t* bk, uint32_t* bi, uint64_t& b, Scalar scalar) {
  struct List {
    uint32_t* keys;
    uint32_t* index;
    uint64_t at;
  } top{tk, ti, t}, bottom{bk, bi, b};
  uint64_t i = 0;
  compact_digit<23>(bits, i, n, tb, bb, top, bottom);
  t = top.at;
  b = bottom.at;
  scalar(bits, i, n, tb, bb, tk, ti, t, bk, bi, b);
}

// ---- the bracketed pass (bracket_select.cc) -------------------------------------------------

// bracket_select.cc's pass over [i, end): provisional codes (2 above top_mid, 0 below
// bottom_mid, else 1), counts of keys above `above` and below `below`, the largest key, and
// (key, index) of the keys in [top_lo, top_hi] and [bottom_lo, bottom_hi] appended to the two
// lists in index order. 16 keys per step; blocks with no candidate skip the appends, the others
// compress 4 lanes at a time (4 spare slots per list). Lane counters stay below 2^30 (n < 2^32).
// `scalar` does the last < 16 keys.
template <class BoundsT, class List, class Tally, class Scalar>
void bracket(const uint32_t* bits, uint64_t i, uint64_t end, const BoundsT& b, uint8_t* codes, List& top,
             List& bottom, Tally& t, Scalar scalar) {
  // k in [lo, hi] iff k - lo <= hi - lo (unsigned); an empty interval becomes lo = 2^31, width 0,
  // which no 31-bit key meets.
  auto range = [](uint32_t lo, uint32_t hi, uint32x4_t* start, uint32x4_t* width) {
    *start = vdupq_n_u32(lo <= hi ? lo : 0x80000000u);
    *width = vdupq_n_u32(lo <= hi ? hi - lo : 0u);
  };
  uint32x4_t tlo, tw, blo, bw;
  range(b.top_lo, b.top_hi, &tlo, &tw);
  range(b.bottom_lo, b.bottom_hi, &blo, &bw);
  const uint32x4_t above = vdupq_n_u32(b.above), below = vdupq_n_u32(b.below);
  const uint32x4_t tmid = vdupq_n_u32(b.top_mid), bmid = vdupq_n_u32(b.bottom_mid);
  const uint32_t lanes[4] = {0, 1, 2, 3};
  const uint32x4_t lane = vld1q_u32(lanes);
  uint32x4_t n_above = vdupq_n_u32(0), n_below = vdupq_n_u32(0), kmax = vdupq_n_u32(0);
  List tl = top, bl = bottom;  // locals: the code stores may alias anything
  for (; i + 16 <= end; i += 16) {
    uint32x4_t k[4], in_top[4], in_bottom[4];
    for (int q = 0; q < 4; ++q) {
      k[q] = key4(bits + i + 4 * q);
      n_above = vsubq_u32(n_above, vcgtq_u32(k[q], above));  // masks are -1
      n_below = vsubq_u32(n_below, vcltq_u32(k[q], below));
      kmax = vmaxq_u32(kmax, k[q]);
      in_top[q] = vcleq_u32(vsubq_u32(k[q], tlo), tw);
      in_bottom[q] = vcleq_u32(vsubq_u32(k[q], blo), bw);
    }
    if (codes) {
      uint32x4_t d[4];
      for (int q = 0; q < 4; ++q) d[q] = vsubq_u32(vcltq_u32(k[q], bmid), vcgtq_u32(k[q], tmid));
      const uint16x8_t lo = vuzp1q_u16(vreinterpretq_u16_u32(d[0]), vreinterpretq_u16_u32(d[1]));
      const uint16x8_t hi = vuzp1q_u16(vreinterpretq_u16_u32(d[2]), vreinterpretq_u16_u32(d[3]));
      const uint8x16_t code = vuzp1q_u8(vreinterpretq_u8_u16(lo), vreinterpretq_u8_u16(hi));
      vst1q_u8(codes + i, vaddq_u8(code, vdupq_n_u8(1)));
    }
    const uint64_t mt = nibbles16(in_top[0], in_top[1], in_top[2], in_top[3]);
    const uint64_t mb = nibbles16(in_bottom[0], in_bottom[1], in_bottom[2], in_bottom[3]);
    if ((mt | mb) == 0) continue;
    for (int q = 0; q < 4; ++q) {
      const unsigned gt = group_mask(mt, q), gb = group_mask(mb, q);
      if ((gt | gb) == 0) continue;
      const uint32x4_t ix = vaddq_u32(vdupq_n_u32(uint32_t(i) + 4 * q), lane);
      if (gt) append4(tl, gt, k[q], ix);
      if (gb) append4(bl, gb, k[q], ix);
    }
  }
  top = tl;
  bottom = bl;
  t.above += vaddlvq_u32(n_above);
  t.below += vaddlvq_u32(n_below);
  const uint32_t m = vmaxvq_u32(kmax);
  if (m > t.max_key) t.max_key = m;
  scalar(bits, i, end, b, codes, top, bottom, t);
}

}  // namespace neon
}  // namespace dgp
#endif  // DGP_NEON

#endif  // DGP_SELECT_NEON_H
