/** Validation of the options shared by aggregation and densifying (each field read once). */
import { describeValue } from '../errors';
import { probeMissing, readArray, readChoice, readObject, readOptions } from '../read';
import { DgpFormatError } from './errors';

const LIMIT_FIELDS = 'an object with maxElements';

function checkMax(max: unknown, caller: string): number {
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0)
    throw new (typeof max === 'number' ? RangeError : TypeError)(
      `${caller}: options.maxElements must be a non-negative integer (an explicit bound on dense elements), got ${describeValue(max)}`,
    );
  return max;
}

/** The required element limit (a non-negative safe integer). */
export function checkLimit(options: unknown, caller: string): number {
  const o = readObject(options, `${caller}: options`, LIMIT_FIELDS);
  const { maxElements } = o;
  probeMissing(o, ['maxElements'], [maxElements]); // a throwing `has` trap's error goes first
  return checkMax(maxElements, caller);
}

export function enforceLimit(elements: number, max: number, caller: string): void {
  if (elements > max)
    throw new DgpFormatError(`${caller}: the result needs ${elements} dense elements, more than options.maxElements = ${max}`);
}

/**
 * Aggregation options read once: the float32 factor each of `count` inputs is multiplied by
 * (1 for sum, w_c for a weighted sum, 1/count or w_c / Σw for mean, each rounded to float32 once
 * so every backend uses the same factor) and, when `limit`, options.maxElements.
 */
export function readAggregateOptions(options: unknown, count: number, caller: string, limit: boolean): { w: number[]; max: number } {
  const o = limit ? readObject(options, `${caller}: options`, LIMIT_FIELDS) : readOptions(options, `${caller}: options`, 'an object {reduce?, weights?}');
  const { reduce, weights, maxElements } = o;
  if (limit) probeMissing(o, ['maxElements'], [maxElements]); // a throwing `has` trap's error goes first
  const max = limit ? checkMax(maxElements, caller) : Infinity;
  const r = readChoice(reduce, ['sum', 'mean'] as const, 'sum', `${caller}: options.reduce`);
  let w: number[];
  if (weights === undefined) w = new Array<number>(count).fill(1);
  else {
    w = readArray(weights, `${caller}: options.weights`, `an Array of ${count} numbers (one per input)`) as number[];
    if (w.length !== count)
      throw new RangeError(`${caller}: options.weights must be an Array of ${count} numbers (one per input), got ${describeValue(weights)}`);
    w.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
        throw new (typeof x === 'number' ? RangeError : TypeError)(
          `${caller}: options.weights[${i}] must be a finite number >= 0, got ${describeValue(x)}`,
        );
      if (r === 'sum' && !Number.isFinite(Math.fround(x)))
        throw new RangeError(`${caller}: options.weights[${i}] must be at most the float32 maximum (3.4e38) for 'sum', got ${describeValue(x)}`);
    });
  }
  if (r === 'sum') return { w: w.map((x) => Math.fround(x)), max };
  let total = w.reduce((s, x) => s + x, 0);
  if (!(total > 0)) throw new RangeError(`${caller}: options.weights must have a positive sum for 'mean', got ${total}`);
  if (total === Infinity) {
    // Weights near the double maximum overflow the sum: scale by the largest first so the sum
    // stays finite (only this case; ordinary weights keep the plain formula and its bits).
    const m = Math.max(...w);
    const scaled = w.map((x) => x / m);
    total = scaled.reduce((s, x) => s + x, 0);
    return { w: scaled.map((x) => Math.fround(x / total)), max };
  }
  return { w: w.map((x) => Math.fround(x / total)), max };
}

export function checkList<T>(list: unknown, caller: string, what: string): T[] {
  const items = readArray(list, `${caller}: ${what}`, 'a non-empty Array');
  if (items.length === 0) throw new TypeError(`${caller}: ${what} must be a non-empty Array, got ${describeValue(list)}`);
  return items as T[];
}

/**
 * A layout's names are distinct and its elements fit options.maxElements (the float and the
 * modular modes alike); returns the element count. `E` is the error class for the caller's case
 * (RangeError for an option, DgpFormatError for a message).
 */
export function checkLayoutSize(
  layers: ReadonlyArray<{ name: string; n: number }>, maxElements: number, caller: string, E: new (m: string) => Error, what = '',
): number {
  const seen = new Set<string>();
  let total = 0;
  for (const l of layers) {
    if (seen.has(l.name)) throw new E(`${caller}: layer name '${l.name}' appears twice in the layout`);
    seen.add(l.name);
    total += l.n;
  }
  if (total > maxElements) throw new E(`${caller}: the layout needs ${total}${what} elements, more than options.maxElements = ${maxElements}`);
  return total;
}
