/**
 * Per-client error feedback (SPEC §5) over a whole gradient map, and the ADGP client step
 * (SPEC §8) that shares its memory. One call per round: p = g + e (float32), rank p (§1), send the
 * kept set (or the broadcast positions), keep in memory what the mode says. All layers are
 * validated and selected before any memory changes, so a bad value leaves the state untouched.
 */
import { nameBytes, quoteName } from '../layers';
import { checkConfig, countsFor, DgpConfig, DEFAULT_CONFIG } from '../counts';
import { describeValue, DgpError } from '../errors';
import { readChoice, readObject, readOptions } from '../read';
import { LayerSelection, selectLayers, selectLayersAsync } from '../select';
import { kernelsFor } from '../backend';
import { GradientInput, readGradients, readGradientsAsync } from '../gradients';
import type { Kernels } from '../surface/kernels';
import { checkRound } from './codec';
import { PlainSparseLayer, readPositions } from './objects';
import { clipInPlace } from '../privacy/clip';
import { ClientPrivacyOptions, ReadClientPrivacy, readClientPrivacy } from '../privacy/options';
import { SecureRandom } from '../privacy/random';
import { addGaussianNoise, snappedSensitivity } from '../privacy/noise';
import { dpEpsilon, readDelta } from '../privacy/accountant';
import { DistributedPlan, planDistributed, quantizeWithNoise } from '../privacy/distributed';
import { distributedRho, epsilonFromRho } from '../privacy/distributed_accountant';
import type { AlignedPositions, AlignedValues, DenseLayer, Update } from './types';

/**
 * What memory keeps after a round (SPEC §5): 'bottom' (default) the bottom-removed values,
 * 'all' the bottom- and top-removed values, 'none' nothing.
 */
export type FeedbackMode = 'bottom' | 'all' | 'none';
/** The modes in kernel-code order (memoryUpdate's mode argument is the index: MODE_BOTTOM, MODE_ALL, MODE_NONE). */
const MODES: readonly FeedbackMode[] = ['bottom', 'all', 'none'];

export interface ErrorFeedbackOptions {
  mode?: FeedbackMode;
  /**
   * Client-level differential privacy (SPEC §11, docs/PRIVACY.md "Client pipeline"): every round
   * clips p over all layers to clipNorm; 'local' then adds noise of standard deviation
   * noiseMultiplier · clipNorm to every coordinate that could be sent before anything is selected.
   * 'distributed' (docs/PRIVACY.md "Distributed noise"): rounds go through stepSecure only, which
   * quantizes the clipped vector and adds this client's share of integer noise for secure
   * aggregation.
   */
  privacy?: ClientPrivacyOptions;
}

/**
 * What stepSecure returns: one client's input to secure aggregation (SPEC §12) and the plan the
 * server needs to read the sum back (dequantizeSum(sum, plan.step, divisor)).
 */
export interface SecureUpdate {
  round: number;
  /** Aligned (ADGP) rounds: the `id` of the positions the values sit on; absent for a dense round. */
  positionsId?: number;
  /**
   * The layers in the order their integers appear in `integers`, with how many each has (dense:
   * the layer's size, row-major; aligned: its number of broadcast positions, in their order).
   */
  layers: Array<{ name: string; length: number }>;
  /**
   * The clipped update, clamped to ±plan.clipRange, on the grid of plan.step, stochastically
   * rounded, plus this client's discrete-Gaussian noise share: 32-bit words (two's complement)
   * to be summed modulo 2^32 by secure aggregation.
   */
  integers: Uint32Array;
  /** The grid and noise scale (planDistributed; the same for every client with the same settings and dimension). */
  plan: DistributedPlan;
}

/** What privacySpent() reports. */
export interface PrivacySpent {
  epsilon: number;
  delta: number;
  /** Rounds composed: the rounds this client sent an update in, or options.rounds. */
  rounds: number;
  /** The sampling rate the bound assumes (1: no amplification by sampling). */
  samplingRate: number;
  /**
   * The multiplier the accountant was given: z/2 for 'local' (replace-one neighbours), z for
   * 'central'; for 'distributed', the smallest over the rounds of √clients·scale ÷ the quantized
   * sensitivity.
   */
  noiseMultiplier: number;
  /** 'distributed' only: the clients whose noise the bound assumes in every round's sum. */
  clients?: number;
}

