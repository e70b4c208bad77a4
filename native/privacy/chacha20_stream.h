// The ChaCha20 keystream (RFC 8439 §2.3/§2.4: blocks for consecutive counters, words in order)
// applied to a uint32 buffer: stored, added or subtracted mod 2^32. The hot path of maskAdd,
// quantizeStochastic and chacha20Blocks. Several blocks run in parallel in vector lanes (AVX-512:
// 16, AVX2: 8, 4 with SSE2 / NEON / wasm simd128), chosen at run time on x86 (active_simd(),
// which DGP_SIMD caps); every variant gives the words of chacha20_block (chacha20.h), bit for bit.
#ifndef DGP_PRIVACY_CHACHA20_STREAM_H
#define DGP_PRIVACY_CHACHA20_STREAM_H

#include <cstddef>
#include <cstdint>

namespace dgp_privacy {

enum class Apply { Store, Add, Subtract };

// The implementations, narrowest first. Vec4 is the portable 4-lane one (GCC/clang vector
// extensions: SSE2 on x86, NEON on arm64, simd128 in the wasm build).
enum class Lanes { Scalar, Vec4, Avx2, Avx512 };

// dst[i] = / += / -= keystream word i, for i < n, the stream starting at block `counter`. The
// caller keeps counter + ceil(n / 16) - 1 within 32 bits (masks.cc, random.cc guard it); only
// dst[0, n) is read or written.
void chacha20_apply(const uint32_t* key, const uint32_t* nonce, uint32_t counter, Apply op, uint32_t* dst, size_t n);

// The same with a given implementation (for the tests and benchmarks); false, touching nothing,
// where this build or CPU lacks it.
bool chacha20_apply_with(Lanes lanes, const uint32_t* key, const uint32_t* nonce, uint32_t counter, Apply op,
                         uint32_t* dst, size_t n);

// The implementation chacha20_apply uses here.
Lanes chacha20_lanes();

}  // namespace dgp_privacy

#endif  // DGP_PRIVACY_CHACHA20_STREAM_H
