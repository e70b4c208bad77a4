/**
 * Noise speed (issue 20 ask 3): 10^7 exact discrete-Gaussian draws (SecureRandom.discreteGaussian
 * at the noise grid's scale 2^20, ChaCha20 keystream included) on native (1 thread: the kernel
 * is single-threaded), wasm and TypeScript, against numpy's insecure, inexact
 * `np.random.default_rng().normal(size=10**7)` in the same run, plus addGaussianNoise on a
 * Float32Array of 10^7 (snapping + draws + writing back) per backend. Targets: native <= numpy;
 * wasm <= 3x native; TypeScript <= 4x wasm. Each form's median of `repeats` calls.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

import { setBackend, backendInfo } from '../src/backend';
import { addGaussianNoise, NOISE_GRID_STEPS } from '../src/privacy/noise';
import { SecureRandom } from '../src/privacy/random';
import { median } from '../shared-dev/stats';

/** DGP_BENCH_PYTHON, else the first of python3 on PATH and /usr/bin/python3 that has numpy. */
function python(): string | null {
  const candidates = process.env.DGP_BENCH_PYTHON ? [process.env.DGP_BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  for (const p of candidates) if (spawnSync(p, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) return p;
  return null;
}
const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'python', 'noise.py');

export interface NoiseRow {
  form: string;
  /** Median seconds for n values. */
  seconds: number | null;
  nsPerValue: number | null;
  note?: string;
}

export interface NoiseResult {
  n: number;
  rows: NoiseRow[];
  targets: Array<{ name: string; value: number | null; met: boolean | null }>;
}

function timeIt(fn: () => void, repeats: number): number {
  const t: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(t);
}

function numpy(n: number, repeats: number): NoiseRow {
  const py = python();
  if (py === null) return { form: 'numpy default_rng().normal', seconds: null, nsPerValue: null, note: 'no python3 with numpy (set DGP_BENCH_PYTHON)' };
  const r = spawnSync(py, [SCRIPT, String(n), String(repeats)], { encoding: 'utf8' });
  if (r.status !== 0) return { form: 'numpy default_rng().normal', seconds: null, nsPerValue: null, note: (r.stderr || '').trim().split('\n').pop() };
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number[]; version: string };
  const s = median(res.seconds);
  return { form: 'numpy default_rng().normal (float64, PCG64)', seconds: s, nsPerValue: (s / n) * 1e9, note: `numpy ${res.version}, 1 thread` };
}

export function runNoise(quick: boolean, log: (s: string) => void, n = 10_000_000): NoiseResult {
  const repeats = quick ? 3 : 5;
  log(`\n## Noise: ${n.toExponential(0)} exact discrete-Gaussian draws (scale 2^20, ChaCha20) vs numpy normal, same run`);
  const rows: NoiseRow[] = [];
  const available = backendInfo().available as unknown as Record<string, boolean>;
  const z = new Int32Array(n);
  const v = new Float32Array(n);
  const draws: Record<string, number | null> = {};
  let reference: Int32Array | null = null;
  for (const b of ['native', 'wasm', 'ts'] as const) {
    if (!available[b]) {
      rows.push({ form: `${b} discreteGaussian`, seconds: null, nsPerValue: null, note: 'backend unavailable' });
      draws[b] = null;
      continue;
    }
    setBackend(b);
    try {
      const reps = b === 'ts' ? Math.min(repeats, 3) : repeats;
      // same seed on every backend: the draws must agree bit for bit
      SecureRandom.create({ unsafeSeed: 1 }).discreteGaussian(NOISE_GRID_STEPS, z);
      if (reference === null) reference = z.slice();
      else for (let i = 0; i < n; i++) if (z[i] !== reference[i]) throw new Error(`bench: ${b} draws differ from native at ${i}`);
      const r = SecureRandom.create();
      const s = timeIt(() => r.discreteGaussian(NOISE_GRID_STEPS, z), reps);
      draws[b] = s;
      rows.push({ form: `${b} discreteGaussian (1 thread)`, seconds: s, nsPerValue: (s / n) * 1e9 });
      const sAdd = timeIt(() => {
        v.fill(0.125);
        addGaussianNoise(v, 0.01, r);
      }, reps);
      rows.push({ form: `${b} addGaussianNoise (Float32Array)`, seconds: sAdd, nsPerValue: (sAdd / n) * 1e9 });
    } finally {
      setBackend('auto');
    }
  }
  const np = numpy(n, repeats);
  rows.push(np);
  for (const r of rows)
    log(`  ${r.form.padEnd(46)} ${r.seconds === null ? '-' : (r.seconds * 1e3).toFixed(1).padStart(8) + ' ms'}  ${r.nsPerValue === null ? '' : r.nsPerValue.toFixed(1) + ' ns/value'}${r.note ? `  (${r.note})` : ''}`);
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
  const targets = [
    { name: 'native 1 thread <= numpy default_rng().normal (10^7)', value: ratio(draws.native, np.seconds), limit: 1 },
    { name: 'wasm <= 3x native', value: ratio(draws.wasm, draws.native), limit: 3 },
    { name: 'TypeScript <= 4x wasm', value: ratio(draws.ts, draws.wasm), limit: 4 },
  ].map((t) => ({ name: t.name, value: t.value, met: t.value === null ? null : t.value <= t.limit }));
  for (const t of targets) log(`  [${t.met === null ? ' ?' : t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.value === null ? '-' : t.value.toFixed(2) + 'x'}`);
  return { n, rows, targets };
}

// `node out/bench/noise_section.js [--quick] [n]`: this section alone.
if (require.main === module) {
  const quick = process.argv.includes('--quick');
  const nArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  runNoise(quick, (s) => console.log(s), nArg ? Number(nArg) : undefined);
}