interface LayerState {
  name: string;
  shape: number[];
  kTop: number;
  kBottom: number;
  memory: Float32Array;
  /** Scratch for p = g + e, reused every round. */
  p: Float32Array;
  /** 'local' privacy: scratch for the clipped, noised p that the selection reads. */
  noised?: Float32Array;
}

export class ErrorFeedback {
  readonly mode: FeedbackMode;
  private readonly modeCode: number;
  private readonly config: DgpConfig;
  private state: Map<string, LayerState> | null = new Map();
  private rounds = 0;
  /** Set while a stepAsync call runs: its scratch and memory are in use. */
  private pending = false;
  /** The privacy settings (read once), or null without options.privacy. */
  private readonly privacyOptions: ReadClientPrivacy | null = null;
  /** 'local' only: the noise's generator (secure, or seeded through unsafeSeed). */
  private readonly random: SecureRandom | null = null;
  /** Under privacy: the most coordinates one round clipped and sent from (the accountant's dimension d). */
  private maxDimension = 0;
  /** 'distributed': each round's plan (scale, sensitivity and dimension differ when the dimension does). */
  private readonly securePlans: Array<Pick<DistributedPlan, 'scale' | 'sensitivity' | 'dimension'>> = [];

  constructor(config: DgpConfig = DEFAULT_CONFIG, options: ErrorFeedbackOptions = {}) {
    this.config = checkConfig(config, 'ErrorFeedback');
    const { mode, privacy } = readOptions(options, 'ErrorFeedback: options', 'an object {mode?, privacy?}');
    this.mode = readChoice(mode, MODES, 'bottom', 'ErrorFeedback: options.mode');
    this.modeCode = MODES.indexOf(this.mode);
    if (privacy !== undefined) {
      const p = readClientPrivacy(privacy, 'ErrorFeedback: options.privacy');
      if (p.noise === 'local' && !(Math.fround(p.noiseMultiplier * p.clipNorm) < Infinity))
        throw new RangeError(
          `ErrorFeedback: options.privacy: the noise's standard deviation noiseMultiplier · clipNorm = ${p.noiseMultiplier * p.clipNorm} must be below the float32 maximum`,
        );
      this.privacyOptions = p;
      if (p.noise === 'local' || p.noise === 'distributed')
        this.random = SecureRandom.create(p.unsafeSeed === undefined ? {} : { unsafeSeed: p.unsafeSeed });
    }
  }

  /**
   * The privacy settings this client runs with (a copy, without the seed), or null. 'distributed'
   * adds minClients, maxClients and clipRange.
   */
  get privacy(): {
    noise: 'local' | 'central' | 'distributed';
    clipNorm: number;
    noiseMultiplier: number;
    minClients?: number;
    maxClients?: number;
    clipRange?: number;
  } | null {
    const p = this.privacyOptions;
    if (!p) return null;
    if (p.noise !== 'distributed') return { noise: p.noise, clipNorm: p.clipNorm, noiseMultiplier: p.noiseMultiplier };
    return { noise: p.noise, clipNorm: p.clipNorm, noiseMultiplier: p.noiseMultiplier, minClients: p.minClients, maxClients: p.maxClients, clipRange: p.clipRange };
  }

