/**
 * Every attack on the MLP, on one AttackerView, in order of strength on fully connected layers:
 * 1. closed form: low-rank completion of [gW1; gb1] (completion.ts), then the scale (B = 1) or the
 *    mixing matrix (B > 1) by gradient matching;
 * 2. Inverting Gradients (signed Adam, TV, box), restarts: the closed-form result (small learning
 *    rate) and uniform noise (IG's own start);
 * 3. DLG with L-BFGS, restarts: the closed-form result and uniform noise.
 * At B = 1 also two label-free reads of the wire (wire.ts): 'closed-stat', the closed form's
 * completion scaled by image statistics instead of the bias entries, and 'positions', the sent
 * positions alone (sparse updates only).
 * Labels both ways: 'true' (upper bound) and 'recovered'. At B = 1 the attacker tries all 10
 * labels and keeps the one whose gradient best matches what was sent at the closed-form image; at
 * B > 1 it takes iDLG's labels (idlg.ts). Labels are passed sorted (the order of a batch is
 * arbitrary), so when the recovered labels equal the true ones the results are the same and the
 * optimisation is not run twice.
 */
import { PIXELS } from '../data';
import { Rng } from '../rng';
import { HIDDEN, activations, toWeights, gradients } from '../mlp';
import { AttackerView } from './view';
import { matchTarget, matcher } from './match_loss';
import { completeLowRank, stackFirstLayer, rank1Image, scaleCandidates, demix } from './completion';
import { invertingGradients, dlg } from './optimize';
import { recoverLabels } from './idlg';
import { ImageStats, DEFAULT_STATS, statScaled, positionsAttack, logMagnitudeStart } from './wire';

export type MlpAttack = 'closed' | 'ig' | 'dlg' | 'closed-stat' | 'positions';
export type LabelMode = 'true' | 'recovered';

export interface MlpAttackConfig {
  attacks: MlpAttack[];
  labelModes: LabelMode[];
  igIterations: number;
  /** number of IG / DLG starts: the closed-form result, then uniform noise */
  restarts: number;
  dlgIterations: number;
  tv: number;
  completionIterations: number;
  demix: { starts: number; iterations: number; lr: number };
  /** 'closed-stat' and 'positions': what MNIST images look like (wire.ts; default DEFAULT_STATS) */
  imageStats?: ImageStats;
}

export interface MlpAttackResult {
  attack: MlpAttack;
  labelMode: LabelMode;
  labels: number[];
  x: Float64Array;
  seconds: number;
}

const sorted = (a: number[]) => a.slice().sort((p, q) => p - q);

