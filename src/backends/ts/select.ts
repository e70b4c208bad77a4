/**
 * The pure TypeScript backend: the same dual radix select as the C++ kernel
 * (native/core/dual_select.cc), over a Uint32Array view of the float bits. No sort and no
 * per-element objects: one histogram pass, one compaction pass into small candidate lists,
 * two refine passes over those lists, one output pass.
 *
 * Keys are bits & 0x7fffffff (monotone in |g|). "Ascending order" is key ascending, ties by
 * index descending; the top set is ascending positions [n-kTop, n), the bottom set [0, kBottom).
 *
 * Layers up to SMALL_LAYER_MAX elements take the small path of native/core/small_select.h:
 * 8-bit digits over module-level scratch reused across layers and calls (no allocation per
 * layer, 256-bin histograms), finished by ranking at most SORT_MAX candidates directly.
 *
 * Layers from BRACKET_MIN elements first try a sample-bracketed search after
 * native/core/bracket_select.cc, which reads the layer once instead of twice (histogram, then
 * compaction): see findCutBracketed. Its result is exact whatever the sample says; when the
 * sample misjudges a cut it returns null and the exact radix path runs.
 */
import { firstNonFiniteBits } from '../../format/blocks';

/** Exact cut of one layer: top iff key > topKey or (key == topKey and i < topIndex);
 *  bottom iff key < bottomKey or (key == bottomKey and i >= bottomIndex). */
export interface Cut {
  topKey: number;
  topIndex: number;
  bottomKey: number;
  bottomIndex: number;
}

const CANDIDATE_CAP = 1 << 20;
const DIGIT_BITS = [11, 11, 9];
const DIGIT_SHIFT = [20, 9, 0];
const hist0 = new Uint32Array(2048);

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

interface Side {
  rank: number; // ascending position still wanted inside the current prefix
  prefix: number; // key bits fixed so far
  equal: number; // size of the chosen bucket
  keys: Uint32Array | null; // candidates (exactly the elements with this prefix), or null: re-scan
  index: Uint32Array | null;
  count: number;
}

function selectBucket(hist: Uint32Array, bins: number, side: Side, pass: number): void {
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    const h = hist[b];
    if (side.rank < seen + h) {
      side.rank -= seen;
      side.prefix = pass === 0 ? b : side.prefix * (1 << DIGIT_BITS[pass]) + b;
      side.equal = h;
      return;
    }
    seen += h;
  }
  throw new Error('tfjs-dgp internal error: histogram does not cover the wanted rank');
}

const NO_LIST = new Uint32Array(1);

/** Copies (key, index) of the elements in each side's digit-0 bucket, in index order. */
function compact(bits: Uint32Array, top: Side | null, bottom: Side | null): void {
  const wantTop = top !== null && top.keys !== null;
  const wantBottom = bottom !== null && bottom.keys !== null;
  if (!wantTop && !wantBottom) return;
  // -1 matches no digit; the NO_LIST sinks keep this loop monomorphic.
  const counts = compactLoop(
    bits,
    wantTop ? top!.prefix : -1,
    wantTop ? top!.keys! : NO_LIST,
    wantTop ? top!.index! : NO_LIST,
    wantBottom ? bottom!.prefix : -1,
    wantBottom ? bottom!.keys! : NO_LIST,
    wantBottom ? bottom!.index! : NO_LIST,
  );
  if (wantTop) top!.count = counts[0];
  if (wantBottom) bottom!.count = counts[1];
}

const compactCounts = [0, 0];

function compactLoop(
  bits: Uint32Array,
  tb: number,
  tk: Uint32Array,
  ti: Uint32Array,
  bb: number,
  bk: Uint32Array,
  bi: Uint32Array,
): number[] {
  let t = 0;
  let b = 0;
  const n = bits.length;
  for (let i = 0; i < n; i++) {
    const d = (bits[i] >>> 20) & 0x7ff;
    if (d === tb) {
      tk[t] = bits[i] & 0x7fffffff;
      ti[t++] = i;
    }
    if (d === bb) {
      bk[b] = bits[i] & 0x7fffffff;
      bi[b++] = i;
    }
  }
  compactCounts[0] = t;
  compactCounts[1] = b;
  return compactCounts;
}

