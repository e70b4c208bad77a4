// WebAssembly SIMD128 versions of the hot loops of dual_select.cc (compaction, codes) and of
// bracket_select.cc (the bracketed pass), used only by the wasm build (native/wasm/,
// scripts/build-wasm.sh) and included inside those files' anonymous namespaces. Same results as
// the scalar loops, element for element.
#ifndef DGP_SELECT_WASM_SIMD128_H
#define DGP_SELECT_WASM_SIMD128_H

#include <wasm_simd128.h>

// kCompress4 (compress4.h, included by the .cc files at namespace scope): SIMD128 has no
// compress instruction.

// Appends the 4 lanes' (key, index) whose mask bit is set at sink.at; stores 4 lanes, so the
// list needs 4 spare slots (kCandidateSlack). A side that is not compacted never matches.
template <class Sink>
inline void wasm_append4(Sink& s, uint32_t mask, v128_t keys, v128_t index) {
  const v128_t perm = wasm_v128_load(kCompress4.perm[mask]);
  wasm_v128_store(s.keys + s.at, wasm_i8x16_swizzle(keys, perm));
  wasm_v128_store(s.index + s.at, wasm_i8x16_swizzle(index, perm));
  s.at += unsigned(__builtin_popcount(mask));
}

// compact_block_loop: skip 16-element blocks with no candidate; compress the others 4 at a time.
template <class Sink, class Scalar>
void compact_wasm_simd128(const uint32_t* bits, uint64_t begin, uint64_t end, Sink& top, Sink& bottom,
                          Scalar scalar) {
  const v128_t tb = wasm_i32x4_splat(int(top.bucket)), bb = wasm_i32x4_splat(int(bottom.bucket));
  const v128_t magnitude = wasm_i32x4_splat(int(kMagnitudeMask));
  const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
  uint64_t i = begin;
  for (; i + 16 <= end; i += 16) {
    v128_t hit = wasm_i32x4_splat(0);
    for (int q = 0; q < 4; ++q) {
      const v128_t d = wasm_u32x4_shr(wasm_v128_and(wasm_v128_load(bits + i + 4 * q), magnitude), 20);
      hit = wasm_v128_or(hit, wasm_v128_or(wasm_i32x4_eq(d, tb), wasm_i32x4_eq(d, bb)));
    }
    if (!wasm_v128_any_true(hit)) continue;
    for (int q = 0; q < 4; ++q) {
      const uint64_t at = i + 4 * q;
      const v128_t k = wasm_v128_and(wasm_v128_load(bits + at), magnitude);
      const v128_t d = wasm_u32x4_shr(k, 20);
      const uint32_t mt = uint32_t(wasm_i32x4_bitmask(wasm_i32x4_eq(d, tb)));
      const uint32_t mb = uint32_t(wasm_i32x4_bitmask(wasm_i32x4_eq(d, bb)));
      if ((mt | mb) == 0) continue;
      const v128_t ix = wasm_i32x4_add(wasm_i32x4_splat(int(uint32_t(at))), lane);
      if (mt) wasm_append4(top, mt, k, ix);
      if (mb) wasm_append4(bottom, mb, k, ix);
    }
  }
  scalar(bits, i, end, top, bottom);
}

// write_codes: 16 codes per step. Keys fit in 31 bits, so signed compares order them; indices
// compare as signed after flipping the sign bit. code = 1 + top - bottom with 0/-1 masks.
template <class CutT, class CodeOf>
void write_codes_wasm_simd128(const uint32_t* bits, uint64_t begin, uint64_t end, const CutT c, uint8_t* codes,
                              CodeOf code_of_scalar) {
  const v128_t sign = wasm_i32x4_splat(int(0x80000000u)), magnitude = wasm_i32x4_splat(int(kMagnitudeMask));
  const v128_t tk = wasm_i32x4_splat(int(c.top_key)), bk = wasm_i32x4_splat(int(c.bottom_key));
  const v128_t ti = wasm_i32x4_splat(int(c.top_index ^ 0x80000000u));
  const v128_t bi = wasm_i32x4_splat(int(c.bottom_index ^ 0x80000000u));
  const v128_t one = wasm_i32x4_splat(1), lane = wasm_i32x4_make(0, 1, 2, 3);
  uint64_t i = begin;
  for (; i + 16 <= end; i += 16) {
    v128_t code[4];
    for (int q = 0; q < 4; ++q) {
      const v128_t k = wasm_v128_and(wasm_v128_load(bits + i + 4 * q), magnitude);
      const v128_t ix = wasm_v128_xor(wasm_i32x4_add(wasm_i32x4_splat(int(uint32_t(i) + 4 * q)), lane), sign);
      const v128_t top = wasm_v128_or(wasm_i32x4_gt(k, tk), wasm_v128_and(wasm_i32x4_eq(k, tk), wasm_i32x4_gt(ti, ix)));
      const v128_t bottom = wasm_v128_or(wasm_i32x4_gt(bk, k), wasm_v128_andnot(wasm_i32x4_eq(k, bk), wasm_i32x4_gt(bi, ix)));
      code[q] = wasm_i32x4_add(wasm_i32x4_sub(one, top), bottom);  // masks: top -1 -> +1, bottom -1 -> -1
    }
    const v128_t lo = wasm_u16x8_narrow_i32x4(code[0], code[1]), hi = wasm_u16x8_narrow_i32x4(code[2], code[3]);
    wasm_v128_store(codes + i, wasm_u8x16_narrow_i16x8(lo, hi));
  }
  for (; i < end; ++i) codes[i] = uint8_t(code_of_scalar(bits[i] & kMagnitudeMask, uint32_t(i), c));
}

