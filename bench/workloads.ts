/**
 * Benchmark inputs: synthetic gradients with a fixed seed, so every contender and every run sees
 * the same bytes.
 *
 * - 'lognormal': |g| = exp(N(mu, sigma)) with a random sign. Gradient magnitudes are roughly
 *   log-normal and span several decades; mu = -9 (|g| around 1e-4), sigma = 2 (about 6 binades).
 * - 'ties': 4-bit quantised gradients (as after QSGD-style quantisation): |g| = q / 16 with
 *   q = min(15, floor(Exp(mean 2))), so about 40% of the entries are exact zeros and every
 *   threshold falls inside a tie group of millions of equal magnitudes. This exercises the
 *   tie rule (SPEC §1) and the kernels' slow path for huge tie groups.
 * - Models: the parameter tensor shapes of ResNet-18 (torchvision, ImageNet head: 62 tensors,
 *   11,689,512 parameters; batch-norm running statistics are buffers, not gradients), of a
 *   784-256-128-10 MLP (6 tensors, 235,146 parameters) and of a small transformer (24 pre-norm
 *   blocks, width 128, 4x MLP, separate q/k/v projections with biases, 8000-token embedding:
 *   388 tensors, 5.8M parameters, most of them bias and layer-norm vectors of 128 or 512), each
 *   tensor filled log-normally with its own scale.
 * - Many equal small layers (the issue-10 table): 1 x 250,000, 100 x 2,500, 1,000 x 250 and
 *   1,000 x 16 elements.
 */
import { countsFromRatios } from '../src/index';
import { seededUniform } from '../shared-dev/seeded';

export interface Ratios {
  label: string;
  topRatio: number;
  bottomRatio: number;
}

export const RATIOS: Ratios[] = [
  { label: 'top 1% / bottom 80%', topRatio: 0.01, bottomRatio: 0.8 },
  { label: 'top 5% / bottom 90%', topRatio: 0.05, bottomRatio: 0.9 },
];

export interface BenchLayer {
  name: string;
  shape: number[];
  values: Float32Array;
  kTop: number;
  kBottom: number;
}

export interface Workload {
  id: string;
  label: string;
  kind: 'layer' | 'model';
  distribution: 'lognormal' | 'ties';
  ratios: Ratios;
  layers: BenchLayer[];
  /** Total elements over all layers. */
  n: number;
}

/** Uniform in [0, 1) from a seed: the shared mulberry32 (shared-dev/seeded.ts). */
export const rng = seededUniform;

export function fillLogNormal(out: Float32Array, seed: number, mu = -9, sigma = 2): Float32Array {
  const r = rng(seed);
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    // Box-Muller: two normals per pair of uniforms.
    const u1 = 1 - r();
    const u2 = r();
    const rad = Math.sqrt(-2 * Math.log(u1));
    const z0 = rad * Math.cos(2 * Math.PI * u2);
    const z1 = rad * Math.sin(2 * Math.PI * u2);
    out[i] = (r() < 0.5 ? 1 : -1) * Math.exp(mu + sigma * z0);
    if (i + 1 < n) out[i + 1] = (r() < 0.5 ? 1 : -1) * Math.exp(mu + sigma * z1);
  }
  return out;
}

export function fillTies(out: Float32Array, seed: number): Float32Array {
  const r = rng(seed);
  for (let i = 0; i < out.length; i++) {
    const q = Math.min(15, Math.floor(-2 * Math.log(1 - r())));
    out[i] = (r() < 0.5 ? 1 : -1) * (q / 16);
  }
  return out;
}

