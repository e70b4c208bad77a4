/**
 * The contenders: every one does the same job on the same Workload (class codes, or a kept mask,
 * for every layer) except the read-only pass, which is the memory-bandwidth floor.
 *
 * - ours: selectLayers() through the public API on the native backend (1 thread, all threads) and
 *   on the TypeScript backend; plus the raw addon call with preallocated outputs (kernel only).
 * - nth_element: std::nth_element on a packed (|g| bits, index) scratch copy (native/bench/).
 * - tfjs-backend-cpu / tfjs-backend-wasm with public ops, in their fastest form (two
 *   topk(sorted=false) index arrays read back with dataSync, class codes written in JavaScript;
 *   see peerCodes below) plus slower forms as extra rows (the mask built with tfjs ops and read
 *   back as a bool tensor, the sorted form).
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
 * - 'js' (the peer: the fastest measured, issue 19): hi = topk(|g|, n - kBottom, sorted=false)
 *   holds the top and kept sets; t = topk(hi.values, kTop, sorted=false) picks the top set among
 *   them. Both index arrays are read back (dataSync) and the class codes written in JavaScript:
 *   0 everywhere, 1 at hi.indices, 2 at hi.indices[t.indices].
 * - '2topk-js': topk(|g|, kTop, sorted=false) and topk(-|g|, kBottom, sorted=false) read back,
 *   codes written in JavaScript (bottom ties go to the lower index: tfjs's rule, not SPEC's).
 * - 'ops' (the previous peer, now an extra row): the same two topk calls as 'js', but the kept
 *   mask built with tfjs ops (scatterND(hi.indices) minus scatterND(gather(hi.indices,
 *   t.indices)), cast to bool) and read back as a bool tensor.
 * - '2topk': the '2topk-js' selection with the mask built by tfjs ops (mask = neither).
 * - 'sorted': topk(|g|, n - kBottom) with tfjs's default sorted=true (sorts the 20-80% of the
 *   layer it returns), then the kept slice scattered. An extra row.
 */
type Form = 'js' | '2topk-js' | 'ops' | '2topk' | 'sorted';

/** The forms whose timed call makes class codes in JavaScript (the others make a mask). */
const JS_FORMS: Form[] = ['js', '2topk-js'];

/**
 * Class codes of one layer from topk index arrays read back to JavaScript (forms 'js' and
 * '2topk-js'). Timed as is for those forms; also the correctness check's codes for the others,
 * which select the same sets.
 */
function peerCodes(x: tf.Tensor1D, n: number, kTop: number, kBottom: number, form: Form): Uint8Array {
  const codes = new Uint8Array(n); // 0 = bottom
  if (form === 'sorted') {
    tf.tidy(() => {
      const idx = tf.topk(tf.abs(x), n - kBottom).indices.dataSync();
      for (let j = 0; j < idx.length; j++) codes[idx[j]] = j < kTop ? 2 : 1;
    });
    return codes;
  }
  if (form === '2topk' || form === '2topk-js') {
    codes.fill(1);
    const a = tf.abs(x);
    const top = kTop > 0 ? tf.topk(a, kTop, false).indices : null;
    const neg = kBottom > 0 ? tf.neg(a) : null;
    const bottom = neg ? tf.topk(neg, kBottom, false).indices : null;
    a.dispose();
    neg?.dispose();
    if (top) {
      const t = top.dataSync();
      for (let j = 0; j < t.length; j++) codes[t[j]] = 2;
      top.dispose();
    }
    if (bottom) {
      const b = bottom.dataSync();
      for (let j = 0; j < b.length; j++) codes[b[j]] = codes[b[j]] === 2 ? 3 : 0;
      bottom.dispose();
    }
    return codes;
  }
  // 'js' and 'ops': the top and kept sets together, then the top set among them.
  if (kBottom === n) return codes;
  const a = tf.abs(x);
  const hi = tf.topk(a, n - kBottom, false);
  const hiIdx = hi.indices;
  const topPos = kTop > 0 ? tf.topk(hi.values, kTop, false).indices : null;
  a.dispose();
  hi.values.dispose();
  const h = hiIdx.dataSync();
  for (let j = 0; j < h.length; j++) codes[h[j]] = 1;
  if (topPos) {
    const t = topPos.dataSync();
    for (let j = 0; j < t.length; j++) codes[h[t[j]]] = 2;
    topPos.dispose();
  }
  hiIdx.dispose();
  return codes;
}

