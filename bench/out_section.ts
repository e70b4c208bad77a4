/**
 * Caller-owned `out` arrays against fresh outputs (issue 19, ask 4): selectLayers(layers,
 * { codes: true }) on the native backend, 1 thread, named layers, at 1,000 x 16 and
 * 1,000 x 250. The two forms alternate in the same process (fresh, out, out, fresh, ...), each
 * round a batch of calls; the result is each form's median ms per call and out / fresh.
 * The README recommends `out` for training loops, so it should cost at most 1.05x fresh.
 */
import { spawnSync } from 'child_process';

import { selectLayers, setThreads } from '../src/index';
import { nativeBinding } from '../src/backend';
import { manyLayers } from './workloads';
import { median } from '../shared-dev/stats';

export interface OutRow {
  shape: string;
  freshMs: number;
  outMs: number;
  /** outMs / freshMs. */
  ratio: number;
  rounds: number;
  /** Processes measured (runOutVsFreshApart): the row is the one with the median ratio. */
  processes?: number;
}

export const OUT_SHAPES: Array<[number, number]> = [
  [1_000, 16],
  [1_000, 250],
];

/** Seconds per call, one batch. */
function batch(fn: () => void, calls: number): number {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < calls; k++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e9 / calls;
}

export function runOutVsFresh(quick: boolean, log: (s: string) => void): OutRow[] | string {
  if (!nativeBinding()) return 'native addon not loaded';
  const rows: OutRow[] = [];
  log('\n## Caller-owned out vs fresh outputs: selectLayers(..., { codes: true }), native, 1 thread, named layers');
  setThreads(1);
  try {
    for (const [count, n] of OUT_SHAPES) {
      const w = manyLayers(count, n);
      const fresh = w.layers.map((l) => ({ name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom }));
      // Object literals, as README writes them. Not `{ ...layer, out }`: V8 (Node 20) reads the
      // fields of objects built by spreading several times slower in any code (four field loads
      // over 1,000 such objects took ~390 us against ~1 us for literals), which would time V8's
      // object layout rather than the package.
      const owned = w.layers.map((l) => ({
        name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom, out: { codes: new Uint8Array(l.values.length) },
      }));
      const runFresh = () => selectLayers(fresh, { codes: true }, 'bench', 'native');
      const runOut = () => selectLayers(owned, { codes: true }, 'bench', 'native');
      // Same bits either way.
      const a = runFresh();
      runOut();
      for (let l = 0; l < count; l++) {
        const x = a[l].codes!, y = owned[l].out.codes;
        for (let i = 0; i < n; i++) if (x[i] !== y[i]) throw new Error(`bench: out and fresh codes differ (layer ${l}, element ${i})`);
      }
      // About 100 ms per batch, 20 rounds: the steady state of each form, each paying for its own
      // garbage (with batches of a few ms, the collection the fresh form's allocations call for
      // often fell into the next batch, the out form's, and moved the ratio by 10% either way);
      // rounds alternate which form goes first.
      const calls = Math.max(1, Math.round(0.1 / batch(runFresh, 10)));
      const rounds = quick ? 4 : 20;
      const f: number[] = [];
      const o: number[] = [];
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          f.push(batch(runFresh, calls));
          o.push(batch(runOut, calls));
        } else {
          o.push(batch(runOut, calls));
          f.push(batch(runFresh, calls));
        }
      }
      const row: OutRow = { shape: `${count} x ${n}`, freshMs: median(f) * 1e3, outMs: median(o) * 1e3, ratio: median(o) / median(f), rounds };
      rows.push(row);
      log(`  ${row.shape.padEnd(12)} fresh ${row.freshMs.toFixed(3)} ms  out ${row.outMs.toFixed(3)} ms  out/fresh ${row.ratio.toFixed(2)}x  (${rounds} alternating rounds of ${calls} calls, medians)`);
    }
  } finally {
    setThreads(0);
  }
  return rows;
}

/**
 * runOutVsFresh in processes of their own (this file run by Node), as `npm run bench` calls it,
 * and per shape the row of the process with the median ratio. Apart: a training loop calls one
 * form over and over, while the bench's earlier rows have called selectLayers thousands of times
 * with fresh outputs only, and code V8 compiled for those calls measured the `out` form 3-8%
 * slower than a process of its own does (same machine, minutes apart). Several: what V8 compiles
 * differs from process to process, and one process's ratio ranged over 0.93-1.13x in ten runs on
 * the shared machine, where the median of three moves far less.
 */
export function runOutVsFreshApart(quick: boolean, log: (s: string) => void, processes = quick ? 1 : 3): OutRow[] | string {
  const runs: OutRow[][] = [];
  for (let p = 0; p < processes; p++) {
    const r = spawnSync(process.execPath, [__filename, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = (r.stdout ?? '').trimEnd().split('\n');
    const last = lines.pop() ?? '';
    // the section's heading once; each row marked with its process
    for (const line of lines) if (p === 0 || line.startsWith('  ')) log(line.startsWith('  ') ? `${line}  [process ${p + 1} of ${processes}]` : line);
    if (r.status !== 0 || !last.startsWith('ROWS ')) return `the out-vs-fresh process failed (status ${r.status}): ${last}`;
    const rows = JSON.parse(last.slice(5)) as OutRow[] | string;
    if (typeof rows === 'string') return rows;
    runs.push(rows);
  }
  return runs[0].map((_, i) => {
    const byRatio = runs.map((rows) => rows[i]).sort((x, y) => x.ratio - y.ratio);
    return { ...byRatio[byRatio.length >> 1], processes };
  });
}

if (require.main === module) {
  const rows = runOutVsFresh(process.argv.includes('--quick'), (line) => console.log(line));
  console.log(`ROWS ${JSON.stringify(rows)}`);
}
