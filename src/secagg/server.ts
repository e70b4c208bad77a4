/**
 * The secure-aggregation server (SPEC §10, §12; docs/SECAGG.md, "Protocol"): a transport-agnostic
 * state machine. For the current stage `messages()` says which bytes go to which client;
 * `receive(bytes)` takes one client's answer (checked in full before it is recorded);
 * `advance()` ends the stage (clients that did not answer have dropped out) and prepares the
 * next; after the unmasking stage `result()` is the sum mod 2^32 of the inputs of the clients
 * whose masked input arrived.
 *
 * Survivor sets: U1 answered AdvertiseKeys, U2 answered ShareKeys, U3 sent MaskedInput, U4
 * answered Unmask. After stages 0 and 1 a client whose neighbourhood (itself and its surviving
 * neighbours) has fewer than `threshold` members is dropped too, repeatedly (graph.ts prune):
 * nothing of it has been revealed and no one masks with it. After stages 2 and 3 every secret
 * that must be rebuilt needs `threshold` holders; when one has fewer the round fails with a
 * SecAggError before any further request is made.
 */
import { SecAggError } from '../errors';
import { Aggregator, ModularAggregatorOptions } from '../fl/aggregator';
import { DgpFormatError } from '../fl/errors';
import { getU32 } from '../fl/codec';
import { Entropy, agree, pairKey, derive, applyMask, combineShares, publicKeyOf, equalBytes, wipe, LABEL_PAIR_MASK, LABEL_SELF_MASK, MASK_SELF, MASK_PAIR } from './crypto';
import { Graph, buildGraph, prune } from './graph';
import {
  Kind, KIND_NAMES, STAGE_NAMES, SERVER_ID, readFrame, stageOf, readAdvertiseKeys, readShareKeys, readUnmask,
  writeRoundStart, writeShareKeysRequest, writeMaskedInputRequest, writeUnmaskRequest, PublicKeys, Unmask,
} from './messages';
import { Layout, SecAggLayer, SecAggServerOptions, ServerParams, readServerOptions } from './options';

/** resultLayers(): the sum split into the round's layers, for dequantizing per layer. */
export interface SecAggLayerSums {
  round: number;
  /** The ADGP positions' id for an aligned round; absent for dense layers. */
  positionsId?: number;
  /** In layout order; each `values` is a view on result()'s array (length `length`). */
  layers: Array<{ name: string; length: number; values: Uint32Array }>;
}

const WHO = 'SecAggServer.receive';

export type SecAggServerStage = 'advertise-keys' | 'share-keys' | 'masked-input' | 'unmasking' | 'done' | 'failed';

export class SecAggServer {
  readonly round: number;
  readonly length: number;
  readonly threshold: number;
  /** Neighbours per client (0: the complete graph). */
  readonly neighbours: number;
  /** The invited client ids, ascending. */
  readonly clients: readonly number[];
  /** The public seed of the neighbour graph's permutation (sent in RoundStart). */
  readonly graphSeed: Uint8Array;
  /** The round's layers (options.layers; default one layer 'input' of `length`): every MaskedInput body is a kind-5 update with exactly these. */
  readonly layers: readonly SecAggLayer[];
  /** The ADGP positions' id of an aligned round; 0 for dense layers. */
  readonly positionsId: number;

  private readonly graph: Graph;
  private stageIndex = 0;
  private failed = false;
  private busy = false;
  /** Clients sent a request in the current stage (who may answer). */
  private active: Set<number>;
  private outgoing = new Map<number, Uint8Array>();
  private keys = new Map<number, PublicKeys>();
  /** Stage 1 answers: sender -> receiver -> ciphertext. */
  private sealed = new Map<number, Map<number, Uint8Array>>();
  /** Stage 1 survivors after pruning (U2): the clients whose shares were delivered. */
  private sharers = new Set<number>();
  private readonly layout: Layout;
  /** Stage 2: the modular Aggregator every accepted masked input (a kind-5 update) is added to. */
  private acc: Aggregator<ModularAggregatorOptions> | null = null;
  /** U3, in arrival order. */
  private maskedFrom = new Set<number>();
  /** Stage 3 requests and answers. */
  private unmaskAsked = new Map<number, { survived: number[]; dropped: number[] }>();
  private unmaskAnswers = new Map<number, Unmask>();
  private sum: Uint32Array | null = null;

