/**
 * Hostile, replayed, out-of-round and out-of-stage messages (SPEC §12 "a malformed or replayed
 * message is a clear error that changes no state"): every one is a SecAggError (TypeError for a
 * non-Uint8Array), and after each the round still completes with the exact sum.
 */
import { SecAggError } from '../../src/errors';
import { SecAggClient, SecAggServer } from '../../src/secagg';
import { encodeIntegerUpdate } from '../../src/fl/integer';
import {
  seal, newFrame, writeUnmaskRequest, writeUnmask, writeShareKeysRequest, writeMaskedInput, Kind, HEADER_BYTES, SERVER_ID,
} from '../../src/secagg/messages';
import { mulberry32 } from '../../shared-dev/seeded';
import { setup, expectedSum, RoundSetup } from './harness';

const L = 24;

/** Every way we break a message: bit flips anywhere, truncations, padding, a stale CRC. */
function corruptions(msg: Uint8Array, seed: number): Array<[string, Uint8Array]> {
  const next = mulberry32(seed);
  const out: Array<[string, Uint8Array]> = [];
  for (const at of [0, 4, 5, 6, 9, 13, 17, 21, HEADER_BYTES, msg.length - 5, msg.length - 1, next() % msg.length, next() % msg.length]) {
    const m = msg.slice();
    m[at] ^= 1 << next() % 8;
    out.push([`bit flip at byte ${at}`, m]);
  }
  out.push(['truncated by one byte', msg.slice(0, msg.length - 1)]);
  out.push(['truncated to the header', msg.slice(0, HEADER_BYTES)]);
  out.push(['empty', new Uint8Array(0)]);
  out.push(['one byte of padding', Uint8Array.from([...msg, 0])]);
  const body = msg.slice();
  body[HEADER_BYTES + 1] ^= 0x40; // body changed, CRC kept
  out.push(['body changed, CRC kept', body]);
  const crc = msg.slice();
  crc[crc.length - 1] ^= 0x80;
  out.push(['wrong CRC', crc]);
  // a well-formed frame (CRC recomputed) with a different version
  const v = msg.slice();
  v[4] = 2;
  out.push(['version 2, CRC recomputed', seal(v)]);
  // a well-formed frame whose body length field lies
  const len = msg.slice(0, msg.length - 8);
  len[20] = (len.length - HEADER_BYTES) & 0xff;
  len[21] = ((len.length - HEADER_BYTES) >>> 8) & 0xff;
  len[22] = ((len.length - HEADER_BYTES) >>> 16) & 0xff;
  len[23] = 0;
  out.push(['body cut, length field and CRC recomputed', seal(Uint8Array.from([...len, 0, 0, 0, 0]))]);
  return out;
}

function snapshot(server: SecAggServer): string {
  return JSON.stringify({ stage: server.stage, answered: server.answered(), messages: [...server.messages()].map(([id, m]) => [id, Buffer.from(m).toString('hex')]) });
}

async function answersOf(r: RoundSetup): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  for (const [id, msg] of r.server.messages()) out.set(id, await r.clients.get(id)!.respond(msg));
  return out;
}

