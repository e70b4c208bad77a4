// Builds the strip sampler's table (gaussian_table.h; the argument that it samples the discrete
// Gaussian to within a factor 1 ± 2^-50 on every point is in docs/PRIVACY.md, "Noise sampler").
// Every bound below is certified: lower bounds round down, upper bounds round up, and the
// comments say why each intermediate fits its integer type.
#include "gaussian_table.h"

namespace dgp_privacy {
namespace {

using u128 = unsigned __int128;

// floor(2^64·e^-1) (80-digit decimal); e^-1 lies in [kE1Low, kE1Low + 1]·2^-64.
constexpr uint64_t kE1Low = 0x5e2d58d8b3bcdf1aull;
constexpr uint64_t kOne = uint64_t(1) << kFixBits;

int bit_length(u128 v) {
  const uint64_t hi = uint64_t(v >> 64);
  if (hi != 0) return 128 - __builtin_clzll(hi);
  const uint64_t lo = uint64_t(v);
  return lo == 0 ? 0 : 64 - __builtin_clzll(lo);
}

// m·2^-s with m in [2^63, 2^64): a positive number with 64 significant bits.
struct Mant {
  uint64_t m;
  int s;
};

// The top 64 bits of p·2^-s (p > 0), rounded down or up.
Mant top64(u128 p, int s, bool up) {
  const int sh = bit_length(p) - 64;
  if (sh <= 0) return Mant{uint64_t(p) << -sh, s - sh};
  u128 m = p >> sh;
  if (up && (m << sh) != p) m += 1;
  if (m >> 64) return Mant{uint64_t(1) << 63, s - sh - 1};  // rounded up to 2^64
  return Mant{uint64_t(m), s - sh};
}

// Strips start below 20t, so b²/(2t²) < 200.
constexpr int kMaxExponent = 200;

// Bounds of e^-n for n = 0..199: n multiplications by the bounds of e^-1, rounding away from the truth.
struct PowersOfE1 {
  Mant low[kMaxExponent], high[kMaxExponent];
  PowersOfE1() {
    low[0] = high[0] = Mant{uint64_t(1) << 63, 63};
    for (int n = 1; n < kMaxExponent; n++) {
      low[n] = top64(u128(low[n - 1].m) * kE1Low, low[n - 1].s + 64, false);
      high[n] = top64(u128(high[n - 1].m) * (kE1Low + 1), high[n - 1].s + 64, true);
    }
  }
};

// Bounds of f(b) = exp(-b²/(2t²)) = e^-n·exp(-r/(2t²)) with n = floor(b²/(2t²)).
Mant gaussian_at(const PowersOfE1& e, uint64_t b, uint64_t two_t2, bool up) {
  const uint64_t q = b * b;  // b < 2^25: fits
  const uint64_t n = q / two_t2;
  const uint64_t s = exp_neg_fixed(q - n * two_t2, two_t2);
  const Mant en = up ? e.high[n] : e.low[n];
  const uint64_t fr = up ? s + 64 : s - 64;  // exp(-r/(2t²)) bound, units 2^-62
  return top64(u128(fr) * en.m, en.s + kFixBits, up);
}

}  // namespace

uint64_t exp_neg_fixed(uint64_t num, uint64_t den) {
  // y = num/den in [0, 1]; Y = floor(2^62·y) <= 2^62. T_k = floor(T_{k-1}·Y / (2^62·k)) is at most
  // 2^62·y^k/k! and at most 2.5 units below it; the series alternates with falling terms, so
  // stopping after k = 20 leaves under 0.1 unit: |S - 2^62·e^-y| < 20·2.5 + 0.1 < 64.
  const uint64_t y = uint64_t((u128(num) << kFixBits) / den);
  uint64_t term = kOne, even = kOne, odd = 0;  // even <= 2^62·cosh(1), odd <= 2^62·sinh(1)
  for (uint64_t k = 1; k <= 20; k++) {
    term = uint64_t((u128(term) * y) >> kFixBits) / k;  // the shifted product is <= 2^62: a 64-bit division
    if (k & 1) odd += term;
    else even += term;
  }
  return even - odd;
}

bool accepts(const GaussianTable& table, uint32_t i, uint64_t x, uint64_t u) {
  // A pre-test in doubles: e^-y by 14 Taylor terms (y <= 1/3: relative error under 2^-45 with
  // the truncation, whatever the rounding or contraction) times ρ_i, against u with a margin of
  // 2^-40 relative, far above both sides' error (accept_bound is within 2^-50 of 2^62·a(x)).
  // Only inside the margin (about 2^-39 of the calls) does the exact bound decide; either way
  // the answer is accept_bound's, so the TypeScript twin's pre-test need not round alike.
  const uint64_t b = uint64_t(i) * table.w;
  const double y = double(x * x - b * b) / double(table.two_t2);
  double e = 1;
  for (int k = 14; k >= 1; k--) e = 1 - e * y / k;
  const double a = e * double(table.rho[i]);  // 2^62·a(x), approximately
  const double ud = double(u);
  if (ud < a * (1 - 0x1p-40)) return true;
  if (ud > a * (1 + 0x1p-40)) return false;
  return u < accept_bound(table, i, x);
}

uint64_t accept_bound(const GaussianTable& table, uint32_t i, uint64_t x) {
  const uint64_t b = uint64_t(i) * table.w;
  const uint64_t s = exp_neg_fixed(x * x - b * b, table.two_t2);  // (x² - b²)/(2t²) <= 1/3 here
  return uint64_t((u128(s - 64) * table.rho[i]) >> kFixBits);
}

void build_gaussian_table(GaussianTable& table, uint32_t t) {
  const uint64_t w = (t + kStripsPerSigma - 1) / kStripsPerSigma;
  const uint64_t k = (uint64_t(kTailSigmas) * t + w - 1) / w;
  const uint64_t two_t2 = 2 * uint64_t(t) * t;
  table.t = t;
  table.w = uint32_t(w);
  table.wbits = w == 1 ? 0 : 64 - __builtin_clzll(w - 1);
  table.k = uint32_t(k);
  table.two_t2 = two_t2;
  // G scales f(b_i) to alias units: the strips' sum of f is at most 1 + (t/w)·√(π/2) and
  // D/w >= that (√(π/2) < 1.2533142), so the strips take at most 2^32 - 2^25 units, plus under
  // one unit each for rounding up and under 2^13 each for a far strip's scaling (2,561 strips at
  // most): under 2^32.
  const uint64_t d = w + (uint64_t(t) * 12533142 + 9999999) / 10000000;
  const uint64_t g = ((uint64_t(1) << 32) - (uint64_t(1) << 25)) * w / d;
  const PowersOfE1 powers;
  uint64_t weight[kColumns] = {};
  uint64_t total = 0;
  for (uint64_t i = 0; i < k; i++) {
    const uint64_t b = i * w;
    // W_i = ceil(f_hi·G·2^e_i) >= 2^12: e_i = 0 where f·G is large enough, else the halvings that
    // bring a far strip up to [2^12, 2^13] units (it is then kept with probability 2^-e_i).
    const Mant hi = gaussian_at(powers, b, two_t2, true);
    const u128 p = u128(hi.m) * g;
    const int len = bit_length(p);
    const int e = 13 + hi.s - len > 0 ? 13 + hi.s - len : 0;
    const int sh = hi.s - e;  // >= len - 13 > 0
    const uint64_t wi = uint64_t((p + ((u128(1) << sh) - 1)) >> sh);
    // ρ_i = f(b_i)·G·2^e_i/W_i <= 1, from below: f_lo·G·2^(e_i + 62)/W_i <= 2^62·W_i/W_i.
    const Mant lo = gaussian_at(powers, b, two_t2, false);
    const u128 pl = u128(lo.m) * g;
    const int shl = e + kFixBits - lo.s;
    const u128 num = shl >= 0 ? pl << shl : pl >> -shl;  // <= 2^62·W_i < 2^94
    const uint64_t rho = uint64_t(num / wi);
    // L_i from the strip's last point: S_x - 64 >= S_last - 192 (both within 64 of the truth).
    const uint64_t last = b + w - 1;
    const uint64_t s_last = exp_neg_fixed(last * last - b * b, two_t2);
    table.halvings[i] = uint16_t(e);  // < 13 + 64 + 289 (f >= e^-200 >= 2^-289)
    table.rho[i] = rho;
    table.fast[i] = uint16_t((u128(s_last - 192) * rho) >> (2 * kFixBits - kFastBits));
    weight[i] = wi;
    total += wi;
  }
  weight[k] = (uint64_t(1) << 32) - total;  // the bucket that rejects
  // Vose's alias method in exact integers: each column holds C = 2^20 units.
  const uint64_t c = uint64_t(1) << kThresholdBits;
  uint16_t small[kColumns], large[kColumns];
  int ns = 0, nl = 0;
  for (int j = 0; j < kColumns; j++) {
    if (weight[j] < c) small[ns++] = uint16_t(j);
    else large[nl++] = uint16_t(j);
  }
  while (ns > 0 && nl > 0) {
    const uint16_t sj = small[--ns];
    const uint16_t lj = large[--nl];
    table.threshold[sj] = uint32_t(weight[sj]);
    table.alias[sj] = lj;
    weight[lj] -= c - weight[sj];
    if (weight[lj] < c) small[ns++] = lj;
    else large[nl++] = lj;
  }
  while (nl > 0) {
    const uint16_t lj = large[--nl];
    table.threshold[lj] = uint32_t(c);
    table.alias[lj] = lj;
  }
  while (ns > 0) {  // only rounding could leave one; the total is exactly 2^12·C, so none does
    const uint16_t sj = small[--ns];
    table.threshold[sj] = uint32_t(c);
    table.alias[sj] = sj;
  }
}

}  // namespace dgp_privacy