  constructor(options: SecAggServerOptions) {
    const p: ServerParams = readServerOptions(options);
    this.round = p.round;
    this.length = p.length;
    this.threshold = p.threshold;
    this.neighbours = p.neighbours;
    this.clients = p.ids;
    this.layout = p.layout;
    this.layers = Object.freeze(p.layout.layers.map((l) => Object.freeze({ ...l })));
    this.positionsId = p.layout.positionsId;
    this.graphSeed = new Entropy(p.unsafeSeed).bytes(32);
    this.graph = buildGraph(p.ids, p.neighbours, this.graphSeed);
    this.active = new Set(p.ids);
    for (const id of p.ids)
      this.outgoing.set(
        id,
        writeRoundStart(this.round, id, { length: this.length, threshold: this.threshold, clients: p.ids.length, neighbours: this.neighbours, graphSeed: this.graphSeed }),
      );
  }

  /** The current stage. */
  get stage(): SecAggServerStage {
    return this.failed ? 'failed' : this.stageIndex < 4 ? STAGE_NAMES[this.stageIndex] : 'done';
  }

  /** The neighbours of a client (ids ascending, itself excluded): everyone else on the complete graph. */
  neighboursOf(id: number): readonly number[] {
    const nb = this.graph.get(id);
    if (nb === undefined) throw new RangeError(`SecAggServer.neighboursOf: ${id} is not a client of round ${this.round}`);
    return nb;
  }

  /** The messages of the current stage, by receiving client id (empty when done or failed). */
  messages(): Map<number, Uint8Array> {
    return this.failed || this.stageIndex > 3 ? new Map() : new Map(this.outgoing);
  }

  /** The clients that have answered the current stage so far. */
  answered(): number[] {
    const s = this.stageIndex;
    const from = s === 0 ? this.keys.keys() : s === 1 ? this.sealed.keys() : s === 2 ? this.maskedFrom.values() : this.unmaskAnswers.keys();
    return [...from].filter((id) => s > 3 || this.active.has(id)).sort((a, b) => a - b);
  }

  /** The clients whose inputs are in the sum (U3), once the masked-input stage has ended. */
  get survivors(): number[] {
    return this.stageIndex >= 3 ? [...this.maskedFrom].sort((a, b) => a - b) : [];
  }

  private check(): void {
    if (this.failed) throw new SecAggError(`SecAggServer: round ${this.round} failed; start a new round`);
    if (this.busy) throw new SecAggError(`SecAggServer: round ${this.round} is advancing; wait for advance() to finish`);
  }

