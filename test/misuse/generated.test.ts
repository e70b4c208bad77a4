/**
 * Generated misuse (fast-check): for every argument (and field) of every export, bad values are
 * generated and substituted into an otherwise valid call. Each call runs on every available
 * backend through expectMisuse (harness.ts): TypeError/RangeError (or the package's error class),
 * a message naming the call, the argument and the value, nothing changed, backends agreeing.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';

import {
  aggregateAligned, aggregateToTensors, aggregateUpdates, Aggregator, chooseAlignedPositions, countsFromRatios,
  decodeAligned, decodeIntegerUpdate, decodeModularPartial, decodePartial, decodePositions, encodeIntegerUpdate, decodeUpdate, densifyAligned, densifyUpdate, dgpMask, dgpPrune, dgpPruneGradients,
  dualTopBottomK, encodeAligned, encodePositions, encodeUpdate, ErrorFeedback, selectLayers, setBackend, setThreads,
  sparseFromDense, Update,
} from '../../src';
import { describeValue } from '../../src/errors';
import { BACKENDS, ErrorName, expectMisuse, Prepared } from './harness';

const RUNS = Number(process.env.DGP_MISUSE_RUNS ?? 25);
let generated = 0;
afterAll(() => console.log(`misuse: ${generated} generated cases on each of ${BACKENDS.join(', ')}`));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A bad value and what the message must mention besides the argument (default: the value). */
interface Bad {
  value: unknown;
  mentions?: string[];
}

const proxies = new WeakSet<object>();
const bad = (value: unknown, mentions?: string[]): Bad => ({ value, mentions });
const named = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<Bad> => arb.map((v) => bad(v));

// ---- building blocks of bad values
const primitive = fc.oneof(
  fc.constant(null), fc.constant(undefined), fc.boolean(), fc.string({ maxLength: 6 }), fc.bigInt({ min: -5n, max: 5n }),
  fc.constant(Symbol('s')), fc.double(),
);
const builtin = fc.constantFrom<unknown>(
  () => 1, new Map(), new Set(), new Date(0), /x/, new ArrayBuffer(4), new DataView(new ArrayBuffer(4)),
);
const otherTyped = fc.tuple(fc.constantFrom(Int8Array, Uint16Array, Int32Array, Float64Array, Uint8ClampedArray), fc.nat(6)).map(([C, n]) => new C(n));
function proxyOf(make: () => object): fc.Arbitrary<Bad> {
  return fc.constant(null).map(() => {
    const p = new Proxy(make(), {});
    proxies.add(p);
    return bad(p, ['Proxy']);
  });
}
const notNumber = named(fc.oneof(fc.constant(null), fc.constant(undefined), fc.boolean(), fc.string({ maxLength: 6 }), fc.bigInt({ min: -5n, max: 5n }), builtin, fc.constant({})));
const badCount = fc.oneof(
  notNumber,
  named(fc.integer({ min: -1e6, max: -1 })),
  named(fc.double({ noNaN: false }).filter((x) => !Number.isSafeInteger(x) || x < 0)),
);
const badRatio = fc.oneof(notNumber, named(fc.double().filter((x) => !(x >= 0 && x <= 1))));
const badRound = fc.oneof(notNumber, named(fc.integer({ min: -1e6, max: -1 })), named(fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)));
/** Anything but an object (for options bags and records). */
const notObject = named(fc.oneof(fc.constant(null), fc.boolean(), fc.string({ maxLength: 6 }), fc.double(), fc.bigInt({ min: -5n, max: 5n }), fc.constant(() => 1)));
function notTyped(make: () => object): fc.Arbitrary<Bad> {
  return fc.oneof(named(primitive), named(builtin), named(otherTyped), named(fc.array(fc.double(), { maxLength: 4 })), proxyOf(make));
}
const badName = fc.oneof(
  named(fc.oneof(fc.constant(null), fc.constant(undefined), fc.double(), fc.boolean(), fc.constant({}), fc.constant(Symbol('n')))),
  fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'), fc.string({ maxLength: 4 }))
    .filter(([a, , b]) => !/[\uD800-\uDFFF]/.test(a + b))
    .map(([a, s, b]) => bad(a + s + b, ['lone surrogate', describeValue(a + s + b)])),
  fc.integer({ min: 1025, max: 3000 }).map((n) => bad('x'.repeat(n), ['UTF-8 bytes', 'at most 1024'])),
);
const badDim = fc.oneof(fc.integer({ min: -100, max: -1 }), fc.double().filter((x) => !Number.isInteger(x)), fc.constant(2 ** 32), fc.string({ maxLength: 3 }), fc.constant(null));
const badShape = fc.oneof(
  named(fc.oneof(primitive.filter((v) => v !== undefined), builtin, otherTyped)),
  fc.tuple(fc.array(fc.nat(3), { maxLength: 3 }), badDim, fc.nat(3)).map(([dims, d, at]) => {
    const shape: unknown[] = [...dims];
    shape.splice(Math.min(at, shape.length), 0, d);
    return bad(shape, [`shape[${Math.min(at, dims.length)}]`, describeValue(d)]);
  }),
  fc.nat(3).map((at) => {
    const shape: unknown[] = [1, 1, 1];
    delete shape[at];
    return bad(shape, [`shape[${at}]`, 'undefined']);
  }),
);