/** `meanImage`: the attacker's auxiliary data (the dataset mean image) for label counts at B > 1. */
export function attackMlp(v: AttackerView, trueLabels: number[], cfg: MlpAttackConfig, seed: number, meanImage: ArrayLike<number>): MlpAttackResult[] {
  const B = v.batchSize;
  const w = toWeights(v.weights);
  const tg = matchTarget(v);
  const cos = matcher(w, tg, 'cosine');
  const l2 = matcher(w, tg, 'l2');
  let t = Date.now();
  const mw = v.sent ? v.sent['fc1/w'] : null;
  const mb = v.sent ? v.sent['fc1/b'] : null;
  const { G, mask } = stackFirstLayer(v.values['fc1/w'], v.values['fc1/b'], mw, mb);
  const { U } = completeLowRank(G, mask, PIXELS + 1, HIDDEN, B, cfg.completionIterations, new Rng(seed));
  let hasBias = false;
  for (let j = 0; j < HIDDEN; j++) if (!mb || mb[j]) hasBias = true;
  const completionSeconds = (Date.now() - t) / 1000;

  /** the closed-form image(s) for a given label set */
  const closedFor = (labels: number[]): { x: Float64Array; loss: number } => {
    if (B === 1) {
      const fixed = rank1Image(U, hasBias);
      const cands = fixed ? [fixed] : scaleCandidates(U);
      let best = { x: cands[0], loss: Infinity };
      for (const x of cands) { const l = cos(x, labels).value; if (l < best.loss) best = { x, loss: l }; }
      return best;
    }
    return demix(cos, U, B, labels, cfg.demix, new Rng(seed + 1));
  };

  const out: MlpAttackResult[] = [];
  // label-free attacks (B = 1): the same image for both label modes; labels [] (none recovered)
  if (B === 1) {
    const stats = cfg.imageStats ?? DEFAULT_STATS;
    const extra: Array<[MlpAttack, Float64Array | null, number]> = [];
    if (cfg.attacks.includes('closed-stat')) {
      // its own completion, started from the log-magnitude fit (wire.ts) instead of a random V
      const t1 = Date.now();
      const v0 = logMagnitudeStart(G, mask, PIXELS + 1, HIDDEN);
      const { U: Us } = completeLowRank(G, mask, PIXELS + 1, HIDDEN, 1, cfg.completionIterations, new Rng(seed), v0);
      extra.push(['closed-stat', statScaled(Us, stats), (Date.now() - t1) / 1000]);
    }
    if (cfg.attacks.includes('positions')) {
      const t1 = Date.now();
      extra.push(['positions', positionsAttack(mw, (x, label) => gradients(w, x, [label])[1], stats), (Date.now() - t1) / 1000]);
    }
    for (const [attack, x, sec] of extra) if (x) for (const mode of cfg.labelModes) out.push({ attack, labelMode: mode, labels: [], x, seconds: sec });
    if (!cfg.attacks.some((a) => a === 'closed' || a === 'ig' || a === 'dlg')) return out;
  }
  const done = new Map<string, MlpAttackResult[]>();
  for (const mode of cfg.labelModes) {
    t = Date.now();
    let labels: number[];
    let closed: { x: Float64Array; loss: number };
    if (mode === 'true') { labels = sorted(trueLabels); closed = closedFor(labels); } else if (B === 1) {
      closed = { x: new Float64Array(PIXELS), loss: Infinity };
      labels = [0];
      for (let c = 0; c < 10; c++) {
        const r = closedFor([c]);
        if (r.loss < closed.loss) { closed = r; labels = [c]; }
      }
    } else {
      const a = activations(w, meanImage);
      labels = sorted(recoverLabels(v, { pbar: a.p, hbar: a.h }));
      closed = closedFor(labels);
    }
    const key = labels.join(',');
    const prev = done.get(key);
    if (prev) { for (const r of prev) out.push({ ...r, labelMode: mode }); continue; }
    const mine: MlpAttackResult[] = [];
    const closedSeconds = completionSeconds + (Date.now() - t) / 1000;
    if (cfg.attacks.includes('closed')) mine.push({ attack: 'closed', labelMode: mode, labels, x: closed.x, seconds: closedSeconds });
    const rng = new Rng(seed + 2);
    const noiseStarts = Array.from({ length: Math.max(0, cfg.restarts - 1) }, () => Float64Array.from({ length: B * PIXELS }, () => rng.next()));
    if (cfg.attacks.includes('ig')) {
      t = Date.now();
      const r = invertingGradients(cos, labels, [{ x: closed.x, lr: 0.01 }, ...noiseStarts.map((x) => ({ x, lr: 0.1 }))], { iterations: cfg.igIterations, tv: cfg.tv });
      mine.push({ attack: 'ig', labelMode: mode, labels, x: r.x, seconds: closedSeconds + (Date.now() - t) / 1000 });
    }
    if (cfg.attacks.includes('dlg')) {
      t = Date.now();
      const r = dlg(l2, labels, [closed.x, ...noiseStarts], cfg.dlgIterations);
      mine.push({ attack: 'dlg', labelMode: mode, labels, x: r.x, seconds: closedSeconds + (Date.now() - t) / 1000 });
    }
    done.set(key, mine);
    out.push(...mine);
  }
  return out;
}
