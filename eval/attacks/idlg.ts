/**
 * Label recovery from the last layer (iDLG, Zhao et al. 2020). With softmax cross-entropy and
 * non-negative inputs to the last layer (sigmoid activations in both victims), the last layer's
 * weight gradient for class c is sum_b h_b (p_bc - y_bc): negative for the classes present in the
 * batch, positive for the others. The attacker sums what was sent of class c's weight gradient (and
 * its bias gradient, if sent) and takes the batchSize most negative classes.
 */
import { CLASSES } from '../data';
import { AttackerView, isSent } from './view';

export function recoverLabels(v: AttackerView): number[] {
  const layers = v.model.layers;
  const w = layers[layers.length - 2];
  const b = layers[layers.length - 1];
  const rows = w.shape[0];
  const score = new Float64Array(CLASSES);
  const gw = v.values[w.name];
  for (let r = 0; r < rows; r++) for (let c = 0; c < CLASSES; c++) {
    const i = r * CLASSES + c;
    if (isSent(v, w.name, i)) score[c] += gw[i];
  }
  for (let c = 0; c < CLASSES; c++) if (isSent(v, b.name, c)) score[c] += v.values[b.name][c];
  const order = Array.from({ length: CLASSES }, (_, c) => c).sort((a, c) => score[a] - score[c] || a - c);
  return order.slice(0, v.batchSize);
}