describe('the server refuses hostile answers and changes nothing', () => {
  test('corrupted, truncated, padded answers at every stage; then the genuine ones complete the round', async () => {
    const r = setup({ round: 11, length: L, threshold: 3, clients: 4 }, 40);
    let earlier: Map<number, Uint8Array> | null = null;
    for (let stage = 0; stage < 4; stage++) {
      const answers = await answersOf(r);
      const [first, good] = [...answers][0];
      for (const [what, bad] of corruptions(good, stage)) {
        const before = snapshot(r.server);
        expect(() => r.server.receive(bad)).toThrow(SecAggError);
        expect({ what, after: snapshot(r.server) }).toEqual({ what, after: before });
      }
      expect(() => r.server.receive(Array.from(good) as unknown as Uint8Array)).toThrow(TypeError);
      if (earlier) {
        // an answer of the previous stage, replayed now
        const before = snapshot(r.server);
        expect(() => r.server.receive(earlier!.get(first)!)).toThrow(/replayed or late/);
        expect(snapshot(r.server)).toEqual(before);
      }
      for (const a of answers.values()) r.server.receive(a);
      // the same answer again: a duplicate
      const before = snapshot(r.server);
      expect(() => r.server.receive(good)).toThrow(/second .* from client 0 \(replayed or duplicated\)/);
      expect(snapshot(r.server)).toEqual(before);
      earlier = answers;
      await r.server.advance();
    }
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2, 3], L)));
    expect(() => r.server.receive(earlier!.get(0)!)).toThrow(/done/);
  });

  test('answers of another round, from an uninvited or dropped client, or addressed elsewhere', async () => {
    const r = setup({ round: 5, length: L, threshold: 2, clients: 3 }, 41);
    const other = setup({ round: 6, length: L, threshold: 2, clients: 3 }, 42);
    const wrongRound = await other.clients.get(0)!.respond(other.server.messages().get(0)!);
    expect(() => r.server.receive(wrongRound)).toThrow(/round 6, but this server runs round 5/);
    const stranger = new SecAggClient({ id: 9, round: 5, length: L, unsafeSeed: 1 });
    const forStranger = new SecAggServer({ round: 5, length: L, threshold: 2, clients: [0, 9], unsafeSeed: 3 });
    const fromStranger = await stranger.respond(forStranger.messages().get(9)!);
    expect(() => r.server.receive(fromStranger)).toThrow(/client 9 was not asked/);
    // a request (server kind) sent to the server
    expect(() => r.server.receive(r.server.messages().get(0)!)).toThrow(/server's request/);
    // stage 0 with client 2 dropping; its late answer in stage 1 is refused
    const late = await r.clients.get(2)!.respond(r.server.messages().get(2)!);
    for (const id of [0, 1]) r.server.receive(await r.clients.get(id)!.respond(r.server.messages().get(id)!));
    await r.server.advance();
    expect(() => r.server.receive(late)).toThrow(/replayed or late/);
    // a well-formed answer of a later stage now: out of stage
    const early = writeMaskedInput(5, 0, encodeIntegerUpdate({ round: 5, layers: [{ name: 'input', shape: [L], values: new Uint32Array(L) }] }));
    expect(() => r.server.receive(early)).toThrow(/stage masked-input, but the server is in stage share-keys/);
    for (let stage = 1; stage < 4; stage++) {
      for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
      await r.server.advance();
    }
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1], L)));
  });

  test('a ShareKeys answer for the wrong set of neighbours, and an Unmask revealing other shares than asked', async () => {
    const r = setup({ round: 8, length: L, threshold: 2, clients: 3 }, 43);
    for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
    await r.server.advance();
    // client 0 answers a (forged) request naming only client 1
    const keysOf1 = r.server.messages().get(2)!; // lists clients 0 and 1 with their keys
    const { readFrame, readShareKeysRequest } = await import('../../src/secagg/messages');
    const peers = readShareKeysRequest('t', readFrame('t', keysOf1).body).filter((p) => p.id === 1);
    const shadow = new SecAggClient({ id: 0, round: 8, length: L, unsafeSeed: 43 * 100003 });
    await shadow.respond(setup({ round: 8, length: L, threshold: 2, clients: 3 }, 43).server.messages().get(0)!);
    const partial = await shadow.respond(writeShareKeysRequest(8, 0, peers));
    expect(() => r.server.receive(partial)).toThrow(/is for clients \[1\], but it was asked for \[1, 2\]/);
    for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
    await r.server.advance();
    for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
    await r.server.advance();
    const answers = await answersOf(r);
    // an Unmask that reveals client 2's key share instead of its self-mask share: not what was asked
    const share = new Uint8Array(33).fill(5);
    const wrong = writeUnmask(8, 0, { selfMaskShares: [{ id: 0, share }, { id: 1, share }], keyShares: [{ id: 2, share }] });
    expect(() => r.server.receive(wrong)).toThrow(/reveals shares for \[0, 1\] and \[2\], but it was asked for \[0, 1, 2\] and \[\]/);
    for (const a of answers.values()) r.server.receive(a);
    await r.server.advance();
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });
});

