/**
 * Caller-owned `out` arrays against fresh outputs (issue 19, ask 4): selectLayers(layers,
 * { codes: true }) on the native backend, 1 thread, named layers, at 1,000 x 16 and
 * 1,000 x 250. The two forms alternate in the same process (fresh, out, out, fresh, ...), each
 * round a batch of calls; the result is each form's median ms per call and out / fresh.
 * The README recommends `out` for training loops, so it should cost at most 1.05x fresh.
 */
import { selectLayers, setThreads } from '../src/index';
import { nativeBinding } from '../src/backend';
import { manyLayers } from './workloads';

export interface OutRow {
  shape: string;
  freshMs: number;
  outMs: number;
  /** outMs / freshMs. */
  ratio: number;
  rounds: number;
}

export const OUT_SHAPES: Array<[number, number]> = [
  [1_000, 16],
  [1_000, 250],
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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
      // About 10 ms per batch, 60 rounds (a few ms of noise on the shared machine moves a median
      // of 20 by several percent); rounds alternate which form goes first.
      const calls = Math.max(1, Math.round(0.01 / batch(runFresh, 3)));
      const rounds = quick ? 6 : 60;
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
