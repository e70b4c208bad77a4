/**
 * One attack scenario: a client computes its gradient on a target batch at given weights, its
 * defense turns it into a transmission, and every attack runs on exactly what was transmitted.
 */
import { PIXELS } from './data';
import { ClientDefense } from './defenses';
import { Model, Params, paramGradsData, toTensors } from './models';
import { Rng } from './rng';
import { tf } from './tfjs/setup';
import { AttackerView } from './attacks/view';
import { recoverLabels } from './attacks/idlg';
import { analyticAttack } from './attacks/analytic';
import { matchingAttack, DLG, IG } from './attacks/matching';
import { scoreBatch, labelAccuracy } from './metrics';

export interface AttackOutcome {
  attack: 'analytic' | 'idlg' | 'dlg' | 'ig';
  psnr: number | null;
  ssim: number | null;
  labelAccuracy: number | null;
  seconds: number;
  /** reconstructed images in the order of the true ones (for the picture grid) */
  images?: Float32Array;
}

export interface ScenarioConfig { iterations: number; attacks: Array<AttackOutcome['attack']>; seed: number }

function reorder(rec: Float32Array, order: number[]): Float32Array {
  const out = new Float32Array(rec.length);
  order.forEach((j, i) => out.set(rec.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS));
  return out;
}

export function runScenario(m: Model, weights: Params, client: ClientDefense, x: Float32Array, y: number[],
  cfg: ScenarioConfig): { outcomes: AttackOutcome[]; bytes: number } {
  const wt = toTensors(m, weights);
  const g = paramGradsData(m, wt, x, y);
  tf.dispose(Object.values(wt));
  const tr = client.transmit(g);
  const view: AttackerView = { model: m, weights, values: tr.values, sent: tr.sent, batchSize: y.length };
  const outcomes: AttackOutcome[] = [];
  let t = Date.now();
  const labels = recoverLabels(view);
  const labelAcc = labelAccuracy(y, labels);
  if (cfg.attacks.includes('idlg'))
    outcomes.push({ attack: 'idlg', psnr: null, ssim: null, labelAccuracy: labelAcc, seconds: (Date.now() - t) / 1000 });
  for (const a of cfg.attacks) {
    if (a === 'idlg') continue;
    t = Date.now();
    let rec: Float32Array;
    if (a === 'analytic') rec = analyticAttack(view);
    else rec = matchingAttack(view, labels, { ...(a === 'dlg' ? DLG : IG), iterations: cfg.iterations }, new Rng(cfg.seed)).x;
    const s = scoreBatch(x, rec, y.length);
    outcomes.push({ attack: a, psnr: s.psnr, ssim: s.ssim, labelAccuracy: a === 'analytic' ? null : labelAcc, seconds: (Date.now() - t) / 1000, images: reorder(rec, s.order) });
  }
  return { outcomes, bytes: tr.bytes };
}
