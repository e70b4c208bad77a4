/**
 * Joins a time-limited full run with a second process that ran only batch-size-1 first-round
 * attacks on other images (`run.js --b1-images a:b`): node out/eval/merge.js <full.json> <part.json>...
 * Keeps, for the batch-size-1 first round, only images that every defense was attacked on (so
 * comparisons stay paired), recomputes the summary, and writes <run>.json / .md / -tradeoff.svg to
 * eval/results/ (the grid PNG of the first run is kept: its images are images 0-3).
 */
import * as fs from 'fs';
import { makePlan } from './plan';
import { writeReport, utilityOf, Row, FedRun, Utility } from './report';

function main() {
  const [first, ...parts] = process.argv.slice(2);
  const base = JSON.parse(fs.readFileSync(first, 'utf8'));
  const plan = makePlan(base.meta.run === 'quick');
  const rows: Row[] = base.rows.slice();
  const newFed: FedRun[] = [];
  const seen = new Set(rows.map((r) => [r.model, r.defense, r.batchSize, r.round, r.attack, r.labelMode, r.image].join('|')));
  for (const p of parts) {
    const part = JSON.parse(fs.readFileSync(p, 'utf8'));
    newFed.push(...((part.fed ?? []) as FedRun[]));
    for (const r of part.rows as Row[]) {
      const k = [r.model, r.defense, r.batchSize, r.round, r.attack, r.labelMode, r.image].join('|');
      if (!seen.has(k)) { seen.add(k); rows.push(r); }
    }
  }
  const isB1 = (r: Row) => r.model === 'mlp' && r.batchSize === 1 && r.round === 'first';
  const labels = plan.defenses.map((d) => d.label);
  const byImage = new Map<number, Set<string>>();
  for (const r of rows) if (isB1(r) && !r.attack.startsWith('baseline')) (byImage.get(r.image) ?? byImage.set(r.image, new Set()).get(r.image)!).add(r.defense);
  const complete = new Set([...byImage.entries()].filter(([, ds]) => labels.every((l) => ds.has(l))).map(([k]) => k));
  const kept = rows.filter((r) => !isB1(r) || complete.has(r.image));
  const note = `Batch size 1, first round: ${complete.size} images attacked under every defense (merged from ${1 + parts.length} processes: ${[first, ...parts].map((f) => f.split('/').pop()).join(', ')}); images attacked under only some defenses were dropped to keep the comparison paired.`;
  const notRun: string[] = (base.meta.notRun ?? []).filter((j: string) => !j.startsWith('b1 '));
  const missing = [...Array(plan.images).keys()].filter((k) => !complete.has(k));
  if (missing.length) notRun.push(`b1 (batch size 1, first round) images ${missing.join(', ')}`);
  const command = `${base.meta.command} -- --workers ${base.meta.workers}, plus node out/eval/run.js --b1-images a:b, joined by node out/eval/merge.js`;
  // FedSGD: a defense with new seeds gets its earlier seeds back from the summary (exact for one
  // or two seeds: mean +- sd / sqrt 2), then mean +- sd over all of them.
  const utility: Utility = (base.summary.utility as Utility).map((u) => {
    const extra = newFed.filter((f) => f.defense === u.defense);
    if (!extra.length) return u;
    if (u.seeds.length > 2) throw new Error(`cannot split ${u.seeds.length} seeds of '${u.defense}'`);
    const sign = u.seeds.length === 1 ? [0] : [-1, 1];
    const old: FedRun[] = u.seeds.map((seed, i) => ({
      defense: u.defense, seed, bytesPerRound: u.bytesPerRound, testAccuracy: u.accuracyMean + (sign[i] * u.accuracySd) / Math.SQRT2,
      curve: u.curve.map((c) => [c[0], c[1] + (sign[i] * c[2]) / Math.SQRT2] as [number, number]),
    }));
    return utilityOf([...old, ...extra])[0];
  });
  for (const f of newFed) notRun.splice(0, notRun.length, ...notRun.filter((j) => j !== `fed ${f.defense} seed ${f.seed}`));
  const done = new Set(rows.map((r) => `batch ${r.defense} B=${r.batchSize} batch ${r.unit}`));
  const left = notRun.filter((j) => !done.has(j));
  writeReport(plan, kept, [], [], command, base.meta.seconds, base.meta.workers, left, base.meta.run, { utility, note });
  console.log(note);
}

main();
