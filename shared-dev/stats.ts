/**
 * The one median of the bench, eval and tests: the middle value, or the mean of the two middle
 * values of an even count; NaN for none. Dev-only (outside src/, nothing here ships).
 */
export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
