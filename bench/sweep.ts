/**
 * Size sweep: one lognormal layer (top 1% / bottom 80%) of 10^2 .. 10^8 elements (10^7 in
 * --quick), ns per element for ours (native 1 thread through selectLayers, the raw addon call,
 * TypeScript) and the read-only pass; plus one layer of 100 elements through dualTopBottomK.
 * Timing: repeated calls until a minimum time, median per call. Also writes an SVG plot.
 */
import { backendInfo, dualTopBottomK, selectLayers, setBackend, setThreads } from '../src/index';
import { nativeBinding } from '../src/backend';
import { benchBinding } from './contenders';
import { singleLayer, RATIOS } from './workloads';
import { median } from '../shared-dev/stats';

export interface SweepRow {
  n: number;
  /** ns per element, median, per contender id. */
  ns: Record<string, number>;
}

export interface SweepResult {
  rows: SweepRow[];
  /** One layer of 100 elements through dualTopBottomK, microseconds per call (median). */
  dualTopBottomK100: Record<string, number>;
}

/** Median seconds per call of fn, calls repeated in batches of `batch` for at least minSeconds. */
function timeCalls(fn: () => void, minSeconds: number, batch = 1): number {
  fn();
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  while (samples.length < 3 || (elapsed() < minSeconds && samples.length < 200)) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / batch);
  }
  return median(samples);
}

export const SWEEP_CONTENDERS = ['native-1t', 'native-1t-raw', 'ts', 'read-only'];

export function runSweep(quick: boolean, log: (s: string) => void): SweepResult {
  const native = backendInfo().available.native;
  const bench = benchBinding();
  const maxExp = quick ? 7 : 8;
  const rows: SweepRow[] = [];
  log(`\n## Size sweep: one lognormal layer, top 1% / bottom 80% (ns/element, median)`);
  log(`  ${'n'.padStart(6)} ${SWEEP_CONTENDERS.map((c) => c.padStart(14)).join('')}`);
  for (let e = 2; e <= maxExp; e++) {
    const n = 10 ** e;
    const w = singleLayer('lognormal', n, RATIOS[0]);
    const L = w.layers[0];
    const layers = [{ values: L.values, kTop: L.kTop, kBottom: L.kBottom }];
    const minSeconds = quick ? 0.05 : 0.3;
    const batch = Math.max(1, Math.floor(1e5 / n));
    const ns: Record<string, number> = {};
    const put = (id: string, seconds: number) => (ns[id] = (seconds * 1e9) / n);
    if (native) {
      setThreads(1);
      put('native-1t', timeCalls(() => selectLayers(layers, { codes: true }, 'bench', 'native'), minSeconds, batch));
      const codes = [new Uint8Array(n)];
      const b = nativeBinding()!;
      put('native-1t-raw', timeCalls(() => b.selectLayers([L.values], [L.kTop], [L.kBottom], { codes, disposable: true }, 1, 'cpu'), minSeconds, batch));
      setThreads(0);
    }
    if (n <= 1e7 || !quick) put('ts', timeCalls(() => selectLayers(layers, { codes: true }, 'bench', 'ts'), minSeconds, batch));
    if (bench) put('read-only', timeCalls(() => bench.sumAbs(L.values), minSeconds, batch));
    rows.push({ n, ns });
    log(`  ${`1e${e}`.padStart(6)} ${SWEEP_CONTENDERS.map((c) => (ns[c] === undefined ? '-' : ns[c].toFixed(2)).padStart(14)).join('')}`);
  }
  // One layer of 100 elements through the SPEC §10 entry point (backend chosen as a user gets it).
  const small = singleLayer('lognormal', 100, RATIOS[0]).layers[0];
  const dual: Record<string, number> = {};
  for (const be of native ? (['native', 'ts'] as const) : (['ts'] as const)) {
    setBackend(be);
    if (be === 'native') setThreads(1);
    dual[be] = timeCalls(() => dualTopBottomK(small.values, small.kTop, small.kBottom), quick ? 0.1 : 0.5, 200) * 1e6;
    // the documented form for repeated calls: a caller-owned output, no allocation per call
    const out = new Uint8Array(small.values.length);
    dual[`${be}-out`] = timeCalls(() => dualTopBottomK(small.values, small.kTop, small.kBottom, out), quick ? 0.1 : 0.5, 200) * 1e6;
    setThreads(0);
  }
  setBackend('auto');
  log(`  dualTopBottomK, one layer of 100: ${Object.entries(dual).map(([k, v]) => `${k} ${v.toFixed(2)} us`).join(', ')}`);
  return { rows, dualTopBottomK100: dual };
}

/** A log-log plot of ns/element against layer size, one line per contender. */
export function sweepSvg(sweep: SweepResult, title: string): string {
  const W = 720, H = 440, left = 70, right = 150, top = 40, bottom = 50;
  const xs = sweep.rows.map((r) => r.n);
  const all = sweep.rows.flatMap((r) => Object.values(r.ns)).filter((v) => v > 0);
  const x0 = Math.log10(Math.min(...xs)), x1 = Math.log10(Math.max(...xs));
  const y0 = Math.floor(Math.log10(Math.min(...all))), y1 = Math.ceil(Math.log10(Math.max(...all)));
  const px = (n: number) => left + ((Math.log10(n) - x0) / (x1 - x0 || 1)) * (W - left - right);
  const py = (v: number) => H - bottom - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * (H - top - bottom);
  const colors: Record<string, string> = { 'native-1t': '#1f77b4', 'native-1t-raw': '#17becf', ts: '#ff7f0e', 'read-only': '#7f7f7f' };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left}" y="22" font-size="14">${title}</text>`);
  for (let e = Math.ceil(x0); e <= x1; e++) {
    const x = px(10 ** e);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${H - bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${H - bottom + 18}" text-anchor="middle">1e${e}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${left}" y1="${y}" x2="${W - right}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`);
  }
  out.push(`<text x="${(left + W - right) / 2}" y="${H - 12}" text-anchor="middle">elements in the layer</text>`);
  out.push(`<text transform="translate(18 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">ns per element (median)</text>`);
  SWEEP_CONTENDERS.forEach((id, k) => {
    const pts = sweep.rows.filter((r) => r.ns[id] !== undefined).map((r) => `${px(r.n).toFixed(1)},${py(r.ns[id]).toFixed(1)}`);
    if (!pts.length) return;
    const c = colors[id] ?? '#000';
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${c}"/>`);
    out.push(`<rect x="${W - right + 12}" y="${top + 18 * k}" width="14" height="3" fill="${c}"/>`);
    out.push(`<text x="${W - right + 32}" y="${top + 18 * k + 5}">${id}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