// ---- valid material
const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) - n / 2 + 0.25);
const cfg = { kTop: 1, kBottom: 1 };
const update = (): Update => ({ round: 2, layers: [{ name: 'w', shape: [2, 3], indices: Uint32Array.of(1, 4), values: Float32Array.of(0.5, -2) }] });
const positions = () => decodePositions(encodePositions({ round: 1, layers: [{ name: 'w', shape: [2, 3], indices: Uint32Array.of(0, 2, 5) }] }));
const aligned = (id: number) => ({ round: 1, positionsId: id, layers: [{ name: 'w', values: Float32Array.of(1, 2, 3) }] });

/**
 * One property: `arb`'s bad values substituted into `call`. The message must mention `caller`,
 * `arg` and the value (or the Bad's own mentions).
 */
function slot(
  caller: string, arg: string, arb: fc.Arbitrary<Bad>, call: (v: unknown) => Prepared,
  errors: ErrorName[] = ['TypeError', 'RangeError'], argMention = arg,
): void {
  test(`${caller}: ${arg}`, () => {
    fc.assert(
      fc.property(arb, (b) => {
        generated++;
        const mentions = [caller, argMention, ...(b.mentions ?? [describeValue(b.value)])];
        expectMisuse(() => call(b.value), { error: errors, mentions });
      }),
      { numRuns: RUNS, seed: 14 },
    );
  });
}

