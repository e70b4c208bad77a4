/**
 * The Aggregator's modular mode (docs/FL.md "Modular (secure-aggregation) mode"): integer updates
 * (kind 5) summed mod 2^32 at public positions, for the secure-aggregation server (SPEC §12).
 * Each message is read in full by the one wire reader (frame, CRC, every field) and checked
 * against the layout (round, positionsId, names, shapes or counts, order) before anything is
 * added; then each layer is added with the modularAdd kernel (kernelsFor). A refused message
 * leaves the sums bit-identical. Memory is the sums plus one scratch copy of a message's values,
 * whatever the number of clients. Partials (kind 6) merge by adding mod 2^32 and adding clients.
 */
import { DgpFormatError } from './errors';
import { kernelsFor } from '../backend';
import { readU32s } from './codec';
import { hex32, KIND_ALIGNED, KIND_INTEGER, KIND_MODULAR_PARTIAL, KIND_PARTIAL, KIND_POSITIONS, KIND_UPDATE, MAGIC, MAX_U32 } from '../surface/format';
import { wireMessage } from '../surface/messages';
import { StreamCode } from '../surface/stream';
import { describeLayerAt, IntegerLayout, readIntegerLayout, StreamLayer } from './wire_reader';
import { encodeModularPartialBytes } from './integer';
import { checkLayoutSize } from './options';

/** One layer of a modular result: the sums mod 2^32. */
export interface ModularLayer {
  name: string;
  /** Dense layers: the shape (values row-major). Aligned layers (positionsId != 0): null, values on the positions in their order. */
  shape: number[] | null;
  values: Uint32Array;
}

/** Why a message of another kind cannot be added to modular sums. */
function kindRefusal(kind: number, merging: boolean): string {
  switch (kind) {
    case KIND_UPDATE:
      return 'a kind-1 update carries per-client positions (its kept set), which secure aggregation would reveal, so it cannot be summed mod 2^32; send an integer update (kind 5, encodeIntegerUpdate) at public positions: dense layers or ADGP aligned positions';
    case KIND_POSITIONS:
      return 'a positions message (kind 2) is a broadcast, not a client input; give its decodePositions() as options.layout';
    case KIND_ALIGNED:
      return 'float aligned values (kind 3) cannot be summed mod 2^32; quantize them to integers and send an integer update (kind 5) with the same positionsId';
    case KIND_PARTIAL:
      return 'a float partial aggregate (kind 4) cannot be merged into sums mod 2^32; merge only modular partials (kind 6)';
    case KIND_INTEGER:
      return merging ? 'an integer update (kind 5) is a client message: use add()' : '';
    case KIND_MODULAR_PARTIAL:
      return merging ? '' : 'a modular partial aggregate (kind 6): use merge()';
    default:
      return '';
  }
}

export class ModularSums {
  private layers: StreamLayer[] | null = null;
  private positionsId: number | null = null;
  private round = 0;
  private sums: Uint32Array[] = [];
  private scratch: Uint32Array[] = [];
  private total = 0;
  /** Clients summed (messages, plus the clients of merged partials). */
  clients = 0;
  /** Messages and partials accepted: the round is fixed once this is > 0. */
  accepted = 0;

  constructor(private readonly maxElements: number, layout: { positionsId: number; layers: StreamLayer[] } | null, caller: string) {
    if (layout) this.adopt(layout.positionsId, layout.layers, caller, RangeError);
  }

  get roundFixed(): number | null {
    return this.accepted > 0 ? this.round : null;
  }

  /** Validates a kind-5 message in full, then adds its values mod 2^32. */
  add(bytes: Uint8Array, caller: string, call: number): void {
    const l = this.read(bytes, KIND_INTEGER, caller, call);
    this.apply(l, caller, call);
    this.clients++;
  }

  /** Validates a kind-6 partial in full, then adds its sums mod 2^32 and its clients. */
  merge(bytes: Uint8Array, caller: string, call: number): void {
    const l = this.read(bytes, KIND_MODULAR_PARTIAL, caller, call);
    this.apply(l, caller, call);
    this.clients += l.clients;
  }

  result(caller: string): ModularLayer[] {
    const layers = this.checkLayout(caller);
    return layers.map((l, i) => ({ name: l.name, shape: l.shape ? l.shape.slice() : null, values: this.sums[i].slice() }));
  }

  /** The positions' id the sums live on (0: dense layers), or null before a layout. */
  get positions(): number | null {
    return this.positionsId;
  }

  encodePartial(caller: string): Uint8Array {
    const layers = this.checkLayout(caller);
    return encodeModularPartialBytes({ round: this.round, positionsId: this.positionsId!, clients: this.clients, layers, sums: this.sums }, caller);
  }