  /**
   * Takes one client's answer to the current stage. Checked in full first (frame, CRC, round,
   * stage, sender, duplicates, body); a refused message is a SecAggError that changes nothing.
   * Returns the sender's id.
   */
  receive(message: Uint8Array): number {
    this.check();
    const f = readFrame(WHO, message);
    if (f.round !== this.round) throw new SecAggError(`${WHO}: message for round ${f.round}, but this server runs round ${this.round} (replayed or misrouted)`);
    if (f.kind % 2 !== 0) throw new SecAggError(`${WHO}: ${KIND_NAMES[f.kind]} is a server's request, not a client's answer`);
    if (f.receiver !== SERVER_ID) throw new SecAggError(`${WHO}: message addressed to ${f.receiver}, not the server (${SERVER_ID})`);
    if (this.stageIndex > 3) throw new SecAggError(`${WHO}: round ${this.round} is done; ${KIND_NAMES[f.kind]} from client ${f.sender} is late or replayed`);
    const stage = stageOf(f.kind);
    if (stage !== this.stageIndex)
      throw new SecAggError(
        `${WHO}: ${KIND_NAMES[f.kind]} from client ${f.sender} is for stage ${STAGE_NAMES[stage]}, but the server is in stage ${STAGE_NAMES[this.stageIndex]}${stage < this.stageIndex ? ' (replayed or late)' : ''}`,
      );
    const u = f.sender;
    if (!this.active.has(u))
      throw new SecAggError(`${WHO}: client ${u} was not asked in stage ${STAGE_NAMES[stage]} of round ${this.round} (not invited, or dropped earlier)`);
    switch (f.kind) {
      case Kind.AdvertiseKeys: {
        if (this.keys.has(u)) throw duplicate(u, f.kind);
        const k = readAdvertiseKeys(WHO, f.body);
        if (equalBytes(k.c, k.s)) throw new SecAggError(`${WHO}: client ${u} advertised the same public key for encryption and masking`);
        this.keys.set(u, k);
        break;
      }
      case Kind.ShareKeys: {
        if (this.sealed.has(u)) throw duplicate(u, f.kind);
        const list = readShareKeys(WHO, f.body);
        const want = this.shareTargets(u);
        if (list.length !== want.length || list.some((e, i) => e.id !== want[i]))
          throw new SecAggError(
            `${WHO}: ShareKeys from client ${u} is for clients [${list.map((e) => e.id).join(', ')}], but it was asked for [${want.join(', ')}]`,
          );
        this.sealed.set(u, new Map(list.map((e) => [e.id, e.ciphertext])));
        break;
      }
      case Kind.MaskedInput: {
        if (this.maskedFrom.has(u)) throw duplicate(u, f.kind);
        this.addMasked(u, f.body);
        this.maskedFrom.add(u);
        break;
      }
      default: {
        if (this.unmaskAnswers.has(u)) throw duplicate(u, f.kind);
        const a = readUnmask(WHO, f.body);
        const asked = this.unmaskAsked.get(u)!;
        const wantB = [...asked.survived, u].sort((x, y) => x - y);
        const sameIds = (got: { id: number }[], want: number[]) => got.length === want.length && got.every((e, i) => e.id === want[i]);
        if (!sameIds(a.selfMaskShares, wantB) || !sameIds(a.keyShares, asked.dropped))
          throw new SecAggError(
            `${WHO}: Unmask from client ${u} reveals shares for [${a.selfMaskShares.map((e) => e.id).join(', ')}] and [${a.keyShares.map((e) => e.id).join(', ')}], but it was asked for [${wantB.join(', ')}] and [${asked.dropped.join(', ')}]`,
          );
        this.unmaskAnswers.set(u, a);
      }
    }
    return u;
  }

  /**
   * A MaskedInput body is a kind-5 integer update: its round must be this round, then the modular
   * Aggregator checks it in full against the layout (frame, CRC, positionsId, names, shapes or
   * counts) before adding it mod 2^32; a refused one changes nothing.
   */
  private addMasked(u: number, body: Uint8Array): void {
    const what = `${WHO}: MaskedInput from client ${u}`;
    if (body.length >= 16 && getU32(body, 12) !== this.round)
      throw new SecAggError(`${what} carries an integer update of round ${getU32(body, 12)}, but this server runs round ${this.round}`);
    try {
      this.acc!.add(body);
    } catch (e) {
      if (e instanceof DgpFormatError) throw new SecAggError(`${what}: its integer update (kind 5) is refused: ${e.message.replace(/^Aggregator\.add: call \d+: /, '')}`);
      throw e;
    }
  }

  /** The modular Aggregator for the masked inputs, on the round's layout. */
  private newAggregator(): Aggregator<ModularAggregatorOptions> {
    const { positionsId, layers } = this.layout;
    const layout =
      positionsId === 0
        ? layers.map((l) => ({ name: l.name, shape: [l.length] }))
        : // the Aggregator takes aligned layouts as positions; only their id, names and counts matter here
          { round: this.round, id: positionsId, layers: layers.map((l) => ({ name: l.name, shape: [l.length], indices: ascending(l.length) })) };
    return new Aggregator({ modular: true, maxElements: this.length, layout });
  }

  /** The neighbours a stage-1 client shares with: its neighbours still in U1 (after pruning). */
  private shareTargets(u: number): number[] {
    return this.graph.get(u)!.filter((v) => this.active.has(v));
  }

