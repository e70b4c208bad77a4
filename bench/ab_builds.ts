/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-var-requires */
// Same-process A/B of two builds of the package (OLD=<its dist>, NEW=this checkout's dist by
// default): selectLayers codes, 1 thread, on native, TypeScript and wasm, plus caller-owned out
// arrays on native; the order rotates every round and each form is timed by CPU time (the
// machine may be shared); prints ns/element medians and the median per-round ratio new/old.
import * as path from 'path';
import { seededUniform } from '../shared-dev/seeded';
import { median } from '../shared-dev/stats';

if (!process.env.OLD) throw new Error('usage: OLD=<dist of the other build> [NEW=dist] [ROUNDS=15] [SHAPES=1x10000000,1000x16] node --expose-gc out/bench/ab_builds.js');
const OLD: any = require(path.resolve(process.env.OLD)), NEW: any = require(path.resolve(process.env.NEW || 'dist'));
const rounds = +(process.env.ROUNDS || 15);
function lognormal(n: number, seed: number): Float32Array { const r = seededUniform(seed), v = new Float32Array(n); for (let i = 0; i < n; i++) { const u = r() || 1e-12, w = r(); v[i] = Math.exp(-11 + 2 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w)) * (r() < 0.5 ? -1 : 1); } return v; }
function layersOf(count: number, n: number): any[] { const out: any[] = []; for (let l = 0; l < count; l++) { const values = lognormal(n, 1000 + l * 7 + n); const { kTop, kBottom } = NEW.countsFromRatios(n, 0.01, 0.8); out.push({ name: `layer${l}`, values, kTop, kBottom }); } return out; }
const shapes = (process.env.SHAPES || '1x10000000,1000x16,1000x250,1x250000,100x2500').split(',').map((s) => s.split('x').map(Number));
for (const [count, n] of shapes) {
  const layers = layersOf(count, n);
  const outs = layers.map((l) => ({ codes: new Uint8Array(l.values.length) }));
  const withOut = layers.map((l, i) => ({ name: l.name, values: l.values, kTop: l.kTop, kBottom: l.kBottom, out: outs[i] }));
  const forms: Array<{ id: string; run: () => void }> = [];
  for (const [tag, lib] of [['old', OLD], ['new', NEW]]) {
    for (const backend of ['native', 'ts', 'wasm']) {
      if (count * n >= 1e7 && backend !== 'native' && backend !== 'wasm' && backend !== 'ts') continue;
      forms.push({ id: `${tag}-${backend}`, run: () => { lib.setThreads(1); lib.selectLayers(layers, { codes: true }, 'ab', backend); } });
    }
    if (count > 1) forms.push({ id: `${tag}-native-out`, run: () => { lib.setThreads(1); lib.selectLayers(withOut, { codes: true }, 'ab', 'native'); } });
  }
  const reps = Math.max(1, Math.round(2e6 / (count * n)));
  const t: Record<string, number[]> = Object.fromEntries(forms.map((f) => [f.id, [] as number[]]));
  for (const f of forms) for (let i = 0; i < reps; i++) f.run();
  for (let r = 0; r < rounds; r++) {
    const order = forms.map((_, i) => forms[(i + r) % forms.length]);
    for (const f of order) { (global as any).gc?.(); const c0 = process.cpuUsage(); for (let i = 0; i < reps; i++) f.run(); const c = process.cpuUsage(c0); t[f.id].push((c.user + c.system) / reps); }
  }
  const line = [`${count}x${n}:`];
  for (const f of forms) line.push(`${f.id} ${(median(t[f.id]) / (count * n) * 1000).toFixed(2)} ns/el`);
  console.log(line.join('  '));
  const ratio = (a: string, b: string): string => median(t[a].map((x: number, i: number) => x / t[b][i])).toFixed(3);
  const r2 = ['native', 'ts', 'wasm'].map((b) => `${b} new/old ${ratio(`new-${b}`, `old-${b}`)}`);
  if (count > 1) r2.push(`out/fresh new ${ratio('new-native-out', 'new-native')} old ${ratio('old-native-out', 'old-native')}`);
  console.log('   ' + r2.join('  '));
}
