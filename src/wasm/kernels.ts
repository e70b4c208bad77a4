/**
 * The 'wasm' backend's implementation of the kernel surface (src/kernels/surface.ts): the C++
 * kernels of native/core and native/wire, compiled to WebAssembly (native/wasm/exports.cc). JavaScript arrays
 * cannot be seen from inside the module, so each call copies its inputs into the module's memory,
 * runs, copies the outputs back and frees the memory: a memcpy per array, no per-element work.
 */
import { DgpError, describeValue } from '../errors';
import { selectCodesVia, type BadValue, type Counts, type Device, type Kernels, type SelectOutputs } from '../kernels/surface';
import { firstNonFinite as tsFirstNonFinite, readIndices as tsReadIndices } from '../kernels/ts_wire';
import { WasmExports, wasmExports, wasmLoadError } from './module';
import * as stream from './stream';
import { webAssembly } from './webassembly';

type View = Uint8Array | Uint32Array | Float32Array;

function module(): WasmExports {
  const w = wasmExports();
  if (!w) throw new DgpError(`wasm backend: ${wasmLoadError()}`);
  return w;
}

function bytesOf(v: View): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Linear-memory blocks for one call, allocated as one and freed as one. Views into the module's
 * memory are made afresh for every copy: a kernel that grows the memory detaches older views.
 */
class Frame {
  readonly at: number[] = [];
  private readonly base: number;

  constructor(private readonly w: WasmExports, byteSizes: number[]) {
    let total = 0;
    for (const size of byteSizes) {
      this.at.push(total);
      total += Math.ceil(size / 16) * 16; // 16-byte aligned, as malloc's own blocks
    }
    if (total > 0xffff0000) throw new RangeError(`wasm backend: a call needs ${total} bytes; the module's memory is limited to 4 GiB`);
    this.base = w.dgp_alloc(total);
    if (this.base === 0) throw new RangeError(`wasm backend: out of memory allocating ${total} bytes (the module's memory is limited to 4 GiB)`);
    for (let i = 0; i < this.at.length; i++) this.at[i] += this.base;
  }

  put(slot: number, src: View): void {
    new Uint8Array(this.w.memory.buffer, this.at[slot], src.byteLength).set(bytesOf(src));
  }

  get(slot: number, dst: View): void {
    bytesOf(dst).set(new Uint8Array(this.w.memory.buffer, this.at[slot], dst.byteLength));
  }

  free(): void {
    this.w.dgp_free(this.base);
  }
}

/** Runs body over a fresh Frame; a trap inside the module (allocation failure) becomes a DgpError. */
function call<R>(byteSizes: number[], body: (f: Frame) => R): R {
  const w = module();
  const frame = new Frame(w, byteSizes);
  try {
    return body(frame);
  } catch (e) {
    if (webAssembly && e instanceof webAssembly.RuntimeError)
      throw new DgpError(`wasm backend: the kernel stopped (${e.message}); its scratch memory could not grow (4 GiB limit)`);
    throw e;
  } finally {
    frame.free();
  }
}

const NONE = 0;

/**
 * Selects every layer (SPEC §1-4), one kernel call per layer, in order. Same contract as the
 * addon's selectLayers: returns null, or the lowest layer holding a NaN/Inf and its first index
 * (outputs are then unspecified).
 */
