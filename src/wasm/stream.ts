/**
 * The 'wasm' backend's streaming-aggregation kernels (surface.ts: streamAdd, streamAddAsync,
 * partialMerge): native/wire/stream_aggregate.cc compiled into the module (native/wasm/exports.cc).
 *
 * Memory: one block of linear memory per call, freed before returning, so the module's memory
 * stays at its high-water mark (one model's sums plus one message) however many messages pass.
 * The float64 sums are copied in and, only when the message is accepted, copied back out: a
 * rejected message leaves the caller's sums untouched by construction, and the module keeps no
 * state between calls (another backend may run the next call on the same sums). The views over
 * the module's memory are made once per memory buffer (a growth replaces the buffer), so a call
 * allocates no typed arrays.
 */
import { DgpError } from '../errors';
import { streamArrays, streamSpecArg } from '../kernels/stream_args';
import { OUT_SLOTS, StreamSpec } from '../kernels/ts_stream';
import { WasmExports, wasmExports, wasmLoadError } from './module';

let heapBuffer: ArrayBuffer | null = null;
let heapU8 = new Uint8Array(0);
let heapF64 = new Float64Array(0);

/** Views over the module's current memory (remade only after the memory grew). */
function heap(w: WasmExports): void {
  const buffer = w.memory.buffer;
  if (buffer === heapBuffer) return;
  heapBuffer = buffer;
  heapU8 = new Uint8Array(buffer);
  heapF64 = new Float64Array(buffer);
}

type Run = (w: WasmExports, spec: StreamSpec, msg: number, layout: number, acc: number, out: number) => number;

/**
 * Lays out [acc: 8·total][out: 56][msg][layout] in one block (acc first: malloc's 16-byte
 * alignment keeps the float64 slots aligned), copies in, runs, copies the outcome out.
 */
function call(spec: StreamSpec, msg: Uint8Array, acc: Float64Array, out: Float64Array, run: Run): number {
  const w = wasmExports();
  if (!w) throw new DgpError(`wasm backend: ${wasmLoadError()}`);
  const accBytes = 8 * spec.total;
  const bytes = accBytes + 8 * OUT_SLOTS + msg.length + spec.layout.length;
  if (bytes > 0xffff0000) throw new RangeError(`wasm backend: a call needs ${bytes} bytes; the module's memory is limited to 4 GiB`);
  const base = w.dgp_alloc(bytes);
  if (base === 0) throw new RangeError(`wasm backend: out of memory allocating ${bytes} bytes (the module's memory is limited to 4 GiB)`);
  try {
    const outAt = base + accBytes;
    const msgAt = outAt + 8 * OUT_SLOTS;
    const layoutAt = msgAt + msg.length;
    heap(w);
    heapF64.set(acc, base / 8);
    heapU8.set(msg, msgAt);
    heapU8.set(spec.layout, layoutAt);
    const code = run(w, spec, msgAt, layoutAt, base, outAt);
    heap(w); // the kernels do not allocate, but a view is cheap to re-check
    for (let i = 0; i < OUT_SLOTS; i++) out[i] = heapF64[outAt / 8 + i];
    if (code === 0) acc.set(heapF64.subarray(base / 8, base / 8 + spec.total));
    return code;
  } finally {
    w.dgp_free(base);
  }
}

export function streamAdd(msg: Uint8Array, layout: Uint8Array, head: Float64Array, weight: number, acc: Float64Array, out: Float64Array): number {
  const spec = streamSpecArg('streamAdd', layout, head);
  streamArrays('streamAdd', spec, msg, weight, acc, out);
  return call(spec, msg, acc, out, (w, s, m, l, a, o) =>
    w.dgp_stream_add(m, msg.length, l, s.layout.length, s.of, s.round, s.positionsId, s.layerCount, s.total, weight, a, o));
}

export function partialMerge(msg: Uint8Array, layout: Uint8Array, head: Float64Array, acc: Float64Array, out: Float64Array): number {
  const spec = streamSpecArg('partialMerge', layout, head);
  streamArrays('partialMerge', spec, msg, undefined, acc, out);
  return call(spec, msg, acc, out, (w, s, m, l, a, o) =>
    w.dgp_partial_merge(m, msg.length, l, s.layout.length, s.of, s.round, s.positionsId, s.layerCount, s.total, a, o));
}
