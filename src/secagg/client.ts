/**
 * A secure-aggregation client (SPEC §12; docs/SECAGG.md, "Protocol"): a state machine that
 * answers each server message with bytes. One client object serves one round (its keys and
 * self-mask seed are fresh per round).
 *
 *   RoundStart         -> AdvertiseKeys   (two fresh X25519 public keys: c for encryption, s for masks)
 *   ShareKeysRequest   -> ShareKeys       (Shamir shares of b and s_sk for each neighbour, encrypted)
 *   MaskedInputRequest -> MaskedInput     (y = x + PRG(b) + Σ_{v<u} PRG(s_uv) − Σ_{v>u} PRG(s_uv))
 *   UnmaskRequest      -> Unmask          (b-shares of survivors, s_sk-shares of dropped peers)
 *
 * Every message is checked in full (frame, round, receiver, stage, body, ciphertexts) before
 * anything changes; a refused message leaves the client as it was. The UnmaskRequest is the one
 * request a client answers more than once (a server that lost the answer may ask again), and
 * for every peer it reveals only the kind of share it revealed before: never both the b-share
 * and the s_sk-share of one peer.
 */
import { SecAggError } from '../errors';
import {
  Entropy, KeyPair, keyPair, agree, pairKey, derive, encrypt, decrypt, applyMask, splitSecret, wipe,
  LABEL_SHARE_KEY, LABEL_PAIR_MASK, LABEL_SELF_MASK, MASK_SELF, MASK_PAIR,
} from './crypto';
import {
  Kind, KIND_NAMES, STAGE_NAMES, StageName, SERVER_ID, SHARE_BYTES, PLAINTEXT_BYTES,
  readFrame, stageOf, readRoundStart, readShareKeysRequest, readMaskedInputRequest, readUnmaskRequest,
  writeAdvertiseKeys, writeShareKeys, writeMaskedInput, writeUnmask,
  shareAad, PeerKeys, Sealed, RevealedShare,
} from './messages';
import { MAX_SHARES, SecAggClientOptions, SecAggLayer, readClientOptions, readInput } from './options';
import { encodeIntegerUpdate } from '../fl/integer';

const WHO = 'SecAggClient.respond';

/** What a client derives for one neighbour in stage 1: the share-encryption key and the pairwise mask seed s_uv. */
interface PeerSecrets {
  shareKey: Uint8Array;
  maskSeed: Uint8Array;
}

/** The shares a client holds of one peer's secrets (and of its own). */
interface Held {
  b: Uint8Array;
  s: Uint8Array;
}

export class SecAggClient {
  readonly id: number;
  readonly round: number;
  readonly length: number;
  /** The round's layers (options.layers; default one layer 'input' of `length`), as the MaskedInput's kind-5 update carries them. */
  readonly layers: readonly SecAggLayer[];
  /** The ADGP positions' id of an aligned round; 0 for dense layers. */
  readonly positionsId: number;
  /** True when this client's randomness comes from `unsafeSeed` (tests only). */
  readonly unsafe: boolean;

  private readonly entropy: Entropy;
  private input: Uint32Array | undefined;
  /** Next stage expected (0 ... 3); 3 stays (unmasking may be asked again). */
  private next = 0;
  private busy = false;
  private threshold = 0;
  private cKeys: KeyPair | null = null;
  private sKeys: KeyPair | null = null;
  /** Stage 1: the neighbours the server named, with their public keys. */
  private peers = new Map<number, PeerKeys>();
  /** Stage 1: the keys derived with each neighbour (wiped after stage 2). */
  private secrets = new Map<number, PeerSecrets>();
  /** Stage 1: this client's self-mask seed b and its own shares. */
  private selfSeed: Uint8Array | null = null;
  /** Stage 2: the shares this client holds, its own under its id. */
  private held = new Map<number, Held>();
  /** Stage 3: what was revealed for each peer. */
  private revealed = new Map<number, 'b' | 's'>();

  constructor(options: SecAggClientOptions) {
    const p = readClientOptions(options);
    this.id = p.id;
    this.round = p.round;
    this.length = p.length;
    this.layers = Object.freeze(p.layout.layers.map((l) => Object.freeze({ ...l })));
    this.positionsId = p.layout.positionsId;
    this.input = p.input?.slice();
    this.entropy = new Entropy(p.unsafeSeed);
    this.unsafe = this.entropy.unsafe;
  }

  /** The stage whose request this client answers next. */
  get stage(): StageName {
    return STAGE_NAMES[this.next];
  }

  /** Sets (or replaces) the input before the masked-input stage; copied. */
  setInput(input: Uint32Array): void {
    if (this.next > 2) throw new SecAggError(`SecAggClient.setInput: client ${this.id} already sent its masked input for round ${this.round}`);
    this.input = readInput(input, this.length, 'SecAggClient.setInput: input').slice();
  }

