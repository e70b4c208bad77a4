/**
 * The layer and timing loop of `npm run bench:browser`, shared by the page (bundled for
 * Chromium) and Node, so both time the same call on the same values: one layer of 10^7
 * log-normal float32 gradients, top 1% / bottom 80%, class codes into a preallocated array.
 */
type Dgp = typeof import('../../src');

export const N = 1e7;
export const TOP_RATIO = 0.01;
export const BOTTOM_RATIO = 0.8;

export function makeLayer(n = N): Float32Array {
  let s = 12345;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const normal = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
    g[i] = (next() < 0.5 ? -1 : 1) * Math.exp(2 * normal - 6);
  }
  return g;
}

export interface Timing {
  backend: string;
  /** Median ns per element over `samples` calls (after one warm-up call). */
  nsPerElement: number;
  samples: number[];
}

/** Times dualTopBottomK on `backend`; `now` is performance.now (page) or its Node twin. */
export function timeBackend(dgp: Dgp, backend: 'native' | 'wasm' | 'ts', g: Float32Array, now: () => number, runs = 7): Timing {
  const { kTop, kBottom } = dgp.countsFromRatios(g.length, TOP_RATIO, BOTTOM_RATIO);
  const codes = new Uint8Array(g.length);
  dgp.setBackend(backend);
  try {
    dgp.dualTopBottomK(g, kTop, kBottom, codes);
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = now();
      dgp.dualTopBottomK(g, kTop, kBottom, codes);
      samples.push(((now() - t) * 1e6) / g.length);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return { backend, nsPerElement: sorted[sorted.length >> 1], samples };
  } finally {
    dgp.setBackend('auto');
  }
}