describe('counts and selection', () => {
  slot('countsFromRatios', 'n', fc.oneof(badCount, named(fc.constantFrom(null))), (v) => ({ run: () => countsFromRatios(v as number, 0.1, 0.1) }));
  slot('countsFromRatios', 'topRatio', badRatio, (v) => ({ run: () => countsFromRatios(10, v as number, 0.1) }));
  slot('countsFromRatios', 'bottomRatio', badRatio, (v) => ({ run: () => countsFromRatios(10, 0.1, v as number) }));
  slot('dualTopBottomK', 'values', notTyped(() => ramp(4)), (v) => ({ run: () => dualTopBottomK(v as Float32Array, 1, 1) }));
  slot('dualTopBottomK', 'kTop', fc.oneof(badCount, named(fc.integer({ min: 8, max: 100 }))), (v) => {
    const x = ramp(8);
    return { run: () => dualTopBottomK(x, v as number, 1), watch: x };
  });
  slot('dualTopBottomK', 'kBottom', badCount, (v) => ({ run: () => dualTopBottomK(ramp(8), 1, v as number) }));
  slot('dualTopBottomK', 'out', fc.oneof(notTyped(() => new Uint8Array(8)).filter((b) => b.value !== undefined), fc.integer({ min: 0, max: 20 }).filter((n) => n !== 8).map((n) => bad(new Uint8Array(n)))), (v) => {
    const x = ramp(8);
    return { run: () => dualTopBottomK(x, 1, 1, v as Uint8Array), watch: x };
  });
  slot('selectLayers', 'layers', named(fc.oneof(primitive, builtin, otherTyped, fc.constant({}))), (v) => ({ run: () => selectLayers(v as never, { codes: true }) }));
  slot('selectLayers', 'layers[1]', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1 }, v as never], { codes: true }) }));
  slot('selectLayers', 'values', notTyped(() => ramp(4)), (v) => ({ run: () => selectLayers([{ values: v as Float32Array, kTop: 1, kBottom: 1 }], { codes: true }) }));
  slot('selectLayers', 'kTop', badCount, (v) => ({ run: () => selectLayers([{ values: ramp(4), kTop: v as number, kBottom: 1 }], { codes: true }) }));
  slot('selectLayers', 'name', named(fc.oneof(fc.constant(null), fc.double(), fc.boolean(), fc.constant({}), fc.constant(Symbol('x')))), (v) => ({ run: () => selectLayers([{ name: v as string, values: ramp(4), kTop: 1, kBottom: 1 }], { codes: true }) }));
  slot('selectLayers', 'out', notObject, (v) => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1, out: v as never }], { codes: true }) }));
  slot('selectLayers', 'out.pruned', notTyped(() => new Float32Array(4)).filter((b) => b.value !== undefined), (v) => {
    const x = ramp(4);
    return { run: () => selectLayers([{ values: x, kTop: 1, kBottom: 1, out: { pruned: v as Float32Array } }], { pruned: true }), watch: x };
  });
  slot('selectLayers', 'want', named(fc.oneof(primitive.filter((v) => v !== undefined), builtin, otherTyped)), (v) => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1 }], v as never) }));
  slot('selectLayers', 'backend', named(fc.oneof(fc.constantFrom('gpu', 'cpu', 'toString', '__proto__', ''), fc.double(), fc.constant(null), fc.constant({}))), (v) => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1 }], { codes: true }, 'selectLayers', v as never) }));
  slot('selectLayers', 'want.sparse', named(fc.oneof(fc.constant(null), fc.double(), fc.string({ maxLength: 3 }), fc.constant({}))), (v) => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1 }], { sparse: v as boolean }) }));
});

describe('tfjs ops', () => {
  const badTensorLike = fc.oneof(
    named(fc.oneof(fc.constant(null), fc.constant(undefined), fc.boolean(), fc.string({ maxLength: 4 }), fc.constant({}), builtin, fc.constantFrom(new Uint8Array(3), new Float64Array(2)))),
    fc.tuple(fc.array(fc.array(fc.double(), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 5 }).filter((n) => n !== 2))
      .map(([rows, n]) => bad([...rows, Array(n).fill(1)], [`x[${rows.length}]`, 'rectangular'])),
    fc.tuple(fc.array(fc.double(), { maxLength: 3 }), fc.oneof(fc.string({ maxLength: 2 }), fc.boolean(), fc.constant(null), fc.constant({})))
      .map(([xs, leaf]) => bad([...xs, leaf], [`x[${xs.length}] must be a number`, describeValue(leaf)])),
  );
  slot('dgpMask', 'x', badTensorLike, (v) => ({ run: () => dgpMask(v as never, cfg) }));
  slot('dgpPrune', 'config', notObject, (v) => ({ run: () => dgpPrune(ramp(4), v as never) }));
  slot('dgpPrune', 'config.kTop', badCount, (v) => ({ run: () => dgpPrune(ramp(4), { kTop: v as number, kBottom: 1 }) }));
  slot('dgpPrune', 'config.topRatio', badRatio, (v) => ({ run: () => dgpPrune(ramp(4), { topRatio: v as number, bottomRatio: 0.1 }) }));
  // (An Array is a DenseLayer[] gradient once the one gradient reader serves the tfjs ops too.)
  slot('dgpPruneGradients', 'grads', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => dgpPruneGradients(v as never, cfg) }));
  slot('dgpPruneGradients', "grads['b']", badTensorLike.map((b) => ({ value: b.value, mentions: b.mentions?.map((m) => m.replace('x[', "grads['b'][")) })), (v) => {
    const g = { a: tf.tensor(ramp(6)), b: v } as never;
    return { run: () => dgpPruneGradients(g, cfg), watch: g };
  });
});

