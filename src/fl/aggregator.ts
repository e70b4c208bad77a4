/**
 * The streaming server aggregator (SPEC §7, docs/FL.md "Streaming aggregator"): encoded messages
 * arrive one at a time; each is validated in full from its bytes (header, CRC, round, layout,
 * every index and value) and only then scatter-added into float64 running sums in one pass, so
 * a bad message leaves the sums untouched and memory is O(model) whatever the number of clients.
 * Partial aggregates (encodePartial / merge) let aggregators run as a tree.
 */
import { nameBytes, quoteName, readShape, shapeSize } from '../layers';
import { describeValue, DgpError } from '../errors';
import { DgpFormatError } from './errors';
import { probeMissing, readArray, readChoice, readFlag, readObject, readTyped, typedArrayTag } from '../read';
import { kernelsFor } from '../backend';
import { getU32, layerMetaBytes } from './codec';
import { KIND_NAMES } from '../surface/format';
import { readPositions } from './objects';
import { ModularLayer, ModularSums } from './modular';
import { checkLayoutSize, checkLimit } from './options';
import { encodePartialBytes, layerMeta } from './partial';
import { wireMessage } from '../surface/messages';
import { describeLayerAt, readPartialLayout, readUpdateHeads, StreamLayer, valuesSquaredSum } from './wire_reader';
import { streamHead } from '../surface/stream';
import type { Kernels, ResidentAccumulator } from '../surface/kernels';
import { OUT_SLOTS, StreamCode, StreamSpec } from '../surface/stream';
import { KIND_ALIGNED, KIND_UPDATE } from '../surface/format';
import type { AlignedPositions, AlignedValues, DenseLayer, Update } from './types';
import { decodeAligned, decodeUpdate } from './wire';
import { ReadServerPrivacy, readServerPrivacy, ServerPrivacyOptions } from '../privacy/options';
import { SecureRandom } from '../privacy/random';
import { addGaussianNoise } from '../privacy/noise';

/**
 * A message refused by a privacy-enforcing Aggregator (options.privacy): its update's L2 norm
 * (times its weight) exceeds clipNorm. The message is well formed; nothing was added.
 */
export class DgpPrivacyError extends DgpError {
  /** weight · ‖update‖₂ as the Aggregator computed it (float64, summed as privacy/clip.ts l2Norm sums). */
  readonly norm: number;
  /** The bound: options.privacy.clipNorm. */
  readonly clipNorm: number;
  constructor(message: string, norm: number, clipNorm: number) {
    super(message);
    this.norm = norm;
    this.clipNorm = clipNorm;
  }
}

/** A layer's name and shape: what an Aggregator expects of every update. */
export interface LayerLayout {
  name: string;
  shape: number[];
}

export interface AggregatorOptions {
  /** false (the default): float sums of updates (kind 1) or aligned uploads (kind 3). */
  modular?: false;
  /** 'sum' (default): Σ w·v. 'mean': Σ w·v / Σ w. */
  reduce?: 'sum' | 'mean';
  /** Bound on the dense elements of the layout (shapes in messages are untrusted). */
  maxElements: number;
  /**
   * The expected layers (names, shapes, order) of plain updates; or ADGP positions (decoded
   * with decodePositions, so `id` is set) to sum aligned uploads. Absent: the first message
   * (or partial) merged fixes the layout.
   */
  layout?: LayerLayout[] | AlignedPositions;
  /**
   * Central-mode differential privacy (SPEC §11, docs/PRIVACY.md "Central mode"): every message
   * whose weight · L2 norm exceeds clipNorm is rejected (DgpPrivacyError, nothing changes);
   * result() adds noise of standard deviation noiseMultiplier · clipNorm to every coordinate of
   * the sum, once; 'mean' divides by expectedClients, not by the clients seen.
   */
  privacy?: ServerPrivacyOptions;
}

/**
 * Modular (secure-aggregation) mode, docs/FL.md "Modular (secure-aggregation) mode": integer
 * updates (kind 5, encodeIntegerUpdate) summed mod 2^32 at public positions; result() gives
 * ModularLayer[] (Uint32Array sums), encodePartial()/merge() modular partials (kind 6).
 */