  private fail(message: string): never {
    this.failed = true;
    this.outgoing.clear();
    this.acc = null;
    throw new SecAggError(`SecAggServer.advance: round ${this.round}, stage ${STAGE_NAMES[this.stageIndex]}: ${message}; the round cannot complete (nothing more is revealed)`);
  }

  /**
   * Ends the current stage: the clients that did not answer have dropped out. Prepares the next
   * stage's messages; after the unmasking stage it rebuilds the masks and computes the result.
   * Fewer than `threshold` survivors where they are needed is a SecAggError and fails the round.
   */
  async advance(): Promise<void> {
    this.check();
    if (this.stageIndex > 3) throw new SecAggError(`SecAggServer.advance: round ${this.round} is done`);
    this.busy = true;
    try {
      switch (this.stageIndex) {
        case 0:
          return this.afterAdvertise();
        case 1:
          return this.afterShareKeys();
        case 2:
          return this.afterMaskedInput();
        default:
          return await this.afterUnmask();
      }
    } finally {
      this.busy = false;
    }
  }

  private survive(answered: Set<number>, what: string): Set<number> {
    const keep = prune(this.graph, answered, this.threshold);
    if (keep.size < this.threshold)
      this.fail(
        `${answered.size} of ${this.active.size} clients ${what}${keep.size !== answered.size ? `, ${keep.size} with at least ${this.threshold} in their neighbourhood` : ''}, fewer than the threshold ${this.threshold}`,
      );
    return keep;
  }

  private afterAdvertise(): void {
    const u1 = this.survive(new Set(this.keys.keys()), 'advertised keys');
    this.active = u1;
    this.outgoing = new Map();
    for (const u of u1) this.outgoing.set(u, writeShareKeysRequest(this.round, u, this.shareTargets(u).map((v) => ({ id: v, ...this.keys.get(v)! }))));
    this.stageIndex = 1;
  }

  private afterShareKeys(): void {
    const u2 = this.survive(new Set(this.sealed.keys()), 'shared their keys');
    this.sharers = u2;
    this.active = u2;
    this.outgoing = new Map();
    for (const u of u2) {
      const list = this.graph.get(u)!.filter((v) => u2.has(v)).map((v) => ({ id: v, ciphertext: this.sealed.get(v)!.get(u)! }));
      this.outgoing.set(u, writeMaskedInputRequest(this.round, u, list));
    }
    this.sealed.clear();
    this.acc = this.newAggregator();
    this.stageIndex = 2;
  }

  private afterMaskedInput(): void {
    const u3 = this.maskedFrom;
    if (u3.size < this.threshold) this.fail(`${u3.size} of ${this.sharers.size} clients sent a masked input, fewer than the threshold ${this.threshold}`);
    // every survivor's b and every needed dropped client's s_sk must have threshold holders in U3
    for (const u of this.sharers) {
      const nb = this.graph.get(u)!;
      const alive = nb.filter((v) => u3.has(v)).length + (u3.has(u) ? 1 : 0);
      const needed = u3.has(u) || nb.some((v) => u3.has(v));
      if (needed && alive < this.threshold)
        this.fail(`client ${u}${u3.has(u) ? '' : ' (dropped)'} has ${alive} neighbourhood members that sent a masked input, fewer than the threshold ${this.threshold}`);
    }
    this.active = new Set(u3);
    this.outgoing = new Map();
    for (const u of u3) {
      const nb = this.graph.get(u)!.filter((v) => this.sharers.has(v));
      const req = { survived: nb.filter((v) => u3.has(v)), dropped: nb.filter((v) => !u3.has(v)) };
      this.unmaskAsked.set(u, req);
      this.outgoing.set(u, writeUnmaskRequest(this.round, u, req));
    }
    this.stageIndex = 3;
  }

