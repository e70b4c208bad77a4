/**
 * The options of SecAggServer and SecAggClient, read once into plain values (docs/SECAGG.md,
 * "Parameters"). A wrong type is a TypeError, a bad value a RangeError, each naming the field and
 * the value.
 */
import { describeValue } from '../errors';
import { readObject, readArray, readTyped } from '../read';
import { nameBytes, quoteName, uniqueNames } from '../layers';
import { layerMetaBytes } from '../fl/codec';
import type { SecAggUnsafeSeed } from './crypto';
import { SERVER_ID } from './messages';

/** Most share holders per secret: Shamir over GF(256) has 255 non-zero x-coordinates. */
export const MAX_SHARES = 255;
/** Longest input (values): a MaskedInput body must fit a uint32 byte length. */
export const MAX_LENGTH = 0x3fffffff;
/** The layer name of the default one-layer layout. */
export const DEFAULT_LAYER = 'input';

/** One layer of the round's layout: its name and how many of the L values it holds, in order. */
export interface SecAggLayer {
  name: string;
  length: number;
}

/**
 * The round's layer layout (docs/SECAGG.md, "Layout"), the same on the server and every client:
 * the MaskedInput body is a kind-5 integer update (docs/FORMAT.md) with these layers. Dense
 * (positionsId 0): each layer has shape [length]; aligned (positionsId != 0, the ADGP positions'
 * id): each layer has count = length. ErrorFeedback.stepSecure's `layers` and `positionsId` fit as
 * they are.
 */
export interface SecAggLayoutOptions {
  /**
   * The layers, in the order their values appear in the input (the sum of lengths is `length`).
   * Absent: one layer named 'input' of `length` values.
   */
  layers?: ReadonlyArray<SecAggLayer>;
  /** The ADGP positions' id (decodePositions().id, stepSecure's positionsId) when the round is aligned; absent or 0: dense layers. */
  positionsId?: number;
}

export interface SecAggServerOptions extends SecAggLayoutOptions {
  /** The round number (uint32); every message is bound to it. */
  round: number;
  /** Values per input (L >= 1); every client's input is a Uint32Array of this length. */
  length: number;
  /**
   * Shares needed to rebuild a client's secrets (t >= 2), counted in its neighbourhood (itself
   * plus its neighbours: all n clients for the complete graph, k + 1 with `neighbours: k`). A
   * stage that leaves any neighbourhood that must be unmasked with fewer than t survivors fails
   * the round. Security needs t above the number of clients the server may collude with
   * (docs/SECAGG.md, "Threat model"); a common choice is a majority of the neighbourhood.
   */
  threshold: number;
  /** The invited clients: distinct integer ids in [0, 2^32 - 2], or a count n (ids 0 ... n - 1). At least 2. */
  clients: readonly number[] | number;
  /**
   * SecAgg+ (Bell et al. 2020): each client shares secrets and masks with k neighbours only
   * (k even, 2 ... 254) on a ring over a public random permutation. Absent (or k >= n - 1): the
   * complete graph, which holds at most 255 clients.
   */
  neighbours?: number;
  /** UNSAFE: a fixed seed for the server's random choice (the graph seed). Tests and golden vectors only. */
  unsafeSeed?: SecAggUnsafeSeed;
}

export interface SecAggClientOptions extends SecAggLayoutOptions {
  /** This client's id (integer in [0, 2^32 - 2]), as the server knows it. */
  id: number;
  /** The round (uint32): messages of any other round are refused. */
  round: number;
  /** Values per input (L); the server's RoundStart must say the same. */
  length: number;
  /** The input, L values mod 2^32 (already quantized); may instead be given later with setInput(). */
  input?: Uint32Array;
  /**
   * UNSAFE: a fixed seed for this client's keys, self-mask seed and nonces, so that its messages
   * can be replayed bit for bit (tests, golden vectors). Anyone who knows it can unmask this
   * client's input. Absent: everything comes from the platform's CSPRNG.
   */
  unsafeSeed?: SecAggUnsafeSeed;
}