  /**
   * Answers one server message with this client's message. A malformed, corrupted, replayed,
   * out-of-stage or other-round message, or one an honest client must refuse, is a SecAggError
   * (TypeError for a non-Uint8Array) and changes nothing.
   */
  async respond(message: Uint8Array): Promise<Uint8Array> {
    if (this.busy) throw new SecAggError(`${WHO}: client ${this.id} is still answering the previous message; answer one message at a time`);
    const f = readFrame(WHO, message);
    if (f.round !== this.round) throw new SecAggError(`${WHO}: message for round ${f.round}, but client ${this.id} is in round ${this.round} (replayed or misrouted)`);
    if (f.sender !== SERVER_ID) throw new SecAggError(`${WHO}: message from sender ${f.sender}, want the server (${SERVER_ID})`);
    if (f.receiver !== this.id) throw new SecAggError(`${WHO}: message for client ${f.receiver}, but this is client ${this.id}`);
    if (f.kind % 2 !== 1) throw new SecAggError(`${WHO}: ${KIND_NAMES[f.kind]} is a client's message, not a request`);
    const stage = stageOf(f.kind);
    if (stage !== this.next)
      throw new SecAggError(
        `${WHO}: ${KIND_NAMES[f.kind]} (stage ${STAGE_NAMES[stage]}) is out of stage: client ${this.id} expects stage ${STAGE_NAMES[this.next]}${stage < this.next ? ' (replayed)' : ''}`,
      );
    this.busy = true;
    try {
      switch (f.kind) {
        case Kind.RoundStart:
          return this.advertise(f.body);
        case Kind.ShareKeysRequest:
          return await this.shareKeys(f.body);
        case Kind.MaskedInputRequest:
          return this.maskedInput(f.body);
        default:
          return this.unmask(f.body);
      }
    } finally {
      this.busy = false;
    }
  }

  private need(count: number, what: string): void {
    if (count < this.threshold)
      throw new SecAggError(`${WHO}: client ${this.id}, round ${this.round}: ${what}: ${count}, fewer than the threshold ${this.threshold}; refusing (nothing revealed)`);
  }

  // ---- stage 0 -----------------------------------------------------------------------------------

  private advertise(body: Uint8Array): Uint8Array {
    const p = readRoundStart(WHO, body);
    if (p.length !== this.length) throw new SecAggError(`${WHO}: RoundStart says length ${p.length}, but client ${this.id} was made for length ${this.length}`);
    if (!(p.threshold >= 2 && p.threshold <= MAX_SHARES))
      throw new SecAggError(`${WHO}: RoundStart threshold ${p.threshold} is outside [2, ${MAX_SHARES}]`);
    const c = keyPair(this.entropy);
    const s = keyPair(this.entropy);
    const out = writeAdvertiseKeys(this.round, this.id, { c: c.publicKey, s: s.publicKey });
    this.threshold = p.threshold;
    this.cKeys = c;
    this.sKeys = s;
    this.next = 1;
    return out;
  }

  // ---- stage 1 -----------------------------------------------------------------------------------

  private async shareKeys(body: Uint8Array): Promise<Uint8Array> {
    const peers = readShareKeysRequest(WHO, body);
    for (const p of peers) if (p.id === this.id) throw new SecAggError(`${WHO}: ShareKeysRequest lists client ${this.id} as its own neighbour`);
    const holders = peers.length + 1;
    this.need(holders, 'share holders (the client and its neighbours)');
    if (holders > MAX_SHARES)
      throw new SecAggError(`${WHO}: ShareKeysRequest names ${peers.length} neighbours; Shamir sharing over GF(256) allows at most ${MAX_SHARES - 1}`);
    const c = this.cKeys!;
    const s = this.sKeys!;
    // every key agreement first: a bad public key refuses the message before any secret is made
    const secrets = new Map<number, PeerSecrets>();
    for (const p of peers) {
      const shared = agree(c.secretKey, p.c, `client ${p.id}'s encryption public key`);
      const masking = agree(s.secretKey, p.s, `client ${p.id}'s masking public key`);
      secrets.set(p.id, {
        shareKey: pairKey(shared, LABEL_SHARE_KEY, this.round, this.id, p.id),
        maskSeed: pairKey(masking, LABEL_PAIR_MASK, this.round, this.id, p.id),
      });
      wipe(shared);
      wipe(masking);
    }
    const b = this.entropy.bytes(32);
    const [bShares, sShares] = await Promise.all([
      splitSecret(b, holders, this.threshold),
      splitSecret(s.secretKey, holders, this.threshold),
    ]);
    const list: Sealed[] = peers.map((p, i) => {
      const plain = new Uint8Array(PLAINTEXT_BYTES);
      plain.set(bShares[i + 1], 0);
      plain.set(sShares[i + 1], SHARE_BYTES);
      const ct = encrypt(secrets.get(p.id)!.shareKey, this.entropy.bytes(12), shareAad(this.round, this.id, p.id), plain);
      wipe(plain);
      wipe(bShares[i + 1]);
      wipe(sShares[i + 1]);
      return { id: p.id, ciphertext: ct };
    });
    const out = writeShareKeys(this.round, this.id, list);
    this.peers = new Map(peers.map((p) => [p.id, p]));
    this.secrets = secrets;
    this.selfSeed = b;
    this.held = new Map([[this.id, { b: bShares[0], s: sShares[0] }]]);
    this.next = 2;
    return out;
  }