describe('error feedback', () => {
  slot('ErrorFeedback', 'config', notObject, (v) => ({ run: () => new ErrorFeedback(v as never) }));
  slot('ErrorFeedback', 'options', notObject, (v) => ({ run: () => new ErrorFeedback(cfg, v as never) }));
  slot('ErrorFeedback', 'options.mode', fc.oneof(notNumber.filter((b) => b.value !== undefined), named(fc.constantFrom('toString', '__proto__', 'valueOf', 'constructor', 'Bottom', 'none ', ''))), (v) => ({ run: () => new ErrorFeedback(cfg, { mode: v as never }) }));
  const efAfterOneRound = () => {
    const ef = new ErrorFeedback(cfg);
    ef.step([{ name: 'w', shape: [2, 2], values: ramp(4) }]);
    return ef;
  };
  slot('ErrorFeedback.step', 'grads', named(fc.oneof(primitive, builtin, otherTyped)), (v) => {
    const ef = efAfterOneRound();
    return { run: () => ef.step(v as never), watch: ef };
  });
  slot('ErrorFeedback.step', 'round', badRound, (v) => {
    const ef = efAfterOneRound();
    return { run: () => ef.step([{ name: 'w', shape: [2, 2], values: ramp(4) }], v as number), watch: ef };
  });
  slot('ErrorFeedback.step', 'name', badName, (v) => {
    const ef = new ErrorFeedback(cfg);
    const g = [{ name: v as string, shape: [4], values: ramp(4) }];
    return { run: () => ef.step(g), watch: [ef, g] };
  });
  slot('ErrorFeedback.step', 'shape', badShape, (v) => {
    const ef = efAfterOneRound();
    const g = [{ name: 'w', shape: v as number[], values: ramp(4) }];
    return { run: () => ef.step(g), watch: [ef, g] };
  });
  slot('ErrorFeedback.stepAligned', 'positions', named(fc.oneof(primitive, builtin, otherTyped)), (v) => {
    const ef = efAfterOneRound();
    return { run: () => ef.stepAligned([{ name: 'w', shape: [2, 2], values: ramp(4) }], v as never), watch: ef };
  });
  slot('ErrorFeedback.stepAligned', 'positions.id', named(fc.oneof(primitive.filter((x) => typeof x !== 'number'), fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff))), (v) => {
    const ef = efAfterOneRound();
    const p = { round: 0, id: v as number, layers: [{ name: 'w', shape: [2, 2], indices: Uint32Array.of(1) }] };
    return { run: () => ef.stepAligned([{ name: 'w', shape: [2, 2], values: ramp(4) }], p), watch: [ef, p] };
  });
});

