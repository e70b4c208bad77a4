/**
 * The round's layer layout (docs/SECAGG.md, "Layout"): the MaskedInput body is a kind-5 integer
 * update (docs/FORMAT.md) with the round's layer names and lengths (dense, shape [length]; or
 * aligned, positionsId and counts); the server adds it with the modular Aggregator after checking
 * it against its own layout (a disagreeing one is refused and changes nothing), and resultLayers()
 * splits the sum by layer. End to end: ErrorFeedback.stepSecure's output feeds SecAggClient as it
 * is, and the server's per-layer sums dequantize to the clients' clipped updates.
 */
import { SecAggClient, SecAggServer, SecAggError } from '../../src/secagg';
import type { SecAggServerOptions } from '../../src/secagg';
import { decodeIntegerUpdate, encodeIntegerUpdate } from '../../src/fl/integer';
import { HEADER_BYTES, TRAILER_BYTES, seal, writeMaskedInput } from '../../src/secagg/messages';
import { chooseAlignedPositions, decodePositions, dequantizeSum, encodePositions, ErrorFeedback, DenseLayer } from '../../src';
import { clipInPlace } from '../../src/privacy/clip';
import { gradient } from '../fl/helpers';
import { setup, exchange, expectedSum, RoundSetup } from './harness';

const bodyOf = (msg: Uint8Array) => msg.subarray(HEADER_BYTES, msg.length - TRAILER_BYTES);

/** Runs stages 0 and 1, then collects the MaskedInput answers without delivering them. */
async function toMaskedInput(r: RoundSetup): Promise<Map<number, Uint8Array>> {
  for (let stage = 0; stage < 2; stage++) {
    await exchange(r);
    await r.server.advance();
  }
  const answers = new Map<number, Uint8Array>();
  for (const [id, msg] of r.server.messages()) answers.set(id, await r.clients.get(id)!.respond(msg));
  return answers;
}

async function finish(r: RoundSetup): Promise<Uint32Array> {
  await r.server.advance();
  await exchange(r);
  await r.server.advance();
  return r.server.result();
}

const LAYERS = [
  { name: 'dense/kernel', length: 12 },
  { name: 'empty', length: 0 },
  { name: 'dense/bias', length: 5 },
  { name: 'out', length: 7 },
];
const L = 24;

