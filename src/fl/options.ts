/** Validation of the options shared by aggregation and densifying. */
import { describeValue } from '../errors';
import { DgpFormatError } from './errors';
import type { AggregateOptions } from './types';

/** The required element limit (a positive safe integer). */
export function checkLimit(options: unknown, caller: string): number {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${caller}: options must be an object with maxElements, got ${describeValue(options)}`);
  const max = (options as { maxElements?: unknown }).maxElements;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0)
    throw new RangeError(`${caller}: options.maxElements must be a non-negative integer (an explicit bound on dense elements), got ${describeValue(max)}`);
  return max;
}

export function enforceLimit(elements: number, max: number, caller: string): void {
  if (elements > max)
    throw new DgpFormatError(`${caller}: the result needs ${elements} dense elements, more than options.maxElements = ${max}`);
}

/**
 * The float32 factor each of `count` inputs is multiplied by: 1 (sum), w_c (weighted sum),
 * 1/count or w_c / Σw (mean), each rounded to float32 once so every backend uses the same factor.
 */
export function factors(options: AggregateOptions | undefined, count: number, caller: string): number[] {
  const reduce = options?.reduce ?? 'sum';
  if (reduce !== 'sum' && reduce !== 'mean')
    throw new RangeError(`${caller}: options.reduce must be 'sum' or 'mean', got ${describeValue(reduce)}`);
  const weights = options?.weights;
  let w: number[];
  if (weights === undefined) w = new Array<number>(count).fill(1);
  else {
    if (!Array.isArray(weights) || weights.length !== count)
      throw new RangeError(`${caller}: options.weights must be an Array of ${count} numbers (one per input), got ${describeValue(weights)}`);
    weights.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
        throw new RangeError(`${caller}: options.weights[${i}] must be a finite number >= 0, got ${describeValue(x)}`);
    });
    w = weights;
  }
  if (reduce === 'sum') return w.map((x) => Math.fround(x));
  const total = w.reduce((s, x) => s + x, 0);
  if (!(total > 0)) throw new RangeError(`${caller}: options.weights must have a positive sum for 'mean', got ${total}`);
  return w.map((x) => Math.fround(x / total));
}

export function checkList<T>(list: unknown, caller: string, what: string): T[] {
  if (!Array.isArray(list) || list.length === 0)
    throw new TypeError(`${caller}: ${what} must be a non-empty Array, got ${describeValue(list)}`);
  list.forEach((x, i) => {
    if (x === null || typeof x !== 'object' || !Array.isArray((x as { layers?: unknown }).layers))
      throw new TypeError(`${caller}: ${what}[${i}] must be an object with layers, got ${describeValue(x)}`);
  });
  return list as T[];
}