export interface ModularAggregatorOptions {
  modular: true;
  /** Only 'sum' (the default): the server divides, if it must, after unmasking. */
  reduce?: 'sum';
  /** Bound on the elements of the layout (dense elements, or positions). */
  maxElements: number;
  /**
   * Dense layers ({name, shape}[], messages with positionsId 0), or ADGP positions (decoded with
   * decodePositions: their id is the positionsId every message must carry, each layer's count
   * its number of positions). Absent: the first message or partial fixes it.
   */
  layout?: LayerLayout[] | AlignedPositions;
}

/** What result() returns: DenseLayer[] (float modes) or ModularLayer[] (modular mode). */
export type AggregatorResult<O> = O extends { modular: true } ? ModularLayer[] : DenseLayer[];

/** Largest weight of one message: keeps every float64 sum finite (2^32 · FLT_MAX · 2^32 clients). */
const MAX_WEIGHT = 2 ** 32;

interface State {
  spec: StreamSpec;
  /** spec's numbers as the kernels take them (with spec.layout). */
  head: Float64Array;
  layers: StreamLayer[];
  /** The float64 sums: a plain array, or one a backend holds for its kernels; see sumsFor. */
  sums: ResidentAccumulator;
  /** Whether `sums` came from a backend's residentSums factory. */
  resident: boolean;
}

/**
 * The sums as `k` runs fastest on them, moved (one copy) when the backend changed since the last
 * call: a backend that declares residentSums (wasm: its kernels cannot see JavaScript memory)
 * gets sums it holds itself (no copy of the whole model per message); every other backend gets
 * a plain array, so no addon call (async ones included) ever holds a view of another backend's
 * memory, which a growth could detach.
 */
function sumsFor(s: State, k: Kernels): Float64Array {
  const wantsResident = k.residentSums !== undefined;
  if (wantsResident !== s.resident) {
    const resident = (wantsResident && k.residentSums!(s.spec.total)) || null;
    const next = resident ?? { values: new Float64Array(s.spec.total) };
    next.values.set(s.sums.values);
    s.sums = next;
    s.resident = resident !== null;
  }
  return s.sums.values;
}

/**
 * The message, brand-checked: a real Uint8Array (a Proxy of one, or another typed array, is a
 * TypeError). No fresh view is made here: add() allocates nothing per message.
 */
function plainBytes(bytes: unknown, caller: string): Uint8Array {
  if (typedArrayTag(bytes) !== 'Uint8Array') readTyped(bytes, Uint8Array, `${caller}: bytes`); // throws the right TypeError
  return bytes as Uint8Array;
}

/** Before anything is summed, the round is the first message's (or partial's): s with that round. */
function withRound(s: State, bytes: Uint8Array): State {
  const spec = { ...s.spec, round: bytes.length >= 16 ? getU32(bytes, 12) : 0 };
  return { ...s, spec, head: streamHead(spec) };
}

export class Aggregator<O extends AggregatorOptions | ModularAggregatorOptions = AggregatorOptions> {
  /** Modular mode's sums (options.modular), else null. */
  private readonly modular: ModularSums | null = null;
  private readonly reduce: 'sum' | 'mean';
  private readonly maxElements: number;
  private readonly positions: AlignedPositions | null = null;
  private state: State | null = null;
  private clients = 0;
  private weight = 0;
  /** Messages and partials accepted. */
  private messages = 0;
  /** add / addAsync / merge calls so far, accepted or not: errors name the call by this number. */
  private calls = 0;
  private readonly out = new Float64Array(OUT_SLOTS);
  private pending: Promise<void> = Promise.resolve();
  private inflight = 0;
  private readonly privacy: ReadServerPrivacy | null = null;
  private readonly random: SecureRandom | null = null;
  /** options.privacy: the noised sums, drawn once by the first result() / resultAligned(). */
  private noisedSums: Float64Array | null = null;

