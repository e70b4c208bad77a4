/**
 * SecAggServer / SecAggClient options (docs/SECAGG.md, "Parameters"): wrong types are
 * TypeErrors, bad values RangeErrors naming the field and the value; the complete graph's 255
 * limit points to `neighbours`.
 */
import { SecAggServer, SecAggClient, SecAggError } from '../../src';

const ok = { round: 1, length: 8, threshold: 2, clients: 3 };

test('server options', () => {
  expect(() => new SecAggServer(undefined as never)).toThrow(TypeError);
  expect(() => new SecAggServer({ ...ok, round: -1 })).toThrow(/options.round must be an integer in \[0, 2\^32 - 1\], got -1/);
  expect(() => new SecAggServer({ ...ok, length: 0 })).toThrow(RangeError);
  expect(() => new SecAggServer({ ...ok, length: '8' as never })).toThrow(TypeError);
  expect(() => new SecAggServer({ ...ok, threshold: 1 })).toThrow(/threshold must be an integer in \[2, 3\]/);
  expect(() => new SecAggServer({ ...ok, threshold: 4 })).toThrow(RangeError);
  expect(() => new SecAggServer({ ...ok, clients: 1 })).toThrow(RangeError);
  expect(() => new SecAggServer({ ...ok, clients: [1, 2, 1] })).toThrow(/lists id 1 twice/);
  expect(() => new SecAggServer({ ...ok, clients: [1, 0xffffffff] })).toThrow(/server's/);
  expect(() => new SecAggServer({ ...ok, clients: 256 })).toThrow(/at most 255; pass options.neighbours/);
  expect(() => new SecAggServer({ ...ok, clients: 300, neighbours: 15 })).toThrow(/even integer in \[2, 254\]/);
  expect(() => new SecAggServer({ ...ok, clients: 300, neighbours: 256 })).toThrow(RangeError);
  expect(() => new SecAggServer({ ...ok, clients: 300, neighbours: 16, threshold: 18 })).toThrow(/\[2, 17\]/);
  expect(() => new SecAggServer({ ...ok, unsafeSeed: new Uint8Array(5) })).toThrow(TypeError);
  const s = new SecAggServer({ ...ok, clients: 1000, neighbours: 16, threshold: 9 });
  expect(s.neighbours).toBe(16);
  expect(s.neighboursOf(0).length).toBe(16);
  expect(new SecAggServer({ ...ok, neighbours: 4 }).neighbours).toBe(0); // k >= n - 1: complete graph
  expect(s.stage).toBe('advertise-keys');
  expect(s.messages().size).toBe(1000);
  expect(() => s.result()).toThrow(SecAggError);
});

test('the neighbour graph is symmetric, k-regular and fixed by the public seed', () => {
  const a = new SecAggServer({ ...ok, clients: 100, neighbours: 8, threshold: 5, unsafeSeed: 3 });
  const b = new SecAggServer({ ...ok, clients: 100, neighbours: 8, threshold: 5, unsafeSeed: 3 });
  const c = new SecAggServer({ ...ok, clients: 100, neighbours: 8, threshold: 5, unsafeSeed: 4 });
  let differs = false;
  for (const u of a.clients) {
    const nb = a.neighboursOf(u);
    expect(nb.length).toBe(8);
    expect(nb).not.toContain(u);
    for (const v of nb) expect(a.neighboursOf(v)).toContain(u);
    expect(b.neighboursOf(u)).toEqual(nb);
    if (c.neighboursOf(u).join() !== nb.join()) differs = true;
  }
  expect(differs).toBe(true);
});

test('client options and input', async () => {
  expect(() => new SecAggClient({ id: 0xffffffff, round: 1, length: 8 })).toThrow(RangeError);
  expect(() => new SecAggClient({ id: 1.5, round: 1, length: 8 })).toThrow(RangeError);
  expect(() => new SecAggClient({ id: 1, round: 1, length: 8, input: new Uint32Array(7) })).toThrow(/must hold length = 8 values, got 7/);
  expect(() => new SecAggClient({ id: 1, round: 1, length: 8, input: new Int32Array(8) as never })).toThrow(TypeError);
  const c = new SecAggClient({ id: 1, round: 1, length: 8 });
  expect(c.unsafe).toBe(false);
  await expect(c.respond('x' as never)).rejects.toThrow(TypeError);
  // a RoundStart for another length is refused
  const s = new SecAggServer({ ...ok, length: 9 });
  await expect(c.respond(s.messages().get(1)!)).rejects.toThrow(/length 9, but client 1 was made for length 8/);
  // no input by the masked-input stage: a clear error, and setInput then lets it go on
  const server = new SecAggServer(ok);
  const clients = [0, 1, 2].map((id) => new SecAggClient({ id, round: 1, length: 8, ...(id === 1 ? {} : { input: new Uint32Array(8).fill(id) }) }));
  for (let stage = 0; stage < 2; stage++) {
    for (const [id, m] of server.messages()) server.receive(await clients[id].respond(m));
    await server.advance();
  }
  await expect(clients[1].respond(server.messages().get(1)!)).rejects.toThrow(/no input for round 1/);
  clients[1].setInput(new Uint32Array(8).fill(5));
  for (let stage = 2; stage < 4; stage++) {
    for (const [id, m] of server.messages()) server.receive(await clients[id].respond(m));
    await server.advance();
  }
  expect(Array.from(server.result())).toEqual(new Array(8).fill(7));
  expect(() => clients[1].setInput(new Uint32Array(8))).toThrow(SecAggError);
});