function refine(bits: Uint32Array, side: Side, pass: number): void {
  const bins = 1 << DIGIT_BITS[pass];
  const shift = DIGIT_SHIFT[pass];
  const mask = bins - 1;
  const hist = new Uint32Array(bins);
  if (side.keys) {
    const keys = side.keys;
    for (let j = 0; j < side.count; j++) hist[(keys[j] >>> shift) & mask]++;
  } else {
    const above = shift + DIGIT_BITS[pass];
    const prefix = side.prefix;
    for (let i = 0; i < bits.length; i++) {
      const k = bits[i] & 0x7fffffff;
      if (k >>> above === prefix) hist[(k >>> shift) & mask]++;
    }
  }
  selectBucket(hist, bins, side, pass);
  if (side.keys) {
    // Keep only the chosen bucket, in index order.
    const keys = side.keys, index = side.index!;
    const bucket = side.prefix & mask;
    let m = 0;
    for (let j = 0; j < side.count; j++) {
      const k = keys[j];
      if (((k >>> shift) & mask) === bucket) {
        keys[m] = k;
        index[m++] = index[j];
      }
    }
    side.count = m;
  }
}

/** Index of the tie with the given ordinal (index order) among elements equal to the key. */
function tieIndex(bits: Uint32Array, side: Side, ordinal: number): number {
  if (side.index) return side.index[ordinal];
  let seen = 0;
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7fffffff) === side.prefix) {
      if (seen === ordinal) return i;
      seen++;
    }
  }
  throw new Error('tfjs-dgp internal error: tie ordinal out of range');
}

function newSide(rank: number, bucketSize: number): Side {
  const fits = bucketSize <= CANDIDATE_CAP;
  return {
    rank,
    prefix: 0,
    equal: 0,
    keys: null,
    index: null,
    count: fits ? bucketSize : 0,
  };
}

// ---- small layers (same constants and steps as native/core/small_select.h) ----------------

const SMALL_LAYER_MAX = 1 << 15;
const SORT_MAX = 16;
const SMALL_SHIFT = [23, 15, 7, 0];
const SMALL_MASK = [0xff, 0xff, 0xff, 0x7f];
const smallHist = new Uint32Array(256);
let scratchKeys = new Uint32Array(2 * (1024 + 1));
let scratchIndex = new Uint32Array(2 * (1024 + 1));

interface SmallSide {
  rank: number; // ascending position still wanted among the side's candidates
  prefix: number; // key bits fixed so far
  count: number; // candidates in the list
  base: number; // offset of this side's list in the scratch arrays
}

function smallChoose(s: SmallSide, bins: number, pass: number): void {
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    const h = smallHist[b];
    if (s.rank < seen + h) {
      s.rank -= seen;
      s.prefix = pass === 0 ? b : s.prefix * (pass === 3 ? 128 : 256) + b;
      s.count = h;
      return;
    }
    seen += h;
  }
  throw new Error('tfjs-dgp internal error: histogram does not cover the wanted rank');
}

function smallRefine(s: SmallSide, pass: number): void {
  const shift = SMALL_SHIFT[pass];
  const mask = SMALL_MASK[pass];
  const keys = scratchKeys;
  const index = scratchIndex;
  const end = s.base + s.count;
  smallHist.fill(0);
  for (let j = s.base; j < end; j++) smallHist[(keys[j] >>> shift) & mask]++;
  smallChoose(s, mask + 1, pass);
  const bucket = s.prefix & mask;
  let w = s.base;
  for (let j = s.base; j < end; j++) {
    const k = keys[j];
    if (((k >>> shift) & mask) === bucket) {
      keys[w] = k;
      index[w++] = index[j];
    }
  }
}