describe('layout', () => {
  test('defaults: one layer "input" of length, dense; the old options work unchanged', async () => {
    const r = setup({ round: 3, length: 10, threshold: 2, clients: 3 }, 70);
    expect(r.server.layers).toEqual([{ name: 'input', length: 10 }]);
    expect(r.server.positionsId).toBe(0);
    expect(r.clients.get(0)!.layers).toEqual([{ name: 'input', length: 10 }]);
    const answers = await toMaskedInput(r);
    const u = decodeIntegerUpdate(bodyOf(answers.get(1)!));
    expect(u.round).toBe(3);
    expect(u.positionsId).toBe(0);
    expect(u.layers.map((l) => [l.name, l.shape])).toEqual([['input', [10]]]);
    for (const a of answers.values()) r.server.receive(a);
    const sum = await finish(r);
    expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, [0, 1, 2], 10)));
    const by = r.server.resultLayers();
    expect(by.positionsId).toBeUndefined();
    expect(by.round).toBe(3);
    expect(by.layers.map((l) => [l.name, l.length, Array.from(l.values)])).toEqual([['input', 10, Array.from(sum)]]);
  });

  for (const positionsId of [0, 0x838dbb86]) {
    test(`names, lengths and positionsId ${positionsId} round-trip: the kind-5 body, the sum, resultLayers()`, async () => {
      const options: SecAggServerOptions = { round: 9, length: L, threshold: 3, clients: 4, layers: LAYERS, ...(positionsId ? { positionsId } : {}) };
      const r = setup(options, 71 + positionsId);
      expect(r.server.layers).toEqual(LAYERS);
      expect(r.server.positionsId).toBe(positionsId);
      expect(r.clients.get(2)!.positionsId).toBe(positionsId);
      const answers = await toMaskedInput(r);
      for (const [id, a] of answers) {
        const u = decodeIntegerUpdate(bodyOf(a));
        expect(u.round).toBe(9);
        expect(u.positionsId).toBe(positionsId);
        expect(u.layers.map((l) => [l.name, l.shape, l.values.length])).toEqual(LAYERS.map((l) => [l.name, positionsId ? null : [l.length], l.length]));
        if (id !== 3) r.server.receive(a); // client 3 drops at the masked-input stage
      }
      const sum = await finish(r);
      const want = expectedSum(r, [0, 1, 2], L);
      expect(Array.from(sum)).toEqual(Array.from(want));
      const by = r.server.resultLayers();
      if (positionsId) expect(by.positionsId).toBe(positionsId);
      else expect('positionsId' in by).toBe(false);
      let at = 0;
      for (const [i, l] of by.layers.entries()) {
        expect([l.name, l.length]).toEqual([LAYERS[i].name, LAYERS[i].length]);
        expect(Array.from(l.values)).toEqual(Array.from(want.subarray(at, at + l.length)));
        at += l.length;
      }
    });
  }

  test('a MaskedInput whose kind-5 update disagrees with the layout is refused and changes nothing', async () => {
    const r = setup({ round: 12, length: L, threshold: 2, clients: 3, layers: LAYERS }, 75);
    const answers = await toMaskedInput(r);
    r.server.receive(answers.get(0)!);
    const good = answers.get(1)!;
    const u = decodeIntegerUpdate(bodyOf(good));
    const dense = (layers: Array<{ name: string; values: Uint32Array }>, round = 12) =>
      writeMaskedInput(12, 1, encodeIntegerUpdate({ round, layers: layers.map((l) => ({ name: l.name, shape: [l.values.length], values: l.values })) }));
    const values = u.layers.map((l) => l.values);
    const all = new Uint32Array(L);
    let at = 0;
    for (const v of values) all.set(v, (at += v.length) - v.length);
    const flipped = bodyOf(good).slice();
    flipped[flipped.length - 6] ^= 1; // a masked value: the kind-5 CRC no longer matches
    const bad: Array<[string, Uint8Array, RegExp]> = [
      ['a layer renamed', dense(u.layers.map((l, i) => ({ name: i === 2 ? 'dense/beta' : l.name, values: l.values }))), /layer 2 \('dense\/bias'\)/],
      ['the same names, other lengths', dense(u.layers.map((l, i) => ({ name: l.name, values: i === 0 ? all.subarray(0, 11) : i === 2 ? all.subarray(11, 17) : l.values }))), /layer 0/],
      ['layers in another order', dense([u.layers[1], u.layers[0], u.layers[2], u.layers[3]]), /layer 0/],
      ['one layer short', dense(u.layers.slice(0, 3)), /layer/],
      ['one layer of everything', dense([{ name: 'input', values: all }]), /layer/],
      ['aligned (positionsId 7) for a dense round', writeMaskedInput(12, 1, encodeIntegerUpdate({ round: 12, positionsId: 7, layers: u.layers.map((l) => ({ name: l.name, values: l.values })) })), /aligned values on positions/],
      ['the integer update of another round', dense(u.layers, 11), /round 11, but this server runs round 12/],
      ['a corrupted integer update (its own CRC), frame resealed', writeMaskedInput(12, 1, flipped), /integer update \(kind 5\) is refused/],
      ['a truncated integer update, frame resealed', writeMaskedInput(12, 1, bodyOf(good).slice(0, 40)), /refused/],
      ['an empty body', seal(writeMaskedInput(12, 1, new Uint8Array(0))), /refused/],
    ];
    for (const [what, msg, re] of bad) {
      expect(() => r.server.receive(msg)).toThrow(SecAggError);
      try {
        r.server.receive(msg);
      } catch (e) {
        expect([what, (e as Error).message]).toEqual([what, expect.stringMatching(re)]);
        expect((e as Error).message).toMatch(/MaskedInput from client 1/);
      }
      expect(r.server.answered()).toEqual([0]);
    }
    r.server.receive(good);
    r.server.receive(answers.get(2)!);
    const sum = await finish(r);
    expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });

  test('an aligned round refuses another positionsId and dense layers', async () => {
    const r = setup({ round: 13, length: L, threshold: 2, clients: 3, layers: LAYERS, positionsId: 0x1234 }, 76);
    const answers = await toMaskedInput(r);
    const u = decodeIntegerUpdate(bodyOf(answers.get(0)!));
    const other = writeMaskedInput(13, 0, encodeIntegerUpdate({ round: 13, positionsId: 0x1235, layers: u.layers.map((l) => ({ name: l.name, values: l.values })) }));
    expect(() => r.server.receive(other)).toThrow(/MaskedInput from client 0: its integer update \(kind 5\) is refused: .*position/i);
    const dense = writeMaskedInput(13, 0, encodeIntegerUpdate({ round: 13, layers: u.layers.map((l) => ({ name: l.name, shape: [l.values.length], values: l.values })) }));
    expect(() => r.server.receive(dense)).toThrow(/dense layers \(positionsId 0\), but this aggregator sums aligned values/);
    expect(r.server.answered()).toEqual([]);
    for (const a of answers.values()) r.server.receive(a);
    expect(Array.from(await finish(r))).toEqual(Array.from(expectedSum(r, [0, 1, 2], L)));
  });

  test('a client made with another layout is refused at the masked-input stage (it counts as dropped)', async () => {
    const r = setup({ round: 14, length: L, threshold: 2, clients: 3, layers: LAYERS }, 77);
    // client 2 was configured with the default layout (same length): its keys are those of its seed
    const input = r.inputs.get(2)!;
    r.clients.set(2, new SecAggClient({ id: 2, round: 14, length: L, input, unsafeSeed: 77 * 100003 + 2 }));
    const answers = await toMaskedInput(r);
    expect(() => r.server.receive(answers.get(2)!)).toThrow(/MaskedInput from client 2: its integer update \(kind 5\) is refused: 1 layers, the layout has 4 \(at byte 16\)/);
    r.server.receive(answers.get(0)!);
    r.server.receive(answers.get(1)!);
    expect(Array.from(await finish(r))).toEqual(Array.from(expectedSum(r, [0, 1], L)));
    expect(r.server.survivors).toEqual([0, 1]);
  });

  test('bad layout options: TypeError / RangeError naming the field', () => {
    const base = { round: 1, length: 6, threshold: 2, clients: 2 };
    const cases: Array<[object, ErrorConstructor, RegExp]> = [
      [{ layers: [{ name: 'a', length: 5 }] }, RangeError, /SecAggServer: options\.layers hold 5 values in all \(\[5\]\), but options\.length is 6/],
      [{ layers: [] }, RangeError, /options\.layers must list at least one layer/],
      [{ layers: [{ name: 'a', length: 3 }, { name: 'a', length: 3 }] }, RangeError, /layer name 'a' appears twice/],
      [{ layers: [{ name: 3, length: 6 }] }, TypeError, /options\.layers\[0\]: name must be a string/],
      [{ layers: [{ name: 'a', length: -1 }] }, RangeError, /options\.layers\[0\] \('a'\)\.length must be an integer/],
      [{ layers: [{ name: 'a', length: '6' }] }, TypeError, /options\.layers\[0\] \('a'\)\.length must be a number/],
      [{ layers: { name: 'a', length: 6 } }, TypeError, /options\.layers/],
      [{ positionsId: -1 }, RangeError, /SecAggServer: options\.positionsId must be an integer in \[0, 2\^32 - 1\]/],
      [{ positionsId: '1' }, TypeError, /options\.positionsId must be a number/],
    ];
    for (const [extra, cls, re] of cases) {
      expect(() => new SecAggServer({ ...base, ...extra } as never)).toThrow(cls);
      expect(() => new SecAggServer({ ...base, ...extra } as never)).toThrow(re);
      const client = () => new SecAggClient({ id: 0, round: 1, length: 6, ...extra } as never);
      expect(client).toThrow(cls);
      expect(client).toThrow(re.source.includes('SecAggServer') ? new RegExp(re.source.replace('SecAggServer', 'SecAggClient')) : re);
    }
  });
});

