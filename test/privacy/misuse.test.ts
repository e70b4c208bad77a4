/**
 * Generated misuse of the accountant (fast-check), in the style of test/misuse: each argument and
 * field of dpEpsilon, dpNoiseMultiplier and the helpers is replaced by a bad value in an
 * otherwise valid call; the call must throw a TypeError (wrong type) or RangeError (bad value)
 * whose message starts with the call, names the argument and shows the value (docs/ERRORS.md).
 */
import fc from 'fast-check';
import { dpEpsilon, dpNoiseMultiplier, epsilonFromRdp, gaussianDelta, gaussianEpsilon, rdpSubsampledGaussian } from '../../src';
import { describeValue } from '../../src/errors';

const RUNS = Number(process.env.DGP_MISUSE_RUNS ?? 50);

const notNumber = fc.oneof(
  fc.constant(null), fc.constant(undefined), fc.boolean(), fc.string({ maxLength: 6 }), fc.bigInt({ min: -5n, max: 5n }),
  fc.constant(Symbol('s')), fc.constantFrom<unknown>(() => 1, new Map(), new Date(0), [1], {}, new Float64Array(1)),
);
const isNum = (v: unknown): v is number => typeof v === 'number';
const badMultiplier = fc.oneof(notNumber, fc.double().filter((x) => !(x >= 0 && x < Infinity)));
const badRate = fc.oneof(notNumber, fc.double().filter((x) => !(x >= 0 && x <= 1)));
const badRounds = fc.oneof(notNumber, fc.double().filter((x) => !Number.isSafeInteger(x) || x < 0));
const badDelta = fc.oneof(notNumber, fc.double().filter((x) => !(x > 0 && x < 1)));
const badEpsilon = fc.oneof(notNumber, fc.double().filter((x) => !(x > 0 && x < Infinity)));

function expectBad(call: () => unknown, value: unknown, prefix: string, cls: ErrorConstructor = isNum(value) ? RangeError : TypeError): void {
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  const msg = (err as Error).message;
  expect(msg.startsWith(prefix)).toBe(true);
  expect(msg).toContain(`got ${describeValue(value)}`);
}

const okEps = { noiseMultiplier: 1.3, samplingRate: 0.02, rounds: 20, delta: 1e-5 };
const okInv = { epsilon: 4, delta: 1e-5, samplingRate: 0.02, rounds: 20 };

test.each([
  ['noiseMultiplier', badMultiplier],
  ['samplingRate', badRate],
  ['rounds', badRounds],
  ['delta', badDelta],
] as const)('dpEpsilon: a bad %s', (field, arb) => {
  fc.assert(
    fc.property(arb, (v) => expectBad(() => dpEpsilon({ ...okEps, [field]: v } as never), v, `dpEpsilon: ${field} must be`)),
    { numRuns: RUNS },
  );
});

test.each([
  ['epsilon', badEpsilon],
  ['delta', badDelta],
  ['samplingRate', badRate],
  ['rounds', badRounds],
] as const)('dpNoiseMultiplier: a bad %s', (field, arb) => {
  fc.assert(
    fc.property(arb, (v) => expectBad(() => dpNoiseMultiplier({ ...okInv, [field]: v } as never), v, `dpNoiseMultiplier: ${field} must be`)),
    { numRuns: RUNS },
  );
});

test('the argument itself must be a plain object', () => {
  fc.assert(
    fc.property(fc.oneof(notNumber.filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype)), fc.double()), (v) => {
      expectBad(() => dpEpsilon(v as never), v, 'dpEpsilon: the argument must be', TypeError);
      expectBad(() => dpNoiseMultiplier(v as never), v, 'dpNoiseMultiplier: the argument must be', TypeError);
    }),
    { numRuns: RUNS },
  );
});

test('helpers: bad q, z, orders, rdp, delta, sigma, epsilon', () => {
  fc.assert(
    fc.property(badRate, badMultiplier, badDelta, (q, z, d) => {
      expectBad(() => rdpSubsampledGaussian(q as number, 1), q, 'rdpSubsampledGaussian: q must be');
      expectBad(() => rdpSubsampledGaussian(0.1, z as number), z, 'rdpSubsampledGaussian: z must be');
      expectBad(() => epsilonFromRdp([2], [1], d as number), d, 'epsilonFromRdp: delta must be');
      expectBad(() => gaussianDelta(z as number, 1), z, 'gaussianDelta: sigma must be');
      expectBad(() => gaussianEpsilon(1, d as number), d, 'gaussianEpsilon: delta must be');
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.oneof(notNumber, fc.double().filter((x) => !(x > 1 && x <= 2 ** 20))), (a) => {
      expectBad(() => rdpSubsampledGaussian(0.1, 1, [2, a as number]), a, 'rdpSubsampledGaussian: orders[1] must be');
      expectBad(() => epsilonFromRdp([a as number], [1], 1e-5), a, 'epsilonFromRdp: orders[0] must be');
    }),
    { numRuns: RUNS },
  );
});