  /**
   * The (ε, δ) this client has spent so far under its privacy mode (docs/PRIVACY.md "What a client
   * can know"). 'local': the exact Gaussian curve over the rounds it sent an update in, with
   * replace-one neighbours (sensitivity 2·clipNorm, so multiplier z/2) and no sampling. 'central':
   * by default the same rounds with add/remove neighbours (multiplier z) and no amplification by
   * sampling — valid whenever the server clips to clipNorm and adds noise with z; with
   * `samplingRate` < 1 (Poisson sampling that the server keeps secret), pass `rounds`, the rounds
   * the server ran in all (the client cannot count those it was not sampled in).
   * 'distributed': the distributed discrete Gaussian's bound (Kairouz, Liu and Steinke 2021,
   * dpEpsilonDistributed) composed over the rounds this client sent through stepSecure, each with
   * its own plan, assuming `clients` clients' noise in every sum (default minClients; pass the
   * fewest survivors when a round ended with fewer: ε grows as the noise in the sum shrinks to
   * √clients·scale). No amplification by sampling (samplingRate must be 1 or absent).
   */
  privacySpent(options: { delta: number; samplingRate?: number; rounds?: number; clients?: number }): PrivacySpent {
    const caller = 'ErrorFeedback.privacySpent';
    const p = this.privacyOptions;
    if (!p) throw new DgpError(`${caller}: this ErrorFeedback has no options.privacy: nothing protects its updates (ε = Infinity)`);
    const o = readObject(options, `${caller}: options`, 'an object {delta, samplingRate?, rounds?, clients?}');
    const { samplingRate, rounds, clients } = o;
    const delta = readDelta(o.delta, `${caller}: options.delta`);
    if (p.noise === 'distributed') return this.distributedSpent(delta, samplingRate, rounds, clients, caller);
    if (clients !== undefined)
      throw new TypeError(`${caller}: options.clients is only for noise 'distributed' (the clients whose noise is in the sum), got ${describeValue(clients)}`);
    if (samplingRate !== undefined && (typeof samplingRate !== 'number' || !(samplingRate >= 0 && samplingRate <= 1)))
      throw new (typeof samplingRate === 'number' ? RangeError : TypeError)(
        `${caller}: options.samplingRate must be a number in [0, 1], got ${describeValue(samplingRate)}`,
      );
    if (p.noise === 'local') {
      if (samplingRate !== undefined && samplingRate !== 1)
        throw new RangeError(
          `${caller}: options.samplingRate must be 1 or absent for noise 'local' (whoever reads the messages sees when the client took part, so sampling hides nothing), got ${describeValue(samplingRate)}`,
        );
      if (rounds !== undefined)
        throw new TypeError(`${caller}: options.rounds is only for noise 'central' with a samplingRate; 'local' counts the rounds this client sent, got ${describeValue(rounds)}`);
    }
    const q = samplingRate === undefined ? 1 : samplingRate;
    let n = this.rounds;
    if (rounds !== undefined) {
      if (typeof rounds !== 'number' || !Number.isSafeInteger(rounds) || rounds < this.rounds)
        throw new (typeof rounds === 'number' ? RangeError : TypeError)(
          `${caller}: options.rounds must be an integer >= the ${this.rounds} rounds this client sent (the rounds the server ran in all), got ${describeValue(rounds)}`,
        );
      n = rounds;
    } else if (q !== 1 && typeof q === 'number') {
      throw new TypeError(`${caller}: options.rounds (the rounds the server ran in all) is needed with samplingRate ${describeValue(q)}`);
    }
    // The multiplier the accountant gets: sigma over the sensitivity of the grid-snapped vector
    // (privacy/noise.ts snaps to a grid g = sigma / 2^20 before the integer noise; each of d
    // coordinates moves by at most g/2, so two neighbours' snapped vectors differ by at most their
    // distance + g·√d). 'local', replace-one: 2·clipNorm + g·√d. 'central', add/remove: clipNorm +
    // g·√d, with d this client's coordinates (the server's sum has the same layout).
    const sigma = p.noiseMultiplier * p.clipNorm;
    const sensitivity =
      p.noise === 'local' ? 2 * snappedSensitivity(p.clipNorm, sigma, this.maxDimension) : snappedSensitivity(p.clipNorm, sigma, this.maxDimension, 'sum');
    const z = sigma / sensitivity;
    const epsilon = dpEpsilon({ noiseMultiplier: z, samplingRate: q as number, rounds: n, delta: delta as number });
    return { epsilon, delta: delta as number, rounds: n, samplingRate: q as number, noiseMultiplier: z };
  }

