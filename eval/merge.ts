/**
 * Joins the parts of a run split over processes (`node out/eval/run.js --part NAME ...`, each
 * writing out/eval-parts/NAME.json) into eval/results/<run>.*:
 *   node out/eval/merge.js <run> out/eval-parts/a.json out/eval-parts/b.json ...
 * A committed eval/results/<run>.json may be given as a part (its rows and FedSGD runs; earlier
 * files win on duplicate rows).
 * Rows are de-duplicated (same model, defense, batch size, round, attack, labels, image); FedSGD
 * runs by (defense, seed). Every job the plan asks for that no part ran is listed in meta.notRun
 * and at the top of <run>.md, nothing is dropped silently: at batch size 1 (first round and after
 * training) only images attacked under every defense of that setting are kept, so comparisons stay
 * paired, and the others are listed as not run. Defended batches and CNN images are expected only
 * where the undefended gate passed.
 */
import { makePlan, makeDpLocalPlan } from './plan';
import * as fs from 'fs';
import { writeReport, readPart, Row, FedRun, GridCell, Part } from './report';
import { median, COUNTS_PSNR } from './stats';

/** 3, 4, 5, 9 -> '3-5, 9' */
function ranges(ks: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ks.length; i++) {
    let j = i;
    while (j + 1 < ks.length && ks[j + 1] === ks[j] + 1) j++;
    out.push(j > i ? `${ks[i]}-${ks[j]}` : `${ks[i]}`);
    i = j;
  }
  return out.join(', ');
}

function main() {
  const [run, ...files] = process.argv.slice(2);
  const plan = run === 'dp-local' ? makeDpLocalPlan() : makePlan(run === 'quick');
  // a committed results file (eval/results/<run>.json) can stand for the parts it was joined from,
  // so that a new part (e.g. run.js --attacks, new attacks on the same jobs) adds to it; its grid
  // is not stored there, so the grid comes from the other parts
  const parts: Part[] = files.map((f) => {
    const j = JSON.parse(fs.readFileSync(f, 'utf8'));
    if (!j.meta) return readPart(f);
    return { plan: j.meta.config?.name ?? run, argv: `${f} as committed (${j.meta.date.slice(0, 10)}: ${j.meta.command})`, seconds: j.meta.seconds, workers: j.meta.workers, rows: j.rows, fed: j.fed, grid: [], notRun: j.meta.notRun ?? [] };
  });
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (const p of parts) for (const r of p.rows) {
    const k = [r.model, r.defense, r.batchSize, r.round, r.attack, r.labelMode, r.image].join('|');
    if (!seen.has(k)) { seen.add(k); rows.push(r); }
  }
  const fed: FedRun[] = [];
  for (const p of parts) for (const f of p.fed) if (!fed.some((g) => g.defense === f.defense && g.seed === f.seed)) fed.push(f);
  const grid: GridCell[] = parts.flatMap((p) => p.grid);
  const notRun: string[] = [];
  // batch size 1: paired images only
  const later = `after ${plan.fed.rounds} rounds`;
  let kept = rows;
  const notes: string[] = [];
  for (const [round, defs, n] of [['first', plan.defenses.map((d) => d.label), plan.images], [later, plan.afterDefenses, plan.afterImages]] as const) {
    const isIt = (r: Row) => r.model === 'mlp' && r.batchSize === 1 && r.round === round && !r.attack.startsWith('baseline');
    const has = new Map<number, Set<string>>();
    for (const r of rows) if (isIt(r)) (has.get(r.image) ?? has.set(r.image, new Set()).get(r.image)!).add(r.defense);
    // a defense with no row at all in this setting is listed as not run, and the others are paired
    const ran = defs.filter((d) => [...has.values()].some((ds) => ds.has(d)));
    for (const d of defs) if (!ran.includes(d)) notRun.push(`batch size 1, ${round}: ${d} (every image)`);
    const complete = new Set([...Array(n).keys()].filter((k) => ran.length > 0 && ran.every((d) => has.get(k)?.has(d))));
    const none = [...Array(n).keys()].filter((k) => !has.get(k));
    if (none.length) notRun.push(`batch size 1, ${round}: images ${ranges(none)} (of 0-${n - 1}) under every defense`);
    for (let k = 0; k < n; k++) if (!complete.has(k) && has.get(k)) notRun.push(`batch size 1, ${round}, image ${k}: ${ran.filter((d) => !has.get(k)?.has(d)).join(', ')} (the defenses it did run are left out, to keep the comparison paired)`);
    kept = kept.filter((r) => !(r.model === 'mlp' && r.batchSize === 1 && r.round === round) || complete.has(r.image));
    notes.push(`batch size 1, ${round}: ${complete.size} of ${n} images under every defense that ran (${ran.length} of ${defs.length})`);
  }
  // larger batches and the CNN: undefended first; defended ones expected where the gate passed
  const gatePassed = (sel: (r: Row) => boolean) => {
    const g = rows.filter((r) => sel(r) && r.defense === 'none' && r.labelMode === 'true' && r.round === 'first' && !r.attack.startsWith('baseline'));
    const attacks = [...new Set(g.map((r) => r.attack))];
    return attacks.length > 0 && Math.max(...attacks.map((a) => median(g.filter((r) => r.attack === a).map((r) => r.psnr)))) >= COUNTS_PSNR;
  };
  for (const b of plan.batchSizes) {
    const isB = (r: Row) => r.model === 'mlp' && r.batchSize === b;
    const units = (d: string) => new Set(rows.filter((r) => isB(r) && r.defense === d).map((r) => r.unit));
    const gateDone = units('none').size === plan.batchesPerSize;
    const defs = gateDone && gatePassed(isB) ? plan.batchDefenses[b] : ['none'];
    for (const d of defs) {
      const u = units(d), miss = [...Array(plan.batchesPerSize).keys()].filter((t) => !u.has(t));
      if (miss.length) notRun.push(`batch size ${b}, ${d}: batches ${ranges(miss)}`);
    }
    notes.push(`batch size ${b}: ${gateDone ? (defs.length > 1 ? 'undefended attack succeeds, defenses attacked' : 'undefended attack fails (gate), defenses not attacked') : 'gate incomplete'}`);
  }
  const cnnRows = (d: string) => new Set(rows.filter((r) => r.model === 'cnn' && r.defense === d).map((r) => r.image));
  for (let k = 0; k < plan.cnn.images; k++) if (!cnnRows('none').has(k)) notRun.push(`CNN gate image ${k}`);
  for (const d of plan.fedDefenses) for (const s of plan.seeds) if (!fed.some((f) => f.defense === d && f.seed === s)) notRun.push(`FedSGD ${d} seed ${s}`);
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  const workers = Math.max(...parts.map((p) => p.workers));
  const command = `node out/eval/run.js --part NAME [--kinds K] [--b1-images a:b] --workers N (${parts.length} processes: ${parts.map((p) => `'${p.argv}' ${Math.round(p.seconds)} s`).join('; ')}), joined by node out/eval/merge.js ${run}`;
  const note = `Joined from ${parts.length} processes (${Math.round(seconds)} s of process time in all). ${notes.join('; ')}.`;
  writeReport(plan, kept, fed, grid, command, seconds, workers, notRun, run, { note });
  console.log(note);
  console.log(`${notRun.length} jobs not run`);
}

main();
