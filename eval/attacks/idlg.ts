/**
 * Label recovery from the last layer for a batch (iDLG, Zhao et al. 2020, extended to counts as in
 * LLG, Wainakh et al. 2022). With mean softmax cross-entropy, gb2_c = mean_b (p_bc - y_bc), so the
 * number of samples of class c is B (pbar_c - gb2_c). The attacker estimates pbar_c, the mean
 * predicted probability, as the model's prediction on its own auxiliary data (the dataset mean
 * image, passed in), and gb2_c from the sent bias entry, or, when it was not sent, from the sent
 * entries of class c's weight column: gW2[j, c] = mean_b h_bj (p_bc - y_bc) ~ hbar_j gb2_c with
 * hbar the auxiliary hidden activation. Counts are rounded by largest remainders to sum to B.
 * At batch size 1 the attacker instead tries all 10 labels (mlp_attacks.ts).
 */
import { CLASSES } from '../data';
import { AttackerView, isSent } from './view';

export interface Auxiliary { pbar: Float64Array; hbar: Float64Array }

export function recoverLabels(v: AttackerView, aux: Auxiliary): number[] {
  const B = v.batchSize;
  const gw = v.values['fc2/w'], gb = v.values['fc2/b'];
  const hidden = aux.hbar.length;
  const est = new Float64Array(CLASSES);
  for (let c = 0; c < CLASSES; c++) {
    let g: number;
    if (isSent(v, 'fc2/b', c)) g = gb[c];
    else {
      let num = 0, den = 0;
      for (let j = 0; j < hidden; j++) if (isSent(v, 'fc2/w', j * CLASSES + c)) { num += gw[j * CLASSES + c] * aux.hbar[j]; den += aux.hbar[j] ** 2; }
      g = den > 0 ? num / den : 0;
    }
    est[c] = Math.max(0, B * (aux.pbar[c] - g));
  }
  const total = est.reduce((a, b) => a + b, 0) || 1;
  const share = Array.from(est, (e) => (e / total) * B);
  const counts = share.map(Math.floor);
  let left = B - counts.reduce((a, b) => a + b, 0);
  const order = share.map((s, c) => [s - Math.floor(s), c]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % CLASSES, left--) counts[order[k][1]]++;
  const labels: number[] = [];
  counts.forEach((n, c) => { for (let i = 0; i < n; i++) labels.push(c); });
  return labels;
}