// The candidate at ascending position `rank` among keys/index[base, base+m): the one with
// exactly `rank` smaller ones (key ascending, ties by index descending). Returns its slot.
function rankedAt(keys: Uint32Array, index: Uint32Array, base: number, m: number, rank: number): number {
  for (let a = base; a < base + m; a++) {
    const ka = keys[a];
    const ia = index[a];
    let smaller = 0;
    for (let b = base; b < base + m; b++) {
      const kb = keys[b];
      if (kb < ka || (kb === ka && index[b] > ia)) smaller++;
    }
    if (smaller === rank) return a;
  }
  throw new Error('tfjs-dgp internal error: rank not found');
}

// Cut from the elements at the top/bottom ascending positions: ties at the top key with index
// <= the top element's are top; ties at the bottom key with index >= the bottom element's are
// bottom.
function setTop(cut: Cut, key: number, index: number): void {
  cut.topKey = key;
  cut.topIndex = index + 1;
}
function setBottom(cut: Cut, key: number, index: number): void {
  cut.bottomKey = key;
  cut.bottomIndex = index;
}

function findCutSmall(bits: Uint32Array, kTop: number, kBottom: number): Cut | { badIndex: number } {
  const n = bits.length;
  const cut: Cut = { topKey: 0x7fffffff, topIndex: 0, bottomKey: 0, bottomIndex: 0xffffffff };
  if (2 * (n + 1) > scratchKeys.length) {
    scratchKeys = new Uint32Array(2 * (n + 1));
    scratchIndex = new Uint32Array(2 * (n + 1));
  }
  const keys = scratchKeys;
  const index = scratchIndex;
  let flag = 0; // bit 31 set exactly for NaN/Inf
  if (n <= SORT_MAX) {
    for (let i = 0; i < n; i++) {
      const u = bits[i];
      flag |= (u & 0x7f800000) + 0x00800000;
      keys[i] = u & 0x7fffffff;
      index[i] = i;
    }
    if (flag < 0) return { badIndex: firstNonFiniteBits(bits) };
    if (kTop > 0) {
      const a = rankedAt(keys, index, 0, n, n - kTop);
      setTop(cut, keys[a], index[a]);
    }
    if (kBottom > 0) {
      const a = rankedAt(keys, index, 0, n, kBottom - 1);
      setBottom(cut, keys[a], index[a]);
    }
    return cut;
  }
  smallHist.fill(0);
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    flag |= (u & 0x7f800000) + 0x00800000;
    smallHist[(u >>> 23) & 0xff]++;
  }
  if (flag < 0) return { badIndex: firstNonFiniteBits(bits) };
  if (kTop === 0 && kBottom === 0) return cut;
  const top: SmallSide = { rank: n - kTop, prefix: 0, count: 0, base: 0 };
  const bottom: SmallSide = { rank: kBottom - 1, prefix: 0, count: 0, base: n + 1 };
  if (kTop > 0) smallChoose(top, 256, 0);
  if (kBottom > 0) smallChoose(bottom, 256, 0);
  // Compact both buckets, index order kept; -1 matches no digit.
  const tb = kTop > 0 ? top.prefix : -1;
  const bb = kBottom > 0 ? bottom.prefix : -1;
  let t = 0;
  let b = n + 1;
  for (let i = 0; i < n; i++) {
    const k = bits[i] & 0x7fffffff;
    const d = k >>> 23;
    if (d === tb) {
      keys[t] = k;
      index[t++] = i;
    }
    if (d === bb) {
      keys[b] = k;
      index[b++] = i;
    }
  }
  if (kTop > 0) {
    const at = smallFinish(top);
    setTop(cut, keys[at], index[at]);
  }
  if (kBottom > 0) {
    const at = smallFinish(bottom);
    setBottom(cut, keys[at], index[at]);
  }
  return cut;
}

// Refines a side's list until at most SORT_MAX candidates (or all digits) remain; returns the
// scratch slot of the threshold element.
function smallFinish(s: SmallSide): number {
  for (let pass = 1; pass < 4 && s.count > SORT_MAX; pass++) smallRefine(s, pass);
  if (s.count <= SORT_MAX) return rankedAt(scratchKeys, scratchIndex, s.base, s.count, s.rank);
  // Still long: every key equal, in index order, so ascending position r is the (m-1-r)-th.
  return s.base + s.count - 1 - s.rank;
}

