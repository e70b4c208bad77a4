// CRC-32/IEEE (the one of wire_kernels.h crc32) at memory speed where the CPU allows: on x86-64
// with PCLMULQDQ, carry-less-multiply folding of 64-byte blocks (Intel, "Fast CRC Computation
// for Generic Polynomials Using PCLMULQDQ", 2009; the constants of zlib/Chromium's
// crc32_simd.c), chosen at run time; elsewhere wire_kernels' slice-by-8. Same result either way
// (native/tests/test_stream.cc checks every length 0..300 and large buffers against crc32).
#ifndef DGP_CRC32_FAST_H
#define DGP_CRC32_FAST_H

#include <cstddef>
#include <cstdint>

namespace dgp_wire {

uint32_t crc32_fast(const uint8_t* data, size_t len);

// Whether crc32_fast uses the PCLMULQDQ path on this CPU.
bool crc32_fast_simd();

}  // namespace dgp_wire

#endif  // DGP_CRC32_FAST_H
