/**
 * Secure aggregation end to end (SPEC §12; docs/SECAGG.md): the server's result is the exact sum
 * mod 2^32 of the surviving clients' inputs for 2 ... 200 clients, complete graph and SecAgg+
 * neighbour graph, with clients dropping out at every stage down to the threshold; fewer than
 * the threshold fails cleanly with nothing more revealed.
 */
import { SecAggError } from '../../src/errors';
import { SecAggServer, SecAggClient } from '../../src/secagg';
import { mulberry32 } from '../../shared-dev/seeded';
import { setup, exchange, runRound, expectedSum } from './harness';

/** `total` distinct clients of `ids`, spread at random over the four stages (seeded). */
function randomDrops(ids: readonly number[], total: number, seed: number): Array<Set<number>> {
  const next = mulberry32(seed);
  const pool = [...ids];
  const drops = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
  for (let i = 0; i < total; i++) {
    const j = next() % pool.length;
    drops[next() % 4].add(pool[j]);
    pool.splice(j, 1);
  }
  return drops;
}

const cases: Array<{ n: number; t: number; k?: number; length: number; drop: number }> = [
  { n: 2, t: 2, length: 50, drop: 0 },
  { n: 3, t: 2, length: 50, drop: 1 },
  { n: 10, t: 6, length: 200, drop: 4 },
  { n: 50, t: 9, k: 16, length: 100, drop: 8 }, // k + 1 - t = 8: every neighbourhood keeps t
  { n: 200, t: 5, k: 8, length: 64, drop: 4 }, // k + 1 - t = 4
];

describe('exact sums with dropouts down to the threshold', () => {
  for (const c of cases) {
    for (const seed of c.n >= 50 ? [1] : [1, 2, 3]) {
      test(`${c.n} clients, t = ${c.t}${c.k ? `, k = ${c.k}` : ', complete graph'}, ${c.drop} dropped (seed ${seed})`, async () => {
        const r = setup({ round: 7, length: c.length, threshold: c.t, clients: c.n, ...(c.k ? { neighbours: c.k } : {}) }, seed);
        const drops = randomDrops(r.server.clients, c.drop, seed * 31 + c.n);
        const sum = await runRound(r, drops);
        const gone = new Set([...drops[0], ...drops[1], ...drops[2]]);
        const want = r.server.clients.filter((id) => !gone.has(id));
        expect(r.server.survivors).toEqual(want);
        expect(r.server.stage).toBe('done');
        expect(Buffer.from(sum.buffer).equals(Buffer.from(expectedSum(r, want, c.length).buffer))).toBe(true);
      }, 120000);
    }
  }

  for (let stage = 0; stage < 4; stage++) {
    test(`10 clients, t = 4: six drop at stage ${stage}`, async () => {
      const r = setup({ round: 1, length: 33, threshold: 4, clients: 10 }, 10 + stage);
      const drops = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
      drops[stage] = new Set([0, 2, 3, 5, 8, 9]);
      const sum = await runRound(r, drops);
      const want = stage === 3 ? r.server.clients : [1, 4, 6, 7];
      expect(r.server.survivors).toEqual(want);
      expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, want, 33)));
    });
  }

  test('arbitrary client ids (not 0 ... n-1), neighbour graph', async () => {
    const ids = [5, 17, 99, 1000, 4242, 70000, 123456, 0xfffffffe, 3, 8];
    const r = setup({ round: 0xffffffff, length: 20, threshold: 3, clients: ids, neighbours: 4 }, 4);
    const sum = await runRound(r, [new Set([99]), new Set(), new Set([3]), new Set([8])]);
    const want = [...ids].sort((a, b) => a - b).filter((id) => id !== 99 && id !== 3);
    expect(r.server.survivors).toEqual(want);
    expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, want, 20)));
  });

  test('many dropouts on the neighbour graph: a client left with fewer than t is pruned before it shares; the sum is exact', async () => {
    const r = setup({ round: 2, length: 16, threshold: 5, clients: 60, neighbours: 16 }, 5);
    const u = 17;
    const stage0 = new Set(r.server.neighboursOf(u).slice(0, 13)); // u keeps 3 neighbours + itself = 4 < t
    await exchange(r, stage0);
    await r.server.advance();
    const asked = new Set(r.server.messages().keys());
    expect(asked.has(u)).toBe(false);
    for (const v of stage0) expect(asked.has(v)).toBe(false);
    expect(asked.size).toBeGreaterThan(30);
    for (const w of asked) expect(r.server.neighboursOf(w).filter((v) => asked.has(v)).length).toBeGreaterThanOrEqual(4);
    for (let stage = 1; stage < 4; stage++) {
      await exchange(r);
      await r.server.advance();
    }
    const want = [...asked].sort((a, b) => a - b);
    expect(r.server.survivors).toEqual(want);
    expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, want, 16)));
  });

  test('unsafe seeds absent: keys, seeds and nonces from the platform CSPRNG; still exact', async () => {
    const r = setup({ round: 9, length: 40, threshold: 3, clients: 4 }, 6, false);
    expect([...r.clients.values()].every((c) => !c.unsafe)).toBe(true);
    const sum = await runRound(r, [new Set(), new Set(), new Set([2]), new Set()]);
    expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, [0, 1, 3], 40)));
  });
});