  constructor(options: O) {
    const caller = 'new Aggregator';
    // Each option read once; the layout is copied, so later changes by the caller cannot reach it.
    const o = readObject(options, `${caller}: options`, 'an object with maxElements');
    const { maxElements, reduce, layout, privacy, modular } = o;
    probeMissing(o, ['maxElements'], [maxElements]); // a throwing `has` trap's error goes first
    this.maxElements = checkLimit({ maxElements }, caller);
    this.reduce = readChoice(reduce, ['sum', 'mean'] as const, 'sum', `${caller}: options.reduce`);
    if (readFlag(modular, `${caller}: options.modular`)) {
      if (this.reduce !== 'sum')
        throw new RangeError(`${caller}: options.reduce must be 'sum' with options.modular (sums mod 2^32; divide after unmasking), got '${this.reduce}'`);
      if (privacy !== undefined)
        throw new TypeError(
          `${caller}: options.privacy cannot be used with options.modular: modular sums carry their noise from the clients (ErrorFeedback privacy mode 'distributed'); the aggregator adds none`,
        );
      this.modular = new ModularSums(this.maxElements, layout === undefined ? null : this.modularLayout(layout, caller), caller);
      return;
    }
    if (privacy !== undefined) {
      const p = readServerPrivacy(privacy, `${caller}: options.privacy`);
      if (this.reduce === 'mean' && p.expectedClients === undefined)
        throw new TypeError(
          `${caller}: options.privacy.expectedClients is needed with reduce 'mean' (the noised sum is divided by it, not by the clients seen, so the divisor reveals nothing), got undefined`,
        );
      if (!(p.noiseMultiplier * p.clipNorm < Infinity))
        throw new RangeError(`${caller}: options.privacy: the noise's standard deviation noiseMultiplier · clipNorm = ${p.noiseMultiplier * p.clipNorm} must be finite`);
      this.privacy = p;
      this.random = SecureRandom.create(p.unsafeSeed === undefined ? {} : { unsafeSeed: p.unsafeSeed });
    }
    if (layout === undefined) return;
    if (Array.isArray(layout)) {
      const layers = readArray(layout, `${caller}: options.layout`, 'an Array of {name, shape}').map((entry, i) => {
        const { name, shape } = readObject(entry, `${caller}: options.layout[${i}]`, 'an object {name, shape}');
        nameBytes(name, `${caller}: options.layout[${i}]`);
        const s = readShape(shape, `${caller}: options.layout[${i}] (${quoteName(name as string)})`);
        return { name: name as string, shape: s.shape, n: s.n, meta: layerMeta(name as string, s.shape) };
      });
      this.checkLayers(layers, caller, RangeError);
      this.state = this.makeState(KIND_UPDATE, 0, 0, layers);
      return;
    }
    const p = readPositions(layout, `${caller}: options.layout`, kernelsFor);
    const layers = p.layers.map((l) => ({ name: l.name, shape: null, n: l.indices.length, meta: layerMeta(l.name, l.indices.length), dense: l.n }));
    this.checkLayers(layers.map((l) => ({ ...l, n: l.dense })), caller, RangeError);
    this.positions = { round: p.round, id: p.id, layers: p.layers.map((l) => ({ name: l.name, shape: l.shape, indices: l.indices.slice() })) };
    this.state = this.makeState(KIND_ALIGNED, 0, p.id, layers);
  }

  /** Clients summed so far (messages added, plus the clients of merged partials). */
  get count(): number {
    if (this.modular) return this.modular.clients;
    return this.clients;
  }

  /** Σ weight of everything summed so far. */
  get totalWeight(): number {
    if (this.modular) return this.modular.clients;
    return this.weight;
  }

  /** The round every message must carry: fixed by the first message or partial; null before. */
  get round(): number | null {
    if (this.modular) return this.modular.roundFixed;
    return this.clients > 0 || this.messages > 0 ? this.state!.spec.round : null;
  }