  /** privacySpent for 'distributed' (delta checked). */
  private distributedSpent(delta: number, samplingRate: unknown, rounds: unknown, clients: unknown, caller: string): PrivacySpent {
    const p = this.privacyOptions!;
    if (samplingRate !== undefined && samplingRate !== 1)
      throw new (typeof samplingRate === 'number' ? RangeError : TypeError)(
        `${caller}: options.samplingRate must be 1 or absent for noise 'distributed' (no amplification by sampling is claimed; the rounds this client sent are composed), got ${describeValue(samplingRate)}`,
      );
    if (rounds !== undefined)
      throw new TypeError(`${caller}: options.rounds is only for noise 'central' with a samplingRate; 'distributed' counts the rounds this client sent, got ${describeValue(rounds)}`);
    let n = p.minClients;
    if (clients !== undefined) {
      if (typeof clients !== 'number' || !(Number.isInteger(clients) && clients >= 1 && clients <= 0x7fffffff))
        throw new (typeof clients === 'number' ? RangeError : TypeError)(
          `${caller}: options.clients must be an integer in [1, 2^31 - 1] (the fewest clients whose noise was in a round's sum), got ${describeValue(clients)}`,
        );
      n = clients;
    }
    let rho = 0;
    let z = Infinity;
    for (const r of this.securePlans) {
      rho += distributedRho({ scale: r.scale, sensitivity: r.sensitivity, clients: n, dimension: r.dimension });
      z = Math.min(z, (Math.sqrt(n) * r.scale) / r.sensitivity);
    }
    const epsilon = epsilonFromRho(rho, delta);
    const sent = this.securePlans.length;
    return { epsilon, delta, rounds: sent, samplingRate: 1, noiseMultiplier: sent === 0 ? Infinity : z, clients: n };
  }

  /** Rounds completed so far (the default round number of the next step). */
  get completedRounds(): number {
    return this.rounds;
  }

  /**
   * One DGP round: returns the update to send (encodeUpdate it). The first call fixes the layer
   * names and shapes; later calls must pass the same ones.
   */
  step(grads: GradientInput, round: number = this.rounds): Update {
    const caller = 'ErrorFeedback.step';
    checkRound(round, caller);
    this.refuseDistributed(caller);
    this.live('step');
    const { states, layers } = this.prepare(readGradients(grads, caller), caller);
    const outs = selectLayers(selectionOf(states, this.privatize(states, caller)), this.stepWant(), caller);
    return this.finishStep(states, outs, layers.total, round);
  }

  /**
   * step() for code that must not block: tensors are read with `await data()` (webgl, webgpu)
   * and, on the native backend, the selection runs on libuv's thread pool. Same update and same
   * memory as step(). Until the promise settles this ErrorFeedback refuses other calls (its
   * scratch and memory are in use); the gradient arrays must not be written meanwhile.
   */
  async stepAsync(grads: GradientInput, round: number = this.rounds): Promise<Update> {
    const caller = 'ErrorFeedback.stepAsync';
    checkRound(round, caller);
    this.refuseDistributed(caller);
    this.live('stepAsync');
    this.pending = true;
    try {
      const input = await readGradientsAsync(grads, caller);
      this.live('stepAsync', true);
      const { states, layers } = this.prepare(input, caller);
      const outs = await selectLayersAsync(selectionOf(states, this.privatize(states, caller)), this.stepWant(), caller);
      this.live('stepAsync', true);
      return this.finishStep(states, outs, layers.total, round);
    } finally {
      this.pending = false;
    }
  }

  /**
   * SPEC §11 on a plain step, after error feedback formed p: clips p in place over all layers
   * (every coordinate could be sent); 'local' then adds the noise to a copy of every coordinate.
   * Returns what the selection ranks and sends from: the noised copies, or the clipped p itself.
   * Memory (finishStep) is taken from the clipped p, never from the noised copy.
   */
  private privatize(states: LayerState[], caller: string): Float32Array[] {
    const p = this.privacyOptions;
    if (!p) return states.map((s) => s.p);
    this.noteDimension(states.reduce((n, s) => n + s.p.length, 0));
    clipInPlace(states.map((s) => s.p), p.clipNorm, caller, states.map((s) => s.name));
    if (p.noise !== 'local') return states.map((s) => s.p);
    return states.map((s) => {
      const q = s.noised ?? (s.noised = new Float32Array(s.p.length));
      q.set(s.p);
      addGaussianNoise(q, p.noiseMultiplier * p.clipNorm, this.random!, caller);
      return q;
    });
  }