  // ---- stage 2 -----------------------------------------------------------------------------------

  private maskedInput(body: Uint8Array): Uint8Array {
    const list = readMaskedInputRequest(WHO, body);
    for (const e of list)
      if (!this.peers.has(e.id)) throw new SecAggError(`${WHO}: MaskedInputRequest carries shares from client ${e.id}, which is not a neighbour of client ${this.id}`);
    this.need(list.length + 1, 'neighbours that shared their keys (with the client)');
    if (this.input === undefined)
      throw new SecAggError(`SecAggClient.respond: client ${this.id} has no input for round ${this.round}; pass options.input or call setInput() before the masked-input stage`);
    // decrypt and check every ciphertext before computing anything
    const got = new Map<number, Held>();
    for (const e of list) {
      const plain = decrypt(this.secrets.get(e.id)!.shareKey, shareAad(this.round, e.id, this.id), e.ciphertext);
      if (plain === null) {
        for (const h of got.values()) wipe(h.b), wipe(h.s);
        throw new SecAggError(`${WHO}: the shares from client ${e.id} do not authenticate (AES-GCM tag check failed: corrupted, or not meant for client ${this.id} in round ${this.round})`);
      }
      got.set(e.id, { b: plain.slice(0, SHARE_BYTES), s: plain.slice(SHARE_BYTES) });
      wipe(plain);
    }
    const y = this.input.slice();
    const selfKey = derive(this.selfSeed!, LABEL_SELF_MASK, this.round, this.id, this.id);
    applyMask(y, selfKey, this.round, MASK_SELF, false);
    wipe(selfKey);
    for (const e of list) applyMask(y, this.secrets.get(e.id)!.maskSeed, this.round, MASK_PAIR, e.id > this.id);
    // the masks cover the concatenated vector; the body is a kind-5 update with the round's layout
    const dense = this.positionsId === 0;
    let at = 0;
    const layers = this.layers.map((l) => {
      const values = y.subarray(at, at + l.length);
      at += l.length;
      return dense ? { name: l.name, shape: [l.length], values } : { name: l.name, values };
    });
    const update = encodeIntegerUpdate({ round: this.round, positionsId: this.positionsId, layers });
    const out = writeMaskedInput(this.round, this.id, update);
    for (const [id, h] of got) this.held.set(id, h);
    wipe(this.selfSeed);
    this.selfSeed = null;
    for (const k of this.secrets.values()) wipe(k.shareKey), wipe(k.maskSeed);
    this.secrets.clear();
    this.input.fill(0);
    this.input = undefined;
    this.next = 3;
    return out;
  }

  // ---- stage 3 -----------------------------------------------------------------------------------

  private unmask(body: Uint8Array): Uint8Array {
    const req = readUnmaskRequest(WHO, body);
    const asked = new Set<number>();
    for (const [list, kind] of [[req.survived, 'b'], [req.dropped, 's']] as const) {
      for (const v of list) {
        if (v === this.id)
          throw new SecAggError(
            `${WHO}: UnmaskRequest lists client ${this.id} itself as ${kind === 'b' ? 'a survivor' : 'dropped'}; it sent its masked input and is implicitly a survivor`,
          );
        if (!this.held.has(v)) throw new SecAggError(`${WHO}: UnmaskRequest names client ${v}, whose shares client ${this.id} does not hold`);
        if (asked.has(v))
          throw new SecAggError(`${WHO}: UnmaskRequest lists client ${v} both as a survivor and as dropped; refusing to reveal both of its shares`);
        asked.add(v);
        const before = this.revealed.get(v);
        if (before !== undefined && before !== kind)
          throw new SecAggError(
            `${WHO}: UnmaskRequest asks client ${this.id} for client ${v}'s ${kind === 'b' ? 'self-mask (b) share' : 'masking-key (s_sk) share'}, but it already revealed its ${before === 'b' ? 'self-mask (b)' : 'masking-key (s_sk)'} share; an honest client never reveals both`,
          );
      }
    }
    this.need(req.survived.length + 1, 'survivors in its neighbourhood (with the client)');
    const selfMaskShares: RevealedShare[] = [];
    for (const v of [...req.survived, this.id].sort((a, b) => a - b)) selfMaskShares.push({ id: v, share: this.held.get(v)!.b });
    const keyShares: RevealedShare[] = req.dropped.map((v) => ({ id: v, share: this.held.get(v)!.s }));
    const out = writeUnmask(this.round, this.id, { selfMaskShares, keyShares });
    this.revealed.set(this.id, 'b');
    for (const v of req.survived) this.revealed.set(v, 'b');
    for (const v of req.dropped) this.revealed.set(v, 's');
    return out;
  }
}
