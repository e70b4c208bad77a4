/** Counts (SPEC §2): explicit kTop/kBottom, or from ratios. */
import { describeValue } from './errors';
import { probeMissing } from './read';

const CONFIG_FIELDS = ['topRatio', 'bottomRatio', 'kTop', 'kBottom'] as const;

export interface Counts {
  kTop: number;
  kBottom: number;
}

/** Either explicit counts or ratios of the layer size. */
export type DgpConfig = { topRatio: number; bottomRatio: number } | { kTop: number; kBottom: number };

function checkRatio(ratio: unknown, what: string): number {
  if (typeof ratio !== 'number')
    throw new TypeError(`${what} must be a number in [0, 1], got ${describeValue(ratio)}`);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new RangeError(`${what} must be a finite number in [0, 1], got ${describeValue(ratio)}`);
  return ratio;
}

function checkCount(k: unknown, what: string): number {
  if (typeof k !== 'number') throw new TypeError(`${what} must be a non-negative integer, got ${describeValue(k)}`);
  if (!Number.isSafeInteger(k) || k < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${describeValue(k)}`);
  return k;
}

function checkSize(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${describeValue(n)}`);
  return n;
}

/** kTop = min(n, floor(topRatio·n + 1e-6)), likewise kBottom; their sum must not exceed n. */
export function countsFromRatios(n: number, topRatio: number, bottomRatio: number, caller = 'countsFromRatios'): Counts {
  checkSize(n, `${caller}: n`);
  checkRatio(topRatio, `${caller}: topRatio`);
  checkRatio(bottomRatio, `${caller}: bottomRatio`);
  const kTop = Math.min(n, Math.floor(topRatio * n + 1e-6));
  const kBottom = Math.min(n, Math.floor(bottomRatio * n + 1e-6));
  if (kTop + kBottom > n)
    throw new RangeError(
      `${caller}: topRatio ${topRatio} and bottomRatio ${bottomRatio} give kTop ${kTop} + kBottom ${kBottom} > n ${n}`,
    );
  return { kTop, kBottom };
}

/** Explicit counts for a layer of n elements, validated. */
export function checkCounts(n: number, kTop: unknown, kBottom: unknown, caller: string): Counts {
  const t = checkCount(kTop, `${caller}: kTop`);
  const b = checkCount(kBottom, `${caller}: kBottom`);
  if (t + b > n) throw new RangeError(`${caller}: kTop ${t} + kBottom ${b} exceeds the layer size ${n}`);
  return { kTop: t, kBottom: b };
}

/**
 * The ratios used when a call gives no config: send the largest 10% of every layer and drop the
 * rest (topRatio 0: no top set is withheld, so this is plain top-k pruning). A **compression**
 * default, chosen from the project's privacy/utility evaluation: eval/README.md states the
 * evidence and its current figures. DGP's top withholding is opt-in (pass a topRatio); for
 * privacy, add noise and measure it: the ratios alone do not give it.
 */
export const DEFAULT_CONFIG: Readonly<{ topRatio: number; bottomRatio: number }> = Object.freeze({
  topRatio: 0,
  bottomRatio: 0.9,
});

/**
 * Validates a config object's shape (not yet against a size) and returns a plain copy, each field
 * read once; undefined gives DEFAULT_CONFIG. A field set to undefined counts as absent.
 */
export function checkConfig(config: unknown, caller: string): DgpConfig {
  if (config === undefined) return DEFAULT_CONFIG;
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new TypeError(`${caller}: config must be {topRatio, bottomRatio} or {kTop, kBottom}, got ${describeValue(config)}`);
  const { topRatio, bottomRatio, kTop, kBottom } = config as Record<string, unknown>;
  const hasRatio = topRatio !== undefined || bottomRatio !== undefined;
  const hasCount = kTop !== undefined || kBottom !== undefined;
  // A field about to be reported missing: a throwing `has` trap's own error goes first.
  if (hasCount ? kTop === undefined || kBottom === undefined : topRatio === undefined || bottomRatio === undefined)
    probeMissing(config, CONFIG_FIELDS, [topRatio, bottomRatio, kTop, kBottom]);
  if (hasRatio && hasCount)
    throw new TypeError(`${caller}: config must give either ratios or counts, not both`);
  if (hasCount)
    return { kTop: checkCount(kTop, `${caller}: config.kTop`), kBottom: checkCount(kBottom, `${caller}: config.kBottom`) };
  return {
    topRatio: checkRatio(topRatio, `${caller}: config.topRatio`),
    bottomRatio: checkRatio(bottomRatio, `${caller}: config.bottomRatio`),
  };
}

/** The counts a (checked) config gives for a layer of n elements. */
export function countsFor(n: number, config: DgpConfig, caller: string): Counts {
  if ('kTop' in config) return checkCounts(n, config.kTop, config.kBottom, caller);
  return countsFromRatios(n, config.topRatio, config.bottomRatio, caller);
}