export function readUint32(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describeValue(v)}`);
  if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new RangeError(`${what} must be an integer in [0, 2^32 - 1], got ${describeValue(v)}`);
  return v;
}

export function readId(v: unknown, what: string): number {
  const id = readUint32(v, what);
  if (id === SERVER_ID) throw new RangeError(`${what} must be in [0, 2^32 - 2] (2^32 - 1 is the server's), got ${id}`);
  return id;
}

function readLength(v: unknown, what: string): number {
  const n = readUint32(v, what);
  if (n < 1 || n > MAX_LENGTH) throw new RangeError(`${what} must be in [1, 2^30 - 1], got ${n}`);
  return n;
}

function readSeed(v: unknown, what: string): SecAggUnsafeSeed | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new RangeError(`${what} must be a safe integer >= 0 or 32 bytes, got ${describeValue(v)}`);
    return v;
  }
  if (v instanceof Uint8Array && v.length === 32) return v.slice();
  throw new TypeError(`${what} must be a safe integer >= 0 or a Uint8Array of 32 bytes, got ${describeValue(v)}`);
}

export function readInput(v: unknown, length: number, what: string): Uint32Array {
  const x = readTyped(v, Uint32Array, what);
  if (x.length !== length) throw new RangeError(`${what} must hold length = ${length} values, got ${x.length}`);
  return x;
}

/** A layout read from the options: the layers with their kind-5 metadata bytes. */
export interface Layout {
  /** 0: dense layers. */
  positionsId: number;
  layers: SecAggLayer[];
  /** Each layer's kind-5 metadata (name, then rank 1 and [length], or the count). */
  metas: Uint8Array[];
  /** Bytes of the kind-5 integer update that is the MaskedInput body. */
  bodyBytes: number;
}

/** Kind-5 header (20) + positionsId (4) and CRC (4) around the layers. */
const INTEGER_OVERHEAD = 28;

export function readLayout(o: Record<string, unknown>, length: number, W: string): Layout {
  let positionsId = 0;
  if (o.positionsId !== undefined) positionsId = readUint32(o.positionsId, `${W}: options.positionsId`);
  let layers: SecAggLayer[];
  if (o.layers === undefined) layers = [{ name: DEFAULT_LAYER, length }];
  else {
    const list = readArray(o.layers, `${W}: options.layers`, 'an Array of {name, length}');
    if (list.length === 0) throw new RangeError(`${W}: options.layers must list at least one layer, got none`);
    layers = list.map((e, i) => {
      const l = readObject(e, `${W}: options.layers[${i}]`, 'an object {name, length}');
      const name = l.name;
      nameBytes(name, `${W}: options.layers[${i}]`);
      const n = readUint32(l.length, `${W}: options.layers[${i}] (${quoteName(name as string)}).length`);
      return { name: name as string, length: n };
    });
    uniqueNames(layers.map((l) => l.name), `${W}: options.layers`);
    const sum = layers.reduce((s, l) => s + l.length, 0);
    if (sum !== length)
      throw new RangeError(`${W}: options.layers hold ${sum} values in all ([${layers.map((l) => l.length).join(', ')}]), but options.length is ${length}`);
  }
  const metas = layers.map((l) => layerMetaBytes(nameBytes(l.name, W), positionsId === 0 ? [l.length] : l.length));
  const bodyBytes = INTEGER_OVERHEAD + metas.reduce((s, m) => s + m.length, 0) + 4 * length;
  if (bodyBytes > 0xffffffff - 28)
    throw new RangeError(`${W}: the MaskedInput message would be ${bodyBytes + 28} bytes; at most 2^32 - 1 are allowed (fewer values or shorter names)`);
  return { positionsId, layers, metas, bodyBytes };
}

