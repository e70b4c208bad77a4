/**
 * The wire status -> message table: the one place a malformed message's problem is put in words,
 * for the TypeScript wire reader (src/fl/wire_reader.ts: the decoders) and for the streaming
 * kernels' outcome codes (the Aggregator), whichever backend ran them. Codes are StreamCode's
 * (the index-block codes -1..-8 are WireStatus's, the same numbers); the details are what the
 * reporter knows. The decoder knows more than a kernel's outcome slots (the index coding, whether
 * a varint was overlong or overflowed, only a bound on a bitmap's popcount), so a few entries
 * say more when it reports them: `source` says who does.
 */
import { FORMAT_VERSION, hex32, KIND_NAMES } from './format';
import { StreamCode } from './stream';

export interface WireDetail {
  /** Who reports: the decoder (wire_reader.ts) or a streaming kernel's outcome slots. */
  source: 'decoder' | 'stream';
  /** The outcome's numbers (StreamCode's `got` and `want`; for the decoder, as each entry says). */
  got: number;
  want: number;
  /** What was read: a message or a partial aggregate (its sums). */
  what?: 'message' | 'partial';
  /** What a frame of this kind is called ("update message", "partial aggregate"), for TooShort. */
  expected?: string;
  /** Decoder, index blocks: the coding (0 bitmap, 1 delta), the count, the bytes left. */
  coding?: number;
  count?: number;
  remain?: number;
  /** Decoder, reserved bytes: their values. */
  reserved?: [number, number];
  /** LayerMismatch: what the message's layer says, and what the layout expects there. */
  found?: string;
  expects?: string;
}

const kindName = (k: number): string => KIND_NAMES[k] ?? (k === 4 ? 'partial aggregate' : 'unknown');

const TABLE: Record<number, (d: WireDetail) => string> = {
  [StreamCode.TooShort]: (d) => `truncated: ${d.got} bytes, a ${d.expected} needs at least ${d.want}`,
  [StreamCode.BadMagic]: (d) => `not a tfjs-dgp message: magic is ${hex32(d.got)}, expected 'DGPW'`,
  [StreamCode.BadVersion]: (d) => `unsupported format version ${d.got} (this decoder reads version ${FORMAT_VERSION})`,
  [StreamCode.BadKind]: (d) =>
    d.source === 'decoder' && d.want !== 4
      ? `expected ${/^[aeiou]/.test(KIND_NAMES[d.want] ?? '') ? 'an' : 'a'} ${KIND_NAMES[d.want]}${d.want === 6 ? '' : ' message'} (kind ${d.want}), got kind ${d.got}` + (KIND_NAMES[d.got] ? ` (${KIND_NAMES[d.got]})` : '')
      : d.source === 'decoder'
        ? `expected kind ${d.want} (partial aggregate), got kind ${d.got}`
        : `expected kind ${d.want} (${kindName(d.want)}), got kind ${d.got} (${kindName(d.got)}${d.got === 4 ? ': use merge()' : ''})`,
  [StreamCode.BadReserved]: (d) => (d.reserved ? `reserved header bytes 6-7 must be 0, got ${d.reserved[0]}, ${d.reserved[1]}` : 'reserved header bytes must be 0'),
  [StreamCode.LengthMismatch]: (d) => `length mismatch: the header says ${d.got} bytes, got ${d.want} (${d.got > d.want ? 'truncated' : 'trailing bytes'})`,
  [StreamCode.CrcMismatch]: (d) => `CRC-32 mismatch: stored ${hex32(d.got)}, computed ${hex32(d.want)} (corrupted message)`,
  [StreamCode.RoundMismatch]: (d) => `round ${d.got}, but this aggregator holds round ${d.want}`,
  [StreamCode.PositionsMismatch]: (d) => `made for positions ${hex32(d.got)}, this aggregator's are ${hex32(d.want)}`,
  [StreamCode.LayerCountMismatch]: (d) => `${d.got} layers, the layout has ${d.want}`,
  [StreamCode.LayerMismatch]: (d) => `${d.found}, the layout expects ${d.expects} here (same names, shapes and order)`,
  [StreamCode.CountExceeds]: (d) => `count ${d.got} exceeds the layer size ${d.want}`,
  [StreamCode.ValuesTruncated]: (d) => `truncated ${d.what === 'partial' ? 'sums' : 'values'}: need ${d.want} bytes, ${d.got} remain before the CRC`,
  [StreamCode.NonFinite]: (d) => `${d.what === 'partial' ? 'sum' : 'value'} ${d.got} is not finite`,
  [StreamCode.TrailingBytes]: (d) => `${d.got} unexpected bytes after the last layer`,
  [StreamCode.TruncatedField]: () => 'truncated layer (index coding or count missing)',
  [StreamCode.BadVarint]: () => 'count varint is overlong or overflows 32 bits',
  [StreamCode.BadPartialHeader]: (d) => `partial of kind ${d.got} (${KIND_NAMES[d.got] ?? 'unknown'}), this aggregator sums kind ${d.want} (${KIND_NAMES[d.want]})`,
  [StreamCode.BadWeight]: () => 'total weight is not a finite number >= 0',
  // Index blocks. Decoder: got = the element position (or the bitmap's set bits found), want = n.
  [StreamCode.IndexTruncated]: (d) =>
    d.coding === undefined
      ? `truncated index block: needs ${d.want} bytes (bitmap) or varints (delta), ${d.got} fit`
      : `truncated ${d.coding === 0 ? `bitmap: needs ${Math.ceil(d.want / 8)} bytes` : `delta indices: ${d.count} varints do not fit`}, ${d.remain} remain`,
  [StreamCode.VarintOverlong]: (d) => `delta index ${d.got} is an overlong varint (redundant zero byte)`,
  // The kernels report an overlong varint as an overflow; the decoder tells them apart.
  [StreamCode.VarintOverflow]: (d) => `delta index ${d.got} ${d.source === 'decoder' ? 'overflows' : 'is overlong or overflows'} 32 bits`,
  [StreamCode.NotAscending]: (d) => `index ${d.got} has delta 0: indices must be strictly ascending`,
  [StreamCode.OutOfRange]: (d) => `index ${d.got} is >= the layer size ${d.want}`,
  // The decoder stops at the first bit past the count, so it knows a bound, not the popcount.
  [StreamCode.CountMismatch]: (d) =>
    `bitmap has ${d.source === 'stream' ? d.got : d.got < d.want ? `only ${d.got}` : `more than ${d.want}`} set bits, the count says ${d.want}`,
  [StreamCode.BitmapPadding]: (d) => `bitmap sets bit ${d.got}, past the layer size ${d.want} (padding bits must be 0)`,
  [StreamCode.BadCoding]: (d) => `index coding ${d.got} is not 0 (bitmap) or 1 (delta)`,
};

/** The words for a wire status code, or null for a code no table entry knows (an internal error). */
export function wireMessage(code: number, detail: WireDetail): string | null {
  const entry = TABLE[code];
  return entry ? entry(detail) : null;
}
