/**
 * The 'wasm' backend's streaming-aggregation kernels (surface.ts: streamAdd, streamAddAsync,
 * partialMerge): native/wire/stream_aggregate.cc compiled into the module (native/wasm/exports.cc).
 *
 * Memory: one block of linear memory per call (message, layout, outcome slots), freed before
 * returning, so the module's memory stays at its high-water mark however many messages pass.
 * The float64 sums: a plain Float64Array is copied in and, only when the message is accepted,
 * copied back out (correct for any caller, but two copies of the whole model per message). The
 * Aggregator instead keeps its sums in the module's memory (ResidentSums): an acc that is a view
 * of the module's memory is used in place, no copy. Either way the C++ validates the whole
 * message before it writes a sum, so a rejected message leaves the sums bit-identical. The views
 * over the module's memory are remade only when it grows (a growth replaces its buffer), so a
 * call allocates no typed arrays.
 */
import { DgpError } from '../../errors';
import { OUT_SLOTS, streamArrays, streamSpecArg, StreamSpec } from '../../surface/stream';
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
 * Lays out [acc: 8·total, unless acc is resident][out: 56][msg][layout] in one block (float64
 * slots first: malloc's 16-byte alignment keeps them aligned), copies in, runs, copies the
 * outcome out. A resident acc that went stale (the memory grew since its view was made) has
 * length 0 and was refused by streamArrays already.
 */
function call(spec: StreamSpec, msg: Uint8Array, acc: Float64Array, out: Float64Array, run: Run): number {
  const w = wasmExports();
  if (!w) throw new DgpError(`wasm backend: ${wasmLoadError()}`);
  // Read before allocating: a growth detaches acc's view (its byteOffset then reads 0).
  const resident = acc.buffer === w.memory.buffer;
  const residentAt = acc.byteOffset;
  const accBytes = resident ? 0 : 8 * spec.total;
  const bytes = accBytes + 8 * OUT_SLOTS + msg.length + spec.layout.length;
  if (bytes > 0xffff0000) throw new RangeError(`wasm backend: a call needs ${bytes} bytes; the module's memory is limited to 4 GiB`);
  const base = w.dgp_alloc(bytes);
  if (base === 0) throw new RangeError(`wasm backend: out of memory allocating ${bytes} bytes (the module's memory is limited to 4 GiB)`);
  try {
    const outAt = base + accBytes;
    const msgAt = outAt + 8 * OUT_SLOTS;
    const layoutAt = msgAt + msg.length;
    heap(w);
    if (!resident) heapF64.set(acc, base / 8);
    heapU8.set(msg, msgAt);
    heapU8.set(spec.layout, layoutAt);
    const code = run(w, spec, msgAt, layoutAt, resident ? residentAt : base, outAt);
    heap(w); // the kernels do not allocate, but a view is cheap to re-check
    for (let i = 0; i < OUT_SLOTS; i++) out[i] = heapF64[outAt / 8 + i];
    if (code === 0 && !resident) acc.set(heapF64.subarray(base / 8, base / 8 + spec.total));
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

/** FinalizationRegistry (ES2021), typed here: the package's lib is ES2020. */
interface Block {
  ptr: number;
  bytes: number;
}
interface Registry {
  register(target: object, held: Block): void;
}
const Finalizer = (globalThis as { FinalizationRegistry?: new (cleanup: (held: Block) => void) => Registry }).FinalizationRegistry;
const registry = Finalizer
  ? new Finalizer((block) => {
      wasmExports()?.dgp_free(block.ptr);
      residentBytes -= block.bytes;
    })
  : null;

/**
 * Bytes of resident sums not yet collected, and their cap. The garbage collector does not see the
 * module's memory fill up (a dropped aggregator's holder is a small object), so without a cap a
 * server making a new aggregator per round could grow the module to its 4 GiB limit before the
 * old blocks are freed. Past the cap an aggregator keeps plain sums (copied per call: slower,
 * same bits) until collections free blocks again.
 */
let residentBytes = 0;
export const RESIDENT_CAP_BYTES = 2 ** 30;

/** Bytes of resident sums allocated and not yet freed (tests). */
export function residentSumsBytes(): number {
  return residentBytes;
}

/**
 * Float64 sums in the module's memory, zeroed, which the kernels above use in place. `values` is
 * a view made again whenever the memory has grown (read it afresh after every kernel call; never
 * keep it). The block is freed when this holder is garbage-collected, so the module's memory is
 * bounded by the live holders.
 */
export class ResidentSums {
  private buffer: ArrayBuffer | null = null;
  private view = new Float64Array(0);

  private constructor(private readonly w: WasmExports, private readonly ptr: number, readonly total: number) {}

  /**
   * Sums for `total` values, or null where they cannot live in the module (no module, no
   * FinalizationRegistry, the cap reached, no memory): the caller then keeps plain sums.
   */
  static create(total: number): ResidentSums | null {
    const w = wasmExports();
    const bytes = 8 * total;
    if (!w || !registry || residentBytes + bytes > RESIDENT_CAP_BYTES) return null;
    const ptr = w.dgp_alloc(bytes);
    if (ptr === 0) return null;
    const sums = new ResidentSums(w, ptr, total);
    registry.register(sums, { ptr, bytes });
    residentBytes += bytes;
    sums.values.fill(0);
    return sums;
  }

  get values(): Float64Array {
    if (this.w.memory.buffer !== this.buffer) {
      this.buffer = this.w.memory.buffer;
      this.view = new Float64Array(this.buffer, this.ptr, this.total);
    }
    return this.view;
  }
}
