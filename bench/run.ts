/**
 * `npm run bench [-- --quick] [-- --filter=<workload id part>] [-- --only=<contender,ids>]`
 * `--no-limits` also runs the slow contenders on the workloads they skip by default.
 * `--out-vs-fresh` runs the caller-owned `out` vs fresh rows (bench/out_section.ts, in a process
 * of its own) with --filter / --only too (a full run always has them).
 * `--noise` runs the noise section (bench/noise_section.ts: 10^7 discrete-Gaussian draws on
 * native, wasm and TypeScript against numpy's normal) with --filter / --only too (a full run always
 * has it; `node out/bench/noise_section.js` runs it alone).
 * `--secagg-kernels` runs the secure-aggregation kernel section (bench/secagg_kernels_section.ts:
 * 17 maskAdd of 10^6 words and quantizeStochastic of 10^6 values on native, wasm and TypeScript)
 * with --filter / --only too (a full run always has it).
 * `--secagg [--quick] [--large]` runs only the secure-aggregation cost table (bench/secagg_cost.ts:
 * a client's time and upload bytes per round for 10^5-10^7 values and k = 8, 16, 32 neighbours; the
 * server's time for 10, 100 and 1,000 clients; docs/SECAGG.md "Cost").
 *
 * Times every contender (bench/contenders.ts) on every workload (bench/workloads.ts) in one
 * process with benchmark.js, checks once per workload that the contenders' outputs agree with
 * ours, and prints a table (median ns/element, GB/s of input read, ratio to native 1 thread).
 * Writes <quick|full>.json and .md with the machine recorded, under out/results/bench/ (ignored by
 * git), or under bench/results/ (committed) with `--record`. See docs/BENCHMARKS.md for the method.
 */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';

import Benchmark from 'benchmark';

import { backendInfo } from '../src/index';
import { benchBinding, contenders, initTfjs, keepSink, tfjsInfo, Contender, TFJS_FASTEST } from './contenders';
import type { PythonContender } from './python_peers';
import { runSweep, sweepSvg, SweepResult } from './sweep';
import { runFl, FlResult } from './fl_section';
import { runOutVsFreshApart, OutRow } from './out_section';
import { runNoise, NoiseResult } from './noise_section';
import { runSecaggKernels, SecaggResult } from './secagg_kernels_section';
import { workloads, Workload } from './workloads';
import { median } from '../shared-dev/stats';

interface Args {
  quick: boolean;
  filter: string | null;
  only: string[] | null;
  out: string | null;
  /** Run the slow contenders even where docs/BENCHMARKS.md's limits skip them. */
  noLimits: boolean;
  /** Run the size sweep even with --filter / --only. */
  sweep: boolean;
  /** Run the out-vs-fresh rows even with --filter / --only. */
  outVsFresh: boolean;
  /** Run the noise section even with --filter / --only. */
  noise: boolean;
  /** Run the secure-aggregation kernel section even with --filter / --only. */
  secaggKernels: boolean;
  /** Write into the committed bench/results/ instead of the ignored out/results/bench/. */
  record: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    quick: false, filter: null, only: null, out: null, noLimits: false, sweep: false, outVsFresh: false, noise: false, secaggKernels: false, record: false,
  };
  for (const arg of argv) {
    if (arg === '--quick') a.quick = true;
    else if (arg.startsWith('--filter=')) a.filter = arg.slice(9);
    else if (arg.startsWith('--only=')) a.only = arg.slice(7).split(',');
    else if (arg.startsWith('--out=')) a.out = arg.slice(6);
    else if (arg === '--no-limits') a.noLimits = true;
    else if (arg === '--sweep') a.sweep = true;
    else if (arg === '--out-vs-fresh') a.outVsFresh = true;
    else if (arg === '--noise') a.noise = true;
    else if (arg === '--secagg-kernels') a.secaggKernels = true;
    else if (arg === '--record') a.record = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'npm run bench -- [--quick] [--filter=<workload id substring>] [--only=<contender ids>] [--out=<dir>] [--no-limits] [--sweep] [--out-vs-fresh] [--noise] [--secagg-kernels] [--record]   |   npm run bench -- --secagg [--quick] [--large]',
      );
      process.exit(0);
    } else throw new Error(`bench: unknown argument '${arg}'`);
  }
  return a;
}