function selectLayers(
  layers: Float32Array[], kTop: Counts, kBottom: Counts, outputs: SelectOutputs, _threads: number, device: Device,
): BadValue | null {
  if (device !== 'cpu') throw new RangeError(`selectLayers: the wasm kernels run on device 'cpu', got '${device}'`);
  // The module selects one layer per call and its outputs are copied out at once, so a NaN in a
  // later layer is checked for first: a bad value leaves every output untouched (surface rule).
  if (layers.length > 1)
    for (let l = 0; l < layers.length; l++) {
      const bad = tsFirstNonFinite(layers[l]);
      if (bad >= 0) return { layer: l, index: bad };
    }
  const w = module();
  for (let l = 0; l < layers.length; l++) {
    const values = layers[l];
    const n = values.length;
    const codes = outputs.codes?.[l] ?? null;
    const pruned = outputs.pruned?.[l] ?? null;
    const keptIndices = outputs.keptIndices?.[l] ?? null;
    const keptValues = outputs.keptValues?.[l] ?? null;
    // Memory guard (the buffers below are sized from the counts), worded as every glue's; the
    // user-facing rule and its message are src/counts.ts's, checked before this call.
    if (!(kTop[l] <= n && kBottom[l] <= n - kTop[l]))
      throw new RangeError(`selectLayers: layer ${l} is out of bounds (n=${n}, kTop=${kTop[l]}, kBottom=${kBottom[l]})`);
    const kept = n - kTop[l] - kBottom[l];
    const bad = call(
      [4 * n, codes ? n : 0, pruned ? 4 * n : 0, keptIndices ? 4 * kept : 0, keptValues ? 4 * kept : 0],
      (f) => {
        f.put(0, values);
        const r = w.dgp_select(
          f.at[0], n, kTop[l], kBottom[l],
          codes ? f.at[1] : NONE, pruned ? f.at[2] : NONE, keptIndices ? f.at[3] : NONE, keptValues ? f.at[4] : NONE,
        );
        if (r === -2) throw new DgpError(`wasm backend: layer ${l} has invalid counts (n=${n}, kTop=${kTop[l]}, kBottom=${kBottom[l]})`);
        if (r >= 0) return r;
        if (codes) f.get(1, codes);
        if (pruned) f.get(2, pruned);
        if (keptIndices) f.get(3, keptIndices);
        if (keptValues) f.get(4, keptValues);
        return -1;
      },
    );
    if (bad >= 0) return { layer: l, index: bad };
  }
  return null;
}

type Ctor = typeof Uint8Array | typeof Uint32Array | typeof Float32Array;

/** The addon's glue checks each array's kind (TypeError); so does this one, before any copy. */
function kinds(fn: string, args: Array<[string, unknown, Ctor]>): void {
  for (const [what, v, ctor] of args)
    if (!(v instanceof ctor)) throw new TypeError(`${fn}: ${what} must be a ${ctor.name}, got ${describeValue(v)}`);
}

function checkRange(fn: string, start: number, end: number, length: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= length))
    throw new RangeError(`${fn}: range [${start}, ${end}) does not fit ${length} bytes`);
}

function sameLength(fn: string, a: number, b: number, what: string): void {
  if (a !== b) throw new RangeError(`${fn}: ${what}: lengths differ (${a} and ${b})`);
}

/**
 * The whole surface, same returns as the addon's. Async selection runs on the calling thread
 * (the module is single-threaded): the promise only keeps the call shape of the other backends.
 */