// ---- large layers: the sample-bracketed search (after native/core/bracket_select.cc) --------
//
//   sample   a strided sample of the keys gives each cut a key interval [lo, hi] that holds it
//            with high probability (about 4 standard deviations of a sample quantile each side);
//   pass     one read lists (key, index) of the keys >= the top interval's lo (the top interval
//            and the top set above it: a small share of the layer when kTop is), lists those in
//            the bottom interval, and counts the keys below it; both lists keep index order;
//   resolve  the count and the lists' sizes say whether each cut really lies in its interval;
//            if so, the exact cut is the listed key at the right rank, found by radix narrowing.
// Unlike the C++ pass (vector code), the top side is open-ended here: one list and one count
// instead of two counts keep the scalar loop's state in registers, and a NaN/Inf (its key is
// above every finite one) always lands in the top list. A cut outside its interval, a list over
// its cap, or a list the sample already shows to hold over an eighth of the layer (a large kTop,
// a cut inside a huge tie group) returns null: the exact radix path then runs. Same sample
// positions and interval rule as the C++ pass.

/** Layers from this size try the bracketed search first (kBracketMin in bracket_select.h). */
export const BRACKET_MIN = 1 << 18;
const BRACKET_SAMPLE = 1 << 14;
const NON_FINITE_KEY = 0x7f800000;
const NARROW_BITS = 11;
const narrowHist = new Uint32Array(1 << NARROW_BITS);
let bracketSample = new Uint32Array(BRACKET_SAMPLE);
const bracketKeys: Uint32Array[] = [new Uint32Array(0), new Uint32Array(0)];
const bracketIndex: Uint32Array[] = [new Uint32Array(0), new Uint32Array(0)];

/** Sample size for n keys: about n^(2/3) / 2, in [1024, BRACKET_SAMPLE] (bracket_sample_size). */
export function bracketSampleSize(n: number): number {
  const s = Math.floor(0.5 * Math.cbrt(n) * Math.cbrt(n));
  return Math.min(BRACKET_SAMPLE, Math.max(1024, s));
}

/** Position of the j-th of s sample keys in n: one per stride, at a hashed offset in it (bracket_sample_at). */
export function bracketSampleAt(n: number, s: number, j: number): number {
  const stride = Math.floor(n / s);
  let h = Math.imul(j, 0x9e3779b9) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h = (h ^ (h >>> 12)) >>> 0;
  return j * stride + Math.floor((h * stride) / 4294967296);
}

/** Key interval of the cut at ascending position pos of n, from the sorted sample: [lo, hi]. */
function bracketInterval(sorted: Uint32Array, s: number, n: number, pos: number, out: number[]): void {
  const f = (pos + 0.5) / n;
  const q = f * s;
  const margin = 4 * Math.sqrt(s * f * (1 - f)) + 3;
  const a = Math.floor(q - margin);
  const b = Math.ceil(q + margin);
  out[0] = a < 0 ? 0 : a >= s ? 0x7fffffff : sorted[a];
  out[1] = b < 0 ? 0 : b >= s ? 0x7fffffff : sorted[b];
}

const narrowed = { key: 0, equal: 0, rank: 0 };

/**
 * The key at ascending position `rank` (key ascending, ties by index descending) among
 * keys/index[0, size), every key in [lo, hi]: 2048-bin histograms of (key - lo) >> shift, the
 * lists filtered in place to the bucket holding the rank, until one key is left. Sets
 * narrowed.key, .equal (how many keys equal it: the first `equal` slots of the lists, in index
 * order) and .rank (the position inside those).
 */
