/**
 * One unit of evaluation work, run in a worker thread (run.ts): attack one image (batch size 1)
 * or one batch under one defense, attack client 0's update after training, one FedSGD run, or one
 * CNN image. Every job rebuilds the same context from fixed seeds, so the images and the weights
 * are the same for every defense (paired comparisons).
 */
import { loadSplit, subset, PIXELS, Split } from './data';
import { MODELS, Params, paramGradsData, toTensors } from './models';
import { Rng } from './rng';
import { DefenseSpec, Shared } from './defenses';
import { makePlan, allDefenses, Plan, Budget } from './plan';
import { gradientParams, toWeights } from './mlp';
import { attackMlp, MlpAttack, LabelMode } from './attacks/mlp_attacks';
import { AttackerView } from './attacks/view';
import { scoreBatch } from './metrics';
import { runFedSgd } from './fedsgd';
import { COUNTS_PSNR } from './stats';
import { ImageStats, measureStats } from './attacks/wire';
import type { Row, GridCell } from './report';

export type Job =
  /** attacks: run only these (run.ts --attacks); default every attack */
  | { kind: 'b1'; defense: string; image: number; attacks?: MlpAttack[] }
  | { kind: 'batch'; defense: string; batchSize: number; batch: number }
  | { kind: 'after'; defense: string; image: number; weights: Params; memory: Params | null; attacks?: MlpAttack[] }
  | { kind: 'fed'; defense: string; seed: number; keep: boolean }
  | { kind: 'cnn'; defense: string; image: number };

export interface JobResult {
  rows: Row[];
  grid?: GridCell[];
  fed?: { testAccuracy: number; bytesPerRound: number; curve: Array<[number, number]>; weights?: Params; memory?: Params | null };
}

/** Rough seconds per job on the loaded 2-core machine, for the time-left estimate only. */
export function jobWeight(j: Job, plan: Plan): number {
  const q = plan.name === 'quick' ? 0.2 : 1;
  switch (j.kind) {
    case 'b1': return 2.5 * q;
    case 'batch': return (j.batchSize <= 4 ? 30 : 70) * q;
    case 'after': return 2.5 * q;
    case 'fed': return plan.fed.rounds * 0.03;
    case 'cnn': return plan.cnn.iterations * 1;
  }
}

const SEED = 1;
/** images drawn for the batch-size-1 attacks, and (separately) for the batches */
const GRID_IMAGES = 4;

interface Context {
  plan: Plan;
  split: Split;
  defenses: Map<string, DefenseSpec>;
  init: Params;
  targets: number[];
  batchTargets: number[];
  meanImage: Float32Array;
  ref: { x: Float32Array; y: number[] };
  /** the attacker's knowledge of MNIST images in general, from the test split (never a target) */
  imageStats: ImageStats;
}

let ctx: Context | null = null;

function context(quick: boolean): Context {
  if (ctx) return ctx;
  const plan = makePlan(quick);
  const split = loadSplit(SEED);
  const r = new Rng(SEED + 100);
  const targets = Array.from({ length: plan.images }, () => r.int(split.train.n));
  const maxB = Math.max(1, ...plan.batchSizes);
  const rb = new Rng(SEED + 200);
  const batchTargets = Array.from({ length: maxB * plan.batchesPerSize }, () => rb.int(split.train.n));
  const ri = new Rng(SEED + 300);
  const ref = subset(split.train, Array.from({ length: 64 }, () => ri.int(split.train.n)));
  const meanImage = new Float32Array(PIXELS);
  for (let k = 0; k < split.train.n; k++) for (let i = 0; i < PIXELS; i++) meanImage[i] += split.train.x[k * PIXELS + i] / split.train.n;
  ctx = {
    plan, split, defenses: new Map(allDefenses().map((d) => [d.label, d])), init: MODELS.mlp.init(new Rng(SEED + 7)),
    targets, batchTargets, meanImage, ref: { x: ref.x, y: Array.from(ref.y) }, imageStats: measureStats(split.test.x, split.test.n),
  };
  return ctx;
}

function defense(c: Context, label: string): DefenseSpec {
  const d = c.defenses.get(label);
  if (!d) throw new Error(`unknown defense '${label}'`);
  return d;
}

/** ADGP's broadcaster needs a previous aggregate: the summed gradient of other clients' data. */
function primed(c: Context, d: DefenseSpec, weights: Params): Shared {
  const shared: Shared = { round: 0 };
  if (d.endRound) {
    d.endRound(shared, gradientParams(toWeights(weights), c.ref.x, c.ref.y), MODELS.mlp.layers);
    shared.round = 1;
  }
  return shared;
}

interface Scene { round: string; batchSize: number; unit: number; imageIds: number[]; x: Float32Array; y: number[] }

