/**
 * numpy and PyTorch as contenders: the layer goes to Python as a raw float32 file (the same
 * bytes every contender reads), bench/python/peers.py selects and times itself (per-call
 * seconds, so process start and file I/O are not counted) and writes its codes once for the
 * check against ours. Python is Debian's /usr/bin/python3 (python3-numpy, python3-torch), or
 * DGP_BENCH_PYTHON; a peer without its module is skipped with the reason.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Contender } from './contenders';
import type { Workload } from './workloads';

const PYTHON = process.env.DGP_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'python', 'peers.py');

const availability = new Map<string, string | null>();

function unavailable(module: 'numpy' | 'torch'): string | null {
  if (!availability.has(module)) {
    if (!fs.existsSync(PYTHON)) availability.set(module, `${PYTHON} not found (set DGP_BENCH_PYTHON)`);
    else {
      const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
      availability.set(module, r.status === 0 ? null : `${PYTHON} has no ${module}: ${(r.stderr || '').trim().split('\n').pop()}`);
    }
  }
  return availability.get(module)!;
}

export interface SelfTimed {
  seconds: number[];
  codes: Uint8Array[];
  note: string;
}

export interface PythonContender extends Contender {
  selfTimed(w: Workload, quick: boolean): SelfTimed;
}

function pythonPeer(module: 'numpy' | 'torch'): PythonContender {
  const id = module === 'numpy' ? 'numpy' : 'torch';
  return {
    id,
    label:
      module === 'numpy'
        ? 'numpy argpartition(|g|, (kBottom-1, n-kTop)), 1 thread (Python-timed)'
        : 'PyTorch topk(|g|, kTop, sorted=False) + topk(largest=False, sorted=False), 1 thread (Python-timed)',
    group: 'baseline',
    slow: true,
    unavailable: () => unavailable(module),
    skip: (w, quick) =>
      w.kind !== 'layer'
        ? 'Python peers run on single layers'
        : quick && (w.n < 1e6 || w.ratios.topRatio !== 0.01)
          ? 'Python peers run on layers of >= 1e6 (top 1%) in --quick'
          : null,
    async prepare() {
      throw new Error(`${id} is timed in Python (selfTimed)`);
    },
    selfTimed(w, quick) {
      const L = w.layers[0];
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgp-bench-'));
      try {
        const input = path.join(dir, 'layer.f32');
        const output = path.join(dir, 'codes.u8');
        fs.writeFileSync(input, new Uint8Array(L.values.buffer, L.values.byteOffset, L.values.byteLength));
        const minSeconds = quick ? 0.2 : 1;
        const r = spawnSync(PYTHON, [SCRIPT, module, input, String(L.kTop), String(L.kBottom), output, String(minSeconds)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        if (r.status !== 0) throw new Error(`${id}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
        const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number[]; version: string; threads: number };
        const codes = new Uint8Array(fs.readFileSync(output));
        return { seconds: res.seconds, codes: [codes], note: `${module} ${res.version}, ${res.threads} thread(s)` };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export function pythonPeers(): PythonContender[] {
  return [pythonPeer('numpy'), pythonPeer('torch')];
}