export interface Result {
  workload: string;
  contender: string;
  /** Seconds per call (the whole workload). */
  median: number | null;
  mean?: number;
  rme?: number;
  samples?: number;
  nsPerElement?: number;
  gbPerSecond?: number;
  /** median / median of native-1t on the same workload. */
  ratioToOurs?: number;
  skipped?: string;
  error?: string;
  /** Output check against native-1t: differing elements (null when the contender makes no codes). */
  check?: CheckResult | null;
  /** Version and threads of a Python peer. */
  note?: string;
}

interface CheckResult {
  differing: number;
  /** Elements ours puts in T that the contender does not, and likewise for B. */
  topDiff: number;
  bottomDiff: number;
  note?: string;
}

function compare(ref: Uint8Array[], got: Uint8Array[]): CheckResult {
  let differing = 0;
  let topDiff = 0;
  let bottomDiff = 0;
  for (let l = 0; l < ref.length; l++) {
    const r = ref[l];
    const g = got[l];
    for (let i = 0; i < r.length; i++) {
      if (r[i] !== g[i]) {
        differing++;
        if (r[i] === 2 || g[i] === 2) topDiff++;
        if (r[i] === 0 || g[i] === 0) bottomDiff++;
      }
    }
  }
  return { differing, topDiff, bottomDiff };
}

// A full garbage collection before each contender keeps one contender's garbage (tfjs tensors,
// the previous workload's arrays) from being collected on the next one's clock.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** A contender whose warm-up call takes longer than this is timed by hand (see below). */
const VERY_SLOW_SECONDS = 3;
const VERY_SLOW_EXTRA = 2;