describe('wire format', () => {
  const withLayer = (field: string, v: unknown): Update => {
    const u = update();
    (u.layers[0] as unknown as Record<string, unknown>)[field] = v;
    return u;
  };
  slot('encodeUpdate', 'update', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => encodeUpdate(v as never) }));
  slot('encodeUpdate', 'round', badRound, (v) => ({ run: () => encodeUpdate({ ...update(), round: v as number }) }));
  slot('encodeUpdate', 'layers', named(fc.oneof(primitive, builtin, otherTyped, fc.constant({}))), (v) => ({ run: () => encodeUpdate({ round: 0, layers: v as never }) }));
  slot('encodeUpdate', 'name', badName, (v) => {
    const u = withLayer('name', v);
    return { run: () => encodeUpdate(u), watch: u };
  });
  slot('encodeUpdate', 'shape', badShape, (v) => ({ run: () => encodeUpdate(withLayer('shape', v)) }));
  slot('encodeUpdate', 'indices', notTyped(() => new Uint32Array(2)), (v) => ({ run: () => encodeUpdate(withLayer('indices', v)) }));
  slot('encodeUpdate', 'values', fc.oneof(notTyped(() => new Float32Array(2)), fc.constantFrom(NaN, Infinity, -Infinity).map((x) => bad(Float32Array.of(1, x), ['values[1]', describeValue(x)]))), (v) => {
    const u = withLayer('values', v);
    return { run: () => encodeUpdate(u), watch: u };
  });
  slot('encodePositions', 'indices', fc.oneof(notTyped(() => new Uint32Array(2)), fc.constantFrom(Uint32Array.of(2, 2), Uint32Array.of(3, 1), Uint32Array.of(6)).map((x) => bad(x, ['indices must be strictly ascending and < n']))), (v) => ({
    run: () => encodePositions({ round: 0, layers: [{ name: 'w', shape: [6], indices: v as Uint32Array }] }),
  }));
  slot('encodeAligned', 'positionsId', fc.oneof(notNumber, named(fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff))), (v) => ({ run: () => encodeAligned(aligned(v as number)) }));
  for (const [caller, decode] of [['decodeUpdate', decodeUpdate], ['decodePositions', decodePositions], ['decodeAligned', decodeAligned]] as const) {
    slot(caller, 'bytes', notTyped(() => new Uint8Array(30)), (v) => ({ run: () => decode(v as Uint8Array) }));
    // Hostile content: the format error names the problem, not the argument.
    slot(caller, 'bytes (content)', fc.uint8Array({ maxLength: 64 }).map((b) => bad(b, [])), (v) => ({ run: () => decode(v as Uint8Array), watch: v }), ['DgpFormatError'], '');
  }
});

describe('aggregation', () => {
  slot('aggregateUpdates', 'updates', named(fc.oneof(primitive, builtin, otherTyped, fc.constant([]))), (v) => ({ run: () => aggregateUpdates(v as never, { maxElements: 100 }) }));
  slot('aggregateUpdates', 'options', notObject, (v) => ({ run: () => aggregateUpdates([update()], v as never) }));
  slot('aggregateUpdates', 'options.maxElements', fc.oneof(notNumber, named(fc.double().filter((x) => !Number.isSafeInteger(x) || x < 0))), (v) => ({ run: () => aggregateUpdates([update()], { maxElements: v as number }) }));
  slot('aggregateUpdates', 'options.reduce', fc.oneof(named(fc.oneof(fc.constant(null), fc.double(), fc.constant({}))), named(fc.constantFrom('avg', 'toString', '__proto__', 'Sum'))), (v) => ({ run: () => aggregateUpdates([update()], { reduce: v as never, maxElements: 100 }) }));
  slot('aggregateUpdates', 'options.weights', named(fc.oneof(primitive.filter((x) => x !== undefined), builtin, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 3 }))), (v) => ({ run: () => aggregateUpdates([update()], { weights: v as number[], maxElements: 100 }) }));
  slot('aggregateUpdates', 'options.weights[0]', fc.oneof(notNumber, named(fc.double().filter((x) => !(Number.isFinite(x) && x >= 0)))), (v) => ({ run: () => aggregateUpdates([update()], { weights: [v as number], reduce: 'mean', maxElements: 100 }) }));
  slot('densifyUpdate', 'update', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => densifyUpdate(v as never, { maxElements: 100 }) }));
  slot('densifyUpdate', 'options', notObject, (v) => ({ run: () => densifyUpdate(update(), v as never) }));
  slot('aggregateToTensors', 'layers', named(fc.oneof(primitive, builtin, otherTyped, fc.constant({}))), (v) => ({ run: () => aggregateToTensors(v as never) }));
  slot('aggregateToTensors', 'shape', badShape, (v) => ({ run: () => aggregateToTensors([{ name: 'a', shape: [1], values: ramp(1) }, { name: 'b', shape: v as number[], values: ramp(1) }]) }));
  slot('aggregateToTensors', 'name', badName, (v) => ({ run: () => aggregateToTensors([{ name: 'a', shape: [1], values: ramp(1) }, { name: v as string, shape: [1], values: ramp(1) }]) }));
  slot('sparseFromDense', 'layers', named(fc.oneof(primitive.filter((x) => x !== undefined), builtin, otherTyped, fc.constant({}))), (v) => ({ run: () => sparseFromDense(v as never) }));
  slot('sparseFromDense', 'round', badRound.filter((b) => b.value !== undefined), (v) => ({ run: () => sparseFromDense([], v as number) }));
  slot('sparseFromDense', 'values', notTyped(() => new Float32Array(1)), (v) => ({ run: () => sparseFromDense([{ name: 'w', shape: [1], values: v as Float32Array }]) }));
});