/** Kept mask of one layer built with tfjs ops (forms 'ops', '2topk', 'sorted'); the caller disposes it. */
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
    if (form === 'ops') {
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

const FORM_LABEL: Record<Form, string> = {
  js: 'topk(|g|, n-kBottom, sorted=false) + topk(of those, kTop, sorted=false), indices read back, codes written in JS',
  '2topk-js': 'topk(|g|, kTop, sorted=false) + topk(-|g|, kBottom, sorted=false), indices read back, codes written in JS',
  ops: 'the same two topk as tfjs-wasm, mask built with tfjs ops (scatterND, gather, sub, cast), bool tensor read back; extra row',
  '2topk': 'topk(|g|, kTop, sorted=false) + topk(-|g|, kBottom, sorted=false) + mask with tfjs ops',
  sorted: 'topk(|g|, n-kBottom) sorted (tfjs default) + scatter mask; extra row',
};

const FORM_ID: Record<Form, string> = { js: '', '2topk-js': '-2topk-js', ops: '-ops', '2topk': '-2topk', sorted: '-sorted' };

/** Documented limits (docs/BENCHMARKS.md): tfjs-backend-cpu takes seconds per call on 10^7. */
function tfjsSkip(backend: 'cpu' | 'wasm', form: Form, w: Workload, quick: boolean): string | null {
  if (form !== 'js' && w.kind !== 'layer') return `the ${form} form is timed on single layers only`;
  if (quick && backend === 'cpu' && w.layers.length > 100) return 'tfjs-cpu skips models of > 100 tensors in --quick';
  if (form === 'sorted') {
    const max = backend === 'wasm' ? (quick ? 1e5 : 1e6) : quick ? 0 : 1e5;
    return w.n <= max ? null : `the sorted form runs on single layers up to ${max} here`;
  }
  if (backend === 'cpu') {
    if (form !== 'js') return w.n <= (quick ? 1e5 : 1e6) ? null : `tfjs-cpu ${form} runs on <= 1e6 (1e5 in --quick)`;
    if (w.n > 1e6 && (quick || w.id !== 'lognormal-1e7-r1')) return 'tfjs-backend-cpu runs on > 1e6 only for lognormal-1e7-r1, full run (seconds per call)';
  }
  return null;
}

function tfjsContender(backend: 'cpu' | 'wasm', form: Form): Contender {
  const id = `tfjs-${backend}${FORM_ID[form]}`;
  const js = JS_FORMS.includes(form);
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
      let last: Uint8Array[] = [];
      return {
        run() {
          if (js) {
            last = w.layers.map((L, l) => peerCodes(xs[l], L.values.length, L.kTop, L.kBottom, form));
            return;
          }
          for (let l = 0; l < w.layers.length; l++) {
            const L = w.layers[l];
            const m = keptMask(xs[l], L.values.length, L.kTop, L.kBottom, form);
            m.dataSync();
            m.dispose();
          }
        },
        codes: () => (js ? last : w.layers.map((L, l) => peerCodes(xs[l], L.values.length, L.kTop, L.kBottom, form))),
        dispose() {
          xs.forEach((x) => x.dispose());
          last = [];
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
  wasm: ['tfjs-wasm', 'tfjs-wasm-2topk-js', 'tfjs-wasm-ops', 'tfjs-wasm-2topk'],
  cpu: ['tfjs-cpu', 'tfjs-cpu-2topk-js', 'tfjs-cpu-ops', 'tfjs-cpu-2topk'],
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
    tfjsContender('wasm', 'js'),
    tfjsContender('wasm', '2topk-js'),
    tfjsContender('wasm', 'ops'),
    tfjsUnsortedTopk(),
    tfjsContender('wasm', '2topk'),
    tfjsContender('wasm', 'sorted'),
    tfjsContender('cpu', 'js'),
    tfjsContender('cpu', '2topk-js'),
    tfjsContender('cpu', 'ops'),
    tfjsContender('cpu', '2topk'),
    tfjsContender('cpu', 'sorted'),
    ...pythonPeers(),
  ];
}

export function keepSink(): number {
  return sink;
}
