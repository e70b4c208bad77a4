// The strip sampler's table for one scale t (docs/PRIVACY.md, "Noise sampler"): the discrete
// Gaussian's half line [0, B) cut into K strips of width w, each with an envelope height, an
// alias table over the strips (plus one bucket that rejects), and what a draw needs to accept or
// reject its proposal. Built with integer arithmetic only (certified bounds of exp, no libm), so
// the addon, the wasm module and the TypeScript twin (src/backends/ts/gaussian_table.ts) build the
// same table from the same t.
#pragma once
#include <cstdint>

namespace dgp_privacy {

constexpr int kColumnBits = 12;                   // alias columns: 2^12
constexpr int kColumns = 1 << kColumnBits;
constexpr int kThresholdBits = 20;                // a column holds 2^20 units; the table 2^32
constexpr uint32_t kTailSigmas = 20;              // B >= 20·t
constexpr uint32_t kStripsPerSigma = 128;         // w = ceil(t / 128)
constexpr int kMaxStrips = int(kTailSigmas * kStripsPerSigma) + 1;
constexpr int kFastBits = 16;                     // the fast test reads 16 bits
constexpr int kFixBits = 62;                      // fixed point: units of 2^-62

struct GaussianTable {
  uint32_t t = 0;                  // the scale it was built for (0: none yet)
  uint32_t w = 0;                  // strip width
  int wbits = 0;                   // bits of an offset in a strip: bit length of w - 1
  uint32_t k = 0;                  // strips; bucket k rejects
  uint64_t two_t2 = 0;             // 2·t²
  uint32_t threshold[kColumns];    // column c: bucket c when the 20-bit v < threshold[c], else alias[c]
  uint16_t alias[kColumns];
  uint16_t halvings[kMaxStrips];   // e_i: strip i is kept only when e_i further bits are all 0
  uint16_t fast[kMaxStrips];       // L_i: a 16-bit u < L_i accepts at once (L_i·2^46 <= a_lo(x) on the strip)
  uint64_t rho[kMaxStrips];        // lower bound of ρ_i = f(b_i)·G·2^e_i / W_i, units of 2^-62
};

// Builds the table for scale t in [1, 2^20].
void build_gaussian_table(GaussianTable& table, uint32_t t);

// floor(2^62·a(x)) from below: the acceptance bound of x in strip i (certified: at most
// 2^62·f(x)·G·2^e_i/W_i, and within 2^11 units of it).
uint64_t accept_bound(const GaussianTable& table, uint32_t i, uint64_t x);

// Whether the 62-bit u is below accept_bound(table, i, x), mostly decided without it.
bool accepts(const GaussianTable& table, uint32_t i, uint64_t x, uint64_t u);

// S with |S - 2^62·exp(-num/den)| < 64, for 0 <= num <= den <= 2^42 (alternating Taylor series).
uint64_t exp_neg_fixed(uint64_t num, uint64_t den);

}  // namespace dgp_privacy