function timeIt(name: string, fn: () => void, slow: boolean, quick: boolean): Benchmark {
  const opts: Benchmark.Options = quick
    ? { minSamples: slow ? 2 : 5, maxTime: slow ? 0.05 : 0.1, minTime: 0.02, initCount: 1 }
    : { minSamples: slow ? 3 : 10, maxTime: slow ? 0.5 : 0.6, initCount: 1 };
  const b = new Benchmark(name, fn, opts);
  b.run({ async: false });
  return b;
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    // The addon is built from the working tree: say when the kernels differ from the commit.
    const dirty = execSync('git status --porcelain -- native src', { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    if (dirty) commit += ' + uncommitted changes in native/ or src/';
  } catch {
    // not a git checkout
  }
  const info = backendInfo();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    logicalCores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nativeThreads: info.native?.threads ?? 0,
    nativeSimd: info.native?.simd ?? 'none',
    simdCap: process.env.DGP_SIMD ?? null,
    readOnlyIsa: benchBinding()?.sumAbsIsa() ?? 'n/a',
    tfjs: tfjsInfo(),
    commit,
    loadAvgStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function machineLine(m: Record<string, unknown>): string {
  const t = m.tfjs as Record<string, unknown>;
  return (
    `${m.cpu}, ${m.logicalCores} logical cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ` +
    `native: ${m.nativeThreads} threads, SIMD path ${m.nativeSimd}${m.simdCap ? ` (DGP_SIMD=${m.simdCap})` : ''}; read-only pass: ${m.readOnlyIsa}; ` +
    `tfjs ${t.version} (wasm simd ${t.wasmSimd}, threads ${t.wasmThreads}); commit ${m.commit}; ` +
    `load avg ${(m.loadAvgStart as number[]).join(' ')} -> ${(m.loadAvgEnd as number[] | undefined)?.join(' ') ?? '?'}`
  );
}

// ---- formatting --------------------------------------------------------------------------------

const fmt = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? '-' : x < 0.01 ? x.toExponential(1) : x.toFixed(x < 1 ? Math.max(digits, 2) : digits);
const fmtMs = (s: number | null) => (s === null ? '-' : s * 1e3 < 1 ? (s * 1e3).toFixed(3) : (s * 1e3).toFixed(s * 1e3 < 100 ? 2 : 0));
const fmtRatio = (r: number | undefined) => (r === undefined ? '-' : r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`);

function checkText(c: CheckResult | null | undefined, isRef: boolean): string {
  if (isRef) return 'reference';
  if (c === undefined || c === null) return 'n/a';
  if (c.note) return c.note;
  if (c.differing === 0) return 'identical';
  return `${c.differing} differ (top ${c.topDiff}, bottom ${c.bottomDiff})`;
}

function table(rows: string[][], markdown: boolean): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    markdown
      ? `| ${r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join(' | ')} |`
      : r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
  const out = [line(rows[0])];
  if (markdown) out.push(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`);
  else out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join('\n');
}

function workloadRows(w: Workload, results: Result[], cs: Contender[]): string[][] {
  const rows = [['contender', 'median ms', 'ns/elem', 'GB/s', 'vs native-1t', 'samples', 'output check']];
  for (const c of cs) {
    const r = results.find((x) => x.workload === w.id && x.contender === c.id);
    if (!r) continue;
    if (r.skipped || r.error) {
      // Reasons are in the JSON and docs/BENCHMARKS.md (Limits); the table stays narrow.
      rows.push([c.id, '-', '-', '-', '-', '-', r.skipped ? 'skipped (limits)' : `error: ${r.error}`]);
      continue;
    }
    rows.push([c.id, fmtMs(r.median), fmt(r.nsPerElement), fmt(r.gbPerSecond, 1), fmtRatio(r.ratioToOurs), String(r.samples ?? '-'), checkText(r.check, c.id === 'native-1t')]);
  }
  return rows;
}

function summaryRows(ws: Workload[], results: Result[], cs: Contender[]): string[][] {
  const shown = cs.filter((c) => results.some((r) => r.contender === c.id && r.median !== null));
  const rows = [['workload (ns/element, median)', ...shown.map((c) => c.id)]];
  for (const w of ws) {
    rows.push([
      w.id,
      ...shown.map((c) => {
        const r = results.find((x) => x.workload === w.id && x.contender === c.id);
        return r && r.median !== null ? fmt(r.nsPerElement) : '-';
      }),
    ]);
  }
  return rows;
}

// ---- targets (issue 4) -------------------------------------------------------------------------

interface Target {
  name: string;
  value: string;
  met: boolean | null;
  note?: string;
}

function targets(results: Result[], sweep: SweepResult | null, outRows: OutRow[] | string | null): Target[] {
  const pick = (wid: string, cid: string) => results.find((r) => r.workload === wid && r.contender === cid && r.median !== null);
  const out: Target[] = [];
  const add = (name: string, value: number | undefined, ok: (v: number) => boolean, unit: string, note?: string) =>
    out.push({ name, value: value === undefined ? '-' : `${value.toFixed(2)}${unit}`, met: value === undefined ? null : ok(value), note });
  // Against tfjs-backend-wasm's fastest form in this run (the faster of its sorted=false forms).
  for (const wid of ['lognormal-4e6-r1', 'lognormal-1e7-r1']) {
    const forms = TFJS_FASTEST.wasm.map((id) => pick(wid, id)).filter((r): r is Result => r !== undefined);
    const fastest = forms.sort((a, b) => a.median! - b.median!)[0];
    const note = fastest ? `${wid}; fastest tfjs-wasm form here: ${fastest.contender}` : `${wid}: tfjs-wasm not measured`;
    const nat = pick(wid, 'native-1t');
    const ts = pick(wid, 'ts');
    add('native 1 thread >= 6x faster than tfjs-wasm (fastest form)', fastest && nat ? fastest.median! / nat.median! : undefined, (v) => v >= 6, 'x', note);
    add('TypeScript >= 1.5x faster than tfjs-wasm (fastest form)', fastest && ts ? fastest.median! / ts.median! : undefined, (v) => v >= 1.5, 'x', note);
  }
  const main = 'lognormal-1e7-r1';
  const ro = pick(main, 'read-only');
  const nat = pick(main, 'native-1t');
  const raw = pick(main, 'native-1t-raw');
  add('native 1 thread within 4x of the read-only pass (1e7)', ro && nat ? nat.median! / ro.median! : undefined, (v) => v <= 4, 'x');
  add('  same, kernel only (native-1t-raw)', ro && raw ? raw.median! / ro.median! : undefined, (v) => v <= 4, 'x');
  const m16 = pick('many-1000x16', 'native-1t');
  add('1,000 layers x 16, native 1 thread <= 1 ms', m16 ? m16.median! * 1e3 : undefined, (v) => v <= 1, ' ms');
  const m250 = pick('many-1000x250', 'native-1t');
  add('1,000 layers x 250, native 1 thread <= 3 ns/element', m250?.nsPerElement, (v) => v <= 3, ' ns/elem');
  for (const shape of ['1000 x 16', '1000 x 250']) {
    const r = Array.isArray(outRows) ? outRows.find((x) => x.shape === shape) : undefined;
    add(`caller-owned out <= 1.05x fresh (selectLayers codes, native 1 thread, ${shape})`, r?.ratio, (v) => v <= 1.05, 'x', r ? `${r.outMs.toFixed(3)} vs ${r.freshMs.toFixed(3)} ms` : undefined);
  }
  const d = sweep?.dualTopBottomK100;
  add('one layer of 100 through dualTopBottomK (native) <= 2 us', d?.native, (v) => v <= 2, ' us');
  add('  same, into a caller-owned out', d?.['native-out'], (v) => v <= 2, ' us');
  for (const wid of ['many-1x250000', 'many-100x2500', 'many-1000x250', 'many-1000x16']) {
    const n = pick(wid, 'native-1t');
    const t = pick(wid, 'ts');
    add(`TypeScript within 4x of native (${wid})`, n && t ? t.median! / n.median! : undefined, (v) => v <= 4, 'x');
  }
  add('TypeScript within 4x of native (dualTopBottomK, 100)', d?.native && d?.ts ? d.ts / d.native : undefined, (v) => v <= 4, 'x');
  add('TypeScript within 4x of native (dualTopBottomK, 100, caller-owned out)', d?.['native-out'] && d?.['ts-out'] ? d['ts-out'] / d['native-out'] : undefined, (v) => v <= 4, 'x');
  return out;
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.argv.includes('--secagg')) return (await import('./secagg_cost')).main(process.argv.slice(2)); // bench/secagg_cost.ts alone
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  (Benchmark as unknown as { support: { decompilation: boolean } }).support.decompilation = false;
  await initTfjs();
  const m = machine();
  const mode = args.quick ? 'quick' : 'full';
  console.log(`tfjs-dgp benchmark (${mode})`);
  console.log(`machine: ${machineLine(m)}`);

  const cs = contenders().filter((c) => !args.only || args.only.includes(c.id));
  const ws = workloads(args.quick).filter((w) => !args.filter || w.id.includes(args.filter));
  const results: Result[] = [];

  for (const w of ws) {
    console.log(`\n## ${w.label}  [${w.id}, n = ${w.n.toLocaleString('en-US')}${w.kind === 'model' ? `, ${w.layers.length} tensors` : ''}]`);
    let ref: Uint8Array[] | null = null;
    let refMedian: number | null = null;
    const wStart = Date.now();
    for (const c of cs) {
      const base: Result = { workload: w.id, contender: c.id, median: null };
      const why = c.unavailable() ?? (args.noLimits ? null : c.skip?.(w, args.quick)) ?? null;
      if (why) {
        results.push({ ...base, skipped: why });
        continue;
      }
      const self = (c as Partial<PythonContender>).selfTimed;
      if (self) {
        try {
          const t = self.call(c, w, args.quick);
          const med = median(t.seconds);
          const r: Result = {
            ...base,
            median: med,
            samples: t.seconds.length,
            nsPerElement: (med * 1e9) / w.n,
            gbPerSecond: (4 * w.n) / med / 1e9,
            ratioToOurs: refMedian ? med / refMedian : undefined,
            check: ref ? compare(ref, t.codes) : null,
            note: t.note,
          };
          results.push(r);
          console.log(`  ${c.id.padEnd(16)} ${fmt(r.nsPerElement).padStart(9)} ns/elem  ${fmt(r.gbPerSecond, 1).padStart(6)} GB/s  ${fmtRatio(r.ratioToOurs).padStart(7)}  (${r.samples} samples, ${t.note})  ${checkText(r.check, false)}`);
        } catch (e) {
          results.push({ ...base, error: (e as Error).message });
          console.log(`  ${c.id.padEnd(16)} error: ${(e as Error).message}`);
        }
        continue;
      }
      let p;
      try {
        p = await c.prepare(w);
        const w0 = process.hrtime.bigint();
        p.run(); // warm-up, and the output for the check
        const warm = Number(process.hrtime.bigint() - w0) / 1e9;
        // Very slow calls (tfjs-backend-cpu on 1e7: seconds) are not re-run for the check.
        const verySlow = warm > VERY_SLOW_SECONDS;
        let check: CheckResult | null = null;
        if (p.codes && !verySlow) {
          const codes = p.codes();
          if (c.id === 'native-1t') ref = codes.map((x) => x.slice());
          else if (ref) check = compare(ref, codes);
        }
        collectGarbage();
        let samples: number[];
        let mean: number;
        let rme: number;
        if (verySlow) {
          // benchmark.js spends about 3 extra calls calibrating; for calls of seconds, time
          // directly: the warm-up plus VERY_SLOW_EXTRA more calls.
          samples = [warm];
          for (let k = 0; k < VERY_SLOW_EXTRA; k++) {
            const t0 = process.hrtime.bigint();
            p.run();
            samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
          }
          mean = samples.reduce((a, x) => a + x, 0) / samples.length;
          rme = NaN;
        } else {
          const b = timeIt(`${w.id} ${c.id}`, () => p!.run(), !!c.slow, args.quick);
          if (b.error) throw b.error;
          samples = b.stats.sample;
          mean = b.stats.mean;
          rme = b.stats.rme;
        }
        const med = median(samples);
        if (c.id === 'native-1t') refMedian = med;
        const r: Result = {
          ...base,
          median: med,
          mean,
          rme,
          samples: samples.length,
          nsPerElement: (med * 1e9) / w.n,
          gbPerSecond: (4 * w.n) / med / 1e9,
          ratioToOurs: refMedian ? med / refMedian : undefined,
          check: verySlow && p.codes ? { differing: -1, topDiff: -1, bottomDiff: -1, note: 'not checked: one call takes seconds' } : check,
        };
        results.push(r);
        console.log(
          `  ${c.id.padEnd(16)} ${fmt(r.nsPerElement).padStart(9)} ns/elem  ${fmt(r.gbPerSecond, 1).padStart(6)} GB/s  ${fmtRatio(r.ratioToOurs).padStart(7)}  (${r.samples} samples, ±${fmt(r.rme, 1)}%)  ${checkText(r.check, c.id === 'native-1t')}`,
        );
      } catch (e) {
        results.push({ ...base, error: (e as Error).message });
        console.log(`  ${c.id.padEnd(16)} error: ${(e as Error).message}`);
      } finally {
        p?.dispose();
      }
    }
    console.log(`  (${((Date.now() - wStart) / 1e3).toFixed(1)} s)`);
  }

  const partial = !!(args.filter || args.only);
  let sweep: SweepResult | null = null;
  if (!partial || args.sweep) sweep = runSweep(args.quick, (line) => console.log(line));
  let outRows: OutRow[] | string | null = null;
  if (!partial || args.outVsFresh) outRows = runOutVsFreshApart(args.quick, (line) => console.log(line));
  let noise: NoiseResult | string | null = null;
  if (!partial || args.noise) {
    try {
      noise = runNoise(args.quick, (line) => console.log(line));
    } catch (e) {
      noise = `error: ${(e as Error).message}`;
    }
  }
  let secagg: SecaggResult | string | null = null;
  if (!partial || args.secaggKernels) {
    try {
      secagg = runSecaggKernels(args.quick, (line) => console.log(line));
    } catch (e) {
      secagg = `error: ${(e as Error).message}`;
    }
  }
  let fl: FlResult;
  try {
    fl = partial ? { status: 'skipped', note: 'not run with --filter / --only', rows: [] } : await runFl(args.quick);
  } catch (e) {
    fl = { status: 'error', note: (e as Error).message, rows: [] };
  }
  m.loadAvgEnd = os.loadavg().map((x) => +x.toFixed(2));
  const elapsed = (Date.now() - started) / 1e3;
  const tg = targets(results, sweep, outRows);
  if (noise && typeof noise === 'object')
    for (const t of noise.targets)
      tg.push({ name: `noise (issue 20): ${t.name}`, value: t.value === null ? '-' : `${t.value.toFixed(2)}x`, met: t.met });
  if (secagg && typeof secagg === 'object')
    for (const t of secagg.targets)
      tg.push({ name: `secagg kernels (issue 21): ${t.name}`, value: t.value === null ? '-' : `${t.value.toFixed(1)} ms`, met: t.met });

  // ---- stdout --------------------------------------------------------------------------------
  const lines: string[] = [];
  lines.push(`\n# Results (${mode}, ${elapsed.toFixed(0)} s)`);
  lines.push(`machine: ${machineLine(m)}`);
  lines.push('\nns/element = median seconds per call / elements; GB/s = float32 input bytes read / median; vs native-1t = median / median of native-1t (>1: slower than ours).\n');
  lines.push(table(summaryRows(ws, results, cs), false));
  for (const w of ws) {
    lines.push(`\n${w.label} [${w.id}]`);
    lines.push(table(workloadRows(w, results, cs), false));
  }
  lines.push('\nTargets (issue 10; same run):');
  for (const t of tg) lines.push(`  [${t.met === null ? ' ?' : t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.value}${t.note ? ` (${t.note})` : ''}`);
  lines.push(`\nFL wire format: ${fl.status}${fl.note ? ` - ${fl.note}` : ''}`);
  for (const r of fl.rows) lines.push(`  ${r.op.padEnd(28)} ${fmt(r.msMedian)} ms  ${fmt(r.mbPerSecond, 0)} MB/s  ${r.detail ?? ''}`);
  console.log(lines.join('\n'));

  // ---- files ---------------------------------------------------------------------------------
  // Ad-hoc runs stay out of the checkout's committed files; --record writes the committed ones.
  const outDir = args.out ?? path.join(__dirname, '..', '..', ...(args.record ? ['bench', 'results'] : ['out', 'results', 'bench']));
  fs.mkdirSync(outDir, { recursive: true });
  const flags = [
    args.quick ? '--quick' : '', args.filter ? `--filter=${args.filter}` : '', args.only ? `--only=${args.only.join(',')}` : '',
    args.noLimits ? '--no-limits' : '', args.sweep ? '--sweep' : '', args.outVsFresh ? '--out-vs-fresh' : '', args.noise ? '--noise' : '', args.secaggKernels ? '--secagg-kernels' : '', args.record ? '--record' : '',
  ].filter((f) => f !== '');
  const command = `npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
  const stem = args.filter || args.only ? `${mode}-partial` : mode;
  const json = {
    command,
    date: new Date().toISOString(),
    elapsedSeconds: elapsed,
    machine: m,
    contenders: cs.map((c) => ({ id: c.id, label: c.label, group: c.group })),
    workloads: ws.map((w) => ({ id: w.id, label: w.label, n: w.n, tensors: w.layers.length, distribution: w.distribution, topRatio: w.ratios.topRatio, bottomRatio: w.ratios.bottomRatio })),
    results,
    targets: tg,
    sweep,
    outVsFresh: outRows,
    noise,
    secaggKernels: secagg,
    fl,
    sink: keepSink(),
  };
  fs.writeFileSync(path.join(outDir, `${stem}.json`), JSON.stringify(json, null, 2) + '\n');
  const md: string[] = [];
  md.push(`# tfjs-dgp benchmark (${mode})\n`);
  md.push(`Command: \`${command}\` — ${json.date}, ${elapsed.toFixed(0)} s\n`);
  md.push(`Machine: ${machineLine(m)}\n`);
  md.push('Median of benchmark.js samples; ns/element = median seconds per call / elements; GB/s = float32 input bytes / median; "vs native-1t" = median / median of native-1t on the same workload in the same run (>1 means slower than ours). Method: docs/BENCHMARKS.md.\n');
  md.push('## Summary (ns/element)\n');
  md.push(table(summaryRows(ws, results, cs), true));
  md.push('\n## Contenders\n');
  for (const c of cs) md.push(`- \`${c.id}\`: ${c.label}`);
  md.push('\n## Targets (issue 10; same run)\n');
  md.push(table([['target', 'measured', 'met'], ...tg.map((t) => [t.name + (t.note ? ` (${t.note})` : ''), t.value, t.met === null ? '?' : t.met ? 'yes' : 'no'])], true));
  md.push('\n## Per workload\n');
  for (const w of ws) {
    md.push(`### ${w.label}\n`);
    md.push(`\`${w.id}\`, n = ${w.n.toLocaleString('en-US')}${w.kind === 'model' ? `, ${w.layers.length} tensors` : ''}\n`);
    md.push(table(workloadRows(w, results, cs), true));
    md.push('');
  }
  if (sweep) {
    md.push('## Size sweep (one lognormal layer, top 1% / bottom 80%; ns/element, median)\n');
    const ids = ['native-1t', 'native-1t-raw', 'ts', 'read-only'];
    md.push(table([['n', ...ids], ...sweep.rows.map((r) => [r.n.toExponential(0).replace('+', ''), ...ids.map((id) => fmt(r.ns[id]))])], true));
    md.push(`\nOne layer of 100 elements through dualTopBottomK: ${Object.entries(sweep.dualTopBottomK100).map(([k, v]) => `${k} ${v.toFixed(2)} µs`).join(', ')}. Plot: \`${stem}-sweep.svg\`.\n`);
  }
  if (outRows) {
    md.push('## Caller-owned out vs fresh outputs (selectLayers codes, native, 1 thread, named layers; alternating rounds, medians; the median of three processes of their own)\n');
    if (typeof outRows === 'string') md.push(`not run: ${outRows}\n`);
    else md.push(table([['layers', 'fresh ms', 'out ms', 'out / fresh'], ...outRows.map((r) => [r.shape, r.freshMs.toFixed(3), r.outMs.toFixed(3), `${r.ratio.toFixed(2)}x`])], true) + '\n');
  }
  md.push('## FL wire format\n');
  md.push(`${fl.status}${fl.note ? `: ${fl.note}` : ''}\n`);
  if (fl.rows.length) md.push(table([['operation', 'median ms', 'MB/s', 'detail'], ...fl.rows.map((r) => [r.op, fmt(r.msMedian), fmt(r.mbPerSecond, 0), r.detail ?? ''])], true));
  fs.writeFileSync(path.join(outDir, `${stem}.md`), md.join('\n') + '\n');
  if (sweep) fs.writeFileSync(path.join(outDir, `${stem}-sweep.svg`), sweepSvg(sweep, `tfjs-dgp, one layer, top 1% / bottom 80% (${m.cpu}, SIMD ${m.nativeSimd}, ${json.date.slice(0, 10)})`));
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, `${stem}.json`))} and .md`);
  // The wasm backend may hold the event loop; results are written.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