  /** Records a round's dimension (kept even if the round then fails: a bound, never too small). */
  private noteDimension(d: number): void {
    if (d > this.maxDimension) this.maxDimension = d;
  }

  private stepWant(): { sparse: true; codes?: true } {
    return this.mode === 'none' ? { sparse: true } : { sparse: true, codes: true };
  }

  /** Memory update and commit of a selected round; returns the update. */
  private finishStep(states: LayerState[], outs: LayerSelection[], total: number, round: number): Update {
    const k = kernelsFor(total);
    states.forEach((s, i) => {
      if (outs[i].codes) k.memoryUpdate(s.p, outs[i].codes!, this.modeCode, s.memory);
      else s.memory.fill(0);
    });
    this.commit(states);
    return {
      round,
      layers: states.map((s, i) => ({ name: s.name, shape: s.shape.slice(), indices: outs[i].keptIndices!, values: outs[i].keptValues! })),
    };
  }

  /**
   * One ADGP round (SPEC §8): ranks p, withholds the own top set (sent as +0), and returns the
   * values of p at the broadcast positions only. Memory then keeps, by mode, what was not sent.
   * `positions` must come from decodePositions() (its `id` ties the upload to the broadcast).
   */
  stepAligned(grads: GradientInput, positions: AlignedPositions, round: number = this.rounds): AlignedValues {
    const caller = 'ErrorFeedback.stepAligned';
    checkRound(round, caller);
    if (this.privacyOptions?.noise === 'distributed')
      throw new DgpError(
        `${caller}: noise 'distributed' sends rounds through secure aggregation only: stepAligned would send the clipped values without noise; use stepSecure(grads, { positions })`,
      );
    const read = readPositions(positions, `${caller}: positions`, kernelsFor);
    const id = read.id;
    this.live('stepAligned');
    const { states, layers } = this.prepare(readGradients(grads, caller), caller);
    const k = kernelsFor(layers.total);
    const pos = alignPositions(read.layers, states, caller, k);
    const outs = selectLayers(selectionOf(states), { codes: true }, caller);
    const values = states.map((s, i) => {
      const v = new Float32Array(pos[i].length);
      k.alignedGather(s.p, outs[i].codes!, pos[i], v); // positions were validated: cannot fail
      return v;
    });
    // SPEC §11: the data-dependent transforms (own top set withheld, positions gathered) came
    // first; the vector that is sent is clipped over all layers, then ('local') noised at every
    // aligned position, withheld ones included. Memory keeps p where nothing was sent.
    const p = this.privacyOptions;
    if (p) {
      this.noteDimension(values.reduce((n, v) => n + v.length, 0));
      clipInPlace(values, p.clipNorm, caller, states.map((s) => s.name));
      if (p.noise === 'local') for (const v of values) addGaussianNoise(v, p.noiseMultiplier * p.clipNorm, this.random!, caller);
    }
    states.forEach((s, i) => k.memoryUpdate(s.p, outs[i].codes!, this.modeCode, s.memory));
    this.commit(states);
    return { round, positionsId: id, layers: states.map((s, i) => ({ name: s.name, values: values[i] })) };
  }