  /**
   * Validates one encoded update (or, with positions as the layout, one aligned upload) in full
   * and adds weight · values to the sums. A bad message throws DgpFormatError naming the problem,
   * the layer and the byte offset; the sums are then unchanged.
   */
  add(bytes: Uint8Array, weight = 1): void {
    this.checkIdle('Aggregator.add');
    if (this.modular) return this.addModular(bytes, weight, 'Aggregator.add');
    this.addNow(bytes, weight, 'Aggregator.add');
  }

  /**
   * add() off the main thread (Node, native backend: the kernel runs on libuv's thread pool).
   * Calls are queued and applied in call order; each promise settles when its message is applied
   * or rejected (DgpFormatError, sums unchanged). Do not modify `bytes` until it settles. While
   * any addAsync is pending, the synchronous methods throw; await the promises first.
   */
  addAsync(bytes: Uint8Array, weight = 1): Promise<void> {
    this.inflight++;
    const run = this.pending.then(() => (this.modular ? this.addModular(bytes, weight, 'Aggregator.addAsync') : this.addNowAsync(bytes, weight)));
    const done = run.finally(() => {
      this.inflight--;
    });
    this.pending = done.catch(() => undefined);
    return done;
  }

  /**
   * Dense float32 layers (layout order): fround(sum), or fround(sum / totalWeight) for 'mean'.
   * Modular mode: ModularLayer[] (layout order), each layer's sums mod 2^32 as a fresh
   * Uint32Array: dense row-major with its shape, or on the positions in their order (shape null).
   */
  result(): AggregatorResult<O> {
    const caller = 'Aggregator.result';
    this.checkIdle(caller);
    if (this.modular) return this.modular.result(caller) as AggregatorResult<O>;
    return this.floatResult(caller) as AggregatorResult<O>;
  }

  private floatResult(caller: string): DenseLayer[] {
    const s = this.checkResult(caller);
    const sums = this.releasedSums(s, caller);
    const scale = this.divisor();
    let base = 0;
    return s.layers.map((l, li) => {
      if (this.positions) {
        const p = this.positions.layers[li];
        const dense = new Float32Array(shapeSize(p.shape, caller));
        for (let j = 0; j < l.n; j++) dense[p.indices[j]] = sums[base + j] / scale;
        base += l.n;
        return { name: l.name, shape: p.shape.slice(), values: dense };
      }
      const values = new Float32Array(l.n);
      for (let i = 0; i < l.n; i++) values[i] = sums[base + i] / scale;
      base += l.n;
      return { name: l.name, shape: l.shape!.slice(), values };
    });
  }

  /** ADGP only: the aggregate on the positions, as the values-only download (encodeAligned it). */
  resultAligned(): AlignedValues {
    const caller = 'Aggregator.resultAligned';
    this.checkIdle(caller);
    if (this.modular) throw new TypeError(`${caller}: a modular aggregator's result() already gives aligned layers' sums on the positions`);
    if (!this.positions) throw new TypeError(`${caller}: this aggregator sums plain updates; construct it with positions as the layout`);
    const s = this.checkResult(caller);
    const sums = this.releasedSums(s, caller);
    const scale = this.divisor();
    let base = 0;
    const layers = s.layers.map((l) => {
      const values = new Float32Array(l.n);
      for (let j = 0; j < l.n; j++) values[j] = sums[base + j] / scale;
      base += l.n;
      return { name: l.name, values };
    });
    return { round: s.spec.round, positionsId: s.spec.positionsId, layers };
  }

  /** The running sums, total weight, client count and layout as a partial aggregate (kind 4). */
  encodePartial(): Uint8Array {
    const caller = 'Aggregator.encodePartial';
    this.checkIdle(caller);
    if (this.modular) return this.modular.encodePartial(caller);
    const s = this.state;
    if (!s) throw new RangeError(`${caller}: nothing to encode: no layout yet (give options.layout, or add a message first)`);
    return encodePartialBytes({ of: s.spec.of, round: s.spec.round, positionsId: s.spec.positionsId, clients: this.clients, totalWeight: this.weight, layers: s.layers, sums: s.sums.values }, caller);
  }

