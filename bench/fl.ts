/**
 * FL-layer throughput and compression (docs/FL.md): encode, decode and aggregate throughput in
 * MB/s of dense float32 gradient, on the native and TypeScript kernels, and the compression ratio
 * of a realistic round update.
 *
 *   npm run build:scripts && node out/bench/fl.js [--runs 7] [--clients 4] [--json out.json]
 *
 * Workload: ResNet-18 gradient shapes (11.7M parameters; conv, batch-norm and fc layers) with
 * log-normal magnitudes (ln|g| ~ N(-6, 2^2), random signs), one client's DGP update at top 1% /
 * bottom 90% through ErrorFeedback (so 9% of entries are kept). Selection is not timed here
 * (bench/run.ts covers it). Aggregation sums `clients` decoded updates of different gradients.
 */
import * as fs from 'fs';
import { performance } from 'perf_hooks';

import { backendInfo, setBackend } from '../src/backend';
import {
  aggregateAligned, aggregateUpdates, chooseAlignedPositions, decodeAligned, decodePositions, decodeUpdate, DenseLayer,
  encodeAligned, encodePositions, encodeUpdate, ErrorFeedback, Update,
} from '../src/fl';
import { seededUniformOpen } from '../shared-dev/seeded';
import { median } from '../shared-dev/stats';

export const FL_RATIOS = { topRatio: 0.01, bottomRatio: 0.9 };

/** ResNet-18 (ImageNet head) parameter shapes in tfjs layout: conv [h, w, in, out]. */
export function resnet18Shapes(): Array<[string, number[]]> {
  const shapes: Array<[string, number[]]> = [];
  const bn = (name: string, c: number) => {
    shapes.push([`${name}/gamma`, [c]], [`${name}/beta`, [c]]);
  };
  shapes.push(['conv1/kernel', [7, 7, 3, 64]]);
  bn('bn1', 64);
  let inC = 64;
  [64, 128, 256, 512].forEach((c, stage) => {
    for (let block = 0; block < 2; block++) {
      const p = `layer${stage + 1}.${block}`;
      const stride = stage > 0 && block === 0;
      shapes.push([`${p}/conv1/kernel`, [3, 3, inC, c]]);
      bn(`${p}/bn1`, c);
      shapes.push([`${p}/conv2/kernel`, [3, 3, c, c]]);
      bn(`${p}/bn2`, c);
      if (stride) {
        shapes.push([`${p}/downsample/kernel`, [1, 1, inC, c]]);
        bn(`${p}/downsample/bn`, c);
      }
      inC = c;
    }
  });
  shapes.push(['fc/kernel', [512, 1000]], ['fc/bias', [1000]]);
  return shapes;
}

/** Log-normal gradient values for the shapes (seeded, deterministic). */
export function logNormalGradient(shapes: Array<[string, number[]]>, seed: number): DenseLayer[] {
  const uniform = seededUniformOpen(seed);
  return shapes.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const a = 2 * Math.PI * uniform();
      values[i] = Math.sign(uniform() - 0.5) * Math.exp(2 * r * Math.cos(a) - 6);
      if (i + 1 < n) values[i + 1] = Math.sign(uniform() - 0.5) * Math.exp(2 * r * Math.sin(a) - 6);
    }
    return { name, shape, values };
  });
}

function timeMs(runs: number, fn: () => unknown): number {
  fn(); // warm-up (JIT, page faults)
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    t.push(performance.now() - start);
  }
  return median(t);
}

export interface FlBenchRow {
  backend: 'native' | 'ts';
  op: 'encode' | 'decode' | 'aggregate';
  ms: number;
  /** Dense float32 gradient bytes processed per second (aggregate: all clients' gradients). */
  mbPerSecond: number;
}

export interface FlBenchResult {
  parameters: number;
  denseBytes: number;
  updateBytes: number;
  compressionRatio: number;
  adgpUploadBytes: number;
  adgpCompressionRatio: number;
  clients: number;
  rows: FlBenchRow[];
}

/** Runs the FL benchmark; returns the numbers (bench/run.ts may call this too). */
export function runFlBench(options: { runs?: number; clients?: number } = {}): FlBenchResult {
  const runs = options.runs ?? 7;
  const clients = options.clients ?? 4;
  const shapes = resnet18Shapes();
  const grads = Array.from({ length: clients }, (_, c) => logNormalGradient(shapes, 17 + c));
  const parameters = grads[0].reduce((s, l) => s + l.values.length, 0);
  const denseBytes = 4 * parameters;
  const updates: Update[] = grads.map((g) => new ErrorFeedback(FL_RATIOS).step(g, 1));
  const messages = updates.map(encodeUpdate);
  const decoded = messages.map(decodeUpdate);
  const positions = decodePositions(encodePositions(chooseAlignedPositions(grads[clients - 1], FL_RATIOS, 1)));
  const adgp = encodeAligned(new ErrorFeedback(FL_RATIOS).stepAligned(grads[0], positions, 1));
  aggregateAligned([decodeAligned(adgp)], positions); // exercised once: the ADGP path stays sound

  const rows: FlBenchRow[] = [];
  const backends: Array<'native' | 'ts'> = backendInfo().available.native ? ['native', 'ts'] : ['ts'];
  for (const backend of backends) {
    setBackend(backend);
    const add = (op: FlBenchRow['op'], ms: number, bytes: number) => rows.push({ backend, op, ms, mbPerSecond: bytes / 1e6 / (ms / 1e3) });
    add('encode', timeMs(runs, () => encodeUpdate(updates[0])), denseBytes);
    add('decode', timeMs(runs, () => decodeUpdate(messages[0])), denseBytes);
    add('aggregate', timeMs(runs, () => aggregateUpdates(decoded, { maxElements: parameters })), clients * denseBytes);
  }
  setBackend('auto');
  return {
    parameters,
    denseBytes,
    updateBytes: messages[0].length,
    compressionRatio: denseBytes / messages[0].length,
    adgpUploadBytes: adgp.length,
    adgpCompressionRatio: denseBytes / adgp.length,
    clients,
    rows,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const res = runFlBench({ runs: Number(arg('--runs') ?? 7), clients: Number(arg('--clients') ?? 4) });
  const info = backendInfo();
  console.log(`tfjs-dgp FL bench: ResNet-18 shapes, ${res.parameters} parameters, log-normal |g|, top ${FL_RATIOS.topRatio * 100}% / bottom ${FL_RATIOS.bottomRatio * 100}%`);
  console.log(`native: ${info.native?.path ?? 'not loaded'} (simd ${info.native?.simd ?? '-'})`);
  console.log(`dense float32: ${res.denseBytes} B; DGP update: ${res.updateBytes} B (compression ${res.compressionRatio.toFixed(2)}x); ADGP upload: ${res.adgpUploadBytes} B (${res.adgpCompressionRatio.toFixed(2)}x)`);
  console.log('backend  op         median ms   MB/s (dense gradient)');
  for (const r of res.rows)
    console.log(`${r.backend.padEnd(8)} ${r.op.padEnd(10)} ${r.ms.toFixed(2).padStart(9)}   ${r.mbPerSecond.toFixed(0).padStart(8)}${r.op === 'aggregate' ? ` (${res.clients} clients)` : ''}`);
  const out = arg('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(res, null, 2));
}

if (require.main === module) main();