  /**
   * One round for secure aggregation under noise 'distributed' (SPEC §11, §12; docs/PRIVACY.md
   * "Distributed noise"). Error feedback forms p = g + e; with `options.positions` (from
   * decodePositions) the ADGP aligned values are taken as stepAligned takes them (own top set
   * withheld, sent as 0), without them every coordinate (dense); that vector is clipped to
   * clipNorm over all layers, clamped to ±clipRange, quantized with stochastic rounding on the
   * grid of planDistributed({..., dimension: its length}), and this client's discrete-Gaussian
   * noise share is added. Returns the 32-bit words for secure aggregation, the layer layout and
   * the plan (the server reads the sum back with dequantizeSum(sum, plan.step, divisor)).
   *
   * Memory keeps only what was not sent, never noise: aligned rounds as stepAligned (p where
   * nothing was sent, by mode); dense rounds send every coordinate, so memory becomes 0. The
   * clipping, clamping and rounding residuals at sent coordinates are dropped (the rounding is
   * unbiased; the others would let memory grow while updates are clipped).
   */
  stepSecure(grads: GradientInput, options: { positions?: AlignedPositions; round?: number } = {}): SecureUpdate {
    const caller = 'ErrorFeedback.stepSecure';
    const p = this.privacyOptions;
    if (!p || p.noise !== 'distributed')
      throw new DgpError(
        `${caller}: needs options.privacy with noise 'distributed' (its clipNorm, noiseMultiplier, minClients and maxClients size the grid and the noise), got ${p ? `noise '${p.noise}'` : 'no options.privacy'}`,
      );
    const o = readOptions(options, `${caller}: options`, 'an object {positions?, round?}');
    if (o.layers !== undefined || o.id !== undefined)
      throw new TypeError(`${caller}: options must be an object {positions?, round?}, got what looks like positions themselves; pass stepSecure(grads, { positions })`);
    const { positions, round: r } = o;
    const round = r === undefined ? this.rounds : r;
    checkRound(round as number, caller);
    const read = positions === undefined ? null : readPositions(positions, `${caller}: options.positions`, kernelsFor);
    this.live('stepSecure');
    const { states, layers } = this.prepare(readGradients(grads, caller), caller);
    const k = kernelsFor(layers.total);
    let values: Float32Array[];
    let codes: Uint8Array[] | null = null;
    if (read) {
      const pos = alignPositions(read.layers, states, caller, k);
      const outs = selectLayers(selectionOf(states), { codes: true }, caller);
      codes = outs.map((o) => o.codes!);
      values = states.map((s, i) => {
        const v = new Float32Array(pos[i].length);
        k.alignedGather(s.p, codes![i], pos[i], v); // positions were validated: cannot fail
        return v;
      });
    } else {
      values = states.map((s) => s.p.slice());
    }
    const d = values.reduce((n, v) => n + v.length, 0);
    if (d === 0) throw new RangeError(`${caller}: the positions select no coordinate; secure aggregation needs at least one`);
    this.noteDimension(d);
    clipInPlace(values, p.clipNorm, caller, states.map((s) => s.name));
    const plan = planDistributed({
      clipNorm: p.clipNorm,
      clipRange: p.clipRange,
      noiseMultiplier: p.noiseMultiplier,
      minClients: p.minClients,
      maxClients: p.maxClients,
      dimension: d,
    });
    const flat = values.length === 1 ? values[0] : new Float32Array(d);
    if (flat !== values[0]) {
      let at = 0;
      for (const v of values) {
        flat.set(v, at);
        at += v.length;
      }
    }
    const integers = quantizeWithNoise(flat, plan, this.random!);
    if (codes) states.forEach((s, i) => k.memoryUpdate(s.p, codes![i], this.modeCode, s.memory));
    else for (const s of states) s.memory.fill(0);
    this.securePlans.push({ scale: plan.scale, sensitivity: plan.sensitivity, dimension: plan.dimension });
    this.commit(states);
    const out: SecureUpdate = { round: round as number, layers: states.map((s, i) => ({ name: s.name, length: values[i].length })), integers, plan };
    if (read) out.positionsId = read.id;
    return out;
  }

  /** Plain and async steps send per-client positions: refused under noise 'distributed'. */
  private refuseDistributed(caller: string): void {
    if (this.privacyOptions?.noise === 'distributed')
      throw new DgpError(
        `${caller}: noise 'distributed' refuses an update with per-client positions: secure aggregation hides values, not which positions a client chose, and those positions are computed from its data and would leak; use stepSecure(grads) (every coordinate) or stepSecure(grads, { positions }) (the broadcast ADGP positions)`,
      );
  }

