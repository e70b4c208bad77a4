/**
 * The accountant's special functions (src/privacy/special.ts) against reference values computed
 * with mpmath at 50 digits (`mpmath.erfc(x)`, `mpmath.log(mpmath.erfc(x))`, `mpmath.ncdf(x)`),
 * printed to 17 significant digits.
 */
import { erfc, erfcx, logErfc, logNormalCdf, normalCdf, logAdd, logSumExp } from '../../src/privacy/special';

const relErr = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

const ERFC: Array<[number, number]> = [
  [-5.5, 1.9999999999999926],
  [-1.2, 1.9103139782296354],
  [-0.3, 1.3286267594591274],
  [0, 1.0],
  [0.2, 0.77729741078952153],
  [0.49, 0.48833173881147691],
  [0.5, 0.47950012218695346],
  [0.77, 0.2761783860351407],
  [1.3, 0.065992055059347554],
  [2.9, 4.1097878099458858e-5],
  [3.99, 1.6739211364520814e-8],
  [4, 1.5417257900280019e-8],
  [5.5, 7.3578479179743981e-15],
  [9, 4.1370317465138102e-37],
  [15, 7.2129941724512067e-100],
  [25, 8.3001725711965228e-274],
  [26.4, 4.4017768588035427e-305],
];

test.each(ERFC)('erfc(%p) to 1e-15 relative (and erfcx, logErfc consistent)', (x, want) => {
  expect(relErr(erfc(x), want)).toBeLessThan(1e-15);
  if (x === 0) expect(Math.abs(logErfc(x))).toBe(0);
  else expect(relErr(logErfc(x), Math.log(want))).toBeLessThan(1e-15);
  if (x >= 0) expect(relErr(erfcx(x), want * Math.exp(x * x))).toBeLessThan(x > 5 ? 1e-13 : 1e-15); // e^(x²) rounds
});

test.each([
  [30, -903.97411711064388],
  [100, -10005.177585122664],
  [1e4, -100000009.78270532],
  [1e150, -1e300],
])('logErfc(%p) where erfc underflows', (x, want) => {
  expect(erfc(x)).toBe(0);
  expect(relErr(logErfc(x), want)).toBeLessThan(1e-15);
});

test('normal CDF in both tails (relative error below (x² + 8)·1.1e-16: x/√2 rounds)', () => {
  expect(relErr(normalCdf(-8), 6.2209605742717841e-16)).toBeLessThan(72 * 1.1e-16);
  expect(relErr(normalCdf(-3), 0.0013498980316300945)).toBeLessThan(17 * 1.1e-16);
  expect(normalCdf(0)).toBe(0.5);
  expect(relErr(normalCdf(1.5), 0.93319279873114193)).toBeLessThan(1e-15);
  expect(relErr(logNormalCdf(-8), Math.log(6.2209605742717841e-16))).toBeLessThan(3e-16);
  expect(logNormalCdf(-100)).toBeLessThan(-5000);
  expect(Number.isFinite(logNormalCdf(-100))).toBe(true);
});

test('erfc special values and symmetry', () => {
  expect(erfc(Infinity)).toBe(0);
  expect(erfc(-Infinity)).toBe(2);
  expect(logErfc(Infinity)).toBe(-Infinity);
  expect(erfc(NaN)).toBeNaN();
  for (const x of [0.1, 0.7, 2.2, 3.3]) expect(Math.abs(erfc(x) + erfc(-x) - 2)).toBeLessThan(4e-16);
  expect(() => erfcx(-1)).toThrow(RangeError);
});

test('log-space sums', () => {
  expect(logAdd(-Infinity, 3)).toBe(3);
  expect(logAdd(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 15);
  expect(logAdd(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
  expect(logSumExp([1000, 1000, 1000])).toBeCloseTo(1000 + Math.log(3), 12);
  expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
  expect(logSumExp([0, Infinity])).toBe(Infinity);
});
