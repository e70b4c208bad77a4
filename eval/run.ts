/**
 * The privacy/utility evaluation: `npm run eval` (full) or `npm run eval -- --quick`.
 * The work is a queue of jobs (one attacked image or batch for one defense, one FedSGD run for one
 * defense and seed, one CNN image) run by a pool of worker threads (`--workers N`, default 2); the
 * main thread schedules, prints progress with an estimate of the time left, and writes
 * <run>.json, <run>.md, <run>-grid.png, <run>-tradeoff.svg (report.ts) under out/results/eval/
 * (ignored by git), or under the committed eval/results/ with `--record`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';
import { runJob, Job, JobResult, jobWeight } from './jobs';
import type { MlpAttack } from './attacks/mlp_attacks';
import type { Params } from './models';
import { makePlan, makeDpLocalPlan } from './plan';
import { writeReport, writePart, readPart, PARTS_DIR, Row, FedRun } from './report';
import { median, COUNTS_PSNR } from './stats';

async function main() {
  const quick = process.argv.includes('--quick');
  const resultsDir = path.join(__dirname, '..', '..', ...(process.argv.includes('--record') ? ['eval', 'results'] : ['out', 'results', 'eval']));
  const wi = process.argv.indexOf('--workers');
  const workers = wi > 0 ? Math.max(1, Number(process.argv[wi + 1])) : 2;
  const mi = process.argv.indexOf('--minutes');
  // --plan dp-local: the local-noise rows of issue 20 (plan.ts makeDpLocalPlan), written as dp-local.*
  const planName = process.argv.includes('--plan') ? process.argv[process.argv.indexOf('--plan') + 1] : null;
  if (planName !== null && planName !== 'dp-local') throw new Error(`--plan: only 'dp-local' exists, got ${planName}`);
  const plan = planName === 'dp-local' ? makeDpLocalPlan() : makePlan(quick);
  // --seeds 1,2: FedSGD seeds (default the plan's)
  const seedArg = process.argv.includes('--seeds') ? process.argv[process.argv.indexOf('--seeds') + 1] : null;
  if (seedArg) plan.seeds = seedArg.split(',').map(Number);
  if (mi > 0) plan.minutes = Number(process.argv[mi + 1]);
  // A run can be split over processes (each writes out/eval-parts/<part>.json; eval/merge.ts joins
  // them into eval/results/<run>.*): --kinds fed,after,b1,batch,cnn keeps only those jobs,
  // --b1-images a:b only batch-size-1 first-round images [a, b), --part NAME names the part file.
  const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
  const kinds = arg('--kinds')?.split(',') ?? null;
  const part = arg('--b1-images')?.split(':').map(Number) ?? null;
  const partName = arg('--part');
  // --attacks closed-stat,positions: the batch-size-1 jobs (first round and after training) run only these attacks (a
  // part that adds new attacks to rows an earlier run already holds; merge.js joins them)
  const onlyAttacks = (arg('--attacks')?.split(',') ?? null) as MlpAttack[] | null;
  // --jobs file.json runs exactly the jobs listed there (a JSON array of Job).
  const ji = process.argv.indexOf('--jobs');
  const only: Job[] | null = ji > 0 ? JSON.parse(fs.readFileSync(process.argv[ji + 1], 'utf8')) : null;
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${msg}`);

  const queue: Job[] = [];
  const rows: Row[] = [];
  const fed: FedRun[] = [];
  const gridImages: JobResult['grid'] = [];
  let doneWeight = 0, totalWeight = 0, doneJobs = 0, keepQueued = 0;
  // jobs run in order of priority (stable within one): when CPU time runs short, what is cut is
  // what matters least (eval/README.md)
  const PRIORITY: Record<string, number> = { fed: 0, b1: 0, after: 1, batch: 2, cnn: 4 };
  const prio = (j: Job) => PRIORITY[j.kind] + (j.kind === 'batch' && j.batchSize > 4 ? 1 : 0) + (j.kind === 'fed' && !j.keep ? 0.5 : 0);
  // --resume: start from this part's saved file, skipping the jobs it already holds
  const resumed = partName && process.argv.includes('--resume') && fs.existsSync(`${PARTS_DIR}/${partName}.json`) ? readPart(`${PARTS_DIR}/${partName}.json`) : null;
  if (resumed) { rows.push(...resumed.rows); fed.push(...resumed.fed); gridImages!.push(...resumed.grid); }
  // --skip-done a.json,b.json: jobs those earlier parts already hold are skipped too, but their
  // rows are not copied into this part (merge.js joins them), so each part keeps its provenance
  const earlier = arg('--skip-done')?.split(',').map(readPart) ?? [];
  const earlierRows = earlier.flatMap((p) => p.rows);
  const doneRows = [...rows, ...earlierRows];
  const doneFed = [...fed, ...earlier.flatMap((p) => p.fed)];
  const done = (j: Job): boolean => {
    if (!resumed && !earlier.length) return false;
    const rows = doneRows, fed = doneFed;
    const mlp1 = (round: string, d: string, image: number, attacks?: string[]) => rows.some((r) => r.model === 'mlp' && r.batchSize === 1 && r.round === round && r.defense === d && r.image === image && (!attacks || attacks.includes(r.attack)));
    switch (j.kind) {
      case 'b1': return mlp1('first', j.defense, j.image, j.attacks);
      case 'after': return mlp1(`after ${plan.fed.rounds} rounds`, j.defense, j.image, j.attacks);
      case 'batch': return rows.some((r) => r.model === 'mlp' && r.batchSize === j.batchSize && r.defense === j.defense && r.unit === j.batch);
      case 'cnn': return rows.some((r) => r.model === 'cnn' && r.defense === j.defense && r.image === j.image);
      // a trained client is needed again unless every attack on it is done
      case 'fed': return fed.some((f) => f.defense === j.defense && f.seed === j.seed) &&
        (!j.keep || (kinds !== null && !kinds.includes('after')) || [...Array(plan.afterImages).keys()].every((k) => mlp1(`after ${plan.fed.rounds} rounds`, j.defense, k)));
    }
  };
  const wanted = (j: Job) => !done(j) && (!kinds || kinds.includes(j.kind)) && (!part || j.kind !== 'b1' || (j.image >= part[0] && j.image < part[1]));
  const push = (jobs: Job[], front = false) => {
    jobs = jobs.filter(wanted);
    keepQueued += jobs.filter((j) => j.kind === 'fed' && j.keep).length;
    for (const j of jobs) totalWeight += jobWeight(j, plan);
    if (front) queue.unshift(...jobs); else queue.push(...jobs);
    const order = new Map(queue.map((j, i) => [j, i]));
    queue.sort((a, b) => prio(a) - prio(b) || order.get(a)! - order.get(b)!);
  };
  // Order: the FedSGD runs whose trained client is attacked afterwards (those attacks go to the
  // front when the last of them finishes), the batch-size-1 attacks image by image (so that a
  // time-limited run still has every defense on the same images) with the other FedSGD runs
  // interleaved, then the undefended gates at batch size 4 (its defended batches go to the front
  // when it passes), on the CNN and at batch size 16.
  if (only) push(only);
  else push(plan.fedDefenses.filter((d) => plan.afterDefenses.includes(d)).map((d) => ({ kind: 'fed', defense: d, seed: plan.seeds[0], keep: true })));
  const gate = (b: number) => push(Array.from({ length: plan.batchesPerSize }, (_, t) => ({ kind: 'batch', defense: 'none', batchSize: b, batch: t })));
  const fedRest: Job[] = [];
  // defense by defense (plan.fedDefenses is in order of priority), so a cut leaves whole defenses
  for (const d of plan.fedDefenses) for (const s of plan.seeds) if (!(s === plan.seeds[0] && plan.afterDefenses.includes(d))) fedRest.push({ kind: 'fed', defense: d, seed: s, keep: false });
  const fedPerImage = Math.ceil(fedRest.length / plan.images);
  for (let k = 0; k < plan.images && !only; k++) {
    push(plan.defenses.map((d): Job => ({ kind: 'b1', defense: d.label, image: k, ...(onlyAttacks ? { attacks: onlyAttacks } : {}) })));
    push(fedRest.splice(0, fedPerImage));
  }
  if (plan.batchSizes.length && !only) gate(plan.batchSizes[0]);
  if (!only) push(Array.from({ length: plan.cnn.images }, (_, k) => ({ kind: 'cnn', defense: 'none', image: k })));
  if (!only) for (const b of plan.batchSizes.slice(1)) gate(b);

  // gates: once every undefended unit of a batch size (or the CNN) is in, from this part or an
  // earlier one (--skip-done), the defended jobs follow if the strongest undefended attack succeeds
  const fired = new Set<string>();
  const gateCheck = (kind: 'batch' | 'cnn', batchSize: number): void => {
    const key = kind === 'batch' ? `batch ${batchSize}` : 'cnn';
    const sel = [...earlierRows, ...rows].filter((x) => x.defense === 'none' && x.labelMode === 'true' && x.round === 'first' && !x.attack.startsWith('baseline') &&
      (kind === 'cnn' ? x.model === 'cnn' : x.model === 'mlp' && x.batchSize === batchSize));
    const need = kind === 'batch' ? plan.batchesPerSize : plan.cnn.images;
    if (fired.has(key) || new Set(sel.map((x) => (kind === 'cnn' ? x.image : x.unit))).size < need) return;
    fired.add(key);
    const attacks = [...new Set(sel.map((x) => x.attack))];
    const best = Math.max(...attacks.map((a) => median(sel.filter((x) => x.attack === a).map((x) => x.psnr))));
    const ok = best >= COUNTS_PSNR;
    log(`gate ${key}: strongest undefended attack median ${best.toFixed(1)} dB -> ${ok ? 'attacking the defenses' : 'attack fails undefended, defenses not attacked'}`);
    // one push, so the defenses run in plan order (one push each to the front reversed it)
    if (ok && kind === 'batch') push(plan.batchDefenses[batchSize].filter((x) => x !== 'none')
      .flatMap((d) => Array.from({ length: plan.batchesPerSize }, (_, t): Job => ({ kind: 'batch', defense: d, batchSize, batch: t }))), true);
    if (ok && kind === 'cnn') push(['prune keep=0.1', 'DGP top=0.05 keep=0.1']
      .flatMap((d) => Array.from({ length: plan.cnn.images }, (_, k): Job => ({ kind: 'cnn', defense: d, image: k }))), true);
  };
  // a gate whose undefended jobs all ran in earlier parts decides now
  if (!only) { for (const b of plan.batchSizes) gateCheck('batch', b); gateCheck('cnn', 0); }
  const trained = new Map<string, { weights: Params; memory: Params | null }>();
  const skipped: string[] = [];
  // a split run saves its part every 30 s and on SIGTERM, so a process stopped for time loses
  // only the job in flight
  let lastSave = Date.now();
  const save = () => { if (partName) writePart(partName, { plan: plan.name, argv: process.argv.slice(2).join(' '), seconds: (Date.now() - t0) / 1000, workers, rows, fed, grid: gridImages ?? [], notRun: skipped }); };
  process.on('SIGTERM', () => { save(); log('stopped (SIGTERM); part saved'); process.exit(0); });
  const onResult = (job: Job, r: JobResult) => {
    rows.push(...r.rows);
    if (Date.now() - lastSave > 30000) { lastSave = Date.now(); setImmediate(save); }
    if (r.grid) gridImages!.push(...r.grid);
    if (r.fed) {
      fed.push({ defense: job.defense, seed: (job as { seed: number }).seed, testAccuracy: r.fed.testAccuracy, bytesPerRound: r.fed.bytesPerRound, curve: r.fed.curve });
      // the attacks after training wait for every trained client, then go to the front image by
      // image (so that a time-limited run still has every defense on the same images)
      if (r.fed.weights) trained.set(job.defense, { weights: r.fed.weights, memory: r.fed.memory ?? null });
      if (r.fed.weights && trained.size === keepQueued) {
        const after: Job[] = [];
        for (let k = 0; k < plan.afterImages; k++) for (const d of trained.keys()) after.push({ kind: 'after', defense: d, image: k, weights: trained.get(d)!.weights, memory: trained.get(d)!.memory, ...(onlyAttacks ? { attacks: onlyAttacks } : {}) });
        push(after, true);
      }
    }
    if ((job.kind === 'batch' || job.kind === 'cnn') && job.defense === 'none') gateCheck(job.kind, job.kind === 'batch' ? job.batchSize : 0);
  };

  log(`plan '${plan.name}': ${queue.length} jobs, ${workers} worker threads`);
  let lastLog = 0;
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    const idle: Worker[] = [];
    const pool = Array.from({ length: workers }, () => new Worker(__filename, { workerData: { quick } }));
    const feed = (w: Worker) => {
      if (plan.minutes !== null && Date.now() - t0 > plan.minutes * 60000 && queue.length) {
        skipped.push(...queue.splice(0).map((j) => `${j.kind} ${j.defense}${'image' in j ? ` image ${j.image}` : ''}${'batch' in j ? ` B=${j.batchSize} batch ${j.batch}` : ''}${'seed' in j ? ` seed ${j.seed}` : ''}`));
        log(`time limit of ${plan.minutes} min reached: ${skipped.length} jobs not run (listed in the results)`);
      }
      const job = queue.shift();
      if (!job) {
        idle.push(w);
        if (running === 0) { pool.forEach((x) => x.terminate()); resolve(); }
        return;
      }
      running++;
      w.once('message', (r: JobResult) => {
        running--; doneJobs++;
        doneWeight += jobWeight(job, plan);
        onResult(job, r);
        const now = Date.now();
        if (now - lastLog > 15000 || queue.length === 0) {
          lastLog = now;
          const el = (now - t0) / 1000;
          const eta = (el / doneWeight) * (totalWeight - doneWeight);
          log(`${doneJobs} jobs done, ${queue.length + running} left; last: ${job.kind} ${job.defense}; about ${(eta / 60).toFixed(1)} min left`);
        }
        while (idle.length && queue.length) feed(idle.pop()!);
        feed(w);
      });
      w.postMessage(job);
    };
    for (const w of pool) { w.on('error', reject); feed(w); }
  });
  const command = planName || seedArg || part ? `node out/eval/run.js ${process.argv.slice(2).join(' ')}` : `npm run eval${quick ? ' -- --quick' : ''}`;
  const seconds = (Date.now() - t0) / 1000;
  if (partName) save();
  else writeReport(plan, rows, fed, gridImages ?? [], command, seconds, workers, skipped, plan.name, { dir: resultsDir });
  log('done');
}

if (isMainThread) main().catch((e) => { console.error(e); process.exit(1); });
else {
  parentPort!.on('message', async (job: Job) => {
    parentPort!.postMessage(await runJob(job, workerData.quick as boolean));
  });
}