function narrowList(keys: Uint32Array, index: Uint32Array, size: number, lo: number, hi: number, rank: number): void {
  const hist = narrowHist;
  for (;;) {
    const width = hi - lo;
    const shift = width < 1 << NARROW_BITS ? 0 : 32 - Math.clz32(width) - NARROW_BITS;
    const bins = (width >>> shift) + 1;
    hist.fill(0, 0, bins);
    for (let j = 0; j < size; j++) hist[(keys[j] - lo) >>> shift]++;
    let bucket = 0;
    let seen = 0;
    for (;; bucket++) {
      if (bucket >= bins) throw new Error('tfjs-dgp internal error: histogram does not cover the wanted rank');
      if (rank < seen + hist[bucket]) break;
      seen += hist[bucket];
    }
    rank -= seen;
    let m = 0;
    for (let j = 0; j < size; j++) {
      const k = keys[j];
      if ((k - lo) >>> shift === bucket) {
        keys[m] = k;
        index[m++] = index[j];
      }
    }
    size = m;
    lo += bucket * 2 ** shift;
    if (shift === 0) break;
    hi = Math.min(hi, lo + 2 ** shift - 1);
  }
  narrowed.key = lo;
  narrowed.equal = size;
  narrowed.rank = rank;
}

const passResult = [0, 0, 0, 0];
const PASS_BLOCK = 4096;

/**
 * The pass. (key, index) of keys >= tLo go to the top list; those in [bLo, bHi] to the bottom
 * list; keys < below are counted. Stops before a block that could overflow a list's cap.
 * passResult: [top size, bottom size, count below, elements read].
 */
function bracketPass(
  bits: Uint32Array, tLo: number, bLo: number, bHi: number, below: number,
  tk: Uint32Array, ti: Uint32Array, tCap: number, bk: Uint32Array, bi: Uint32Array, bCap: number,
): void {
  const n = bits.length;
  let t = 0;
  let b = 0;
  let nBelow = 0;
  let i = 0;
  // In blocks: before each, both lists must have room for the whole block, so the inner loop
  // checks no cap (as the C++ pass does; about a quarter faster than a check per append).
  while (i < n) {
    if (t + PASS_BLOCK > tCap || b + PASS_BLOCK > bCap) break;
    const end = Math.min(n, i + PASS_BLOCK);
    for (; i < end; i++) {
      const k = bits[i] & 0x7fffffff;
      nBelow -= (k - below) >> 31; // keys and bounds are below 2^31: -1 exactly when k < below
      if (k >= tLo) {
        tk[t] = k;
        ti[t++] = i;
      }
      if (((k - bLo) | (bHi - k)) >= 0) {
        bk[b] = k;
        bi[b++] = i;
      }
    }
  }
  passResult[0] = t;
  passResult[1] = b;
  passResult[2] = nBelow;
  passResult[3] = i;
}

/**
 * The exact cut of a layer of n >= BRACKET_MIN keys by the bracketed search, `{ badIndex }` for
 * a NaN/Inf, or null when the sample misjudged a cut (the caller runs the exact path).
 */
