/**
 * Encode / decode / aggregate throughput of the FL wire format (SPEC §6-7, src/fl, written by
 * another part of the project; bench/fl.ts is theirs). The update is one client's ResNet-18
 * round (top 1% / bottom 80%: 19% of 11.7M entries kept, as selectLayers() returns them);
 * aggregation sums 4 copies of it (the cost does not depend on the values). Timed on the native
 * FL kernels and on their TypeScript twins. The many-tensor case: selection of the sparse kept
 * set plus encodeUpdate of one client's update of the 388-tensor transformer
 * (bench/workloads.ts), the path a client runs every round.
 */
import Benchmark from 'benchmark';

import { backendInfo, selectLayers, setBackend } from '../src/index';
import { aggregateUpdates, decodeUpdate, encodeUpdate } from '../src/fl';
import type { Update } from '../src/fl';
import { model, RATIOS } from './workloads';
import { median } from '../shared-dev/stats';

export interface FlRow {
  op: string;
  msMedian: number;
  mbPerSecond?: number;
  detail?: string;
}

export interface FlResult {
  status: 'measured' | 'skipped' | 'error';
  note?: string;
  rows: FlRow[];
}

function time(fn: () => void, quick: boolean): number {
  const b = new Benchmark('fl', fn, quick ? { minSamples: 3, maxTime: 0.05, minTime: 0.02, initCount: 1 } : { minSamples: 10, maxTime: 1, initCount: 1 });
  b.run({ async: false });
  if (b.error) throw b.error;
  return median(b.stats.sample);
}

export async function runFl(quick: boolean): Promise<FlResult> {
  const w = model('resnet18', RATIOS[0]);
  const sel = selectLayers(
    w.layers.map((l) => ({ name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom })),
    { sparse: true },
    'bench',
  );
  const update: Update = {
    round: 1,
    layers: w.layers.map((l, i) => ({ name: l.name, shape: l.shape, indices: sel[i].keptIndices!, values: sel[i].keptValues! })),
  };
  const kept = update.layers.reduce((s, l) => s + l.indices.length, 0);
  const clients = 4;
  const rows: FlRow[] = [];
  const backends: Array<'native' | 'ts'> = backendInfo().available.native ? ['native', 'ts'] : ['ts'];
  try {
    for (const be of backends) {
      setBackend(be);
      const bytes = encodeUpdate(update);
      const decoded = decodeUpdate(bytes);
      const mb = bytes.length / 1e6;
      const tEnc = time(() => encodeUpdate(update), quick);
      const tDec = time(() => decodeUpdate(bytes), quick);
      const many = Array.from({ length: clients }, () => decoded);
      const tAgg = time(() => aggregateUpdates(many, { maxElements: w.n }), quick);
      const detail = `${(bytes.length / 1e6).toFixed(1)} MB message, ${kept.toLocaleString('en-US')} kept of ${w.n.toLocaleString('en-US')}`;
      rows.push(
        { op: `encodeUpdate (${be})`, msMedian: tEnc * 1e3, mbPerSecond: mb / tEnc, detail },
        { op: `decodeUpdate (${be})`, msMedian: tDec * 1e3, mbPerSecond: mb / tDec, detail },
        {
          op: `aggregateUpdates x${clients} (${be})`,
          msMedian: tAgg * 1e3,
          mbPerSecond: (clients * mb) / tAgg,
          detail: `sum of ${clients} decoded updates into ${w.layers.length} dense layers (MB/s of messages aggregated)`,
        },
      );
    }
    const t = model('transformer', RATIOS[0]);
    const tLayers = t.layers.map((l) => ({ name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom }));
    for (const be of backends) {
      setBackend(be);
      const encodeRound = () => {
        const s = selectLayers(tLayers, { sparse: true }, 'bench');
        return encodeUpdate({
          round: 1,
          layers: t.layers.map((l, i) => ({ name: l.name, shape: l.shape, indices: s[i].keptIndices!, values: s[i].keptValues! })),
        });
      };
      const bytes = encodeRound();
      const tRound = time(() => encodeRound(), quick);
      rows.push({
        op: `select + encodeUpdate, transformer (${be})`,
        msMedian: tRound * 1e3,
        mbPerSecond: (4 * t.n) / 1e6 / tRound,
        detail: `${t.layers.length} tensors, ${t.n.toLocaleString('en-US')} params -> ${(bytes.length / 1e6).toFixed(2)} MB message (MB/s of float32 gradient)`,
      });
    }
  } finally {
    setBackend('auto');
  }
  return { status: 'measured', note: `ResNet-18 update and the 388-tensor transformer, top 1% / bottom 80%; backends: ${backends.join(', ')}`, rows };
}