describe('the client refuses hostile requests and changes nothing', () => {
  test('corrupted requests at every stage, replays and other rounds; then the genuine ones complete the round', async () => {
    const r = setup({ round: 12, length: L, threshold: 2, clients: 3 }, 44);
    const c = r.clients.get(1)!;
    const past: Uint8Array[] = [];
    for (let stage = 0; stage < 4; stage++) {
      const msgs = r.server.messages();
      const good = msgs.get(1)!;
      for (const [what, bad] of corruptions(good, 100 + stage)) {
        await expect(c.respond(bad).then(() => what)).rejects.toThrow(SecAggError);
        expect(c.stage).toBe(['advertise-keys', 'share-keys', 'masked-input', 'unmasking'][stage]);
      }
      await expect(c.respond(msgs.get(0)!)).rejects.toThrow(/message for client 0, but this is client 1/);
      for (const old of past) await expect(c.respond(old)).rejects.toThrow(/out of stage.*\(replayed\)/);
      if (stage < 3) {
        // a well-formed request of the next stage, too early
        const early = seal(newFrame(Kind.UnmaskRequest, 12, SERVER_ID, 1, 8));
        await expect(c.respond(early)).rejects.toThrow(/out of stage/);
      }
      const wrongRound = good.slice();
      wrongRound[8] ^= 1;
      await expect(c.respond(seal(wrongRound))).rejects.toThrow(/round 13, but client 1 is in round 12/);
      for (const [id, msg] of msgs) r.server.receive(await r.clients.get(id)!.respond(msg));
      past.push(good);
      await r.server.advance();
    }
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });

  test('a share ciphertext that does not authenticate (CRC recomputed) is refused before any mask is computed', async () => {
    const r = setup({ round: 13, length: L, threshold: 2, clients: 3 }, 45);
    for (let stage = 0; stage < 2; stage++) {
      for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
      await r.server.advance();
    }
    const good = r.server.messages().get(2)!;
    for (const at of [HEADER_BYTES + 4 + 4 + 3, HEADER_BYTES + 4 + 4 + 20, HEADER_BYTES + 4 + 4 + 93]) {
      const bad = good.slice();
      bad[at] ^= 0x10;
      await expect(r.clients.get(2)!.respond(seal(bad))).rejects.toThrow(/do not authenticate/);
      expect(r.clients.get(2)!.stage).toBe('masked-input');
    }
    // a ciphertext moved to another receiver does not authenticate either (associated data binds the ids)
    const moved = r.server.messages().get(0)!.slice();
    moved[16] = 2;
    await expect(r.clients.get(2)!.respond(seal(moved))).rejects.toThrow(SecAggError);
    for (let stage = 2; stage < 4; stage++) {
      for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
      await r.server.advance();
    }
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });
});