export function findCutBracketed(bits: Uint32Array, kTop: number, kBottom: number): Cut | { badIndex: number } | null {
  const n = bits.length;
  const s = bracketSampleSize(n);
  if (bracketSample.length < s) bracketSample = new Uint32Array(s);
  const sample = bracketSample.subarray(0, s);
  for (let j = 0; j < s; j++) sample[j] = bits[bracketSampleAt(n, s, j)] & 0x7fffffff;
  sample.sort(); // a NaN/Inf key sorts last; the pass lists it
  const bounds = [0, 0];
  // No top set: the top list only catches NaN/Inf. No bottom set: nothing counted, and the
  // interval [1, 0], which holds no key.
  let tLo = NON_FINITE_KEY, bLo = 1, bHi = 0, below = 0;
  if (kTop > 0) {
    bracketInterval(sample, s, n, n - kTop, bounds);
    tLo = Math.min(bounds[0], NON_FINITE_KEY);
  }
  if (kBottom > 0) {
    bracketInterval(sample, s, n, kBottom - 1, bounds);
    bLo = bounds[0];
    bHi = bounds[1];
    below = bLo;
  }
  // Each list's expected size from the sample: too big (a large kTop, a cut inside a huge tie
  // group) goes straight to the exact path.
  let eTop = 0;
  let eBottom = 0;
  for (let j = 0; j < s; j++) {
    const k = sample[j];
    if (k >= tLo) eTop++;
    if (k >= bLo && k <= bHi) eBottom++;
  }
  const scale = Math.floor(n / s);
  eTop *= scale;
  eBottom *= scale;
  if (eTop > n / 8 || eBottom > n / 8) return null;
  const caps = [Math.min(n, 2 * eTop + 16384), Math.min(n, 2 * eBottom + 16384)];
  for (let side = 0; side < 2; side++) {
    if (bracketIndex[side].length < caps[side]) {
      bracketKeys[side] = new Uint32Array(caps[side]);
      bracketIndex[side] = new Uint32Array(caps[side]);
    }
  }
  const ti = bracketIndex[0], bi = bracketIndex[1], tk = bracketKeys[0], bk = bracketKeys[1];
  bracketPass(bits, tLo, bLo, bHi, below, tk, ti, caps[0], bk, bi, caps[1]);
  const tSize = passResult[0];
  const bSize = passResult[1];
  const nBelow = passResult[2];
  if (passResult[3] < n) return null; // a list overflowed

  // The top list's keys; every NaN/Inf is in it (its key is >= tLo), the first one first.
  let maxKey = 0;
  for (let j = 0; j < tSize; j++) {
    const k = tk[j];
    if (k >= NON_FINITE_KEY) return { badIndex: ti[j] };
    if (k > maxKey) maxKey = k;
  }
  const cut: Cut = { topKey: 0x7fffffff, topIndex: 0, bottomKey: 0, bottomIndex: 0xffffffff };
  if (kTop > 0) {
    if (tSize < kTop) return null; // the cut is under the top interval
    narrowList(tk, ti, tSize, tLo, maxKey, tSize - kTop);
    const { key, equal, rank } = narrowed;
    cut.topKey = key;
    const inTop = equal - rank; // the first inTop ties (index order) are top
    cut.topIndex = inTop >= equal ? n : ti[inTop];
  }
  if (kBottom > 0) {
    const pos = kBottom - 1;
    if (pos < nBelow || pos >= nBelow + bSize) return null;
    narrowList(bk, bi, bSize, bLo, bHi, pos - nBelow);
    const { key, equal, rank } = narrowed;
    cut.bottomKey = key;
    cut.bottomIndex = bi[equal - 1 - rank];
  }
  return cut;
}

/**
 * The exact cut of one layer, or the first index of a NaN/Inf as a negative-free marker
 * `{ badIndex }`. Counts must already be valid (0 <= kTop + kBottom <= n).
 */
export function findCut(values: Float32Array, kTop: number, kBottom: number): Cut | { badIndex: number } {
  const bits = bitsOf(values);
  const n = bits.length;
  if (n <= SMALL_LAYER_MAX) return findCutSmall(bits, kTop, kBottom);
  if (n >= BRACKET_MIN && (kTop > 0 || kBottom > 0)) {
    const cut = findCutBracketed(bits, kTop, kBottom);
    if (cut) return cut;
  }
  return findCutExact(bits, kTop, kBottom);
}

/** The exact radix path for layers over SMALL_LAYER_MAX: histogram pass, compaction, refines. */
export function findCutExact(bits: Uint32Array, kTop: number, kBottom: number): Cut | { badIndex: number } {
  const n = bits.length;
  hist0.fill(0);
  let flag = 0;
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    flag |= (u & 0x7f800000) + 0x00800000; // bit 31 set exactly for NaN/Inf
    hist0[(u >>> 20) & 0x7ff]++;
  }
  if (flag < 0 || flag >= 0x80000000) return { badIndex: firstNonFiniteBits(bits) };

  const cut: Cut = { topKey: 0x7fffffff, topIndex: 0, bottomKey: 0, bottomIndex: 0xffffffff };
  if (kTop === 0 && kBottom === 0) return cut;
  const top = kTop > 0 ? newSide(n - kTop, 0) : null;
  const bottom = kBottom > 0 ? newSide(kBottom - 1, 0) : null;
  for (const s of [top, bottom]) {
    if (!s) continue;
    selectBucket(hist0, 2048, s, 0);
    if (s.equal <= CANDIDATE_CAP) {
      s.keys = new Uint32Array(s.equal);
      s.index = new Uint32Array(s.equal);
    }
  }
  compact(bits, top, bottom);
  for (const s of [top, bottom]) {
    if (!s) continue;
    refine(bits, s, 1);
    refine(bits, s, 2);
  }
  if (top) {
    cut.topKey = top.prefix;
    const inTop = top.equal - top.rank; // the first inTop ties (index order) are top
    cut.topIndex = inTop >= top.equal ? n : tieIndex(bits, top, inTop);
  }
  if (bottom) {
    cut.bottomKey = bottom.prefix;
    cut.bottomIndex = tieIndex(bits, bottom, bottom.equal - 1 - bottom.rank);
  }
  return cut;
}

