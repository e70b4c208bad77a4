/**
 * The contenders: every one does the same job on the same Workload (class codes, or a kept mask,
 * for every layer) except the read-only pass, which is the memory-bandwidth floor.
 *
 * - ours: selectLayers() through the public API on the native backend (1 thread, all threads) and
 *   on the TypeScript backend; plus the raw addon call with preallocated outputs (kernel only).
 * - nth_element: std::nth_element on a packed (|g| bits, index) scratch copy (native/bench/).
 * - tfjs-backend-cpu / tfjs-backend-wasm with public ops, in their fastest form (sorted=false,
 *   see keptMask below) plus the sorted form as an extra row; each reads the mask back
 *   (dataSync) so the work is really done.
 * - numpy argpartition and PyTorch topk on the same bytes, timed in Python (bench/python_peers.ts).
 * - read-only: one vectorised pass that sums |g| (native/bench/baselines.cc).
 */
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { selectLayers, setThreads } from '../src/index';
import { nativeBinding } from '../src/backend';
import { benchBinding, benchUnavailable } from './baselines';
import { pythonPeers } from './python_peers';
import type { Workload } from './workloads';

export type Group = 'ours' | 'baseline' | 'limit';

export interface Prepared {
  /** One timed call: the whole workload. */
  run(): void;
  /** Per-layer class codes (0 bottom, 1 kept, 2 top) for the correctness check, if it makes any. */
  codes?(): Uint8Array[];
  dispose(): void;
}

export interface Contender {
  id: string;
  label: string;
  group: Group;
  /** Slow contenders get fewer samples. */
  slow?: boolean;
  /** Reason the contender cannot run at all in this process, or null. */
  unavailable(): string | null;
  /** Reason to skip this workload (documented limits), or null. */
  skip?(w: Workload, quick: boolean): string | null;
  prepare(w: Workload): Promise<Prepared>;
}

export { benchBinding };

// ---- ours ------------------------------------------------------------------------------------

function oursApi(id: string, label: string, backend: 'native' | 'wasm' | 'ts', threads: number): Contender {
  return {
    id,
    label,
    group: 'ours',
    unavailable: () => (backend === 'native' && !nativeBinding() ? 'native addon not loaded' : null),
    async prepare(w) {
      const layers = w.layers.map((l) => ({ name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom }));
      let last: Uint8Array[] = [];
      return {
        run() {
          setThreads(threads);
          last = selectLayers(layers, { codes: true }, 'bench', backend).map((o) => o.codes!);
        },
        codes: () => last,
        dispose() {
          setThreads(0);
          last = [];
        },
      };
    },
  };
}

function oursRaw(): Contender {
  return {
    id: 'native-1t-raw',
    label: 'native, 1 thread, raw addon call, preallocated codes',
    group: 'ours',
    unavailable: () => (nativeBinding() ? null : 'native addon not loaded'),
    async prepare(w) {
      const b = nativeBinding()!;
      const values = w.layers.map((l) => l.values);
      const kTop = w.layers.map((l) => l.kTop);
      const kBottom = w.layers.map((l) => l.kBottom);
      const codes = w.layers.map((l) => new Uint8Array(l.values.length));
      const outputs = { codes, disposable: true }; // a bad value throws: the codes go unread
      return {
        run() {
          if (b.selectLayers(values, kTop, kBottom, outputs, 1, 'cpu') !== null) throw new Error('bad value');
        },
        codes: () => codes,
        dispose() {},
      };
    },
  };
}

// ---- native baselines ------------------------------------------------------------------------

function nthElement(): Contender {
  return {
    id: 'nth_element',
    label: 'C++ std::nth_element x2 on (|g|,index) copy, 1 thread',
    group: 'baseline',
    unavailable: benchUnavailable,
    async prepare(w) {
      const bench = benchBinding()!;
      const codes = w.layers.map((l) => new Uint8Array(l.values.length));
      return {
        run() {
          for (let l = 0; l < w.layers.length; l++) {
            const L = w.layers[l];
            bench.nthElementCodes(L.values, L.kTop, L.kBottom, codes[l]);
          }
        },
        codes: () => codes,
        dispose() {},
      };
    },
  };
}

let sink = 0;

function readOnly(): Contender {
  return {
    id: 'read-only',
    label: 'memory limit: vectorised sum of |g|, 1 thread',
    group: 'limit',
    unavailable: benchUnavailable,
    async prepare(w) {
      const bench = benchBinding()!;
      return {
        run() {
          let s = 0;
          for (const L of w.layers) s += bench.sumAbs(L.values);
          sink += s;
        },
        dispose() {},
      };
    },
  };
}

// ---- tfjs ------------------------------------------------------------------------------------

let wasmReady: Promise<boolean> | null = null;
let wasmError: string | null = null;