export const wasmKernels: Kernels = {
  selectLayers,
  selectLayersAsync: async (...args) => selectLayers(...args),
  selectCodes: selectCodesVia(selectLayers),
  crc32(bytes, start, end) {
    kinds('wasm crc32', [['bytes', bytes, Uint8Array]]);
    checkRange('wasm crc32', start, end, bytes.length);
    return call([end - start], (f) => {
      f.put(0, bytes.subarray(start, end));
      return module().dgp_crc32(f.at[0], end - start) >>> 0;
    });
  },
  deltaSize(indices, n) {
    kinds('wasm deltaSize', [['indices', indices, Uint32Array]]);
    return call([indices.byteLength], (f) => {
      f.put(0, indices);
      return module().dgp_delta_size(f.at[0], indices.length, n);
    });
  },
  writeIndices(out, offset, indices, n, coding) {
    kinds('wasm writeIndices', [['out', out, Uint8Array], ['indices', indices, Uint32Array]]);
    if (!Number.isInteger(offset) || offset < 0 || offset > out.length)
      throw new RangeError(`wasm writeIndices: offset ${offset} is past the end (${out.length} bytes)`);
    const cap = out.length - offset;
    return call([indices.byteLength, cap], (f) => {
      f.put(0, indices);
      const written = module().dgp_write_indices(f.at[0], indices.length, n, coding, f.at[1], cap);
      if (written < 0) return -1;
      f.get(1, out.subarray(offset, offset + written));
      return offset + written;
    });
  },
  readIndices(bytes, offset, end, coding, n, out, at) {
    kinds('wasm readIndices', [['bytes', bytes, Uint8Array], ['out', out, Uint32Array]]);
    checkRange('wasm readIndices', offset, end, bytes.length);
    return call([end - offset, out.byteLength], (f) => {
      f.put(0, bytes.subarray(offset, end));
      const r = module().dgp_read_indices(f.at[0], end - offset, coding, out.length, n, f.at[1]);
      if (r < 0) {
        // The module returns only the status; the problem's position (error path only) comes
        // from the TypeScript twin, which reaches the same status on the same bytes.
        tsReadIndices(bytes, offset, end, coding, n, new Uint32Array(out.length), at);
        return r;
      }
      f.get(1, out);
      return offset + r;
    });
  },
  readValues(bytes, offset, out) {
    kinds('wasm readValues', [['bytes', bytes, Uint8Array], ['out', out, Float32Array]]);
    const need = out.length * 4;
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length || need > bytes.length - offset)
      throw new RangeError(`wasm readValues: ${out.length} values at offset ${offset} do not fit ${bytes.length} bytes`);
    return call([need, need], (f) => {
      f.put(0, bytes.subarray(offset, offset + need));
      const r = module().dgp_read_values(f.at[0], out.length, f.at[1]);
      f.get(1, out);
      return r;
    });
  },
  firstNonFinite(values) {
    kinds('wasm firstNonFinite', [['values', values, Float32Array]]);
    return call([values.byteLength], (f) => {
      f.put(0, values);
      return module().dgp_first_non_finite(f.at[0], values.length);
    });
  },
  scatter(dst, indices, values, weight, add) {
    kinds('wasm scatter', [['dst', dst, Float32Array], ['indices', indices, Uint32Array], ['values', values, Float32Array]]);
    sameLength('wasm scatter', indices.length, values.length, 'indices and values');
    return call([dst.byteLength, indices.byteLength, values.byteLength], (f) => {
      f.put(0, dst);
      f.put(1, indices);
      f.put(2, values);
      const r = module().dgp_scatter(f.at[0], dst.length, f.at[1], f.at[2], indices.length, weight, add ? 1 : 0);
      f.get(0, dst); // written up to the first bad index, as the addon does
      return r;
    });
  },
  axpy(acc, values, weight) {
    kinds('wasm axpy', [['acc', acc, Float32Array], ['values', values, Float32Array]]);
    sameLength('wasm axpy', acc.length, values.length, 'acc and values');
    call([acc.byteLength, values.byteLength], (f) => {
      f.put(0, acc);
      f.put(1, values);
      module().dgp_axpy(f.at[0], f.at[1], acc.length, weight);
      f.get(0, acc);
    });
  },
  add(a, b, out) {
    kinds('wasm add', [['a', a, Float32Array], ['b', b, Float32Array], ['out', out, Float32Array]]);
    sameLength('wasm add', a.length, b.length, 'a and b');
    sameLength('wasm add', a.length, out.length, 'a and out');
    call([a.byteLength, b.byteLength, out.byteLength], (f) => {
      f.put(0, a);
      f.put(1, b);
      module().dgp_add(f.at[0], f.at[1], f.at[2], a.length);
      f.get(2, out);
    });
  },
  memoryUpdate(p, codes, mode, e) {
    kinds('wasm memoryUpdate', [['p', p, Float32Array], ['codes', codes, Uint8Array], ['e', e, Float32Array]]);
    sameLength('wasm memoryUpdate', p.length, codes.length, 'p and codes');
    sameLength('wasm memoryUpdate', p.length, e.length, 'p and e');
    if (mode !== 0 && mode !== 1 && mode !== 2) throw new RangeError(`wasm memoryUpdate: mode must be 0, 1 or 2, got ${mode}`);
    call([p.byteLength, codes.byteLength, e.byteLength], (f) => {
      f.put(0, p);
      f.put(1, codes);
      module().dgp_memory_update(f.at[0], f.at[1], p.length, mode, f.at[2]);
      f.get(2, e);
    });
  },
  alignedGather(p, codes, positions, values) {
    kinds('wasm alignedGather', [['p', p, Float32Array], ['codes', codes, Uint8Array], ['positions', positions, Uint32Array], ['values', values, Float32Array]]);
    sameLength('wasm alignedGather', p.length, codes.length, 'p and codes');
    sameLength('wasm alignedGather', positions.length, values.length, 'positions and values');
    return call([p.byteLength, codes.byteLength, positions.byteLength, values.byteLength], (f) => {
      f.put(0, p);
      f.put(1, codes);
      f.put(2, positions);
      const r = module().dgp_aligned_gather(f.at[0], f.at[1], p.length, f.at[2], positions.length, f.at[3]);
      f.get(1, codes);
      f.get(3, values);
      return r;
    });
  },
  streamAdd: stream.streamAdd,
  streamAddAsync: async (...args) => stream.streamAdd(...args),
  partialMerge: stream.partialMerge,
};