export interface ServerParams {
  round: number;
  length: number;
  layout: Layout;
  threshold: number;
  ids: number[];
  /** 0: the complete graph. */
  neighbours: number;
  unsafeSeed: SecAggUnsafeSeed | undefined;
}

export function readServerOptions(v: unknown): ServerParams {
  const W = 'SecAggServer';
  const o = readObject(v, `${W}: options`, 'an object { round, length, threshold, clients, neighbours?, layers?, positionsId? }');
  const round = readUint32(o.round, `${W}: options.round`);
  const length = readLength(o.length, `${W}: options.length`);
  const c = o.clients;
  let ids: number[];
  if (typeof c === 'number') {
    if (!(Number.isInteger(c) && c >= 2 && c <= SERVER_ID)) throw new RangeError(`${W}: options.clients must be a count >= 2 or an array of ids, got ${describeValue(c)}`);
    ids = Array.from({ length: c }, (_, i) => i);
  } else {
    const list = readArray(c, `${W}: options.clients`, 'an array of client ids or a count');
    ids = list.map((x, i) => readId(x, `${W}: options.clients[${i}]`));
    if (ids.length < 2) throw new RangeError(`${W}: options.clients must list at least 2 clients, got ${ids.length}`);
    const seen = new Set<number>();
    for (const id of ids) {
      if (seen.has(id)) throw new RangeError(`${W}: options.clients lists id ${id} twice`);
      seen.add(id);
    }
    ids.sort((a, b) => a - b);
  }
  const n = ids.length;
  let neighbours = 0;
  if (o.neighbours !== undefined) {
    const k = o.neighbours;
    if (typeof k !== 'number') throw new TypeError(`${W}: options.neighbours must be a number, got ${describeValue(k)}`);
    if (!(Number.isInteger(k) && k >= 2 && k <= MAX_SHARES - 1 && k % 2 === 0))
      throw new RangeError(`${W}: options.neighbours must be an even integer in [2, 254] (the client plus its neighbours hold at most 255 Shamir shares), got ${describeValue(k)}`);
    neighbours = k >= n - 1 ? 0 : k;
  }
  if (neighbours === 0 && n > MAX_SHARES)
    throw new RangeError(
      `${W}: ${n} clients on the complete graph need ${n} Shamir shares per secret, but GF(256) sharing allows at most 255; pass options.neighbours (SecAgg+, e.g. 16 or 32)`,
    );
  const hood = neighbours === 0 ? n : neighbours + 1;
  const t = o.threshold;
  if (typeof t !== 'number') throw new TypeError(`${W}: options.threshold must be a number, got ${describeValue(t)}`);
  if (!(Number.isInteger(t) && t >= 2 && t <= hood))
    throw new RangeError(`${W}: options.threshold must be an integer in [2, ${hood}] (the neighbourhood: the client and its ${hood - 1} neighbours), got ${describeValue(t)}`);
  const layout = readLayout(o, length, W);
  return { round, length, layout, threshold: t, ids, neighbours, unsafeSeed: readSeed(o.unsafeSeed, `${W}: options.unsafeSeed`) };
}

export interface ClientParams {
  id: number;
  round: number;
  length: number;
  layout: Layout;
  input: Uint32Array | undefined;
  unsafeSeed: SecAggUnsafeSeed | undefined;
}

export function readClientOptions(v: unknown): ClientParams {
  const W = 'SecAggClient';
  const o = readObject(v, `${W}: options`, 'an object { id, round, length, input?, layers?, positionsId?, unsafeSeed? }');
  const id = readId(o.id, `${W}: options.id`);
  const round = readUint32(o.round, `${W}: options.round`);
  const length = readLength(o.length, `${W}: options.length`);
  const input = o.input === undefined ? undefined : readInput(o.input, length, `${W}: options.input`);
  const layout = readLayout(o, length, W);
  return { id, round, length, layout, input, unsafeSeed: readSeed(o.unsafeSeed, `${W}: options.unsafeSeed`) };
}