export async function initTfjs(): Promise<void> {
  tf.env().set('IS_NODE', true);
  tf.env().set('PROD', true); // no per-op NaN checks / debug work
  if (!wasmReady) {
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    setWasmPaths(dist);
    wasmReady = tf.setBackend('wasm').then(
      (ok) => {
        if (!ok) wasmError = 'tf.setBackend("wasm") returned false';
        return ok;
      },
      (e: Error) => {
        wasmError = e.message;
        return false;
      },
    );
  }
  await wasmReady;
  await tf.setBackend('cpu');
}

export function tfjsInfo(): Record<string, unknown> {
  let simd: unknown = null;
  let threads: unknown = null;
  try {
    simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  } catch {
    // flags unknown
  }
  return { version: tf.version_core, wasmSimd: simd, wasmThreads: threads, wasmError };
}

/**
 * tfjs formulations of the selection, all with public ops:
 * - 'fast' (the fastest measured): hi = topk(|g|, n - kBottom, sorted=false) is the top and kept
 *   sets; topk(hi.values, kTop, sorted=false) picks the top set among them. Kept mask =
 *   scatter(hi.indices) minus scatter(the top indices).
 * - '2topk': topk(|g|, kTop, sorted=false) and topk(-|g|, kBottom, sorted=false), mask = neither.
 * - 'sorted': the previous best form, topk(|g|, n - kBottom) with tfjs's default sorted=true
 *   (sorts the 20-80% of the layer it returns), then the kept slice scattered. An extra row.
 */
type Form = 'fast' | '2topk' | 'sorted';

/** Kept mask of one layer with public tfjs ops; the caller disposes the result. */
function keptMask(x: tf.Tensor1D, n: number, kTop: number, kBottom: number, form: Form): tf.Tensor {
  return tf.tidy(() => {
    const kept = n - kTop - kBottom;
    if (kept === 0) return tf.zeros([n], 'bool');
    const a = tf.abs(x);
    if (form === 'sorted') {
      const idx = tf.topk(a, n - kBottom).indices;
      const keptIdx = tf.reshape(tf.slice(idx, kTop, kept), [kept, 1]);
      return tf.cast(tf.scatterND(keptIdx, tf.ones([kept], 'int32'), [n]), 'bool');
    }
    if (form === 'fast') {
      const m = n - kBottom;
      const hi = tf.topk(a, m, false);
      let mask = tf.scatterND(tf.reshape(hi.indices, [m, 1]), tf.ones([m], 'int32'), [n]);
      if (kTop > 0) {
        const top = tf.gather(hi.indices, tf.topk(hi.values, kTop, false).indices);
        mask = tf.sub(mask, tf.scatterND(tf.reshape(top, [kTop, 1]), tf.ones([kTop], 'int32'), [n]));
      }
      return tf.cast(mask, 'bool');
    }
    let removed: tf.Tensor = tf.zeros([n], 'int32');
    if (kTop > 0) {
      const t = tf.reshape(tf.topk(a, kTop, false).indices, [kTop, 1]);
      removed = tf.add(removed, tf.scatterND(t, tf.ones([kTop], 'int32'), [n]));
    }
    if (kBottom > 0) {
      const b = tf.reshape(tf.topk(tf.neg(a), kBottom, false).indices, [kBottom, 1]);
      removed = tf.add(removed, tf.scatterND(b, tf.ones([kBottom], 'int32'), [n]));
    }
    return tf.equal(removed, tf.scalar(0, 'int32'));
  });
}

/** Class codes as tfjs would define them, for the correctness check (not timed). */
function tfjsCodes(x: tf.Tensor1D, n: number, kTop: number, kBottom: number, form: Form): Uint8Array {
  const codes = new Uint8Array(n); // 0 = bottom
  tf.tidy(() => {
    const a = tf.abs(x);
    if (form === 'sorted') {
      const idx = tf.topk(a, n - kBottom).indices.dataSync();
      for (let j = 0; j < idx.length; j++) codes[idx[j]] = j < kTop ? 2 : 1;
    } else if (form === 'fast') {
      const hi = tf.topk(a, n - kBottom, false);
      for (const i of hi.indices.dataSync()) codes[i] = 1;
      if (kTop > 0) for (const i of tf.gather(hi.indices, tf.topk(hi.values, kTop, false).indices).dataSync()) codes[i] = 2;
    } else {
      codes.fill(1);
      if (kTop > 0) for (const i of tf.topk(a, kTop, false).indices.dataSync()) codes[i] = 2;
      if (kBottom > 0) for (const i of tf.topk(tf.neg(a), kBottom, false).indices.dataSync()) codes[i] = codes[i] === 2 ? 3 : 0;
    }
  });
  return codes;
}

const FORM_LABEL: Record<Form, string> = {
  fast: 'topk(|g|, n-kBottom, sorted=false) + topk(of those, kTop, sorted=false) + scatter mask',
  '2topk': 'topk(|g|, kTop, sorted=false) + topk(-|g|, kBottom, sorted=false) + mask',
  sorted: 'topk(|g|, n-kBottom) sorted (tfjs default) + scatter mask; extra row',
};

