/**
 * Generated misuse of the privacy options (fast-check): each field of ErrorFeedback's and
 * Aggregator's `options.privacy` replaced by a bad value in an otherwise valid call throws a
 * TypeError (wrong type) or RangeError (bad value) that starts with the call, names the field and
 * shows the value (docs/ERRORS.md).
 */
import fc from 'fast-check';
import { Aggregator, ErrorFeedback } from '../../src';
import { describeValue } from '../../src/errors';

const RUNS = Number(process.env.DGP_MISUSE_RUNS ?? 50);
const CONFIG = { topRatio: 0.1, bottomRatio: 0.5 };

const notNumber = fc.oneof(
  fc.constant(null), fc.boolean(), fc.string({ maxLength: 6 }), fc.bigInt({ min: -5n, max: 5n }),
  fc.constant(Symbol('s')), fc.constantFrom<unknown>(() => 1, new Map(), new Date(0), [1], {}, new Float64Array(1)),
);
const isNum = (v: unknown): v is number => typeof v === 'number';
const badPositive = fc.oneof(notNumber, fc.constant(undefined), fc.double().filter((x) => !(x > 0 && x < Infinity)));
const badMultiplier = fc.oneof(notNumber, fc.constant(undefined), fc.double().filter((x) => !(x >= 0 && x < Infinity)));
const badLocalMultiplier = fc.oneof(badMultiplier, fc.constant(0));
const badSeed = fc.oneof(
  fc.constant(null), fc.boolean(), fc.string({ maxLength: 6 }), fc.constantFrom<unknown>([1], {}, new Uint8Array(31), new Float64Array(32)),
  fc.double().filter((x) => !(Number.isSafeInteger(x) && x >= 0)),
);
const badNoise = fc.oneof(notNumber, fc.constant(undefined), fc.constantFrom('Local', 'global', 'toString', '__proto__', '', 'central '));

function expectBad(call: () => unknown, value: unknown, prefix: string): void {
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  // A number or a Uint8Array of the wrong length: RangeError; a string: RangeError for an unknown
  // noise mode, TypeError where a number is expected; anything else: TypeError.
  if (isNum(value) || value instanceof Uint8Array) expect(err).toBeInstanceOf(RangeError);
  else if (typeof value === 'string') expect(err instanceof RangeError || err instanceof TypeError).toBe(true);
  else expect(err).toBeInstanceOf(TypeError);
  const msg = (err as Error).message;
  expect(msg.startsWith(prefix)).toBe(true);
  expect(msg).toContain(`got ${describeValue(value)}`);
}

const okLocal = { noise: 'local', clipNorm: 1, noiseMultiplier: 1.1, unsafeSeed: 3 };
const okServer = { clipNorm: 1, noiseMultiplier: 1.1, expectedClients: 10, unsafeSeed: 3 };

test.each([
  ['noise', badNoise],
  ['clipNorm', badPositive],
  ['noiseMultiplier', badLocalMultiplier],
  ['unsafeSeed', badSeed],
] as const)('ErrorFeedback: a bad options.privacy.%s', (field, arb) => {
  fc.assert(
    fc.property(arb, (v) =>
      expectBad(() => new ErrorFeedback(CONFIG, { privacy: { ...okLocal, [field]: v } } as never), v, `ErrorFeedback: options.privacy.${field} must be`),
    ),
    { numRuns: RUNS },
  );
});

test.each([
  ['clipNorm', badPositive],
  ['noiseMultiplier', badMultiplier],
  ['expectedClients', badPositive.filter((v) => v !== undefined)],
  ['unsafeSeed', badSeed],
] as const)('new Aggregator: a bad options.privacy.%s', (field, arb) => {
  fc.assert(
    fc.property(arb, (v) =>
      expectBad(
        () => new Aggregator({ maxElements: 10, reduce: 'mean', privacy: { ...okServer, [field]: v } } as never),
        v,
        `new Aggregator: options.privacy.${field} must be`,
      ),
    ),
    { numRuns: RUNS },
  );
});

test('a bad value changes nothing: a valid ErrorFeedback and Aggregator still work after', () => {
  const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 1, noiseMultiplier: 0 } });
  expect(() => ef.privacySpent({ delta: 0 })).toThrow(new RangeError('ErrorFeedback.privacySpent: options.delta must be a number in (0, 1), got 0'));
  expect(() => ef.privacySpent({ delta: '1e-5' } as never)).toThrow(TypeError);
  expect(() => ef.privacySpent({ delta: 1e-5, samplingRate: 1.5 })).toThrow(/options\.samplingRate must be a number in \[0, 1\], got 1\.5/);
  expect(() => ef.privacySpent(undefined as never)).toThrow(/options must be an object/);
  expect(() => ef.privacySpent({ delta: 1e-5, rounds: -1, samplingRate: 0.5 })).toThrow(/options\.rounds must be an integer >= the 0 rounds/);
  expect(ef.privacySpent({ delta: 1e-5 })).toMatchObject({ epsilon: 0, rounds: 0 });
});