describe('ADGP', () => {
  slot('chooseAlignedPositions', 'grads', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => chooseAlignedPositions(v as never, cfg) }));
  slot('chooseAlignedPositions', 'config', notObject, (v) => ({ run: () => chooseAlignedPositions([{ name: 'w', shape: [4], values: ramp(4) }], v as never) }));
  slot('chooseAlignedPositions', 'round', badRound.filter((b) => b.value !== undefined), (v) => ({ run: () => chooseAlignedPositions([{ name: 'w', shape: [4], values: ramp(4) }], cfg, v as number) }));
  slot('aggregateAligned', 'uploads', named(fc.oneof(primitive, builtin, otherTyped, fc.constant([]))), (v) => ({ run: () => aggregateAligned(v as never, positions()) }));
  slot('aggregateAligned', 'positions', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => aggregateAligned([aligned(1)], v as never) }));
  slot('aggregateAligned', 'options', notObject, (v) => {
    const p = positions();
    return { run: () => aggregateAligned([aligned(p.id!)], p, v as never) };
  });
  slot('densifyAligned', 'aligned', named(fc.oneof(primitive, builtin, otherTyped)), (v) => ({ run: () => densifyAligned(v as never, positions(), { maxElements: 100 }) }));
  slot('densifyAligned', 'shape', badShape, (v) => {
    const p = { ...positions(), layers: [{ name: 'w', shape: v as number[], indices: Uint32Array.of(0) }] };
    return { run: () => densifyAligned(aligned(p.id!), p, { maxElements: 100 }) };
  });
});