/** Class code of an element whose key equals a threshold key (the rare tie path). */
function tieCode(k: number, i: number, cut: Cut): number {
  if (k > cut.topKey || (k === cut.topKey && i < cut.topIndex)) return 2;
  if (k < cut.bottomKey || (k === cut.bottomKey && i >= cut.bottomIndex)) return 0;
  return 1;
}

// Keys and thresholds are below 2^31, so (a - b) >>> 31 is 1 exactly when a < b (also for the
// shifted thresholds -1 and 2^31 of writeCodes): branch-free comparisons.

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Class codes (0 bottom-removed, 1 kept, 2 top-removed) for a cut. SPEC §1's tie rule depends on
 * the index only through i < topIndex and i >= bottomIndex, so the layer splits into at most
 * three index ranges, in each of which the rule is a plain key comparison: top iff k > top, with
 * top = topKey - 1 where i < topIndex (ties there are top) and topKey elsewhere; bottom iff
 * k < bottom, with bottom = bottomKey + 1 where i >= bottomIndex and bottomKey elsewhere. No test
 * per element for a key equal to a threshold (layers under RANGES_MIN keep that test).
 */
export function writeCodes(values: Float32Array, cut: Cut, codes: Uint8Array): void {
  const bits = bitsOf(values);
  const n = bits.length;
  if (n < RANGES_MIN) return writeCodesSmall(bits, cut, codes);
  const ti = Math.min(cut.topIndex, n);
  const bi = Math.min(cut.bottomIndex, n);
  // Four codes per 32-bit store: a quarter of the typed-array stores (about 1 ns/element).
  const words = LITTLE_ENDIAN && codes.byteOffset % 4 === 0 ? new Uint32Array(codes.buffer, codes.byteOffset, n >>> 2) : null;
  const a = Math.min(ti, bi);
  const b = Math.max(ti, bi);
  if (a > 0) codesRange(bits, codes, words, 0, a, 0 < ti ? cut.topKey - 1 : cut.topKey, 0 >= bi ? cut.bottomKey + 1 : cut.bottomKey);
  if (b > a) codesRange(bits, codes, words, a, b, a < ti ? cut.topKey - 1 : cut.topKey, a >= bi ? cut.bottomKey + 1 : cut.bottomKey);
  if (n > b) codesRange(bits, codes, words, b, n, b < ti ? cut.topKey - 1 : cut.topKey, b >= bi ? cut.bottomKey + 1 : cut.bottomKey);
}

/** Below this many elements the three ranges cost more than a tie test per element. */
const RANGES_MIN = 256;

