/**
 * Secure-aggregation kernel speed (issue 21): a client masking 10^6 uint32 values for 16
 * neighbours plus its self mask, i.e. 17 maskAdd calls of 10^6 words each (17·10^6 ChaCha20
 * keystream words), on native (the kernel is single-threaded), wasm and TypeScript, and
 * quantizeStochastic of 10^6 float32 values. Targets: native <= 50 ms, wasm <= 150 ms for the 17
 * calls. The backends' results are compared bit for bit before timing. Medians of `repeats` runs.
 * `npm run bench -- --secagg-kernels` (with --filter / --only too), or alone:
 * `node out/bench/secagg_kernels_section.js [--quick] [n]`.
 */
import { backendInfo, nativeBinding } from '../src/backend';
import type { Kernels } from '../src/surface/kernels';
import { tsKernels } from '../src/backends/ts/kernels';
import { wasmKernels } from '../src/backends/wasm/kernels';
import { median } from '../shared-dev/stats';

type SecaggKernels = Pick<Kernels, 'maskAdd' | 'quantizeStochastic'>;

export interface SecaggRow {
  form: string;
  /** Median milliseconds of one measured run (17 maskAdd calls, or one quantizeStochastic). */
  ms: number;
  /** Nanoseconds per keystream word (maskAdd) or per value (quantizeStochastic). */
  nsPer: number;
}

export interface SecaggResult {
  n: number;
  rows: SecaggRow[];
  targets: Array<{ name: string; value: number | null; met: boolean | null }>;
}

const CALLS = 17;
const KEY = Uint32Array.from([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, 0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c]);

function timeMs(fn: () => void, repeats: number): number {
  fn();  // warm-up (JIT, wasm memory growth)
  const t: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

/** The 17 masks: one nonce per neighbour, alternately added and subtracted. */
function maskAll(k: SecaggKernels, acc: Uint32Array): void {
  for (let c = 0; c < CALLS; c++) k.maskAdd(KEY, Uint32Array.from([c, 0, 21]), 0, (c & 1) === 1, acc);
}

export function runSecaggKernels(quick: boolean, log: (s: string) => void, n = 1_000_000): SecaggResult {
  const repeats = quick ? 3 : 7;
  log(`\n## Secure-aggregation kernels: ${CALLS} maskAdd of ${n.toExponential(0)} words, quantizeStochastic of ${n.toExponential(0)} values`);
  const backends: Array<[string, SecaggKernels]> = [];
  if (backendInfo().available.native) backends.push([`native (${backendInfo().native?.simd ?? '?'}, 1 thread)`, nativeBinding()!]);
  backends.push(['wasm', wasmKernels], ['ts', tsKernels]);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = Math.sin(i) * 3;
  const start = Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0);
  // bit-identical first: every backend's masked vector and quantized values equal the first one's
  let refMask: Uint32Array | null = null;
  let refQuant: Int32Array | null = null;
  const rows: SecaggRow[] = [];
  const maskMs: Record<string, number> = {};
  for (const [name, k] of backends) {
    const acc = start.slice();
    maskAll(k, acc);
    const q = new Int32Array(n);
    k.quantizeStochastic(KEY, Uint32Array.from([1, 2, 3]), 5, values, 4, 1 << 20, q);
    if (refMask === null || refQuant === null) {
      refMask = acc.slice();  // (the timing below keeps masking acc)
      refQuant = q.slice();
    } else {
      for (let i = 0; i < n; i++) if (acc[i] !== refMask[i]) throw new Error(`bench: ${name} maskAdd differs at ${i}`);
      for (let i = 0; i < n; i++) if (q[i] !== refQuant[i]) throw new Error(`bench: ${name} quantizeStochastic differs at ${i}`);
    }
    const reps = name === 'ts' ? Math.min(repeats, 3) : repeats;
    const ms = timeMs(() => maskAll(k, acc), reps);
    maskMs[name.split(' ')[0]] = ms;
    rows.push({ form: `${name} maskAdd ×${CALLS}`, ms, nsPer: (ms * 1e6) / (CALLS * n) });
    const qms = timeMs(() => k.quantizeStochastic(KEY, Uint32Array.from([1, 2, 3]), 5, values, 4, 1 << 20, q), reps);
    rows.push({ form: `${name} quantizeStochastic`, ms: qms, nsPer: (qms * 1e6) / n });
  }
  for (const r of rows) log(`  ${r.form.padEnd(44)} ${r.ms.toFixed(1).padStart(8)} ms  ${r.nsPer.toFixed(2)} ns/${r.form.includes('mask') ? 'word' : 'value'}`);
  const targets = [
    { name: `native maskAdd ${CALLS}×10^6 words <= 50 ms`, value: maskMs.native ?? null, limit: 50 },
    { name: `wasm maskAdd ${CALLS}×10^6 words <= 150 ms`, value: maskMs.wasm ?? null, limit: 150 },
  ].map((t) => ({ name: t.name, value: t.value, met: t.value === null || n !== 1_000_000 ? null : t.value <= t.limit }));
  for (const t of targets) log(`  [${t.met === null ? ' ?' : t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.value === null ? '-' : t.value.toFixed(1) + ' ms'}`);
  return { n, rows, targets };
}

// `node out/bench/secagg_kernels_section.js [--quick] [n]`: this section alone.
if (require.main === module) {
  const quick = process.argv.includes('--quick');
  const nArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  runSecaggKernels(quick, (s) => console.log(s), nArg ? Number(nArg) : undefined);
}