/** torchvision resnet18() parameter shapes (weights and biases, no running statistics). */
export function resnet18Shapes(): Array<{ name: string; shape: number[] }> {
  const list: Array<{ name: string; shape: number[] }> = [];
  const bn = (name: string, c: number) => {
    list.push({ name: `${name}.weight`, shape: [c] }, { name: `${name}.bias`, shape: [c] });
  };
  list.push({ name: 'conv1.weight', shape: [64, 3, 7, 7] });
  bn('bn1', 64);
  let inC = 64;
  [64, 128, 256, 512].forEach((c, s) => {
    for (let b = 0; b < 2; b++) {
      const p = `layer${s + 1}.${b}`;
      const stride2 = s > 0 && b === 0;
      list.push({ name: `${p}.conv1.weight`, shape: [c, b === 0 ? inC : c, 3, 3] });
      bn(`${p}.bn1`, c);
      list.push({ name: `${p}.conv2.weight`, shape: [c, c, 3, 3] });
      bn(`${p}.bn2`, c);
      if (stride2) {
        list.push({ name: `${p}.downsample.0.weight`, shape: [c, inC, 1, 1] });
        bn(`${p}.downsample.1`, c);
      }
    }
    inC = c;
  });
  list.push({ name: 'fc.weight', shape: [1000, 512] }, { name: 'fc.bias', shape: [1000] });
  return list;
}

/** A small GPT-style transformer's parameter list: several hundred tensors, most of them small. */
export function transformerShapes(blocks = 24, d = 128, vocab = 8000, context = 512): Array<{ name: string; shape: number[] }> {
  const list: Array<{ name: string; shape: number[] }> = [
    { name: 'tok_embedding', shape: [vocab, d] },
    { name: 'pos_embedding', shape: [context, d] },
  ];
  const ln = (name: string) => list.push({ name: `${name}.weight`, shape: [d] }, { name: `${name}.bias`, shape: [d] });
  const dense = (name: string, inD: number, outD: number) =>
    list.push({ name: `${name}.weight`, shape: [outD, inD] }, { name: `${name}.bias`, shape: [outD] });
  for (let b = 0; b < blocks; b++) {
    const p = `block${b}`;
    ln(`${p}.ln1`);
    for (const proj of ['q', 'k', 'v', 'o']) dense(`${p}.attn.${proj}`, d, d);
    ln(`${p}.ln2`);
    dense(`${p}.mlp.fc1`, d, 4 * d);
    dense(`${p}.mlp.fc2`, 4 * d, d);
  }
  ln('ln_final');
  return list;
}

