/** Property tests (fast-check): any float32 layer, any valid counts, every backend = reference. */
import fc from 'fast-check';

import { selectLayers } from '../../src';
import { CPU_BACKENDS as backends } from '../helpers/backends';
import { firstDifference, referenceCodes } from '../helpers/reference';

// Finite float32 values, biased towards ties, zeros, subnormals and extremes.
const finiteFloat = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38),
  fc.integer({ min: -3, max: 3 }).map((k) => k / 4),
);

const layerWithCounts = fc
  .array(finiteFloat, { maxLength: 300 })
  .chain((arr) =>
    fc.tuple(fc.constant(Float32Array.from(arr)), fc.integer({ min: 0, max: arr.length })).chain(([values, kTop]) =>
      fc.tuple(fc.constant(values), fc.constant(kTop), fc.integer({ min: 0, max: values.length - kTop })),
    ),
  );

test('codes equal the SPEC-order reference; set sizes are exactly kTop, kBottom', () => {
  fc.assert(
    fc.property(layerWithCounts, ([values, kTop, kBottom]) => {
      const expected = referenceCodes(values, kTop, kBottom);
      for (const backend of backends) {
        const [o] = selectLayers([{ values, kTop, kBottom }], { codes: true }, 'prop', backend);
        if (firstDifference(o.codes!, expected) !== -1) return false;
        let top = 0, bottom = 0;
        o.codes!.forEach((c) => { if (c === 2) top++; if (c === 0) bottom++; });
        if (top !== kTop || bottom !== kBottom) return false;
      }
      return true;
    }),
    { numRuns: 400 },
  );
});

test('every top magnitude >= every kept >= every bottom magnitude', () => {
  fc.assert(
    fc.property(layerWithCounts, ([values, kTop, kBottom]) => {
      for (const backend of backends) {
        const [o] = selectLayers([{ values, kTop, kBottom }], { codes: true }, 'prop', backend);
        let minTop = Infinity, maxKept = -1, minKept = Infinity, maxBottom = -1;
        o.codes!.forEach((c, i) => {
          const m = Math.abs(values[i]);
          if (c === 2) minTop = Math.min(minTop, m);
          if (c === 1) { maxKept = Math.max(maxKept, m); minKept = Math.min(minKept, m); }
          if (c === 0) maxBottom = Math.max(maxBottom, m);
        });
        if (!(minTop >= maxKept && minKept >= maxBottom && minTop >= maxBottom)) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});