#if defined(DGP_BRACKET_PASS)  // defined by bracket_select.cc
// bracket_scalar's pass, 16 keys per step (four 4-lane vectors: the codes narrow to one 16-byte
// store). Bounds fit in 31 bits, so signed compares order the keys; lo <= k is k > lo - 1.
// Bottom appends are branch-free (its interval is the wider one): 4 lanes are stored and the
// list advances by the match count (kSlack spare slots).
inline void wasm_bracket_append(CandidateList& l, v128_t in, v128_t k, v128_t ix) {
  const uint32_t m = uint32_t(wasm_i32x4_bitmask(in));
  const v128_t perm = wasm_v128_load(kCompress4.perm[m]);
  wasm_v128_store(l.keys + l.at, wasm_i8x16_swizzle(k, perm));
  wasm_v128_store(l.index + l.at, wasm_i8x16_swizzle(ix, perm));
  l.at += unsigned(__builtin_popcount(m));
}

inline void bracket_wasm_simd128(const uint32_t* bits, uint64_t i, uint64_t end, const BracketBounds& b,
                                 uint8_t* codes, CandidateList& top, CandidateList& bottom, BracketTally& t) {
  const v128_t magnitude = wasm_i32x4_splat(int(kMagnitudeMask));
  const v128_t above = wasm_i32x4_splat(int(b.above)), below = wasm_i32x4_splat(int(b.below));
  const v128_t tlo = wasm_i32x4_splat(int(b.top_lo) - 1), thi = wasm_i32x4_splat(int(b.top_hi));
  const v128_t blo = wasm_i32x4_splat(int(b.bottom_lo) - 1), bhi = wasm_i32x4_splat(int(b.bottom_hi));
  const v128_t tmid = wasm_i32x4_splat(int(b.top_mid)), bmid = wasm_i32x4_splat(int(b.bottom_mid));
  const v128_t one = wasm_i32x4_splat(1), four = wasm_i32x4_splat(4);
  v128_t ix = wasm_i32x4_add(wasm_i32x4_splat(int(uint32_t(i))), wasm_i32x4_make(0, 1, 2, 3));
  v128_t n_above = wasm_i32x4_splat(0), n_below = wasm_i32x4_splat(0), kmax = wasm_i32x4_splat(0);
  CandidateList tl = top, bl = bottom;  // locals: the code stores may alias anything
  for (; i + 16 <= end; i += 16) {
    v128_t code[4];
    for (int q = 0; q < 4; ++q) {
      const v128_t k = wasm_v128_and(wasm_v128_load(bits + i + 4 * q), magnitude);
      const v128_t up = wasm_i32x4_gt(k, above), down = wasm_i32x4_gt(below, k);
      n_above = wasm_i32x4_sub(n_above, up);  // masks are -1
      n_below = wasm_i32x4_sub(n_below, down);
      kmax = wasm_u32x4_max(kmax, k);
      code[q] = wasm_i32x4_add(wasm_i32x4_sub(one, wasm_i32x4_gt(k, tmid)), wasm_i32x4_gt(bmid, k));
      const v128_t in_top = wasm_v128_andnot(wasm_i32x4_gt(k, tlo), wasm_i32x4_gt(k, thi));
      if (wasm_v128_any_true(in_top)) wasm_bracket_append(tl, in_top, k, ix);  // narrow: rarely taken
      wasm_bracket_append(bl, wasm_v128_andnot(wasm_i32x4_gt(k, blo), wasm_i32x4_gt(k, bhi)), k, ix);
      ix = wasm_i32x4_add(ix, four);
    }
    if (codes) {
      const v128_t lo = wasm_u16x8_narrow_i32x4(code[0], code[1]), hi = wasm_u16x8_narrow_i32x4(code[2], code[3]);
      wasm_v128_store(codes + i, wasm_u8x16_narrow_i16x8(lo, hi));
    }
  }
  top = tl;
  bottom = bl;
  t.above += uint32_t(wasm_i32x4_extract_lane(n_above, 0)) + uint32_t(wasm_i32x4_extract_lane(n_above, 1)) +
             uint32_t(wasm_i32x4_extract_lane(n_above, 2)) + uint32_t(wasm_i32x4_extract_lane(n_above, 3));
  t.below += uint32_t(wasm_i32x4_extract_lane(n_below, 0)) + uint32_t(wasm_i32x4_extract_lane(n_below, 1)) +
             uint32_t(wasm_i32x4_extract_lane(n_below, 2)) + uint32_t(wasm_i32x4_extract_lane(n_below, 3));
  const uint32_t m01 = std::max(uint32_t(wasm_i32x4_extract_lane(kmax, 0)), uint32_t(wasm_i32x4_extract_lane(kmax, 1)));
  const uint32_t m23 = std::max(uint32_t(wasm_i32x4_extract_lane(kmax, 2)), uint32_t(wasm_i32x4_extract_lane(kmax, 3)));
  t.max_key = std::max(t.max_key, std::max(m01, m23));
  bracket_scalar(bits, i, end, b, codes, top, bottom, t);
}
#endif

#endif  // DGP_SELECT_WASM_SIMD128_H
