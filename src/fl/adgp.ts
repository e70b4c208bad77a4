/**
 * ADGP (SPEC §8), broadcaster and server side. The broadcaster picks each layer's positions (the
 * kept set of a reference, usually the previous round's aggregate) and broadcasts them
 * (encodePositions). Clients upload values only (ErrorFeedback.stepAligned, encodeAligned); the
 * server sums them on the positions (aggregateAligned) and downloads values only; everyone
 * turns those into dense layers with densifyAligned.
 */
import { nameBytes, quoteName } from '../layers';
import { countsFor, checkConfig, DgpConfig } from '../counts';
import { describeValue } from '../errors';
import { selectLayers } from '../select';
import { DgpFormatError } from './errors';
import { kernelsFor } from '../backend';
import { GradientInput, readGradients } from '../gradients';
import type { Kernels } from '../surface/kernels';
import { checkRound } from './codec';
import { hex32 } from '../surface/format';
import { PlainPositions, readAlignedValues, readPositions } from './objects';
import { checkLimit, checkList, enforceLimit, readAggregateOptions } from './options';
import type { AggregateOptions, AlignedPositions, AlignedValues, DenseLayer, ElementLimit } from './types';

/** Positions for the next round: per layer, the kept set (SPEC §1) of `reference` under `config`. */
export function chooseAlignedPositions(reference: GradientInput, config: DgpConfig, round = 0): AlignedPositions {
  const caller = 'chooseAlignedPositions';
  checkRound(round, caller);
  const checked = checkConfig(config, caller);
  const layers = readGradients(reference, caller);
  layers.forEach((l, i) => nameBytes(l.name, `${caller}: reference layer ${i}`)); // positions go on the wire
  const outs = selectLayers(
    layers.map((l) => ({ name: l.name, values: l.values, ...countsFor(l.values.length, checked, `${caller}: layer '${l.name}'`) })),
    { sparse: true },
    caller,
  );
  return { round, layers: layers.map((l, i) => ({ name: l.name, shape: l.shape.slice(), indices: outs[i].keptIndices! })) };
}

type PlainAligned = ReturnType<typeof readAlignedValues>;

/** Checks one values-only message against the positions: id, layer names, counts, finite values. */
function matchAligned(a: PlainAligned, positions: PlainPositions, caller: string, who: string, k: Kernels): Float32Array[] {
  const id = positions.id;
  if (a.positionsId !== id)
    throw new DgpFormatError(`${caller}: ${who} was made for positions ${hex32(a.positionsId >>> 0)}, these are ${hex32(id)}`);
  if (a.layers.length !== positions.layers.length)
    throw new DgpFormatError(`${caller}: ${who} has ${a.layers.length} layers, the positions have ${positions.layers.length}`);
  const byName = new Map(a.layers.map((l) => [l.name, l]));
  return positions.layers.map((p) => {
    const l = byName.get(p.name);
    if (!l) throw new DgpFormatError(`${caller}: ${who} lacks layer ${quoteName(p.name)}`);
    if (l.values.length !== p.indices.length)
      throw new DgpFormatError(`${caller}: ${who} layer ${quoteName(p.name)} has ${l.values.length} values for ${p.indices.length} positions`);
    const bad = k.firstNonFinite(l.values);
    if (bad >= 0)
      throw new DgpFormatError(`${caller}: ${who} layer ${quoteName(p.name)} values[${bad}] is ${describeValue(l.values[bad])}; values must be finite`);
    return l.values;
  });
}

/**
 * The server's ADGP aggregate: sum (default) or weighted mean of the uploads' values on the
 * positions, as the values-only download (encodeAligned it). All uploads are checked first.
 */
export function aggregateAligned(uploads: AlignedValues[], positions: AlignedPositions, options: AggregateOptions = {}): AlignedValues {
  const caller = 'aggregateAligned';
  const list = checkList<unknown>(uploads, caller, 'uploads');
  const { w } = readAggregateOptions(options, list.length, caller, false);
  const pos = readPositions(positions, `${caller}: positions`, kernelsFor);
  const total = pos.layers.reduce((s, p) => s + p.indices.length, 0);
  const k = kernelsFor(total * list.length);
  const values = list.map((u, c) => matchAligned(readAlignedValues(u, `${caller}: uploads[${c}]`), pos, caller, `upload ${c}`, k));
  const acc = pos.layers.map((p) => new Float32Array(p.indices.length));
  values.forEach((layers, c) => layers.forEach((v, i) => k.axpy(acc[i], v, w[c])));
  return { round: pos.round, positionsId: pos.id, layers: pos.layers.map((p, i) => ({ name: p.name, values: acc[i] })) };
}

/** Values-only message to dense layers (values at the positions, +0 elsewhere). */
export function densifyAligned(aligned: AlignedValues, positions: AlignedPositions, options: ElementLimit): DenseLayer[] {
  const caller = 'densifyAligned';
  const max = checkLimit(options, caller);
  const pos = readPositions(positions, `${caller}: positions`, kernelsFor);
  const a = readAlignedValues(aligned, `${caller}: aligned`);
  const elements = pos.layers.reduce((s, p) => s + p.n, 0);
  enforceLimit(elements, max, caller);
  const k = kernelsFor(elements);
  const values = matchAligned(a, pos, caller, 'the message', k);
  return pos.layers.map((p, i) => {
    const dense = new Float32Array(p.n);
    k.scatter(dense, p.indices, values[i], 1, false); // positions checked: cannot fail
    return { name: p.name, shape: p.shape.slice(), values: dense };
  });
}