/** Documented limits (docs/BENCHMARKS.md): tfjs-backend-cpu takes seconds per call on 10^7. */
function tfjsSkip(backend: 'cpu' | 'wasm', form: Form, w: Workload, quick: boolean): string | null {
  if (form !== 'fast' && w.kind !== 'layer') return `the ${form} form is timed on single layers only`;
  if (quick && backend === 'cpu' && w.layers.length > 100) return 'tfjs-cpu skips models of > 100 tensors in --quick';
  if (form === 'sorted') {
    const max = backend === 'wasm' ? (quick ? 1e5 : 1e6) : quick ? 0 : 1e5;
    return w.n <= max ? null : `the sorted form runs on single layers up to ${max} here`;
  }
  if (backend === 'cpu') {
    if (form === '2topk') return w.n <= (quick ? 1e5 : 1e6) ? null : 'tfjs-cpu 2-topk runs on <= 1e6 (1e5 in --quick)';
    if (w.n > 1e6 && (quick || w.id !== 'lognormal-1e7-r1')) return 'tfjs-backend-cpu runs on > 1e6 only for lognormal-1e7-r1, full run (seconds per call)';
  }
  return null;
}

function tfjsContender(backend: 'cpu' | 'wasm', form: Form): Contender {
  const id = `tfjs-${backend}${form === 'fast' ? '' : `-${form}`}`;
  return {
    id,
    label: `tfjs-backend-${backend}: ${FORM_LABEL[form]}`,
    group: 'baseline',
    slow: true,
    unavailable: () => (backend === 'wasm' && wasmError ? `wasm backend failed: ${wasmError}` : null),
    skip: (w, quick) => tfjsSkip(backend, form, w, quick),
    async prepare(w) {
      await tf.setBackend(backend);
      const xs = w.layers.map((l) => tf.tensor1d(l.values));
      return {
        run() {
          for (let l = 0; l < w.layers.length; l++) {
            const L = w.layers[l];
            const m = keptMask(xs[l], L.values.length, L.kTop, L.kBottom, form);
            m.dataSync();
            m.dispose();
          }
        },
        codes: () => w.layers.map((L, l) => tfjsCodes(xs[l], L.values.length, L.kTop, L.kBottom, form)),
        dispose() {
          xs.forEach((x) => x.dispose());
        },
      };
    },
  };
}

/**
 * tfjs-backend-wasm's fastest public form, the one issue 11 compares the wasm backend with:
 * topk(|g|, n - kBottom, sorted = false). It finds the top set and kept set together but cannot
 * tell them apart (that needs sorted = true), so it is a lower bound for tfjs and makes no codes.
 */
function tfjsUnsortedTopk(): Contender {
  return {
    id: 'tfjs-wasm-unsorted',
    label: 'tfjs-backend-wasm: topk(|g|, n-kBottom, sorted=false) only (no top/kept split: a lower bound)',
    group: 'baseline',
    slow: true,
    unavailable: () => (wasmError ? `wasm backend failed: ${wasmError}` : null),
    skip: (w) => (w.kind === 'layer' ? null : 'timed on single layers only'),
    async prepare(w) {
      await tf.setBackend('wasm');
      const xs = w.layers.map((l) => tf.tensor1d(l.values));
      return {
        run() {
          for (let l = 0; l < w.layers.length; l++) {
            const idx = tf.tidy(() => tf.topk(tf.abs(xs[l]), w.layers[l].values.length - w.layers[l].kBottom, false).indices);
            idx.dataSync();
            idx.dispose();
          }
        },
        dispose() {
          xs.forEach((x) => x.dispose());
        },
      };
    },
  };
}

/** tfjs forms in their fastest public form per backend (for targets and docs). */
export const TFJS_FASTEST: Record<'wasm' | 'cpu', string[]> = {
  wasm: ['tfjs-wasm', 'tfjs-wasm-2topk'],
  cpu: ['tfjs-cpu', 'tfjs-cpu-2topk'],
};

/** In timing order; the first is the reference ("ours") for ratios and the correctness check. */
export function contenders(): Contender[] {
  return [
    oursApi('native-1t', 'native, 1 thread (selectLayers)', 'native', 1),
    oursApi('native-all', 'native, all threads (selectLayers)', 'native', 0),
    oursRaw(),
    oursApi('ts', 'TypeScript backend (selectLayers)', 'ts', 0),
    oursApi('wasm', 'wasm backend, 1 thread (selectLayers; copies in and out of the module included)', 'wasm', 0),
    nthElement(),
    readOnly(),
    tfjsContender('wasm', 'fast'),
    tfjsUnsortedTopk(),
    tfjsContender('wasm', '2topk'),
    tfjsContender('wasm', 'sorted'),
    tfjsContender('cpu', 'fast'),
    tfjsContender('cpu', '2topk'),
    tfjsContender('cpu', 'sorted'),
    ...pythonPeers(),
  ];
}

export function keepSink(): number {
  return sink;
}