describe('an honest client never reveals both shares of one peer', () => {
  async function toUnmasking(seed: number): Promise<RoundSetup> {
    const r = setup({ round: 21, length: L, threshold: 2, clients: 4 }, seed);
    for (let stage = 0; stage < 3; stage++) {
      for (const [id, msg] of r.server.messages()) if (!(stage === 2 && id === 3)) r.server.receive(await r.clients.get(id)!.respond(msg));
      await r.server.advance();
    }
    return r; // client 3 dropped at the masked-input stage
  }

  test('asked again with a survivor now called dropped: refused, and the first answer can still be given', async () => {
    const r = await toUnmasking(50);
    const c = r.clients.get(0)!;
    const genuine = r.server.messages().get(0)!;
    const first = await c.respond(genuine);
    await expect(c.respond(writeUnmaskRequest(21, 0, { survived: [2], dropped: [1, 3] }))).rejects.toThrow(
      /client 1's masking-key \(s_sk\) share, but it already revealed its self-mask \(b\) share; an honest client never reveals both/,
    );
    await expect(c.respond(writeUnmaskRequest(21, 0, { survived: [1, 2, 3], dropped: [] }))).rejects.toThrow(
      /client 3's self-mask \(b\) share, but it already revealed its masking-key \(s_sk\) share/,
    );
    // the same request again (a server that lost the answer) gets the same answer
    expect(Buffer.from(await c.respond(genuine)).equals(Buffer.from(first))).toBe(true);
    r.server.receive(first);
    for (const [id, msg] of r.server.messages()) if (id !== 0) r.server.receive(await r.clients.get(id)!.respond(msg));
    await r.server.advance();
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });

  test('one request naming a peer as both survivor and dropped, or the client itself as dropped, is refused', async () => {
    const r = await toUnmasking(51);
    const c = r.clients.get(1)!;
    await expect(c.respond(writeUnmaskRequest(21, 1, { survived: [0, 2, 3], dropped: [3] }))).rejects.toThrow(/both as a survivor and as dropped/);
    await expect(c.respond(writeUnmaskRequest(21, 1, { survived: [0, 2], dropped: [1, 3] }))).rejects.toThrow(/lists client 1 itself as dropped/);
    await expect(c.respond(writeUnmaskRequest(21, 1, { survived: [0, 2, 7], dropped: [] }))).rejects.toThrow(/client 7, whose shares client 1 does not hold/);
    await expect(c.respond(writeUnmaskRequest(21, 1, { survived: [], dropped: [0, 2, 3] }))).rejects.toThrow(/fewer than the threshold 2/);
    // nothing was revealed by the refusals: the genuine request (2 survived, 3 dropped) is answered
    r.server.receive(await c.respond(r.server.messages().get(1)!));
  });
});

describe('requests an honest client must refuse before making any secret', () => {
  test('a small-order public key for a neighbour, and a concurrent second call', async () => {
    const r = setup({ round: 30, length: L, threshold: 2, clients: 3 }, 52);
    for (const [id, msg] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(msg));
    await r.server.advance();
    const c = r.clients.get(0)!;
    const zero = new Uint8Array(32); // the identity: X25519 gives all zeros
    const bad = writeShareKeysRequest(30, 0, [{ id: 1, c: zero, s: new Uint8Array(32).fill(9) }, { id: 2, c: new Uint8Array(32).fill(9), s: zero }]);
    await expect(c.respond(bad)).rejects.toThrow(/client 1's encryption public key is not a usable X25519 public key/);
    expect(c.stage).toBe('share-keys');
    // two answers at once: the second is refused while the first runs
    const msg = r.server.messages().get(0)!;
    const first = c.respond(msg);
    await expect(c.respond(msg)).rejects.toThrow(/still answering the previous message/);
    r.server.receive(await first);
    for (const [id, m] of r.server.messages()) if (id !== 0) r.server.receive(await r.clients.get(id)!.respond(m));
    await r.server.advance();
    for (let stage = 2; stage < 4; stage++) {
      for (const [id, m] of r.server.messages()) r.server.receive(await r.clients.get(id)!.respond(m));
      await r.server.advance();
    }
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });

  test('the server refuses a client advertising one key for both uses', async () => {
    const r = setup({ round: 31, length: L, threshold: 2, clients: 3 }, 53);
    const a = await r.clients.get(0)!.respond(r.server.messages().get(0)!);
    const same = a.slice();
    same.copyWithin(HEADER_BYTES + 32, HEADER_BYTES, HEADER_BYTES + 32);
    expect(() => r.server.receive(seal(same))).toThrow(/same public key for encryption and masking/);
    expect(r.server.answered()).toEqual([]);
    r.server.receive(a);
    expect(r.server.answered()).toEqual([0]);
  });
});