describe('fewer than the threshold fails cleanly', () => {
  test.each([0, 1, 2])('too few answer stage %i: advance() throws, no further request exists', async (stage) => {
    const r = setup({ round: 3, length: 10, threshold: 3, clients: 5 }, 20 + stage);
    for (let s = 0; s < stage; s++) {
      await exchange(r);
      await r.server.advance();
    }
    await exchange(r, new Set([0, 1, 4]));
    await expect(r.server.advance()).rejects.toThrow(SecAggError);
    await expect(Promise.resolve().then(() => r.server.messages())).resolves.toEqual(new Map());
    expect(r.server.stage).toBe('failed');
    expect(() => r.server.result()).toThrow(SecAggError);
    expect(() => r.server.receive(new Uint8Array(40))).toThrow(/failed/);
  });

  test('too few answer the unmasking: advance() throws, no result', async () => {
    const r = setup({ round: 3, length: 10, threshold: 3, clients: 5 }, 30);
    for (let s = 0; s < 3; s++) {
      await exchange(r);
      await r.server.advance();
    }
    await exchange(r, new Set([0, 1, 2]));
    await expect(r.server.advance()).rejects.toThrow(/fewer than the threshold 3/);
    expect(() => r.server.result()).toThrow(SecAggError);
  });

  test('a client refuses to go on when the server names fewer than t neighbours', async () => {
    // a server with threshold 2 over 3 clients; a client that is told t = 3 by a second server refuses at ShareKeys
    const big = new SecAggServer({ round: 1, length: 4, threshold: 3, clients: 3, unsafeSeed: 1 });
    const client = new SecAggClient({ id: 0, round: 1, length: 4, input: new Uint32Array(4), unsafeSeed: 2 });
    const others = [1, 2].map((id) => new SecAggClient({ id, round: 1, length: 4, input: new Uint32Array(4), unsafeSeed: 3 + id }));
    big.receive(await client.respond(big.messages().get(0)!));
    for (const o of others) big.receive(await o.respond(big.messages().get(o.id)!));
    await big.advance();
    // forge a request naming one neighbour only: the server would not, the client still checks
    const { writeShareKeysRequest } = await import('../../src/secagg/messages');
    const forged = writeShareKeysRequest(1, 0, [{ id: 1, c: new Uint8Array(32).fill(9), s: new Uint8Array(32).fill(7) }]);
    await expect(client.respond(forged)).rejects.toThrow(/fewer than the threshold 3/);
    expect(client.stage).toBe('share-keys');
    big.receive(await client.respond(big.messages().get(0)!)); // the genuine request still works
  });
});

test('messages in views at odd byte offsets (as transports hand them over) work the same', async () => {
  const r = setup({ round: 44, length: 37, threshold: 2, clients: 3 }, 70);
  const odd = (m: Uint8Array): Uint8Array => {
    const buf = new Uint8Array(m.length + 3);
    buf.set(m, 1);
    return buf.subarray(1, 1 + m.length);
  };
  for (let stage = 0; stage < 4; stage++) {
    for (const [id, msg] of r.server.messages()) r.server.receive(odd(await r.clients.get(id)!.respond(odd(msg))));
    await r.server.advance();
  }
  expect(Array.from(r.server.result())).toEqual(Array.from(expectedSum(r, [0, 1, 2], 37)));
});