export function mlpShapes(): Array<{ name: string; shape: number[] }> {
  return [
    { name: 'dense1.kernel', shape: [784, 256] },
    { name: 'dense1.bias', shape: [256] },
    { name: 'dense2.kernel', shape: [256, 128] },
    { name: 'dense2.bias', shape: [128] },
    { name: 'dense3.kernel', shape: [128, 10] },
    { name: 'dense3.bias', shape: [10] },
  ];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function withCounts(name: string, shape: number[], values: Float32Array, ratios: Ratios): BenchLayer {
  const { kTop, kBottom } = countsFromRatios(values.length, ratios.topRatio, ratios.bottomRatio);
  return { name, shape, values, kTop, kBottom };
}

// Data is cached by (distribution, n) so both ratios reuse one array.
const cache = new Map<string, Float32Array>();

function layerData(distribution: 'lognormal' | 'ties', n: number): Float32Array {
  const key = `${distribution}:${n}`;
  let v = cache.get(key);
  if (!v) {
    v = distribution === 'ties' ? fillTies(new Float32Array(n), 1234 + n) : fillLogNormal(new Float32Array(n), 42 + n);
    cache.set(key, v);
  }
  return v;
}

const fmtN = (n: number) => {
  const e = Math.floor(Math.log10(n) + 1e-9);
  const m = n / 10 ** e;
  return m === 1 ? `1e${e}` : `${m}e${e}`;
};

export function singleLayer(distribution: 'lognormal' | 'ties', n: number, ratios: Ratios): Workload {
  const values = layerData(distribution, n);
  const r = ratios.topRatio === 0.01 ? 'r1' : 'r5';
  return {
    id: `${distribution}-${fmtN(n)}-${r}`,
    label: `${distribution} ${fmtN(n)}, ${ratios.label}`,
    kind: 'layer',
    distribution,
    ratios,
    layers: [withCounts('layer', [n], values, ratios)],
    n,
  };
}

const modelCache = new Map<string, Array<{ name: string; shape: number[]; values: Float32Array }>>();

export type ModelName = 'resnet18' | 'mlp' | 'transformer';

export function model(which: ModelName, ratios: Ratios): Workload {
  let tensors = modelCache.get(which);
  if (!tensors) {
    const shapes = which === 'resnet18' ? resnet18Shapes() : which === 'mlp' ? mlpShapes() : transformerShapes();
    tensors = shapes.map((s, i) => {
      // Each tensor gets its own scale, as gradients of different layers do.
      const mu = -11 + 4 * rng(7 + i)();
      const salt = which === 'mlp' ? 7 : which === 'transformer' ? 13 : 0;
      return { ...s, values: fillLogNormal(new Float32Array(size(s.shape)), 1000 * (i + 1) + salt, mu, 2) };
    });
    modelCache.set(which, tensors);
  }
  const layers = tensors.map((t) => withCounts(t.name, t.shape, t.values, ratios));
  const n = layers.reduce((a, l) => a + l.values.length, 0);
  const r = ratios.topRatio === 0.01 ? 'r1' : 'r5';
  const title =
    which === 'resnet18'
      ? `ResNet-18 (${layers.length} tensors, ${(n / 1e6).toFixed(1)}M)`
      : which === 'mlp'
        ? `MLP 784-256-128-10 (${layers.length} tensors, ${(n / 1e3).toFixed(0)}k)`
        : `transformer 24x128 (${layers.length} tensors, ${(n / 1e6).toFixed(1)}M)`;
  return { id: `${which}-${r}`, label: `${title}, ${ratios.label}`, kind: 'model', distribution: 'lognormal', ratios, layers, n };
}

/** `count` equal layers of n lognormal elements (the issue-10 table), top 1% / bottom 80%. */
export function manyLayers(count: number, n: number): Workload {
  const ratios = RATIOS[0];
  const layers: BenchLayer[] = [];
  for (let l = 0; l < count; l++) {
    const key = `many:${count}:${n}:${l}`;
    let v = cache.get(key);
    if (!v) {
      v = fillLogNormal(new Float32Array(n), 5000 + 31 * l + n, -11 + 4 * rng(3 * l + 1)(), 2);
      cache.set(key, v);
    }
    layers.push(withCounts(`layer${l}`, [n], v, ratios));
  }
  return {
    id: `many-${count}x${n}`,
    label: `${count.toLocaleString('en-US')} layers x ${n.toLocaleString('en-US')}, ${ratios.label}`,
    kind: 'model',
    distribution: 'lognormal',
    ratios,
    layers,
    n: count * n,
  };
}

export const MANY_LAYER_SHAPES: Array<[number, number]> = [
  [1, 250_000],
  [100, 2_500],
  [1_000, 250],
  [1_000, 16],
];

/** The workload list of one run. */
export function workloads(quick: boolean): Workload[] {
  const [r1, r5] = RATIOS;
  const list: Workload[] = [];
  for (const n of [1e4, 1e5, 1e6, 4e6, 1e7]) {
    list.push(singleLayer('lognormal', n, r1));
    if (n !== 4e6 && (!quick || n === 1e6)) list.push(singleLayer('lognormal', n, r5));
  }
  list.push(singleLayer('ties', 1e6, r1));
  if (!quick) list.push(singleLayer('ties', 1e7, r1));
  list.push(model('resnet18', r1));
  if (!quick) list.push(model('resnet18', r5));
  list.push(model('mlp', r1));
  if (!quick) list.push(model('mlp', r5));
  list.push(model('transformer', r1));
  for (const [count, n] of MANY_LAYER_SHAPES) list.push(manyLayers(count, n));
  return list;
}
