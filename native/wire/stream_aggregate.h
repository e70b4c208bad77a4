// Streaming aggregation straight from untrusted message bytes (SPEC §7, docs/FL.md "Streaming
// aggregator"): validate one encoded message in full (header, CRC, layout, every index, every
// value), and only then decode and scatter-add it into float64 running sums in one pass, with no
// per-client decoded arrays. Also the partial aggregates (kind 4, docs/FORMAT.md) that let several
// aggregators be merged. No napi.h; src/backends/ts/stream.ts is the bit-identical TypeScript twin.
//
// Accumulation: sums are float64; a message adds `acc[i] = acc[i] + weight * double(v)` (two
// float64 operations, never fused) for each of its entries, in message order; a merge adds
// `acc[i] = acc[i] + partial[i]`. The caller rounds to float32 at the end.
#ifndef DGP_STREAM_AGGREGATE_H
#define DGP_STREAM_AGGREGATE_H

#include <cstddef>
#include <cstdint>

namespace dgp_wire {

// Message kinds (FORMAT.md header `kind`).
enum Kind : int { KIND_UPDATE = 1, KIND_POSITIONS = 2, KIND_ALIGNED = 3, KIND_PARTIAL = 4 };

// What the running sums expect of every message. `layout` is the concatenation, per layer in
// order, of the layer's metadata bytes exactly as a message carries them (FORMAT.md):
//   of == KIND_UPDATE:  nameLength varint, name, rank u8, dims varints
//   of == KIND_ALIGNED: nameLength varint, name, count varint (the positions' count)
// Varints have one encoding only, so a message layer matches iff its metadata bytes are equal.
struct StreamSpec {
  int of;                 // KIND_UPDATE or KIND_ALIGNED: what is being summed
  uint32_t round;         // every message must carry this round
  uint32_t positions_id;  // KIND_ALIGNED: the positions' CRC every upload names; else 0
  const uint8_t* layout;
  size_t layout_len;
  uint32_t layer_count;
  uint64_t total;         // sum of the layers' sizes: the length of the sums array
};

// Outcome codes (0 = OK). The index-block codes -1..-8 are dgp_wire::Status's.
enum StreamCode : int {
  STREAM_OK = 0,
  STREAM_TOO_SHORT = -20,           // fewer bytes than a header and a CRC; got = length
  STREAM_BAD_MAGIC = -21,           // got = the first 4 bytes (little-endian u32)
  STREAM_BAD_VERSION = -22,         // got = version byte
  STREAM_BAD_KIND = -23,            // got = kind byte, want = the expected kind
  STREAM_BAD_RESERVED = -24,        // reserved bytes are not zero
  STREAM_LENGTH_MISMATCH = -25,     // got = header totalLength, want = bytes received
  STREAM_CRC_MISMATCH = -26,        // got = stored CRC, want = computed
  STREAM_ROUND_MISMATCH = -27,      // got = message round, want = spec round
  STREAM_POSITIONS_MISMATCH = -28,  // got = message positionsId (or partial's), want = spec's
  STREAM_LAYER_COUNT_MISMATCH = -29,  // got, want
  STREAM_LAYER_MISMATCH = -30,      // layer's name/shape (or count) differ from the layout; at = its start
  STREAM_COUNT_EXCEEDS = -31,       // got = count, want = layer size n
  STREAM_VALUES_TRUNCATED = -32,    // got = bytes remaining, want = bytes the values need
  STREAM_NON_FINITE = -33,          // got = entry j whose value (or partial sum) is NaN/Inf
  STREAM_TRAILING_BYTES = -34,      // got = bytes between the last layer and the CRC
  STREAM_TRUNCATED_FIELD = -35,     // a coding byte or count varint runs past the end
  STREAM_BAD_VARINT = -36,          // a count varint is overlong or above 2^32-1
  STREAM_BAD_PARTIAL_HEADER = -37,  // partial: `of` differs (got, want) or reserved bytes set
  STREAM_BAD_WEIGHT = -38,          // partial: total weight negative or not finite
  STREAM_BAD_SPEC = -39,            // the spec's own layout bytes are malformed (a caller bug)
};

// Where and what. `layer` is -1 for header problems; `at` is a byte offset into the message.
struct StreamProblem {
  int code = STREAM_OK;
  int64_t layer = -1;
  uint64_t at = 0;
  uint64_t got = 0;
  uint64_t want = 0;
};

// Bytes of the fixed partial header after the common 20-byte header:
// of u8, reserved 3 bytes, positionsId u32, clients u32, totalWeight f64.
constexpr size_t kPartialExtraBytes = 20;

// Checks one kind-1 or kind-3 message (as spec.of says) against the spec without writing
// anything. Returns STREAM_OK or the first problem, described in *p.
int stream_validate(const uint8_t* msg, size_t len, const StreamSpec& spec, StreamProblem* p);

// stream_validate, then (only when it passes) acc[offset(layer) + i] += weight * v for every
// entry. acc has spec.total elements. Returns the validation code; acc is untouched unless OK.
int stream_add(const uint8_t* msg, size_t len, const StreamSpec& spec, double weight, double* acc,
               StreamProblem* p);

// Checks a partial aggregate (kind 4) against the spec: header, CRC, `of`, positions id, round,
// layout, every sum finite, total weight finite and >= 0. On OK sets *clients and *weight.
int partial_validate(const uint8_t* msg, size_t len, const StreamSpec& spec, uint32_t* clients,
                     double* weight, StreamProblem* p);

// partial_validate, then acc[i] += sums[i] for all spec.total sums. acc untouched unless OK.
int partial_merge(const uint8_t* msg, size_t len, const StreamSpec& spec, double* acc, uint32_t* clients,
                  double* weight, StreamProblem* p);

// The outcome as the JavaScript glues (addon, wasm) hand it over, one float64 per slot:
// out[0..7) = [code, layer, at, got, want, clients, weight].
void stream_outcome(const StreamProblem& p, uint32_t clients, double weight, double* out);

// Per-layer sizes (dense n, or the aligned count) of the spec's layout into sizes[0, layer_count);
// false when the layout bytes are malformed or their sizes do not add up to spec.total.
bool stream_layer_sizes(const StreamSpec& spec, uint64_t* sizes);

}  // namespace dgp_wire

#endif  // DGP_STREAM_AGGREGATE_H
