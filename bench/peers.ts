/**
 * `npm run build:ts && npm run build:scripts && node out/bench/peers.js [--rounds=N] [--n=4e6,1e7] [--many=1000x16,...] [--only=ids] [--prev=DIR]`
 *
 * Same-run ratios against the tfjs peer (issue 19): one lognormal layer, top 1% / bottom 80%
 * (`--many` adds the many-layer workloads of bench/workloads.ts, e.g. 1000x16),
 * every contender timed once per round with the order rotated each round, so load on a shared
 * machine hits them alike. Prints each contender's median ns/element and, per contender, the
 * median (and range) over rounds of peer time / contender time measured in the same round, by
 * wall clock and by the process's CPU time (user + system: on a machine shared with other jobs
 * it leaves out the time the process waited for a core; every contender here is one thread).
 * A full garbage collection precedes each round. Outputs are checked against native-1t
 * first. Prints only; writes no file.
 *
 * `--prev=DIR` adds the contender `ts-prev`: the TypeScript backend of another build of the
 * package (DIR holds its compiled src/, e.g. an older checkout's out/src), in the same rotation:
 * a same-run before/after of the TypeScript kernels.
 */
import * as v8 from 'v8';
import * as vm from 'vm';

import { contenders, initTfjs, Contender, Prepared } from './contenders';
import { manyLayers, singleLayer, RATIOS, Workload } from './workloads';
import { median } from '../shared-dev/stats';

// A full collection before each round, so garbage piles up for at most one round of calls. (An
// earlier version collected before every call; the TypeScript contender's erratic times then came
// from too short a warm-up, not from the collections: see the warm-up below.)
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** The TypeScript backend of another build, through its own selectLayers. */
function prevTs(dir: string): Contender {
  const other = require(dir) as typeof import('../src/index');
  return {
    id: 'ts-prev',
    label: `TypeScript backend of the build in ${dir}`,
    group: 'ours',
    unavailable: () => null,
    async prepare(w) {
      const layers = w.layers.map((l) => ({ name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom }));
      let last: Uint8Array[] = [];
      return {
        run() {
          last = other.selectLayers(layers, { codes: true }, 'bench', 'ts').map((o) => o.codes!);
        },
        codes: () => last,
        dispose() {
          last = [];
        },
      };
    },
  };
}

async function main(): Promise<void> {
  let rounds = 9;
  let sizes = [4e6, 1e7];
  let many: Array<[number, number]> = [];
  let only = ['native-1t', 'ts', 'wasm', 'tfjs-wasm'];
  const peer = 'tfjs-wasm';
  let prev: string | null = null;
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('--rounds=')) rounds = Number(a.slice(9));
    else if (a.startsWith('--n=')) sizes = a.slice(4).split(',').filter((x) => x).map(Number);
    else if (a.startsWith('--many=')) many = a.slice(7).split(',').map((x) => x.split('x').map(Number) as [number, number]);
    else if (a.startsWith('--only=')) only = a.slice(7).split(',');
    else if (a.startsWith('--prev=')) prev = a.slice(7);
    else throw new Error(`peers: unknown argument '${a}'`);
  }
  if (!only.includes(peer)) only.push(peer);
  await initTfjs();
  if (prev) only.push('ts-prev');
  const cs = [...contenders(), ...(prev ? [prevTs(prev)] : [])].filter((c) => only.includes(c.id) && c.unavailable() === null);
  console.log(`peers: ${cs.map((c) => c.id).join(', ')}; ${rounds} rounds, order rotated; peer = ${peer}`);
  const ws: Workload[] = [...sizes.map((n) => singleLayer('lognormal', n, RATIOS[0])), ...many.map(([c, n]) => manyLayers(c, n))];
  for (const w of ws) {
    const n = w.n;
    const prepared: Prepared[] = [];
    for (const c of cs) prepared.push(await c.prepare(w));
    let ref: Uint8Array[] | null = null;
    prepared.forEach((p, k) => {
      p.run();
      const codes = p.codes?.();
      if (!codes) return;
      if (!ref) ref = codes.map((c) => c.slice());
      else
        codes.forEach((c, l) => {
          for (let i = 0; i < c.length; i++) if (c[i] !== ref![l][i]) throw new Error(`peers: ${cs[k].id} differs from ${cs[0].id} (layer ${l}, element ${i})`);
        });
    });
    // Warm-up: a few calls each, so the JIT has compiled the JavaScript contenders' loops (one
    // call of 10^7 elements runs them once; V8 optimises them over several calls).
    for (let r = 0; r < 5; r++) prepared.forEach((p) => p.run());
    const t: number[][] = cs.map(() => []);
    const cpu: number[][] = cs.map(() => []);
    for (let r = 0; r < rounds; r++) {
      collectGarbage();
      for (let j = 0; j < cs.length; j++) {
        const k = (j + r) % cs.length;
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        prepared[k].run();
        t[k].push(Number(process.hrtime.bigint() - t0));
        const c = process.cpuUsage(c0);
        cpu[k].push((c.user + c.system) * 1e3);
      }
    }
    const pk = cs.findIndex((c) => c.id === peer);
    console.log(`\n${w.label} (outputs identical)`);
    const line = (what: string, x: number[][]) =>
      cs.forEach((c, k) => {
        const ratios = x[k].map((v, r) => x[pk][r] / v);
        console.log(
          `  ${what} ${c.id.padEnd(14)} ${(median(x[k]) / n).toFixed(2).padStart(7)} ns/elem (min ${(Math.min(...x[k]) / n).toFixed(2)})` +
            `  ${peer} / this: median ${median(ratios).toFixed(2)}x, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x`,
        );
      });
    line('wall', t);
    line('cpu ', cpu);
    prepared.forEach((p) => p.dispose());
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