function baseRow(c: Context, d: DefenseSpec, s: Scene, model: string, bytes: number): Omit<Row, 'attack' | 'labelMode' | 'image' | 'psnr' | 'ssim' | 'labelCorrect' | 'budget' | 'seconds'> {
  return { model, defense: d.label, family: d.defense, settings: d.settings, batchSize: s.batchSize, round: s.round, unit: s.unit, bytesPerRound: bytes };
}

/** Baselines (no attack): the all-black image and the dataset mean image, scored like attacks. */
function baselineRows(c: Context, d: DefenseSpec, s: Scene, model: string): Row[] {
  const out: Row[] = [];
  for (const [name, img] of [['baseline-black', new Float32Array(PIXELS)], ['baseline-mean', c.meanImage]] as const) {
    const rec = new Float32Array(s.y.length * PIXELS);
    for (let b = 0; b < s.y.length; b++) rec.set(img, b * PIXELS);
    const sc = scoreBatch(s.x, rec, s.y.length);
    s.imageIds.forEach((id, i) => out.push({ ...baseRow(c, d, s, model, 0), attack: name, labelMode: 'true', image: id, psnr: sc.psnrs[i], ssim: sc.ssims[i], labelCorrect: null, budget: 'none', seconds: 0 }));
  }
  return out;
}

function attackScene(c: Context, d: DefenseSpec, s: Scene, weights: Params, view: AttackerView, bytes: number,
  pick: (closedPsnr: number) => { budget: Budget; name: string; modes?: LabelMode[] }, grid: boolean, only?: MlpAttack[]): JobResult {
  const rows: Row[] = [];
  const cells: GridCell[] = [];
  const seed = SEED * 7919 + s.unit;
  const truth = s.y.slice().sort((a, b) => a - b).join(',');
  const emit = (attack: MlpAttack, mode: LabelMode, labels: number[], x: Float64Array, seconds: number, budget: string) => {
    const sc = scoreBatch(s.x, Float32Array.from(x), s.y.length);
    s.imageIds.forEach((id, i) => rows.push({ ...baseRow(c, d, s, 'mlp', bytes), attack, labelMode: mode, image: id, psnr: sc.psnrs[i], ssim: sc.ssims[i], labelCorrect: labels.length ? labels.join(',') === truth : null, budget, seconds }));
    if (grid) cells.push({ defense: d.label, attack, labelMode: mode, image: s.imageIds[0], round: s.round, x: Float32Array.from(x.subarray(sc.order[0] * PIXELS, (sc.order[0] + 1) * PIXELS)) });
  };
  const first = pick(NaN);
  const modes: LabelMode[] = first.modes ?? ['true', 'recovered'];
  // the label-free reads of the wire (B = 1 only; wire.ts)
  const wire = (only ?? ['closed-stat', 'positions']).filter((a): a is MlpAttack => a === 'closed-stat' || a === 'positions');
  if (s.batchSize === 1 && wire.length) {
    for (const r of attackMlp(view, s.y, { ...first.budget, attacks: wire, labelModes: modes, imageStats: c.imageStats }, seed, c.meanImage)) emit(r.attack, r.labelMode, r.labels, r.x, r.seconds, first.name);
  }
  if (only && !only.some((a) => a === 'closed' || a === 'ig' || a === 'dlg')) return { rows, grid: cells };
  const closed = attackMlp(view, s.y, { ...first.budget, attacks: ['closed'], labelModes: modes }, seed, c.meanImage);
  const closedTrue = closed.find((r) => r.labelMode === 'true')!;
  const closedPsnr = scoreBatch(s.x, Float32Array.from(closedTrue.x), s.y.length).psnr;
  const chosen = pick(closedPsnr);
  for (const r of closed) emit('closed', r.labelMode, r.labels, r.x, r.seconds, chosen.name);
  const opt = attackMlp(view, s.y, { ...chosen.budget, attacks: ['ig', 'dlg'], labelModes: modes }, seed, c.meanImage);
  for (const r of opt) emit(r.attack, r.labelMode, r.labels, r.x, r.seconds, chosen.name);
  if (d.label === 'none') rows.push(...baselineRows(c, d, s, 'mlp'));
  if (grid && d.label === 'none') cells.push({ defense: 'true image', attack: 'closed', labelMode: 'true', image: s.imageIds[0], round: s.round, x: s.x.slice(0, PIXELS) });
  void weights;
  return { rows, grid: cells };
}