/** writeCodes for small layers: one loop, keys equal to a threshold take tieCode. */
function writeCodesSmall(bits: Uint32Array, cut: Cut, codes: Uint8Array): void {
  const topKey = cut.topKey;
  const bottomKey = cut.bottomKey;
  const n = bits.length;
  let start = 0;
  if (LITTLE_ENDIAN && codes.byteOffset % 4 === 0) {
    const words = new Uint32Array(codes.buffer, codes.byteOffset, n >>> 2);
    for (let w = 0; w < words.length; w++) {
      const i = w << 2;
      const k0 = bits[i] & 0x7fffffff;
      const k1 = bits[i + 1] & 0x7fffffff;
      const k2 = bits[i + 2] & 0x7fffffff;
      const k3 = bits[i + 3] & 0x7fffffff;
      let c0 = 1 + ((topKey - k0) >>> 31) - ((k0 - bottomKey) >>> 31);
      let c1 = 1 + ((topKey - k1) >>> 31) - ((k1 - bottomKey) >>> 31);
      let c2 = 1 + ((topKey - k2) >>> 31) - ((k2 - bottomKey) >>> 31);
      let c3 = 1 + ((topKey - k3) >>> 31) - ((k3 - bottomKey) >>> 31);
      if (k0 === topKey || k0 === bottomKey) c0 = tieCode(k0, i, cut);
      if (k1 === topKey || k1 === bottomKey) c1 = tieCode(k1, i + 1, cut);
      if (k2 === topKey || k2 === bottomKey) c2 = tieCode(k2, i + 2, cut);
      if (k3 === topKey || k3 === bottomKey) c3 = tieCode(k3, i + 3, cut);
      words[w] = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    }
    start = words.length << 2;
  }
  for (let i = start; i < n; i++) {
    const k = bits[i] & 0x7fffffff;
    let c = 1 + ((topKey - k) >>> 31) - ((k - bottomKey) >>> 31);
    if (k === topKey || k === bottomKey) c = tieCode(k, i, cut);
    codes[i] = c;
  }
}

/** Codes of [from, to): 2 iff key > top, 0 iff key < bottom, else 1 (top in [-1, 2^31), bottom in [0, 2^31]). */
function codesRange(bits: Uint32Array, codes: Uint8Array, words: Uint32Array | null, from: number, to: number, top: number, bottom: number): void {
  let i = from;
  if (words) {
    for (; i < to && (i & 3) !== 0; i++) {
      const k = bits[i] & 0x7fffffff;
      codes[i] = 1 + ((top - k) >>> 31) - ((k - bottom) >>> 31);
    }
    const end = to >>> 2;
    for (let w = i >>> 2; w < end; w++) {
      const j = w << 2;
      const k0 = bits[j] & 0x7fffffff;
      const k1 = bits[j + 1] & 0x7fffffff;
      const k2 = bits[j + 2] & 0x7fffffff;
      const k3 = bits[j + 3] & 0x7fffffff;
      const c0 = 1 + ((top - k0) >>> 31) - ((k0 - bottom) >>> 31);
      const c1 = 1 + ((top - k1) >>> 31) - ((k1 - bottom) >>> 31);
      const c2 = 1 + ((top - k2) >>> 31) - ((k2 - bottom) >>> 31);
      const c3 = 1 + ((top - k3) >>> 31) - ((k3 - bottom) >>> 31);
      words[w] = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    }
    i = Math.max(i, end << 2);
  }
  for (; i < to; i++) {
    const k = bits[i] & 0x7fffffff;
    codes[i] = 1 + ((top - k) >>> 31) - ((k - bottom) >>> 31);
  }
}

/**
 * Kept values in place (+0 elsewhere) and/or the sparse kept set; either output may be null.
 * The sparse stores are unconditional (the slot is overwritten unless kept; a store one past the
 * end of a typed array is ignored), which avoids a mispredicted branch per element.
 */
export function writeKept(
  values: Float32Array,
  cut: Cut,
  pruned: Float32Array | null,
  keptIndices: Uint32Array | null,
  keptValues: Float32Array | null,
): void {
  const bits = bitsOf(values);
  const n = bits.length;
  const topKey = cut.topKey;
  const bottomKey = cut.bottomKey;
  const prunedBits = pruned ? bitsOf(pruned) : NO_LIST;
  const pruneMask = pruned ? 0xffffffff : 0;
  const idx = keptIndices ?? NO_LIST;
  const keptBits = keptValues ? bitsOf(keptValues) : NO_LIST;
  const sparseMask = keptIndices || keptValues ? 0xffffffff : 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    const k = u & 0x7fffffff;
    let kept = 1 - ((k - topKey - 1) >>> 31 ^ 1) - ((k - bottomKey) >>> 31);
    if (k === topKey || k === bottomKey) kept = tieCode(k, i, cut) === 1 ? 1 : 0;
    prunedBits[i & pruneMask] = u & -kept;
    const at = m & sparseMask;
    idx[at] = i;
    keptBits[at] = u;
    m += kept;
  }
}
