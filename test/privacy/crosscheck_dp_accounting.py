"""Cross-check of the accountant against Google's dp_accounting (not run by jest; needs Python
with numpy, scipy and dp_accounting importable, e.g. `pip install dp-accounting`, and
`npm run build:ts` first). Draws 300 settings (q, z, rounds, delta), has dp_accounting compute
the RDP on its DEFAULT_RDP_ORDERS and epsilon (RdpAccountant's conversion), and compares with
rdpSubsampledGaussian / epsilonFromRdp from dist/. Run from the repository root:
    python3 test/privacy/crosscheck_dp_accounting.py
Result recorded in docs/PRIVACY.md ("Accountant")."""
import json
import random
import subprocess

from dp_accounting.rdp import rdp_privacy_accountant as r

random.seed(7)
cases = []
for _ in range(300):
    q = random.choice([1e-4, 1e-3, 0.01, 0.05, 0.1, 0.3, 0.7, 0.99, 1.0, random.random()])
    z = random.choice([0.3, 0.5, 0.8, 1.0, 1.5, 3, 10, 50, random.uniform(0.2, 20)])
    rounds = random.choice([1, 10, 100, 500, 1000, 10000])
    delta = random.choice([1e-3, 1e-5, 1e-6, 1e-9])
    rdp = r._compute_rdp_poisson_subsampled_gaussian(q, z, r.DEFAULT_RDP_ORDERS) * rounds
    eps, _ = r.compute_epsilon(r.DEFAULT_RDP_ORDERS, rdp, delta)
    fin = lambda x: None if x == float('inf') else float(x)
    cases.append(dict(q=q, z=z, rounds=rounds, delta=delta, rdp=[fin(x) for x in rdp], eps=fin(eps)))

JS = r"""
const a = require('./dist');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
let rdpWorst = 0, rdpWorstLarge = 0, epsWorst = 0, infMismatch = 0, exactSmaller = 0;
for (const c of cases) {
  const mine = a.rdpSubsampledGaussian(c.q, c.z).map((x) => x * c.rounds);
  mine.forEach((m, i) => {
    const ref = c.rdp[i] === null ? Infinity : c.rdp[i];
    if ((m === Infinity) !== (ref === Infinity)) { infMismatch++; return; }
    if (ref === Infinity || ref === 0) return;
    const e = Math.abs(m - ref) / ref;
    rdpWorst = Math.max(rdpWorst, e);
    if (ref / c.rounds > 1e-6) rdpWorstLarge = Math.max(rdpWorstLarge, e);
  });
  const ref = c.eps === null ? Infinity : c.eps;
  const mineEps = a.epsilonFromRdp(a.DEFAULT_RDP_ORDERS, mine, c.delta);
  if ((mineEps === Infinity) !== (ref === Infinity)) infMismatch++;
  else if (ref > 0 && ref < Infinity) epsWorst = Math.max(epsWorst, Math.abs(mineEps - ref) / ref);
  const full = a.dpEpsilon({ noiseMultiplier: c.z, samplingRate: c.q, rounds: c.rounds, delta: c.delta });
  if (full < mineEps * (1 - 1e-12)) exactSmaller++;
}
console.log(JSON.stringify({ cases: cases.length, rdpWorst, rdpWorstWherePerRoundAbove1e6: rdpWorstLarge, epsWorst, infMismatch, exactSmaller }));
"""
out = subprocess.run(['node', '-e', JS], input=json.dumps(cases), capture_output=True, text=True, check=True)
print(out.stdout.strip())