  // ------------------------------------------------------------------ internals

  private checkLayout(caller: string): StreamLayer[] {
    if (!this.layers) throw new RangeError(`${caller}: no layout yet (give options.layout, or add a message first)`);
    return this.layers;
  }

  private adopt(positionsId: number, layers: StreamLayer[], caller: string, E: new (m: string) => Error): void {
    const total = checkLayoutSize(layers, this.maxElements, caller, E);
    this.positionsId = positionsId >>> 0;
    this.layers = layers.map(({ name, shape, n, meta }) => ({ name, shape, n, meta }));
    this.sums = layers.map((l) => new Uint32Array(l.n));
    this.scratch = layers.map((l) => new Uint32Array(l.n));
    this.total = total;
  }

  /** Reads and checks a message against the layout; changes nothing. */
  private read(bytes: Uint8Array, kind: number, caller: string, call: number): IntegerLayout {
    const prefix = `${caller}: call ${call}: `;
    if (bytes.length >= 6 && MAGIC.every((m, i) => bytes[i] === m) && bytes[5] !== kind) {
      const why = kindRefusal(bytes[5], kind === KIND_MODULAR_PARTIAL);
      if (why) throw new DgpFormatError(`${prefix}${why}`);
    }
    let l: IntegerLayout;
    try {
      l = readIntegerLayout(bytes, kind as typeof KIND_INTEGER, caller);
    } catch (e) {
      if (e instanceof DgpFormatError) throw new DgpFormatError(e.message.replace(`${caller}: `, prefix));
      throw e;
    }
    const fail = (code: number, detail: { got?: number; want?: number; found?: string; expects?: string }, where = '', at = 12): never => {
      const text = wireMessage(code, { source: 'decoder', got: detail.got ?? 0, want: detail.want ?? 0, found: detail.found, expects: detail.expects });
      throw new DgpFormatError(`${prefix}${where}${text} (at byte ${at})`);
    };
    if (this.accepted > 0 && l.round !== this.round) fail(StreamCode.RoundMismatch, { got: l.round, want: this.round });
    if (!this.layers) {
      // The first message (or partial) fixes the layout; its own checks are the reader's.
      if (l.layers.reduce((s, x) => s + x.n, 0) > this.maxElements)
        throw new DgpFormatError(`${prefix}the message's layers need ${l.layers.reduce((s, x) => s + x.n, 0)} elements, more than options.maxElements = ${this.maxElements}`);
      return l;
    }
    if (l.positionsId !== this.positionsId) {
      if (l.positionsId === 0 || this.positionsId === 0)
        throw new DgpFormatError(
          `${prefix}${l.positionsId === 0 ? 'dense layers (positionsId 0)' : `aligned values on positions ${hex32(l.positionsId)}`}, but this aggregator sums ${this.positionsId === 0 ? 'dense layers' : `aligned values on positions ${hex32(this.positionsId!)}`} (at byte 20)`,
        );
      fail(StreamCode.PositionsMismatch, { got: l.positionsId, want: this.positionsId! }, '', 20);
    }
    if (l.layers.length !== this.layers.length) fail(StreamCode.LayerCountMismatch, { got: l.layers.length, want: this.layers.length }, '', 16);
    l.layers.forEach((x, i) => {
      const want = this.layers![i];
      if (x.meta.length !== want.meta.length || x.meta.some((b, j) => b !== want.meta[j])) {
        const at = x.valuesAt - x.meta.length;
        fail(StreamCode.LayerMismatch, {
          found: describeLayerAt(bytes, at, this.positionsId === 0 ? KIND_UPDATE : KIND_ALIGNED),
          expects: `'${want.name}' ${want.shape ? `shape [${want.shape}]` : `${want.n} values`}`,
        }, `layer ${i} ('${want.name}'): `, at);
      }
    });
    return l;
  }

  /** Adds a checked message's values (nothing can fail from here on). */
  private apply(l: IntegerLayout, caller: string, call: number): void {
    if (this.clients + l.clients > MAX_U32)
      throw new DgpFormatError(`${caller}: call ${call}: ${this.clients} + ${l.clients} clients exceed the u32 count a partial carries`);
    if (!this.layers) this.adopt(l.positionsId, l.layers, caller, DgpFormatError);
    if (this.accepted === 0) this.round = l.round;
    const k = kernelsFor(this.total);
    l.layers.forEach((x, i) => {
      readU32s(l.bytes, x.valuesAt, this.scratch[i]);
      k.modularAdd(this.sums[i], this.scratch[i], false);
    });
    this.accepted++;
  }
}
