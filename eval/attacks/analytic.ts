/**
 * Analytic recovery of the input of a fully connected first layer with bias (Phong et al. 2017):
 * for one sample, dL/dW[i, j] = x_i * dL/db_j, so x_i = dL/dW[i, j] / dL/db_j for any unit j.
 * The attacker uses only the pairs the wire carried (both dW[i, j] and db_j sent) and combines the
 * units by least squares, x_i = sum_j dW_ij db_j / sum_j db_j^2 (robust to noise); a pixel with no
 * sent pair is unknown and guessed as 0 (the background). For a batch the same formula returns a
 * mixture of the images; it is scored against each of them.
 */
import { PIXELS } from '../data';
import { AttackerView, isSent } from './view';

export function analyticAttack(v: AttackerView): Float32Array {
  const [w, b] = v.model.layers;
  if (w.shape.length !== 2 || w.shape[0] !== PIXELS) throw new Error(`analytic attack needs a fully connected first layer, got ${w.name}`);
  const units = w.shape[1];
  const gw = v.values[w.name];
  const gb = v.values[b.name];
  const num = new Float64Array(PIXELS);
  const den = new Float64Array(PIXELS);
  for (let j = 0; j < units; j++) {
    if (!isSent(v, b.name, j) || gb[j] === 0) continue;
    const d = gb[j];
    for (let i = 0; i < PIXELS; i++) {
      const k = i * units + j;
      if (!isSent(v, w.name, k)) continue;
      num[i] += gw[k] * d;
      den[i] += d * d;
    }
  }
  const x = new Float32Array(PIXELS * v.batchSize);
  for (let i = 0; i < PIXELS; i++) {
    const xi = den[i] > 0 ? num[i] / den[i] : 0;
    for (let s = 0; s < v.batchSize; s++) x[s * PIXELS + i] = xi;
  }
  return x;
}