  /**
   * Adds a partial aggregate (another aggregator's encodePartial()) to this one: sums, weight and
   * clients. Validated in full first (CRC, round, layout, every sum finite); a bad partial throws
   * DgpFormatError and changes nothing.
   */
  merge(input: Uint8Array): void {
    const caller = 'Aggregator.merge';
    this.checkIdle(caller);
    this.calls++;
    if (this.modular) return this.modular.merge(plainBytes(input, caller), caller, this.calls - 1);
    this.checkOpen(caller);
    const bytes = plainBytes(input, caller);
    let s = this.state;
    const first = s === null;
    if (!s) {
      // The layout of the first partial, read without its CRC: partialMerge computes that next,
      // once. Any error here or there goes through the full read first, so a corrupted partial
      // is reported as corrupted (its CRC), as before.
      let p;
      try {
        p = readPartialLayout(bytes, caller, false);
        if (p.of !== KIND_UPDATE) throw new DgpFormatError(`${caller}: a partial of aligned uploads needs an aggregator constructed with its positions`);
        this.checkLayers(p.layers, caller, DgpFormatError);
      } catch (e) {
        readPartialLayout(bytes, caller);
        throw e;
      }
      s = this.makeState(KIND_UPDATE, p.round, 0, p.layers);
    } else if (this.clients === 0 && this.messages === 0) {
      s = withRound(s, bytes);
    }
    const k = kernelsFor(s.spec.total);
    const code = k.partialMerge(bytes, s.spec.layout, s.head, sumsFor(s, k), this.out);
    if (code !== StreamCode.Ok) {
      if (first) readPartialLayout(bytes, caller); // its CRC check, for the same message as before
      throw this.explain(bytes, s, caller, 'partial');
    }
    this.state = s;
    this.clients += this.out[5];
    this.weight += this.out[6];
    this.messages++;
  }

  // ------------------------------------------------------------------ internals

  /** Modular mode: weight 1 only, then the whole message checked before its values are added. */
  private addModular(input: Uint8Array, weight: number, caller: string): void {
    this.calls++;
    const bytes = plainBytes(input, caller);
    if (weight !== 1)
      throw new RangeError(`${caller}: weight must be 1 in modular mode (each client's integers are summed as they are; scale on the client), got ${describeValue(weight)}`);
    this.modular!.add(bytes, caller, this.calls - 1);
  }

  /** options.layout for modular mode: dense layers (positionsId 0) or positions (their id, counts). */
  private modularLayout(layout: unknown, caller: string): { positionsId: number; layers: StreamLayer[] } {
    if (Array.isArray(layout)) {
      const layers = readArray(layout, `${caller}: options.layout`, 'an Array of {name, shape}').map((entry, i) => {
        const { name, shape } = readObject(entry, `${caller}: options.layout[${i}]`, 'an object {name, shape}');
        const nb = nameBytes(name, `${caller}: options.layout[${i}]`);
        const s = readShape(shape, `${caller}: options.layout[${i}] (${quoteName(name as string)})`);
        return { name: name as string, shape: s.shape, n: s.n, meta: layerMetaBytes(nb, s.shape) };
      });
      return { positionsId: 0, layers };
    }
    const p = readPositions(layout, `${caller}: options.layout`, kernelsFor);
    if (p.id === 0)
      throw new RangeError(`${caller}: options.layout: positions whose id (CRC-32) is 0 cannot be named by an integer update (positionsId 0 means dense layers); broadcast them again (another round)`);
    return { positionsId: p.id, layers: p.layers.map((l) => ({ name: l.name, shape: null, n: l.indices.length, meta: layerMetaBytes(l.nameBytes, l.indices.length) })) };
  }

  /** 'mean': Σw, or under options.privacy the expected clients; 'sum': 1. */
  private divisor(): number {
    if (this.reduce !== 'mean') return 1;
    return this.privacy ? this.privacy.expectedClients! : this.weight;
  }

