/**
 * Noise speed (issue 20 ask 3): 10^7 discrete-Gaussian draws (SecureRandom.discreteGaussian
 * at the noise grid's scale 2^20, ChaCha20 keystream included) on native (1 thread: the kernel
 * is single-threaded), wasm and TypeScript, against numpy's insecure, inexact
 * `np.random.default_rng().normal(size=10**7)` in the same run, plus addGaussianNoise on a
 * Float32Array of 10^7 (snapping + draws + writing back) per backend: each form's median of
 * `repeats` calls. Targets: native <= numpy; wasm <= 3x native; TypeScript <= 4x wasm, each judged
 * by the median ratio over `repeats` pairs of warm calls, one side right after the other (this
 * machine's speed drifts by tens of percent over seconds; both sides of a pair see the same).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

import { setBackend, backendInfo } from '../src/backend';
import { addGaussianNoise, NOISE_GRID_STEPS } from '../src/privacy/noise';
import { SecureRandom } from '../src/privacy/random';
import { median } from '../shared-dev/stats';

let found: string | null | undefined;
/** DGP_BENCH_PYTHON, else the first of python3 on PATH and /usr/bin/python3 that has numpy (looked up once). */
function python(): string | null {
  if (found !== undefined) return found;
  const candidates = process.env.DGP_BENCH_PYTHON ? [process.env.DGP_BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  found = candidates.find((p) => spawnSync(p, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) ?? null;
  return found;
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

/** numpy's seconds for each of `repeats` calls, and its version, or why not. */
function numpySeconds(n: number, repeats: number): { seconds: number[]; version: string } | string {
  const py = python();
  if (py === null) return 'no python3 with numpy (set DGP_BENCH_PYTHON)';
  const r = spawnSync(py, [SCRIPT, String(n), String(repeats)], { encoding: 'utf8' });
  if (r.status !== 0) return (r.stderr || '').trim().split('\n').pop() as string;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number[]; version: string };
}

/** Seconds of one discreteGaussian call on backend `b`, after one untimed call (both sides of a pair run warm). */
function warmDrawSeconds(b: 'native' | 'wasm' | 'ts', z: Int32Array): number {
  setBackend(b);
  try {
    const r = SecureRandom.create();
    r.discreteGaussian(NOISE_GRID_STEPS, z);
    return timeIt(() => r.discreteGaussian(NOISE_GRID_STEPS, z), 1);
  } finally {
    setBackend('auto');
  }
}

/** Median over `repeats` pairs of (one call of a / one call of b), or null when b cannot run. */
function pairedRatio(a: () => number, b: () => number | null, repeats: number): number | null {
  const ratios: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const sa = a();
    const sb = b();
    if (sb === null) return null;
    ratios.push(sa / sb);
  }
  return median(ratios);
}

/** One numpy call (warmed in its own process), or null. */
function numpyOnce(n: number): number | null {
  const np = numpySeconds(n, 1);
  return typeof np === 'string' ? null : np.seconds[0];
}

function numpy(n: number, repeats: number): NoiseRow {
  const res = numpySeconds(n, repeats);
  if (typeof res === 'string') return { form: 'numpy default_rng().normal', seconds: null, nsPerValue: null, note: res };
  const s = median(res.seconds);
  return { form: 'numpy default_rng().normal (float64, PCG64)', seconds: s, nsPerValue: (s / n) * 1e9, note: `numpy ${res.version}, 1 thread` };
}

export function runNoise(quick: boolean, log: (s: string) => void, n = 10_000_000): NoiseResult {
  const repeats = quick ? 3 : 5;
  log(`\n## Noise: ${n.toExponential(0)} discrete-Gaussian draws (strip sampler, scale 2^20, ChaCha20) vs numpy normal, same run`);
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
  // The targets from pairs of calls, one right after the other: this machine's speed drifts by
  // tens of percent over seconds, and the two sides of a pair see the same drift.
  const has = (b: string) => available[b] && draws[b] !== null;
  const draw = (b: 'native' | 'wasm' | 'ts') => () => warmDrawSeconds(b, z);
  const pairs = {
    native: has('native') && np.seconds !== null ? pairedRatio(draw('native'), () => numpyOnce(n), repeats) : null,
    wasm: has('wasm') && has('native') ? pairedRatio(draw('wasm'), draw('native'), repeats) : null,
    ts: has('ts') && has('wasm') ? pairedRatio(draw('ts'), draw('wasm'), Math.min(repeats, 3)) : null,
  };
  for (const r of rows)
    log(`  ${r.form.padEnd(46)} ${r.seconds === null ? '-' : (r.seconds * 1e3).toFixed(1).padStart(8) + ' ms'}  ${r.nsPerValue === null ? '' : r.nsPerValue.toFixed(1) + ' ns/value'}${r.note ? `  (${r.note})` : ''}`);
  const targets = [
    { name: 'native 1 thread <= numpy default_rng().normal (10^7)', value: pairs.native, limit: 1 },
    { name: 'wasm <= 3x native', value: pairs.wasm, limit: 3 },
    { name: 'TypeScript <= 4x wasm', value: pairs.ts, limit: 4 },
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
