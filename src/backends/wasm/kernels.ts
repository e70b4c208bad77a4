/**
 * The 'wasm' backend's implementation of the kernel surface (src/surface/kernels.ts): the C++
 * kernels of native/core and native/wire, compiled to WebAssembly (native/wasm/exports.cc). JavaScript arrays
 * cannot be seen from inside the module, so each call copies its inputs into the module's memory,
 * runs, copies the outputs back and frees the memory: a memcpy per array, no per-element work.
 */
import { DgpError } from '../../errors';
import { selectCodesVia, type BadValue, type Counts, type Device, type Kernels, type SelectOutputs } from '../../surface/kernels';
import { firstNonFinite as scanNonFinite } from '../../format/blocks';
import { WasmExports, wasmExports, wasmLoadError } from './module';
import * as stream from './stream';
import { ResidentSums } from './stream';
import { tableKernels } from './table_glue';
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
      const bad = scanNonFinite(layers[l]);
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
        if (r === -2) throw new RangeError(`selectLayers: layer ${l} is out of bounds (n=${n}, kTop=${kTop[l]}, kBottom=${kBottom[l]})`);
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

/**
 * The whole surface, same returns as the addon's. Async selection runs on the calling thread
 * (the module is single-threaded): the promise only keeps the call shape of the other backends.
 * The plain kernels (crc32 … alignedGather) come from native/glue/kernel_table.h through the
 * generic glue of table_glue.ts; selection and streaming have glue of their own.
 */
export const wasmKernels: Kernels = {
  selectLayers,
  selectLayersAsync: async (...args) => selectLayers(...args),
  selectCodes: selectCodesVia(selectLayers),
  ...tableKernels(module, call),
  streamAdd: stream.streamAdd,
  // The sums of a streaming aggregation in the module's memory: no copy of the model per message.
  residentSums: (total) => ResidentSums.create(total),
  streamAddAsync: async (...args) => stream.streamAdd(...args),
  partialMerge: stream.partialMerge,
};