  /**
   * The sums a result is made from. Under options.privacy: the sums plus noise on every
   * coordinate, drawn once (the first result() or resultAligned()) and kept, so later calls
   * return the same noised values (fresh noise on the same sum would average away); after that
   * the aggregator takes no more messages or partials.
   */
  private releasedSums(s: State, caller: string): Float64Array {
    const p = this.privacy;
    if (!p) return s.sums.values;
    if (!this.noisedSums) {
      const noised = Float64Array.from(s.sums.values);
      const sigma = p.noiseMultiplier * p.clipNorm;
      if (sigma > 0) addGaussianNoise(noised, sigma, this.random!, caller);
      this.noisedSums = noised;
    }
    return this.noisedSums;
  }

  /** Under options.privacy, after the noised result was released, nothing more may be summed. */
  private checkOpen(caller: string): void {
    if (this.noisedSums)
      throw new DgpError(
        `${caller}: this aggregator has released its noised result (options.privacy); a sum that changes after noise was drawn would release the update twice — use a new Aggregator for the next round`,
      );
  }

  /**
   * options.privacy: throws DgpPrivacyError when weight · ‖update‖₂ > clipNorm (checked before
   * anything is added). The norm comes from one walk over the values (valuesSquaredSum), not a
   * decode: the streaming kernel validates the message next. Only a refusal decodes it, so that
   * a message that does not decode is reported by the kernel as any bad message, not refused
   * for a norm read from bytes that are not an update.
   */
  private checkNorm(bytes: Uint8Array, weight: number, caller: string): void {
    const p = this.privacy;
    if (!p) return;
    // an aligned aggregator's non-aligned message is the kernel's to refuse, as any wrong kind
    if (this.positions !== null && bytes[5] !== KIND_ALIGNED) return;
    const squares = valuesSquaredSum(bytes);
    if (squares === null || !(weight * Math.sqrt(squares) > p.clipNorm)) return;
    try {
      if (bytes[5] === KIND_ALIGNED) decodeAligned(bytes);
      else decodeUpdate(bytes);
    } catch (e) {
      if (e instanceof DgpFormatError) return;
      throw e;
    }
    const norm = weight * Math.sqrt(squares);
    throw new DgpPrivacyError(
      `${caller}: call ${this.calls - 1}: the update's L2 norm${weight === 1 ? '' : ` times its weight ${weight}`} is ${norm}, above options.privacy.clipNorm = ${p.clipNorm}; clip it on the client (ErrorFeedback options.privacy); nothing was added`,
      norm,
      p.clipNorm,
    );
  }

  private addNow(input: Uint8Array, weight: number, caller: string): void {
    const bytes = plainBytes(input, caller);
    const s = this.prepareAdd(bytes, weight, caller);
    const k = kernelsFor(s.spec.total);
    const code = k.streamAdd(bytes, s.spec.layout, s.head, weight, sumsFor(s, k), this.out);
    this.commitAdd(bytes, weight, s, code, caller);
  }

  private async addNowAsync(input: Uint8Array, weight: number): Promise<void> {
    const caller = 'Aggregator.addAsync';
    const bytes = plainBytes(input, caller);
    const s = this.prepareAdd(bytes, weight, caller);
    const k = kernelsFor(s.spec.total);
    const code = await k.streamAddAsync(bytes, s.spec.layout, s.head, weight, sumsFor(s, k), this.out);
    this.commitAdd(bytes, weight, s, code, caller);
  }

