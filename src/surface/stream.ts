/**
 * The streaming-aggregation contract (SPEC §7; docs/FL.md "Streaming aggregator"): the spec a
 * message must match, the outcome codes and slots every backend reports (= dgp_wire::StreamCode,
 * native/wire/stream_aggregate.h), and the argument checks of streamAdd, streamAddAsync and
 * partialMerge, made as the addon's glue makes them (native/addon/stream_binding.cc): kinds and
 * lengths of the arrays and the head numbers. The TypeScript and wasm backends run them before
 * any work; the message bytes themselves are the kernels' to validate.
 */
import { describeValue } from '../errors';
import { WireStatus } from './kernels';

/** Mirrors dgp_wire::StreamCode (the index-block codes -1..-8 are WireStatus's). */
export const enum StreamCode {
  Ok = 0,
  IndexTruncated = WireStatus.Truncated,
  VarintOverlong = WireStatus.VarintOverlong,
  VarintOverflow = WireStatus.VarintOverflow,
  NotAscending = WireStatus.NotAscending,
  OutOfRange = WireStatus.OutOfRange,
  CountMismatch = WireStatus.CountMismatch,
  BitmapPadding = WireStatus.BitmapPadding,
  BadCoding = WireStatus.BadCoding,
  TooShort = -20,
  BadMagic = -21,
  BadVersion = -22,
  BadKind = -23,
  BadReserved = -24,
  LengthMismatch = -25,
  CrcMismatch = -26,
  RoundMismatch = -27,
  PositionsMismatch = -28,
  LayerCountMismatch = -29,
  LayerMismatch = -30,
  CountExceeds = -31,
  ValuesTruncated = -32,
  NonFinite = -33,
  TrailingBytes = -34,
  TruncatedField = -35,
  BadVarint = -36,
  BadPartialHeader = -37,
  BadWeight = -38,
  BadSpec = -39,
}

/** What every message must match (see StreamSpec in stream_aggregate.h). */
export interface StreamSpec {
  /** KIND_UPDATE or KIND_ALIGNED. */
  of: number;
  round: number;
  positionsId: number;
  /** Per layer, its metadata bytes as a message carries them, concatenated. */
  layout: Uint8Array;
  layerCount: number;
  /** Sum of the layer sizes: the length of the sums. */
  total: number;
}

/**
 * Outcome slots shared with the native glue: [code, layer, at, got, want, clients, weight].
 * One Float64Array so both backends report the same way.
 */
export const OUT_SLOTS = 7;

function kind(fn: string, what: string, v: unknown, ctor: typeof Uint8Array | typeof Float64Array): void {
  if (!(v instanceof ctor)) throw new TypeError(`${fn}: ${what} must be a ${ctor.name}, got ${describeValue(v)}`);
}

/** The spec a (layout, head) pair stands for; head = [of, round, positionsId, layerCount, total]. */
export function streamSpecArg(fn: string, layout: unknown, head: unknown): StreamSpec {
  kind(fn, 'layout', layout, Uint8Array);
  kind(fn, 'head', head, Float64Array);
  const h = head as Float64Array;
  if (h.length !== 5) throw new RangeError(`${fn}: head must have 5 entries, got ${describeValue(h)}`);
  for (let i = 0; i < 5; i++) {
    const max = i === 4 ? 2 ** 53 - 1 : 2 ** 32 - 1;
    if (!(Number.isInteger(h[i]) && h[i] >= 0 && h[i] <= max))
      throw new RangeError(`${fn}: head[${i}] must be an integer in [0, ${i === 4 ? '2^53' : '2^32'}), got ${h[i]}`);
  }
  return { of: h[0] > 255 ? 0 : h[0], round: h[1], positionsId: h[2], layout: layout as Uint8Array, layerCount: h[3], total: h[4] };
}

/** Checks msg, weight (when given), acc (spec.total long) and out (OUT_SLOTS long). */
export function streamArrays(fn: string, spec: StreamSpec, msg: unknown, weight: unknown, acc: unknown, out: unknown): void {
  kind(fn, 'msg', msg, Uint8Array);
  if (weight !== undefined && typeof weight !== 'number') throw new TypeError(`${fn}: weight must be a number, got ${describeValue(weight)}`);
  kind(fn, 'acc', acc, Float64Array);
  if ((acc as Float64Array).length !== spec.total)
    throw new RangeError(`${fn}: acc has ${(acc as Float64Array).length} elements, the layout needs ${spec.total}`);
  kind(fn, 'out', out, Float64Array);
  if ((out as Float64Array).length !== OUT_SLOTS) throw new RangeError(`${fn}: out must have ${OUT_SLOTS} entries, got ${describeValue(out)}`);
}

/** The head array of a spec (what the kernels take with the layout bytes). */
export function streamHead(spec: StreamSpec): Float64Array {
  return Float64Array.of(spec.of, spec.round, spec.positionsId, spec.layerCount, spec.total);
}
