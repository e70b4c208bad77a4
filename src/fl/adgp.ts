/**
 * ADGP (SPEC §8), broadcaster and server side. The broadcaster picks each layer's positions (the
 * kept set of a reference, usually the previous round's aggregate) and broadcasts them
 * (encodePositions). Clients upload values only (ErrorFeedback.stepAligned, encodeAligned); the
 * server sums them on the positions (aggregateAligned) and downloads values only; everyone
 * turns those into dense layers with densifyAligned.
 */
import { countsFor, checkConfig, DgpConfig } from '../counts';
import { describeValue } from '../errors';
import { selectLayers } from '../select';
import { DgpFormatError } from './errors';
import { GradientInput, readGradients } from './gradients';
import { flKernels } from './kernels';
import { checkRound, hex32 } from './layout';
import { checkLimit, checkList, enforceLimit, factors } from './options';
import type { AggregateOptions, AlignedPositions, AlignedValues, DenseLayer, ElementLimit } from './types';

/** Positions for the next round: per layer, the kept set (SPEC §1) of `reference` under `config`. */
export function chooseAlignedPositions(reference: GradientInput, config: DgpConfig, round = 0): AlignedPositions {
  const caller = 'chooseAlignedPositions';
  checkRound(round, caller);
  const checked = checkConfig(config, caller);
  const layers = readGradients(reference, caller);
  const outs = selectLayers(
    layers.map((l) => ({ name: l.name, values: l.values, ...countsFor(l.values.length, checked, `${caller}: layer '${l.name}'`) })),
    { sparse: true },
    caller,
  );
  return { round, layers: layers.map((l, i) => ({ name: l.name, shape: l.shape.slice(), indices: outs[i].keptIndices! })) };
}

function positionsId(positions: AlignedPositions, caller: string): number {
  if (positions === null || typeof positions !== 'object' || !Array.isArray(positions.layers))
    throw new TypeError(`${caller}: positions must be an AlignedPositions object, got ${describeValue(positions)}`);
  const id = positions.id;
  if (typeof id !== 'number') throw new TypeError(`${caller}: positions.id must be set (decode the broadcast with decodePositions())`);
  return id;
}

/** Checks one values-only message against the positions: id, layer names and counts. */
function matchAligned(a: AlignedValues, positions: AlignedPositions, caller: string, who: string): Float32Array[] {
  const id = positionsId(positions, caller);
  if (a.positionsId !== id)
    throw new DgpFormatError(`${caller}: ${who} was made for positions ${hex32(a.positionsId >>> 0)}, these are ${hex32(id)}`);
  if (a.layers.length !== positions.layers.length)
    throw new DgpFormatError(`${caller}: ${who} has ${a.layers.length} layers, the positions have ${positions.layers.length}`);
  const byName = new Map(a.layers.map((l) => [l.name, l]));
  return positions.layers.map((p) => {
    const l = byName.get(p.name);
    if (!l) throw new DgpFormatError(`${caller}: ${who} lacks layer '${p.name}'`);
    if (!(l.values instanceof Float32Array)) throw new TypeError(`${caller}: ${who} layer '${p.name}' values must be a Float32Array`);
    if (l.values.length !== p.indices.length)
      throw new DgpFormatError(`${caller}: ${who} layer '${p.name}' has ${l.values.length} values for ${p.indices.length} positions`);
    return l.values;
  });
}

/**
 * The server's ADGP aggregate: sum (default) or weighted mean of the uploads' values on the
 * positions, as the values-only download (encodeAligned it). All uploads are checked first.
 */
export function aggregateAligned(uploads: AlignedValues[], positions: AlignedPositions, options: AggregateOptions = {}): AlignedValues {
  const caller = 'aggregateAligned';
  const list = checkList<AlignedValues>(uploads, caller, 'uploads');
  const w = factors(options, list.length, caller);
  const values = list.map((u, c) => matchAligned(u, positions, caller, `upload ${c}`));
  const total = positions.layers.reduce((s, p) => s + p.indices.length, 0);
  const k = flKernels(total * list.length);
  const acc = positions.layers.map((p) => new Float32Array(p.indices.length));
  values.forEach((layers, c) => layers.forEach((v, i) => k.axpy(acc[i], v, w[c])));
  return {
    round: positions.round,
    positionsId: positionsId(positions, caller),
    layers: positions.layers.map((p, i) => ({ name: p.name, values: acc[i] })),
  };
}

/** Values-only message to dense layers (values at the positions, +0 elsewhere). */
export function densifyAligned(aligned: AlignedValues, positions: AlignedPositions, options: ElementLimit): DenseLayer[] {
  const caller = 'densifyAligned';
  const max = checkLimit(options, caller);
  checkList<AlignedValues>([aligned], caller, 'aligned');
  const values = matchAligned(aligned, positions, caller, 'the message');
  let elements = 0;
  const sizes = positions.layers.map((p) => {
    const n = p.shape.reduce((s, d) => s * d, 1);
    elements += n;
    return n;
  });
  enforceLimit(elements, max, caller);
  const k = flKernels(elements);
  return positions.layers.map((p, i) => {
    const dense = new Float32Array(sizes[i]);
    const bad = k.scatter(dense, p.indices, values[i], 1, false);
    if (bad >= 0) throw new DgpFormatError(`${caller}: positions layer '${p.name}' index ${p.indices[bad]} is >= the layer size ${sizes[i]}`);
    return { name: p.name, shape: p.shape.slice(), values: dense };
  });
}