describe('backend and streaming aggregator', () => {
  slot('setBackend', 'name', named(fc.oneof(primitive, fc.constantFrom('gpu', 'NATIVE', 'toString', '__proto__', ''))), (v) => ({ run: () => setBackend(v as never) }));
  slot('setThreads', 'threads', fc.oneof(notNumber, named(fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > 1024))), (v) => ({ run: () => setThreads(v as number) }));
  slot('new Aggregator', 'options', notObject, (v) => ({ run: () => new Aggregator(v as never) }));
  slot('new Aggregator', 'options.reduce', named(fc.oneof(fc.constant(null), fc.double(), fc.constantFrom('avg', 'toString', '__proto__'))), (v) => ({ run: () => new Aggregator({ maxElements: 10, reduce: v as never }) }));
  slot('new Aggregator', 'name', badName, (v) => ({ run: () => new Aggregator({ maxElements: 10, layout: [{ name: v as string, shape: [2] }] }) }));
  slot('new Aggregator', 'shape', badShape, (v) => ({ run: () => new Aggregator({ maxElements: 10, layout: [{ name: 'w', shape: v as number[] }] }) }));
  slot('Aggregator.add', 'bytes', notTyped(() => encodeUpdate(update())), (v) => {
    const agg = new Aggregator({ maxElements: 100 });
    return { run: () => agg.add(v as Uint8Array), watch: () => [agg.count, agg.totalWeight, agg.round] };
  });
  slot('Aggregator.merge', 'bytes', notTyped(() => encodeUpdate(update())), (v) => {
    const agg = new Aggregator({ maxElements: 100 });
    agg.add(encodeUpdate(update()));
    return { run: () => agg.merge(v as Uint8Array), watch: () => [agg.count, agg.totalWeight, agg.round, agg.encodePartial()] };
  });
  slot('Aggregator.merge', 'bytes (content)', fc.uint8Array({ maxLength: 64 }).map((b) => bad(b, [])), (v) => {
    const agg = new Aggregator({ maxElements: 100 });
    agg.add(encodeUpdate(update()));
    return { run: () => agg.merge(v as Uint8Array), watch: () => [agg.count, agg.totalWeight, agg.round, agg.encodePartial()] };
  }, ['DgpFormatError'], '');
  slot('decodePartial', 'bytes', notTyped(() => new Uint8Array(40)), (v) => ({ run: () => decodePartial(v as Uint8Array) }));
  slot('decodePartial', 'bytes (content)', fc.uint8Array({ maxLength: 64 }).map((b) => bad(b, [])), (v) => ({ run: () => decodePartial(v as Uint8Array), watch: v }), ['DgpFormatError'], '');
  // Modular (secure-aggregation) mode: kinds 5 and 6.
  const integer = (round: unknown = 1, positionsId: unknown = 0): Uint8Array =>
    encodeIntegerUpdate({ round: round as number, positionsId: positionsId as number, layers: [{ name: 'w', shape: [2], values: Uint32Array.of(1, 0xffffffff) }] });
  slot('encodeIntegerUpdate', 'round', badRound.filter((b) => b.value !== undefined), (v) => ({ run: () => integer(v) }));
  slot('encodeIntegerUpdate', 'positionsId', fc.oneof(notNumber.filter((b) => b.value !== undefined), named(fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff))), (v) => ({ run: () => integer(1, v) }));
  for (const [caller, decode] of [['decodeIntegerUpdate', decodeIntegerUpdate], ['decodeModularPartial', decodeModularPartial]] as const) {
    slot(caller, 'bytes', notTyped(() => integer()), (v) => ({ run: () => decode(v as Uint8Array) }));
    slot(caller, 'bytes (content)', fc.uint8Array({ maxLength: 64 }).map((b) => bad(b, [])), (v) => ({ run: () => decode(v as Uint8Array), watch: v }), ['DgpFormatError'], '');
  }
  const modular = (): Aggregator<{ modular: true; maxElements: number }> => {
    const agg = new Aggregator({ modular: true, maxElements: 100 });
    agg.add(integer());
    return agg;
  };
  slot('Aggregator.add', 'bytes (modular)', notTyped(() => integer()), (v) => {
    const agg = modular();
    return { run: () => agg.add(v as Uint8Array), watch: () => [agg.count, agg.round, agg.encodePartial()] };
  }, ['TypeError', 'RangeError'], 'bytes');
  for (const method of ['add', 'merge'] as const)
    slot(`Aggregator.${method}`, 'bytes (modular content)', fc.uint8Array({ maxLength: 64 }).map((b) => bad(b, [])), (v) => {
      const agg = modular();
      return { run: () => agg[method](v as Uint8Array), watch: () => [agg.count, agg.round, agg.encodePartial()] };
    }, ['DgpFormatError'], '');
  slot('Aggregator.add', 'weight (modular)', named(fc.double().filter((x) => x !== 1)), (v) => {
    const agg = modular();
    return { run: () => agg.add(integer(), v as number), watch: () => [agg.count, agg.round, agg.encodePartial()] };
  }, ['TypeError', 'RangeError'], 'weight');
  slot('Aggregator.add', 'weight', fc.oneof(notNumber.filter((b) => b.value !== undefined), named(fc.double().filter((x) => !(Number.isFinite(x) && x >= 0 && x <= 2 ** 32)))), (v) => {
    const agg = new Aggregator({ maxElements: 100 });
    return { run: () => agg.add(encodeUpdate(update()), v as number), watch: () => [agg.count, agg.totalWeight, agg.round] };
  });
});