  private async afterUnmask(): Promise<void> {
    const u3 = this.maskedFrom;
    const answers = this.unmaskAnswers;
    // gather threshold shares per secret from the answers (validated in receive)
    const bShares = new Map<number, Uint8Array[]>();
    const sShares = new Map<number, Uint8Array[]>();
    for (const [, a] of [...answers].sort((x, y) => x[0] - y[0])) {
      for (const e of a.selfMaskShares) push(bShares, e.id, e.share);
      for (const e of a.keyShares) push(sShares, e.id, e.share);
    }
    const dropped = [...this.sharers].filter((v) => !u3.has(v) && this.graph.get(v)!.some((u) => u3.has(u)));
    for (const u of u3) {
      const got = bShares.get(u)?.length ?? 0;
      if (got < this.threshold) this.fail(`${got} self-mask shares of client ${u} arrived, fewer than the threshold ${this.threshold}`);
    }
    for (const v of dropped) {
      const got = sShares.get(v)?.length ?? 0;
      if (got < this.threshold) this.fail(`${got} masking-key shares of dropped client ${v} arrived, fewer than the threshold ${this.threshold}`);
    }
    // rebuild every secret before touching the sum
    const t = this.threshold;
    const seeds = new Map<number, Uint8Array>();
    const keys = new Map<number, Uint8Array>();
    try {
      for (const u of u3) seeds.set(u, await combineShares(bShares.get(u)!.slice(0, t), `self-mask seed of client ${u}`));
      for (const v of dropped) {
        const sk = await combineShares(sShares.get(v)!.slice(0, t), `masking key of client ${v}`);
        if (!equalBytes(publicKeyOf(sk), this.keys.get(v)!.s))
          throw new SecAggError(`the masking-key shares of dropped client ${v} rebuild a key that does not match its advertised public key`);
        keys.set(v, sk);
      }
    } catch (e) {
      for (const s of [...seeds.values(), ...keys.values()]) wipe(s);
      this.fail(e instanceof Error ? e.message : 'reconstruction failed');
    }
    // the masks cover the concatenated vector: the layers' sums, in order
    const parts = this.acc!.result();
    this.acc = null;
    const sum = parts.length === 1 ? parts[0].values : new Uint32Array(this.length);
    if (parts.length > 1) {
      let at = 0;
      for (const part of parts) {
        sum.set(part.values, at);
        at += part.values.length;
      }
    }
    for (const [u, b] of seeds) {
      const k = derive(b, LABEL_SELF_MASK, this.round, u, u);
      applyMask(sum, k, this.round, MASK_SELF, true);
      wipe(k);
      wipe(b);
    }
    for (const [v, sk] of keys) {
      for (const u of this.graph.get(v)!) {
        if (!u3.has(u)) continue;
        // y_u carries +PRG(s_uv) when v < u and -PRG(s_uv) when v > u: take it back out
        const shared = agree(sk, this.keys.get(u)!.s, `client ${u}'s masking public key`);
        const seed = pairKey(shared, LABEL_PAIR_MASK, this.round, u, v);
        applyMask(sum, seed, this.round, MASK_PAIR, v < u);
        wipe(shared);
        wipe(seed);
      }
      wipe(sk);
    }
    this.sum = sum;
    this.outgoing.clear();
    this.stageIndex = 4;
  }

  /** The sum mod 2^32 of the surviving clients' inputs (after the unmasking stage's advance()). */
  result(): Uint32Array {
    if (this.sum === null) throw new SecAggError(`SecAggServer.result: round ${this.round} is ${this.failed ? 'failed' : `in stage ${this.stage}`}; no result`);
    return this.sum;
  }

  /**
   * The sum split into the round's layers, with their names (and the positions' id of an aligned
   * round), so that each layer can be dequantized on its own (dequantizeSum). The values are
   * views on result()'s array: no copy.
   */
  resultLayers(): SecAggLayerSums {
    const sum = this.result();
    let at = 0;
    const layers = this.layers.map((l) => {
      const values = sum.subarray(at, at + l.length);
      at += l.length;
      return { name: l.name, length: l.length, values };
    });
    const out: SecAggLayerSums = { round: this.round, layers };
    if (this.positionsId !== 0) out.positionsId = this.positionsId;
    return out;
  }
}

function ascending(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function duplicate(u: number, kind: Kind): SecAggError {
  return new SecAggError(`${WHO}: a second ${KIND_NAMES[kind]} from client ${u} (replayed or duplicated); the first one stands`);
}

function push(m: Map<number, Uint8Array[]>, id: number, share: Uint8Array): void {
  const l = m.get(id);
  if (l) l.push(share);
  else m.set(id, [share]);
}
