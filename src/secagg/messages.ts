/**
 * The secure-aggregation wire format (SPEC §12; docs/SECAGG.md, "Messages"): one frame for every
 * message, and one writer and one validating reader per body. Integers are little-endian.
 *
 *   offset  bytes  field
 *   0       4      magic "DGSA" (44 47 53 41)
 *   4       1      version (1)
 *   5       1      kind (Kind below; the stage is (kind - 1) >> 1)
 *   6       2      reserved, 0
 *   8       4      round (uint32)
 *   12      4      sender id (uint32; the server is SERVER_ID = 0xffffffff)
 *   16      4      receiver id (uint32)
 *   20      4      body length B
 *   24      B      body (per kind)
 *   24 + B  4      CRC-32 (IEEE, the `crc32` kernel) of bytes [0, 24 + B)
 *
 * Readers check everything (length, magic, version, reserved, kind, CRC, then every count and id
 * of the body) and return plain values; nothing is applied by this file. Every problem is a
 * SecAggError naming the field and the value it had (never a secret: bodies carry public keys,
 * ciphertexts and, in Unmask, shares the receiver is meant to see).
 */
import { kernelsFor } from '../backend';
import { getU32, putU32 } from '../fl/codec';
import { SecAggError } from '../errors';

export const MAGIC = Uint8Array.from([0x44, 0x47, 0x53, 0x41]); // "DGSA"
export const VERSION = 1;
export const HEADER_BYTES = 24;
export const TRAILER_BYTES = 4;
/** The server's id in frames and associated data; no client may have it. */
export const SERVER_ID = 0xffffffff;
/** X25519 public and secret keys. */
export const KEY_BYTES = 32;
/** A Shamir share of a 32-byte secret: 32 bytes and its x-coordinate (shamir-secret-sharing's layout). */
export const SHARE_BYTES = 33;
/** AES-256-GCM nonce, tag, and the encrypted pair of shares [b-share | s_sk-share]. */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const PLAINTEXT_BYTES = 2 * SHARE_BYTES;
export const CIPHERTEXT_BYTES = NONCE_BYTES + PLAINTEXT_BYTES + TAG_BYTES; // 94

/** Message kinds: odd from the server, even from a client; stage = (kind - 1) >> 1. */
export enum Kind {
  RoundStart = 1,
  AdvertiseKeys = 2,
  ShareKeysRequest = 3,
  ShareKeys = 4,
  MaskedInputRequest = 5,
  MaskedInput = 6,
  UnmaskRequest = 7,
  Unmask = 8,
}

export const KIND_NAMES: Record<number, string> = {
  1: 'RoundStart', 2: 'AdvertiseKeys', 3: 'ShareKeysRequest', 4: 'ShareKeys',
  5: 'MaskedInputRequest', 6: 'MaskedInput', 7: 'UnmaskRequest', 8: 'Unmask',
};

/** Stage names, index = stage number. */
export const STAGE_NAMES = ['advertise-keys', 'share-keys', 'masked-input', 'unmasking'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const stageOf = (kind: number): number => (kind - 1) >> 1;


/** A frame read and checked by readFrame; `body` is a view into the message. */
export interface Frame {
  kind: Kind;
  round: number;
  sender: number;
  receiver: number;
  body: Uint8Array;
}

const crc = (bytes: Uint8Array, end: number): number => kernelsFor(end).crc32(bytes, 0, end) >>> 0;

/** A frame with its header written and a zero body of `bodyLength` bytes at HEADER_BYTES (4-aligned); seal() it when filled. */
export function newFrame(kind: Kind, round: number, sender: number, receiver: number, bodyLength: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + bodyLength + TRAILER_BYTES);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = kind;
  putU32(out, 8, round);
  putU32(out, 12, sender);
  putU32(out, 16, receiver);
  putU32(out, 20, bodyLength);
  return out;
}

/** Writes the CRC-32 trailer; returns the frame. */
export function seal(frame: Uint8Array): Uint8Array {
  const end = frame.length - TRAILER_BYTES;
  putU32(frame, end, crc(frame, end));
  return frame;
}

/**
 * Reads and checks a frame's envelope: its type, length, magic, version, reserved bytes, kind and
 * CRC-32. `who` names the caller in errors ("SecAggServer.receive").
 */