  /** Argument checks and the spec this message is checked against (nothing changes yet). */
  private prepareAdd(bytes: Uint8Array, weight: number, caller: string): State {
    this.calls++;
    this.checkOpen(caller);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > MAX_WEIGHT)
      throw new RangeError(`${caller}: weight must be a finite number in [0, 2^32], got ${describeValue(weight)}`);
    this.checkNorm(bytes, weight, caller);
    const s = this.state;
    if (!s) return this.layoutFromFirst(bytes, caller);
    if (this.clients === 0 && this.messages === 0) return withRound(s, bytes);
    return s;
  }

  private commitAdd(bytes: Uint8Array, weight: number, s: State, code: number, caller: string): void {
    if (code !== StreamCode.Ok) {
      if (this.state === null) this.decodeFirst(bytes, caller); // a first message says what decodeUpdate says
      throw this.explain(bytes, s, caller, 'message');
    }
    this.state = s;
    this.clients++;
    this.weight += weight;
    this.messages++;
  }

  private checkIdle(caller: string): void {
    if (this.inflight > 0) throw new DgpError(`${caller}: ${this.inflight} addAsync call(s) still pending; await them first`);
  }

  /**
   * No layout yet: the first update fixes it. Its layer heads are read without checking it (the
   * streaming kernel validates the whole message next, so it is read once); anything wrong is
   * reported as decodeUpdate reports it.
   */
  private layoutFromFirst(bytes: Uint8Array, caller: string): State {
    if (bytes.length > 5 && bytes[5] === KIND_ALIGNED) throw new DgpFormatError(`${caller}: an aligned upload needs an aggregator constructed with its positions as the layout`);
    const heads = readUpdateHeads(bytes) ?? this.decodeFirst(bytes, caller).layers.map((l) => ({ name: l.name, shape: l.shape, n: shapeSize(l.shape, caller), meta: layerMeta(l.name, l.shape) }));
    try {
      this.checkLayers(heads, caller, DgpFormatError);
    } catch (e) {
      this.decodeFirst(bytes, caller);
      throw e;
    }
    return this.makeState(KIND_UPDATE, getU32(bytes, 12), 0, heads);
  }

  /** decodeUpdate's verdict on a first message: its DgpFormatError, as this call's. */
  private decodeFirst(bytes: Uint8Array, caller: string): Update {
    try {
      return decodeUpdate(bytes);
    } catch (e) {
      if (e instanceof DgpFormatError) throw new DgpFormatError(`${caller}: call ${this.calls - 1}: ${e.message.replace(/^decodeUpdate: /, '')}`);
      throw e;
    }
  }

  private checkLayers(layers: Array<{ name: string; n: number }>, caller: string, E: new (m: string) => Error): void {
    checkLayoutSize(layers, this.maxElements, caller, E, ' dense');
  }

  private makeState(of: number, round: number, positionsId: number, layers: StreamLayer[]): State {
    let len = 0;
    let total = 0;
    for (const l of layers) {
      len += l.meta.length;
      total += l.n;
    }
    const layout = new Uint8Array(len);
    let o = 0;
    for (const l of layers) {
      layout.set(l.meta, o);
      o += l.meta.length;
    }
    const spec: StreamSpec = { of, round, positionsId: positionsId >>> 0, layout, layerCount: layers.length, total };
    return { spec, head: streamHead(spec), layers: layers.map(({ name, shape, n, meta }) => ({ name, shape, n, meta })), sums: { values: new Float64Array(total) }, resident: false };
  }

  private checkResult(caller: string): State {
    const s = this.state;
    if (!s) throw new RangeError(`${caller}: no layout yet (give options.layout, or add a message first)`);
    if (this.reduce === 'mean' && !this.privacy && !(this.weight > 0)) throw new RangeError(`${caller}: 'mean' needs a positive total weight, got ${this.weight}`);
    return s;
  }

  /** Turns the kernel's outcome slots into a DgpFormatError naming the problem (surface/messages.ts). */
  private explain(bytes: Uint8Array, s: State, caller: string, what: 'message' | 'partial'): Error {
    const [code, layer, at, got, want] = this.out;
    const l = layer >= 0 ? s.layers[layer] : null;
    const where = l ? `layer ${layer} ('${l.name}'): ` : '';
    const text = wireMessage(code, {
      source: 'stream', got, want, what,
      expected: what === 'partial' ? 'partial aggregate' : `${KIND_NAMES[s.spec.of]} message`,
      ...(code === StreamCode.LayerMismatch
        ? { found: describeLayerAt(bytes, at, s.spec.of), expects: l ? `'${l.name}' ${l.shape ? `shape [${l.shape}]` : `${l.n} values`}` : '?' }
        : {}),
    });
    if (text === null) return new Error(`${caller}: internal error: stream kernel code ${code}`);
    return new DgpFormatError(`${caller}: call ${this.calls - 1}: ${where}${text} (at byte ${at})`);
  }
}

