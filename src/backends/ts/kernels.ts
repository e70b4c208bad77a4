/**
 * The TypeScript implementation of the kernel surface (src/surface/kernels.ts): selection from
 * select.ts, wire and FL kernels from wire.ts (two of them, readIndices and firstNonFinite, are
 * the format's reference code in src/format/blocks.ts), streaming aggregation from stream.ts.
 * Runs anywhere JavaScript runs. Its async kernels run on the calling thread (JavaScript has no
 * shared-memory pool to hand them to without workers); the promise only keeps the call shape of
 * the other backends.
 */
import { selectCodesVia, type BadValue, type Counts, type Device, type Kernels, type SelectOutputs } from '../../surface/kernels';
import { Cut, findCut, writeCodes, writeKept } from './select';
import { streamArrays, streamSpecArg } from '../../surface/stream';
import * as stream from './stream';
import * as wire from './wire';
import * as random from './random';

function selectLayers(
  layers: Float32Array[], kTop: Counts, kBottom: Counts, outputs: SelectOutputs, _threads: number, device: Device,
): BadValue | null {
  if (device !== 'cpu') throw new RangeError(`selectLayers: the TypeScript kernels run on device 'cpu', got '${device}'`);
  // Find every cut first so a bad value anywhere leaves no output written.
  const cuts: Cut[] = [];
  for (let l = 0; l < layers.length; l++) {
    const cut = findCut(layers[l], kTop[l], kBottom[l]);
    if ('badIndex' in cut) return { layer: l, index: cut.badIndex };
    cuts.push(cut);
  }
  layers.forEach((values, l) => {
    const codes = outputs.codes?.[l] ?? null;
    const pruned = outputs.pruned?.[l] ?? null;
    const keptIndices = outputs.keptIndices?.[l] ?? null;
    const keptValues = outputs.keptValues?.[l] ?? null;
    if (codes) writeCodes(values, cuts[l], codes);
    if (pruned || keptIndices || keptValues) writeKept(values, cuts[l], pruned, keptIndices, keptValues);
  });
  return null;
}

function streamAdd(msg: Uint8Array, layout: Uint8Array, head: Float64Array, weight: number, acc: Float64Array, out: Float64Array): number {
  const spec = streamSpecArg('streamAdd', layout, head);
  streamArrays('streamAdd', spec, msg, weight, acc, out);
  return stream.streamAdd(msg, spec, weight, acc, out);
}

export const tsKernels: Kernels = {
  selectLayers,
  selectLayersAsync: async (...args) => selectLayers(...args),
  selectCodes: selectCodesVia(selectLayers),
  crc32: wire.crc32,
  deltaSize: wire.deltaSize,
  writeIndices: wire.writeIndices,
  readIndices: wire.readIndices,
  readValues: wire.readValues,
  firstNonFinite: wire.firstNonFinite,
  scatter: wire.scatter,
  axpy: wire.axpy,
  add: wire.add,
  memoryUpdate: wire.memoryUpdate,
  alignedGather: wire.alignedGather,
  chacha20Blocks: random.chacha20Blocks,
  discreteGaussian: random.discreteGaussian,
  streamAdd,
  streamAddAsync: async (...args) => streamAdd(...args),
  partialMerge(msg, layout, head, acc, out) {
    const spec = streamSpecArg('partialMerge', layout, head);
    streamArrays('partialMerge', spec, msg, undefined, acc, out);
    return stream.partialMerge(msg, spec, acc, out);
  },
};
