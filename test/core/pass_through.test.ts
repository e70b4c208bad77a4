/**
 * One validation layer (issue 19): a caller's own exception (a Proxy trap or a getter) passes
 * through unchanged, never replaced by a message about the value it hid; and the `out` fast path
 * of selectLayers, which checks a list's arrays once when it passes the same ones again, still
 * catches an overlap introduced between calls.
 */
import {
  aggregateUpdates, Aggregator, chooseAlignedPositions, dualTopBottomK, ErrorFeedback, selectLayers, setBackend,
} from '../../src';
import { CPU_BACKENDS } from '../helpers/backends';

class CallerError extends Error {}

const throwingHas = (target: object) =>
  new Proxy(target, {
    has() {
      throw new CallerError('the caller\'s own has trap');
    },
  });

const layer = () => [{ name: 'w', shape: [8], values: Float32Array.from({ length: 8 }, (_, i) => i - 3.5) }];

test.each([
  ['ErrorFeedback', () => new ErrorFeedback(throwingHas({}) as never)],
  ['ErrorFeedback, one ratio missing', () => new ErrorFeedback(throwingHas({ topRatio: 0.1 }) as never)],
  ['chooseAlignedPositions', () => chooseAlignedPositions(layer(), throwingHas({}) as never)],
  ['new Aggregator', () => new Aggregator(throwingHas({}) as never)],
  ['aggregateUpdates', () => aggregateUpdates([{ round: 0, layers: [] }], throwingHas({}) as never)],
])('%s: a config whose has trap throws rethrows the caller\'s error', (_, run) => {
  expect(run).toThrow(CallerError);
});

test('a config whose getter throws rethrows the caller\'s error', () => {
  const config = {
    get topRatio(): number {
      throw new CallerError('getter');
    },
    bottomRatio: 0.5,
  };
  expect(() => new ErrorFeedback(config)).toThrow(CallerError);
});

test('a typed-array Proxy whose getPrototypeOf trap throws rethrows the caller\'s error', () => {
  const values = new Proxy(new Float32Array(4), {
    getPrototypeOf() {
      throw new CallerError('getPrototypeOf');
    },
  });
  expect(() => dualTopBottomK(values, 1, 1)).toThrow(CallerError);
});

test('a config that only lacks a field is still reported by name', () => {
  expect(() => new ErrorFeedback({ topRatio: 0.1 } as never)).toThrow(/config\.bottomRatio must be a number in \[0, 1\], got undefined/);
});

describe.each(CPU_BACKENDS)('selectLayers with caller-owned outputs (%s)', (backend) => {
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend('auto'));

  test('the same list, called again with the same out arrays, gives the same bits; a changed out is checked again', () => {
    const values = Array.from({ length: 12 }, (_, l) => Float32Array.from({ length: 16 }, (_, i) => Math.sin(7 * l + i)));
    const list = values.map((v, l) => ({ name: `l${l}`, values: v, kTop: 1, kBottom: 10, out: { codes: new Uint8Array(16) } }));
    const first = selectLayers(list, { codes: true }).map((r) => r.codes!.slice());
    const fresh = selectLayers(values.map((v) => ({ values: v, kTop: 1, kBottom: 10 })), { codes: true }).map((r) => r.codes!);
    expect(first).toEqual(fresh);
    for (let round = 0; round < 3; round++) {
      const again = selectLayers(list, { codes: true });
      again.forEach((r, l) => expect(r.codes).toBe(list[l].out.codes));
      expect(again.map((r) => r.codes!.slice())).toEqual(fresh);
    }
    // an output that now overlaps another layer's output: caught although the list is the same
    list[5].out.codes = list[4].out.codes;
    expect(() => selectLayers(list, { codes: true })).toThrow(/layer 'l5' out\.codes overlaps layer 'l4' out\.codes|layer 'l4' out\.codes overlaps layer 'l5' out\.codes/);
    // one that overlaps values
    const shared = new Float32Array(32);
    list[5].out.codes = new Uint8Array(16);
    list[6].values = shared.subarray(0, 16);
    (list[6].out as { codes?: Uint8Array }).codes = new Uint8Array(shared.buffer, 8, 16);
    expect(() => selectLayers(list, { codes: true })).toThrow(/out\.codes overlaps layer 'l6' values/);
  });

  test('kept outputs replaced by longer ones over the same buffer are checked again', () => {
    const buffer = new ArrayBuffer(64);
    const values = Float32Array.from({ length: 8 }, (_, i) => i + 1);
    const list = [
      { values, kTop: 1, kBottom: 5, out: { keptIndices: new Uint32Array(buffer, 0, 2), keptValues: new Float32Array(buffer, 8, 2) } },
    ];
    expect(selectLayers(list, { sparse: true })[0].keptValues).toEqual(Float32Array.of(6, 7));
    list[0].kBottom = 4;
    list[0].out = { keptIndices: new Uint32Array(buffer, 0, 3), keptValues: new Float32Array(buffer, 8, 3) };
    expect(() => selectLayers(list, { sparse: true })).toThrow(/overlaps/);
  });
});