export function readFrame(who: string, bytes: unknown): Frame {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${who}: a message must be a Uint8Array, got ${describeShort(bytes)}`);
  const n = bytes.length;
  if (n < HEADER_BYTES + TRAILER_BYTES)
    throw new SecAggError(`${who}: truncated message: ${n} bytes, shorter than the ${HEADER_BYTES + TRAILER_BYTES}-byte frame`);
  for (let i = 0; i < 4; i++)
    if (bytes[i] !== MAGIC[i]) throw new SecAggError(`${who}: not a secure-aggregation message: magic byte ${i} is ${bytes[i]}, want ${MAGIC[i]}`);
  if (bytes[4] !== VERSION) throw new SecAggError(`${who}: unsupported message version ${bytes[4]} (this build reads version ${VERSION})`);
  const reserved = bytes[6] | (bytes[7] << 8);
  if (reserved !== 0) throw new SecAggError(`${who}: reserved header bytes 6-7 must be 0, got ${reserved}`);
  const bodyLength = getU32(bytes, 20);
  if (bodyLength !== n - HEADER_BYTES - TRAILER_BYTES)
    throw new SecAggError(
      `${who}: message length ${n} does not match its body length field ${bodyLength} (want ${bodyLength + HEADER_BYTES + TRAILER_BYTES} bytes): truncated or padded`,
    );
  const end = n - TRAILER_BYTES;
  const want = crc(bytes, end);
  const got = getU32(bytes, end);
  if (got !== want) throw new SecAggError(`${who}: CRC-32 mismatch: the message says 0x${hex32(got)}, its bytes give 0x${hex32(want)} (corrupted)`);
  const kind = bytes[5];
  if (!(kind >= Kind.RoundStart && kind <= Kind.Unmask)) throw new SecAggError(`${who}: unknown message kind ${kind}`);
  return {
    kind,
    round: getU32(bytes, 8),
    sender: getU32(bytes, 12),
    receiver: getU32(bytes, 16),
    body: bytes.subarray(HEADER_BYTES, end),
  };
}

const hex32 = (v: number): string => v.toString(16).padStart(8, '0');

function describeShort(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `a ${(v as object).constructor?.name ?? 'typed array'}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** Sequential reader of a body; every overrun or leftover is a SecAggError naming the kind and offset. */
class BodyReader {
  at = 0;
  constructor(private readonly who: string, private readonly kind: Kind, private readonly b: Uint8Array) {}

  private need(n: number, what: string): void {
    if (this.at + n > this.b.length)
      throw new SecAggError(`${this.who}: ${KIND_NAMES[this.kind]} body truncated at byte ${this.at} reading ${what} (${this.b.length} bytes in all)`);
  }

  u32(what: string): number {
    this.need(4, what);
    const v = getU32(this.b, this.at);
    this.at += 4;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.b.slice(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** A count of entries of `entryBytes` each, checked against the bytes left before allocating. */
  count(entryBytes: number, what: string): number {
    const c = this.u32(what);
    if (c * entryBytes > this.b.length - this.at)
      throw new SecAggError(`${this.who}: ${KIND_NAMES[this.kind]} says ${c} ${what}, more than its ${this.b.length - this.at} remaining bytes hold`);
    return c;
  }

  /** A strictly ascending client id, not SERVER_ID; `prev` is the previous id or -1. */
  id(prev: number, what: string): number {
    const at = this.at;
    const id = this.u32(what);
    if (id === SERVER_ID) throw new SecAggError(`${this.who}: ${KIND_NAMES[this.kind]} lists the server id ${id} as ${what} (byte ${at})`);
    if (id <= prev) throw new SecAggError(`${this.who}: ${KIND_NAMES[this.kind]} ${what} ids must ascend: ${id} after ${prev} (byte ${at})`);
    return id;
  }

  /**
   * A list: its count, then per entry a strictly ascending id (`owner`) and fixed-size byte fields
   * (`fields`: bytes and name of each), made into T by `make`.
   */
  entries<T>(what: string, owner: string, fields: ReadonlyArray<readonly [number, string]>, make: (id: number, values: Uint8Array[]) => T): T[] {
    const m = this.count(4 + fields.reduce((t, [n]) => t + n, 0), `${what}s`);
    const out: T[] = [];
    let prev = -1;
    for (let i = 0; i < m; i++) {
      const id = (prev = this.id(prev, owner));
      out.push(make(id, fields.map(([n, name]) => this.bytes(n, name))));
    }
    return out;
  }

  end(): void {
    if (this.at !== this.b.length)
      throw new SecAggError(`${this.who}: ${KIND_NAMES[this.kind]} body has ${this.b.length - this.at} trailing bytes after byte ${this.at}`);
  }
}

// ---- bodies ------------------------------------------------------------------------------------

/** RoundStart (server -> client): the round's public parameters. */
export interface RoundStart {
  /** Values per input (L). */
  length: number;
  /** Shares needed to reconstruct a secret (t), per neighbourhood. */
  threshold: number;
  /** Clients invited to the round. */
  clients: number;
  /** Neighbours per client (k; 0: everyone, the complete graph). */
  neighbours: number;
  /** The public seed of the neighbour graph's permutation (docs/SECAGG.md, "Neighbour graph"). */
  graphSeed: Uint8Array;
}
export const ROUND_START_BYTES = 16 + 32;

export function writeRoundStart(round: number, receiver: number, p: RoundStart): Uint8Array {
  const f = newFrame(Kind.RoundStart, round, SERVER_ID, receiver, ROUND_START_BYTES);
  putU32(f, HEADER_BYTES, p.length);
  putU32(f, HEADER_BYTES + 4, p.threshold);
  putU32(f, HEADER_BYTES + 8, p.clients);
  putU32(f, HEADER_BYTES + 12, p.neighbours);
  f.set(p.graphSeed, HEADER_BYTES + 16);
  return seal(f);
}

export function readRoundStart(who: string, body: Uint8Array): RoundStart {
  const r = new BodyReader(who, Kind.RoundStart, body);
  const p = { length: r.u32('length'), threshold: r.u32('threshold'), clients: r.u32('clients'), neighbours: r.u32('neighbours'), graphSeed: r.bytes(32, 'graph seed') };
  r.end();
  return p;
}

/** AdvertiseKeys (client -> server): the encryption (c) and masking (s) X25519 public keys. */
export interface PublicKeys {
  c: Uint8Array;
  s: Uint8Array;
}

export function writeAdvertiseKeys(round: number, sender: number, keys: PublicKeys): Uint8Array {
  const f = newFrame(Kind.AdvertiseKeys, round, sender, SERVER_ID, 2 * KEY_BYTES);
  f.set(keys.c, HEADER_BYTES);
  f.set(keys.s, HEADER_BYTES + KEY_BYTES);
  return seal(f);
}

export function readAdvertiseKeys(who: string, body: Uint8Array): PublicKeys {
  const r = new BodyReader(who, Kind.AdvertiseKeys, body);
  const keys = { c: r.bytes(KEY_BYTES, 'encryption public key'), s: r.bytes(KEY_BYTES, 'masking public key') };
  r.end();
  return keys;
}

/** The bytes of a list of `count` entries, each an id and `fieldBytes` bytes of fields, with its count. */
const listBytes = (count: number, fieldBytes: number): number => 4 + (4 + fieldBytes) * count;

/**
 * Writes a list at f[at]: its count, then per entry its id and its byte fields, each `fieldBytes`
 * long and written at its fixed offset (BodyReader.entries reads it back); returns the offset after.
 */
function putEntries<T extends { id: number }>(f: Uint8Array, at: number, list: readonly T[], fieldBytes: readonly number[], fields: (e: T) => readonly Uint8Array[]): number {
  putU32(f, at, list.length);
  at += 4;
  for (const e of list) {
    putU32(f, at, e.id);
    at += 4;
    const values = fields(e);
    for (let k = 0; k < fieldBytes.length; k++) {
      f.set(values[k], at);
      at += fieldBytes[k];
    }
  }
  return at;
}

/** ShareKeysRequest (server -> client): the receiver's neighbours and their public keys, ids ascending. */
export interface PeerKeys extends PublicKeys {
  id: number;
}

export function writeShareKeysRequest(round: number, receiver: number, peers: readonly PeerKeys[]): Uint8Array {
  const f = newFrame(Kind.ShareKeysRequest, round, SERVER_ID, receiver, listBytes(peers.length, 2 * KEY_BYTES));
  putEntries(f, HEADER_BYTES, peers, [KEY_BYTES, KEY_BYTES], (p) => [p.c, p.s]);
  return seal(f);
}

export function readShareKeysRequest(who: string, body: Uint8Array): PeerKeys[] {
  const r = new BodyReader(who, Kind.ShareKeysRequest, body);
  const out = r.entries('neighbour', 'neighbour', [[KEY_BYTES, 'encryption public key'], [KEY_BYTES, 'masking public key']], (id, [c, s]) => ({ id, c, s }));
  r.end();
  return out;
}

/** An encrypted pair of shares with its peer: the receiver (ShareKeys) or the sender (MaskedInputRequest). */
export interface Sealed {
  id: number;
  ciphertext: Uint8Array;
}

function writeSealedList(kind: Kind, round: number, sender: number, receiver: number, list: readonly Sealed[]): Uint8Array {
  const f = newFrame(kind, round, sender, receiver, listBytes(list.length, CIPHERTEXT_BYTES));
  putEntries(f, HEADER_BYTES, list, [CIPHERTEXT_BYTES], (e) => [e.ciphertext]);
  return seal(f);
}

function readSealedList(who: string, kind: Kind, body: Uint8Array, what: string): Sealed[] {
  const r = new BodyReader(who, kind, body);
  const out = r.entries(what, what, [[CIPHERTEXT_BYTES, 'ciphertext']], (id, [ciphertext]) => ({ id, ciphertext }));
  r.end();
  return out;
}

/** ShareKeys (client -> server): one ciphertext per neighbour (id = its receiver), ids ascending. */
export const writeShareKeys = (round: number, sender: number, list: readonly Sealed[]): Uint8Array =>
  writeSealedList(Kind.ShareKeys, round, sender, SERVER_ID, list);
export const readShareKeys = (who: string, body: Uint8Array): Sealed[] => readSealedList(who, Kind.ShareKeys, body, 'receiver');

/** MaskedInputRequest (server -> client): the ciphertexts addressed to the receiver (id = their sender), ids ascending. */
export const writeMaskedInputRequest = (round: number, receiver: number, list: readonly Sealed[]): Uint8Array =>
  writeSealedList(Kind.MaskedInputRequest, round, SERVER_ID, receiver, list);
export const readMaskedInputRequest = (who: string, body: Uint8Array): Sealed[] => readSealedList(who, Kind.MaskedInputRequest, body, 'sender');

/**
 * MaskedInput (client -> server): the body is a kind-5 integer update (docs/FORMAT.md, made by
 * encodeIntegerUpdate) carrying the round's layout and the masked values; framed and sealed here.
 */
export function writeMaskedInput(round: number, sender: number, integerUpdate: Uint8Array): Uint8Array {
  const f = newFrame(Kind.MaskedInput, round, sender, SERVER_ID, integerUpdate.length);
  f.set(integerUpdate, HEADER_BYTES);
  return seal(f);
}

/** UnmaskRequest (server -> client): the receiver's neighbours that sent a masked input, and those that did not. */
export interface UnmaskRequest {
  survived: number[];
  dropped: number[];
}

export function writeUnmaskRequest(round: number, receiver: number, req: UnmaskRequest): Uint8Array {
  const f = newFrame(Kind.UnmaskRequest, round, SERVER_ID, receiver, listBytes(req.survived.length, 0) + listBytes(req.dropped.length, 0));
  let at = HEADER_BYTES;
  for (const list of [req.survived, req.dropped]) at = putEntries(f, at, list.map((id) => ({ id })), [], () => []);
  return seal(f);
}

export function readUnmaskRequest(who: string, body: Uint8Array): UnmaskRequest {
  const r = new BodyReader(who, Kind.UnmaskRequest, body);
  const [survived, dropped] = ['survivor', 'dropped client'].map((what) => r.entries(what, what, [], (id) => id));
  r.end();
  return { survived, dropped };
}

/** A revealed share with the id of the client whose secret it is a share of. */
export interface RevealedShare {
  id: number;
  share: Uint8Array;
}

/** Unmask (client -> server): b-shares of the survivors (the sender included), then s_sk-shares of the dropped, ids ascending. */
export interface Unmask {
  selfMaskShares: RevealedShare[];
  keyShares: RevealedShare[];
}

export function writeUnmask(round: number, sender: number, u: Unmask): Uint8Array {
  const f = newFrame(Kind.Unmask, round, sender, SERVER_ID, listBytes(u.selfMaskShares.length, SHARE_BYTES) + listBytes(u.keyShares.length, SHARE_BYTES));
  let at = HEADER_BYTES;
  for (const list of [u.selfMaskShares, u.keyShares]) at = putEntries(f, at, list, [SHARE_BYTES], (e) => [e.share]);
  return seal(f);
}

export function readUnmask(who: string, body: Uint8Array): Unmask {
  const r = new BodyReader(who, Kind.Unmask, body);
  const [selfMaskShares, keyShares] = ['self-mask share', 'key share'].map((what) =>
    r.entries(what, `${what} owner`, [[SHARE_BYTES, what]], (id, [share]): RevealedShare => ({ id, share })));
  r.end();
  return { selfMaskShares, keyShares };
}

/** The associated data of a share ciphertext: magic, version, kind ShareKeys (4), round, sender, receiver (18 bytes). */
export function shareAad(round: number, sender: number, receiver: number): Uint8Array {
  const a = new Uint8Array(18);
  a.set(MAGIC, 0);
  a[4] = VERSION;
  a[5] = Kind.ShareKeys;
  putU32(a, 6, round);
  putU32(a, 10, sender);
  putU32(a, 14, receiver);
  return a;
}