function mlpScene(c: Context, job: Job & { defense: string }, s: Scene, weights: Params, memory: Params | null, pick: Parameters<typeof attackScene>[6], grid: boolean, only?: MlpAttack[]): JobResult {
  const d = defense(c, job.defense);
  const m = MODELS.mlp;
  let g = gradientParams(toWeights(weights), s.x, s.y);
  if (memory) {
    // the client's round with its memory e: p = g + e, ranked and sent as ErrorFeedback.step does
    const p: Params = {};
    for (const l of m.layers) p[l.name] = g[l.name].map((v, i) => Math.fround(v + memory[l.name][i]));
    g = p;
  }
  const client = d.make(m.layers, new Rng(SEED * 104729 + s.unit), primed(c, d, weights));
  const tr = client.transmit(g);
  const view: AttackerView = { model: m, weights, values: tr.values, sent: tr.sent, band: tr.band, batchSize: s.y.length };
  return attackScene(c, d, s, weights, view, tr.bytes, pick, grid, only);
}

async function cnnJob(c: Context, job: Extract<Job, { kind: 'cnn' }>): Promise<JobResult> {
  const { useBackend, tf } = await import('./tfjs/setup');
  const { matchingAttack, IG } = await import('./attacks/matching');
  await useBackend('cpu');
  const m = MODELS.cnn;
  const d = defense(c, job.defense);
  const weights = m.init(new Rng(SEED + 7));
  const idx = c.targets[job.image];
  const x = subset(c.split.train, [idx]);
  const y = [x.y[0]];
  const wt = toTensors(m, weights);
  const g = paramGradsData(m, wt, x.x, y);
  tf.dispose(Object.values(wt));
  const tr = d.make(m.layers, new Rng(SEED * 104729 + job.image), { round: 0 }).transmit(g);
  const view: AttackerView = { model: m, weights, values: tr.values, sent: tr.sent, band: tr.band, batchSize: 1 };
  const t = Date.now();
  let best: { x: Float32Array; loss: number } = { x: new Float32Array(PIXELS), loss: Infinity };
  for (let r = 0; r < c.plan.cnn.restarts; r++) {
    const res = matchingAttack(view, y, { ...IG, init: 'uniform', iterations: c.plan.cnn.iterations }, new Rng(SEED + 17 * r + job.image));
    if (res.loss < best.loss) best = res;
  }
  const sc = scoreBatch(x.x, best.x, 1);
  const s: Scene = { round: 'first', batchSize: 1, unit: job.image, imageIds: [job.image], x: x.x, y };
  const rows: Row[] = [{ ...baseRow(c, d, s, 'cnn', tr.bytes), attack: 'ig', labelMode: 'true', image: job.image, psnr: sc.psnr, ssim: sc.ssim, labelCorrect: true, budget: 'cnn', seconds: (Date.now() - t) / 1000 }];
  return { rows };
}

export async function runJob(job: Job, quick: boolean): Promise<JobResult> {
  const c = context(quick);
  const { plan } = c;
  switch (job.kind) {
    case 'b1': {
      const idx = c.targets[job.image];
      const x = subset(c.split.train, [idx]);
      const s: Scene = { round: 'first', batchSize: 1, unit: job.image, imageIds: [job.image], x: x.x, y: [x.y[0]] };
      const pick = (p: number) => (plan.reduced && p >= COUNTS_PSNR ? { budget: plan.reduced, name: 'reduced' } : { budget: plan.full, name: 'full' });
      return mlpScene(c, job, s, c.init, null, pick, job.image < GRID_IMAGES, job.attacks);
    }
    case 'batch': {
      const B = job.batchSize;
      const ids = Array.from({ length: B }, (_, i) => job.batch * B + i);
      const x = subset(c.split.train, ids.map((i) => c.batchTargets[i]));
      const s: Scene = { round: 'first', batchSize: B, unit: job.batch, imageIds: ids, x: x.x, y: Array.from(x.y) };
      return mlpScene(c, job, s, c.init, null, () => ({ budget: plan.batch[B], name: `batch ${B}`, modes: plan.batchModes[B] }), false);
    }
    case 'after': {
      const idx = c.targets[job.image];
      const x = subset(c.split.train, [idx]);
      const s: Scene = { round: `after ${plan.fed.rounds} rounds`, batchSize: 1, unit: job.image, imageIds: [job.image], x: x.x, y: [x.y[0]] };
      return mlpScene(c, job, s, job.weights, job.memory, () => ({ budget: plan.after, name: 'after' }), job.image < GRID_IMAGES, job.attacks);
    }
    case 'fed': {
      const d = defense(c, job.defense);
      const r = runFedSgd(MODELS.mlp.layers, c.init, d, c.split.train, c.split.test, plan.fed, job.seed);
      const memory = job.keep ? r.clients[0].memory?.() ?? null : null;
      const copy = (p: Params | null) => (p ? Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice()])) : null);
      return { rows: [], fed: { testAccuracy: r.testAccuracy, bytesPerRound: r.bytesPerRound, curve: r.curve, ...(job.keep ? { weights: r.weights, memory: copy(memory) } : {}) } };
    }
    case 'cnn': return cnnJob(c, job);
  }
}