  /** A copy of every layer's memory e, in layer order. */
  memory(): DenseLayer[] {
    return this.live('memory').map((s) => ({ name: s.name, shape: s.shape.slice(), values: s.memory.slice() }));
  }

  /** Zeroes the memory (keeps the layer set). */
  reset(): void {
    for (const s of this.live('reset')) s.memory.fill(0);
  }

  /** Drops every array this object holds; later calls throw. */
  dispose(): void {
    this.state = null;
  }

  /** The layer states; throws when disposed or (unless `ownAsync`) while a stepAsync runs. */
  private live(caller: string, ownAsync = false): LayerState[] {
    if (!this.state) throw new DgpError(`ErrorFeedback.${caller}: this ErrorFeedback has been disposed`);
    if (this.pending && !ownAsync)
      throw new DgpError(`ErrorFeedback.${caller}: a stepAsync call is still pending; await it first`);
    return [...this.state.values()];
  }

  /** Ends a successful round; the first one also fixes the layer set. */
  private commit(states: LayerState[]): void {
    if (this.state!.size === 0) for (const s of states) this.state!.set(s.name, s);
    this.rounds++;
  }

  /**
   * Validates the gradients against the layer set and computes p = g + e into the scratch. On
   * the first round the layer states are new and enter the map only in commit().
   */
  private prepare(input: DenseLayer[], caller: string): { states: LayerState[]; layers: { total: number } } {
    if (input.length === 0) throw new RangeError(`${caller}: grads has no layers; a gradient needs at least one`);
    input.forEach((l, i) => nameBytes(l.name, `${caller}: grads layer ${i}`)); // the update goes on the wire
    const state = this.state!;
    const first = state.size === 0;
    if (!first) {
      if (input.length !== state.size || input.some((l) => !state.has(l.name)))
        throw new RangeError(
          `${caller}: grads must have the layers [${[...state.keys()].join(', ')}] of the first round, got [${input.map((l) => l.name).join(', ')}]`,
        );
      for (const l of input) {
        const s = state.get(l.name)!;
        if (l.shape.length !== s.shape.length || l.shape.some((d, i) => d !== s.shape[i]))
          throw new RangeError(`${caller}: layer '${l.name}' has shape [${l.shape}], the first round had [${s.shape}]`);
      }
    }
    const counts = input.map((l) => countsFor(l.values.length, this.config, `${caller}: layer '${l.name}'`));
    const total = input.reduce((s, l) => s + l.values.length, 0);
    const k = kernelsFor(total);
    const states = input.map((l, i) => {
      const s: LayerState = first
        ? { name: l.name, shape: l.shape.slice(), ...counts[i], memory: new Float32Array(l.values.length), p: new Float32Array(l.values.length) }
        : state.get(l.name)!;
      k.add(l.values, s.memory, s.p);
      return s;
    });
    return { states, layers: { total } };
  }
}

/** Selection inputs over each layer's p = g + e (or, under privacy, the arrays privatize gave). */
function selectionOf(states: LayerState[], values?: Float32Array[]) {
  return states.map((s, i) => ({ name: s.name, values: values ? values[i] : s.p, kTop: s.kTop, kBottom: s.kBottom }));
}

/** Checks that positions (read once) match the layer set (names, shapes, ascending indices < n). */
function alignPositions(layers: PlainSparseLayer[], states: LayerState[], caller: string, k: Kernels): Uint32Array[] {
  if (layers.length !== states.length)
    throw new RangeError(`${caller}: positions have ${layers.length} layers, the gradient has ${states.length}`);
  const byName = new Map(layers.map((l) => [l.name, l]));
  return states.map((s) => {
    const l = byName.get(s.name);
    if (!l) throw new RangeError(`${caller}: positions have no layer ${quoteName(s.name)}`);
    if (l.shape.length !== s.shape.length || l.shape.some((d, i) => d !== s.shape[i]))
      throw new RangeError(`${caller}: positions layer ${quoteName(s.name)} has shape [${l.shape}], the gradient has [${s.shape}]`);
    return l.indices; // ascending and < the layer size: readPositions checked them
  });
}