describe('ErrorFeedback.stepSecure feeds SecAggClient; resultLayers() dequantizes to the clipped sum', () => {
  const CONFIG = { topRatio: 0.05, bottomRatio: 0.5 };
  const SHAPES: Array<[string, number[]]> = [['w', [20, 30]], ['b', [30]], ['out', [30, 4]]];
  const grads = (seed: number, scale = 1): DenseLayer[] =>
    SHAPES.map(([name, shape], i) => ({ name, shape, values: gradient(shape.reduce((a, b) => a * b, 1), seed * 10 + i, scale) }));
  const n = 4;
  const privacy = { noise: 'distributed' as const, clipNorm: 0.5, noiseMultiplier: 0.01, minClients: 3, maxClients: 20 };

  for (const aligned of [false, true]) {
    test(aligned ? 'aligned (ADGP positions)' : 'dense', async () => {
      const round = 5;
      const positions = aligned ? decodePositions(encodePositions(chooseAlignedPositions(grads(12), CONFIG, round))) : undefined;
      // the server's layout: the dense layers, or the positions' layers and counts
      const layers = aligned
        ? positions!.layers.map((l) => ({ name: l.name, length: l.indices.length }))
        : SHAPES.map(([name, shape]) => ({ name, length: shape.reduce((a, b) => a * b, 1) }));
      const length = layers.reduce((s, l) => s + l.length, 0);
      const server = new SecAggServer({ round, length, threshold: 3, clients: n, layers, ...(aligned ? { positionsId: positions!.id } : {}) });
      const clients: SecAggClient[] = [];
      const exact = layers.map((l) => new Float64Array(l.length));
      let step = 0;
      for (let c = 0; c < n; c++) {
        const g = grads(c + 1, 10);
        const u = new ErrorFeedback(CONFIG, { privacy: { ...privacy, unsafeSeed: c + 1 } }).stepSecure(g, { round, positions });
        step = u.plan.step;
        // the clients' clipped updates, as stepSecure quantizes them
        let clipped: Float32Array[];
        if (aligned) {
          const twin = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 0.5, noiseMultiplier: 1 } });
          clipped = twin.stepAligned(g, positions!, round).layers.map((l) => l.values);
        } else {
          clipped = g.map((l) => l.values.slice());
          clipInPlace(clipped, 0.5, 'test');
        }
        clipped.forEach((v, i) => v.forEach((x, j) => (exact[i][j] += x)));
        clients.push(new SecAggClient({ id: c, round, length: u.integers.length, input: u.integers, layers: u.layers, positionsId: u.positionsId }));
      }
      for (let stage = 0; stage < 4; stage++) {
        for (const [id, msg] of server.messages()) server.receive(await clients[id].respond(msg));
        await server.advance();
      }
      const by = server.resultLayers();
      expect(by.positionsId).toBe(aligned ? positions!.id : undefined);
      expect(by.layers.map((l) => l.name)).toEqual(layers.map((l) => l.name));
      // docs/PRIVACY.md: rounding below one step per client, plus the noise (sd √n · scale · step here, tiny)
      const plan = new ErrorFeedback(CONFIG, { privacy }).stepSecure(grads(1), { round, positions }).plan;
      const bound = 7 * Math.sqrt(n) * plan.scale * plan.step + n * step;
      by.layers.forEach((l, i) => {
        const sum = dequantizeSum(l.values, step);
        expect(sum.length).toBe(layers[i].length);
        for (let j = 0; j < sum.length; j++) expect(Math.abs(sum[j] - exact[i][j])).toBeLessThan(bound);
      });
    });
  }
});
