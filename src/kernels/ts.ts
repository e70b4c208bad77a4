/**
 * The TypeScript implementation of the kernel surface (src/kernels/surface.ts): selection from
 * ts_select.ts, wire and FL kernels from ts_wire.ts. Runs anywhere JavaScript runs. Its async
 * selection runs on the calling thread (JavaScript has no shared-memory pool to hand it to
 * without workers); the promise only keeps the call shape of the other backends.
 */
import type { BadValue, Device, Kernels, SelectOutputs } from './surface';
import { Cut, findCut, writeCodes, writeKept } from './ts_select';
import * as wire from './ts_wire';

function selectLayers(
  layers: Float32Array[], kTop: number[], kBottom: number[], outputs: SelectOutputs, _threads: number, device: Device,
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

export const tsKernels: Kernels = {
  selectLayers,
  selectLayersAsync: async (...args) => selectLayers(...args),
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
};
