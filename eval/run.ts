/**
 * The privacy/utility evaluation: `npm run eval` (full) or `npm run eval -- --quick`.
 * Writes eval/results/<run>.json, <run>.md, <run>-grid.png, <run>-grid.svg, <run>-tradeoff.svg.
 */
import { useBackend } from './tfjs/setup';
import { loadSplit, image, PIXELS, subset } from './data';
import { MODELS, Model, Params, paramGradsData, toTensors } from './models';
import { Rng } from './rng';
import { DefenseSpec, Shared } from './defenses';
import { runFedSgd } from './fedsgd';
import { runScenario, AttackOutcome } from './scenario';
import { makePlan } from './plan';
import { Row, writeReport } from './report';
import { tf } from './tfjs/setup';

const SEED = 1;
const t0 = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${msg}`);

/** ADGP's broadcaster needs a previous aggregate: the summed gradient of other clients' data. */
function primeShared(m: Model, weights: Params, d: DefenseSpec, ref: { x: Float32Array; y: number[] }): Shared {
  const shared: Shared = { round: 0 };
  if (d.endRound) {
    const wt = toTensors(m, weights);
    const g = paramGradsData(m, wt, ref.x, ref.y);
    tf.dispose(Object.values(wt));
    d.endRound(shared, g, m.layers);
    shared.round = 1;
  }
  return shared;
}

async function main() {
  const quick = process.argv.includes('--quick');
  const plan = makePlan(quick);
  const split = loadSplit(SEED);
  const rows: Row[] = [];
  const grid: Record<string, Record<string, Float32Array>> = {};
  const truths: Record<string, Float32Array> = {};
  const fedByLabel = new Map<string, { testAccuracy: number; bytesPerRound: number; curve: Array<[number, number]> }>();
  // Targets: fixed training images (the attacked client's data); reference data for ADGP: others.
  const tRng = new Rng(SEED + 100);
  const targetIdx = Array.from({ length: 16 }, () => tRng.int(split.train.n));
  const refIdx = Array.from({ length: 64 }, () => tRng.int(split.train.n));
  const ref = subset(split.train, refIdx);
  const refBatch = { x: ref.x, y: Array.from(ref.y) };

  const record = (m: Model, d: DefenseSpec, b: number, round: string, outs: AttackOutcome[], bytes: number, key?: string) => {
    for (const o of outs) {
      rows.push({
        model: m.name, defense: d.defense, label: d.label, settings: d.settings, attack: o.attack, batchSize: b, round,
        psnr: o.psnr, ssim: o.ssim, labelAccuracy: o.labelAccuracy, testAccuracy: null, bytesPerRound: bytes, samples: 1, seconds: o.seconds,
      });
      if (key && o.images) (grid[`${key} ${o.attack}`] ??= {})[d.label] = o.images.slice(0, PIXELS);
    }
  };

  const attackFirstRound = async (m: Model, defenses: DefenseSpec[], b: number, count: number, iterations: number) => {
    await useBackend(m.name === 'mlp' ? 'wasm' : 'cpu');
    const weights = m.init(new Rng(SEED + 7));
    for (const [di, d] of defenses.entries()) {
      for (let k = 0; k < count; k++) {
        const idx = targetIdx.slice(k * b, (k + 1) * b);
        const x = subset(split.train, idx);
        const shared = primeShared(m, weights, d, refBatch);
        const client = d.make(m.layers, new Rng(SEED + 31 * k), shared);
        const attacks: AttackOutcome['attack'][] = m.name === 'mlp' ? ['idlg', 'analytic', 'dlg', 'ig'] : ['idlg', 'dlg', 'ig'];
        const r = runScenario(m, weights, client, x.x, Array.from(x.y), { iterations, attacks, seed: SEED + k });
        const key = b === 1 && k === 0 ? m.name : undefined;
        if (key) truths[m.name] = image(split.train, idx[0]).slice();
        record(m, d, b, 'first', r.outcomes, r.bytes, key);
      }
      log(`${m.name} B=${b} first-round attacks: ${di + 1}/${defenses.length} ${d.label}`);
    }
  };

  log(`plan '${plan.name}': ${plan.mlpDefenses.length} MLP defenses, ${plan.cnnDefenses.length} CNN, ${plan.fedDefenses.length} FedSGD runs of ${plan.fed.rounds} rounds`);
  await attackFirstRound(MODELS.mlp, plan.mlpDefenses, 1, plan.mlpImages, plan.mlpIterations);
  for (const b of plan.batchSizes) await attackFirstRound(MODELS.mlp, plan.batchDefenses, b, plan.batchesPerSize, plan.mlpIterations);
  await attackFirstRound(MODELS.cnn, plan.cnnDefenses, 1, plan.cnnImages, plan.cnnIterations);

  // FedSGD utility (MLP), then an attack on client 0's next update, error-feedback memory included.
  await useBackend('wasm');
  const m = MODELS.mlp;
  const init = m.init(new Rng(SEED + 7));
  for (const [di, d] of plan.fedDefenses.entries()) {
    const t = Date.now();
    const fed = runFedSgd(m, init, d, split.train, split.test, plan.fed);
    fedByLabel.set(d.label, fed);
    const idx = targetIdx[0];
    const r = runScenario(m, fed.weights, fed.clients[0], image(split.train, idx).slice(), [split.train.y[idx]],
      { iterations: plan.mlpIterations, attacks: ['idlg', 'analytic', 'dlg', 'ig'], seed: SEED });
    record(m, d, 1, `after ${plan.fed.rounds} rounds`, r.outcomes, r.bytes);
    log(`FedSGD ${di + 1}/${plan.fedDefenses.length} ${d.label}: test accuracy ${fed.testAccuracy.toFixed(3)}, ${fed.bytesPerRound.toFixed(0)} B/round (${((Date.now() - t) / 1000).toFixed(0)}s)`);
  }
  for (const r of rows) {
    const f = fedByLabel.get(r.label);
    if (f && r.model === 'mlp') { r.testAccuracy = f.testAccuracy; r.bytesPerRound = f.bytesPerRound; }
  }
  const command = `npm run eval${quick ? ' -- --quick' : ''}`;
  writeReport(plan, rows, fedByLabel, grid, truths, command, (Date.now() - t0) / 1000);
  log('done');
}

main().catch((e) => { console.error(e); process.exit(1); });
