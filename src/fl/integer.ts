/**
 * Integer messages for secure aggregation (SPEC §12, docs/FORMAT.md kinds 5 and 6): a client's
 * integer vector mod 2^32 at public positions (dense layers, or ADGP aligned positions named by
 * their positionsId), and the modular partial aggregate (sums mod 2^32 and a client count) the
 * modular Aggregator writes and merges. Encoders validate their input (TypeError / RangeError);
 * decoders read through the one wire reader (wire_reader.ts) and throw only DgpFormatError.
 */
import { describeValue } from '../errors';
import { layerLabelOf, nameBytes, readShape, uniqueNames } from '../layers';
import { readArray, readObject, readTyped } from '../read';
import { kernelsFor } from '../backend';
import { CRC_BYTES, EXTRA_HEADER_BYTES, HEADER_BYTES, KIND_INTEGER, KIND_MODULAR_PARTIAL, MAX_U32 } from '../surface/format';
import { checkRound, layerMetaBytes, putU32, writeHeader, writeU32s } from './codec';
import { integerLayers, readIntegerLayout, StreamLayer } from './wire_reader';

/** One layer of an integer update: dense (shape) when positionsId is 0, else on the positions. */
export interface IntegerLayer {
  name: string;
  /** Dense layers (positionsId 0): the shape; values has its product of entries, row-major. */
  shape?: number[];
  /** Aligned layers (positionsId != 0): optional, must equal values.length when given. */
  count?: number;
  /** Residues mod 2^32. */
  values: Uint32Array;
}

export interface IntegerUpdate {
  round: number;
  /** 0 (the default): dense layers. Else the id (CRC-32) of the positions message (kind 2). */
  positionsId?: number;
  layers: IntegerLayer[];
}

/** A decoded integer update: dense layers carry their shape; aligned layers have shape null. */
export interface DecodedIntegerUpdate {
  round: number;
  positionsId: number;
  layers: Array<{ name: string; shape: number[] | null; values: Uint32Array }>;
}

/** A decoded modular partial aggregate (kind 6). */
export interface ModularPartial {
  round: number;
  positionsId: number;
  clients: number;
  /** Per layer the sums mod 2^32: dense (shape) or on the positions (shape null). */
  layers: Array<{ name: string; shape: number[] | null; values: Uint32Array }>;
}

function readU32(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_U32)
    throw new (typeof v === 'number' ? RangeError : TypeError)(`${what} must be an integer in [0, 2^32-1], got ${describeValue(v)}`);
  return v;
}

/** Layers with their metadata bytes (as kind 5/6 carry them) and values, checked. */
function writeBody(kind: number, round: number, positionsId: number, extra: number[], layers: Array<{ meta: Uint8Array; values: Uint32Array }>, caller: string): Uint8Array {
  const headerBytes = HEADER_BYTES + EXTRA_HEADER_BYTES[kind];
  const total = headerBytes + layers.reduce((s, l) => s + l.meta.length + 4 * l.values.length, 0) + CRC_BYTES;
  if (total > MAX_U32) throw new RangeError(`${caller}: the message would be ${total} bytes; at most 2^32-1 are allowed`);
  const out = new Uint8Array(total);
  let o = writeHeader(out, kind, round, layers.length);
  o = putU32(out, o, positionsId);
  for (const v of extra) o = putU32(out, o, v);
  for (const l of layers) {
    out.set(l.meta, o);
    o += l.meta.length;
    o = writeU32s(out, o, l.values);
  }
  putU32(out, o, kernelsFor(o >>> 2).crc32(out, 0, o));
  return out;
}


/**
 * One client's integer vector mod 2^32 as a kind-5 message (docs/FORMAT.md "Integer update"):
 * the input of secure aggregation, at public positions only.
 */
export function encodeIntegerUpdate(update: IntegerUpdate): Uint8Array {
  const caller = 'encodeIntegerUpdate';
  const what = `${caller}: update`;
  const u = readObject(update, what, 'an object {round, positionsId?, layers: [{name, shape? or count?, values}]}');
  const { round, positionsId, layers } = u;
  const r = checkRound(round, what);
  const id = positionsId === undefined ? 0 : readU32(positionsId, `${what}.positionsId`);
  const list = readArray(layers, `${what}.layers`, 'an Array of {name, shape? or count?, values}').map((layer, i) => {
    const l = readObject(layer, `${what}.layers[${i}]`, 'an object {name, shape? or count?, values}');
    const { name, shape, count, values } = l;
    const nb = nameBytes(name, `${what}.layers[${i}]`);
    const where = layerLabelOf(`${what}.layers`, i, name as string);
    const vals = readTyped(values, Uint32Array, `${where}: values`);
    let meta: Uint8Array;
    if (id === 0) {
      if (count !== undefined) throw new TypeError(`${where}: count is for aligned layers (positionsId != 0); a dense layer (positionsId 0) gives its shape`);
      const s = readShape(shape, where);
      if (vals.length !== s.n) throw new RangeError(`${where}: values has ${vals.length} entries but shape [${s.shape}] has ${s.n}`);
      meta = layerMetaBytes(nb, s.shape);
    } else {
      if (shape !== undefined) throw new TypeError(`${where}: shape is for dense layers (positionsId 0); an aligned layer's size is its positions' count`);
      if (count !== undefined && readU32(count, `${where}: count`) !== vals.length)
        throw new RangeError(`${where}: count ${count} but values has ${vals.length} entries`);
      meta = layerMetaBytes(nb, vals.length);
    }
    return { name: name as string, meta, values: vals };
  });
  uniqueNames(list.map((l) => l.name), `${what}.layers`);
  return writeBody(KIND_INTEGER, r, id, [], list, caller);
}

/** Decodes an integer update (kind 5); any malformed input is a DgpFormatError. */
export function decodeIntegerUpdate(bytes: Uint8Array): DecodedIntegerUpdate {
  const l = readIntegerLayout(bytes, KIND_INTEGER, 'decodeIntegerUpdate');
  return { round: l.round, positionsId: l.positionsId, layers: integerLayers(l) };
}

/** Decodes a modular partial aggregate (kind 6, Aggregator.encodePartial in modular mode). */
export function decodeModularPartial(bytes: Uint8Array): ModularPartial {
  const l = readIntegerLayout(bytes, KIND_MODULAR_PARTIAL, 'decodeModularPartial');
  return { round: l.round, positionsId: l.positionsId, clients: l.clients, layers: integerLayers(l) };
}

/** Writes a modular partial aggregate (kind 6): the layout's metadata, then each layer's sums. */
export function encodeModularPartialBytes(
  s: { round: number; positionsId: number; clients: number; layers: StreamLayer[]; sums: Uint32Array[] },
  caller: string,
): Uint8Array {
  if (s.clients > MAX_U32) throw new RangeError(`${caller}: ${s.clients} clients do not fit the partial's u32 count`);
  return writeBody(KIND_MODULAR_PARTIAL, s.round, s.positionsId, [s.clients], s.layers.map((l, i) => ({ meta: l.meta, values: s.sums[i] })), caller);
}
