/** What the quick and the full run measure. */
import { DefenseSpec, noDefense, gaussianNoise, dgp, adgp } from './defenses';

export interface Plan {
  name: 'quick' | 'full';
  /** B = 1 targets per model, and batches of size > 1 (MLP) */
  mlpImages: number;
  cnnImages: number;
  batchSizes: number[];
  batchesPerSize: number;
  mlpIterations: number;
  cnnIterations: number;
  fed: { clients: number; rounds: number; batch: number; lr: number; seed: number };
  /** defenses attacked on the MLP (first round), trained with FedSGD, and attacked after training */
  mlpDefenses: DefenseSpec[];
  cnnDefenses: DefenseSpec[];
  batchDefenses: DefenseSpec[];
  fedDefenses: DefenseSpec[];
}

const byLabel = (ds: DefenseSpec[], labels: string[]) => ds.filter((d) => labels.includes(d.label));

export function makePlan(quick: boolean): Plan {
  const main: DefenseSpec[] = [
    noDefense(),
    gaussianNoise(0.001), gaussianNoise(0.01), gaussianNoise(0.1), gaussianNoise(1),
    dgp(0, 0.5), dgp(0, 0.8), dgp(0, 0.9), dgp(0, 0.99),
    dgp(0.001, 0.899), dgp(0.01, 0.89), dgp(0.05, 0.85), dgp(0.1, 0.8),
    dgp(0.01, 0.49), dgp(0.01, 0.79), dgp(0.05, 0.75), dgp(0.01, 0.98),
    adgp(0.01, 0.89), adgp(0.05, 0.85),
  ];
  const efVariants = [dgp(0.01, 0.89, 'all'), dgp(0.01, 0.89, 'none'), dgp(0.05, 0.85, 'all'), dgp(0.05, 0.85, 'none')];
  const core = ['none', 'noise σ=0.01', 'prune keep=0.1', 'DGP top=0.01 keep=0.1', 'DGP top=0.05 keep=0.1'];
  if (quick) {
    const q = byLabel(main, [...core, 'noise σ=0.1', 'DGP top=0.1 keep=0.1', 'ADGP top=0.01 keep=0.1']);
    return {
      name: 'quick', mlpImages: 2, cnnImages: 1, batchSizes: [4], batchesPerSize: 1, mlpIterations: 150, cnnIterations: 60,
      fed: { clients: 8, rounds: 60, batch: 16, lr: 1, seed: 11 },
      mlpDefenses: q, cnnDefenses: byLabel(main, ['none', 'prune keep=0.1', 'DGP top=0.05 keep=0.1']),
      batchDefenses: byLabel(main, ['none', 'prune keep=0.1', 'DGP top=0.05 keep=0.1']),
      fedDefenses: [...q, ...efVariants.slice(0, 2)],
    };
  }
  return {
    name: 'full', mlpImages: 4, cnnImages: 2, batchSizes: [4, 8], batchesPerSize: 1, mlpIterations: 300, cnnIterations: 120,
    fed: { clients: 8, rounds: 150, batch: 16, lr: 1, seed: 11 },
    mlpDefenses: main,
    cnnDefenses: byLabel(main, [...core, 'noise σ=0.1', 'DGP top=0.1 keep=0.1']),
    batchDefenses: byLabel(main, [...core, 'DGP top=0.1 keep=0.1']),
    fedDefenses: [...main.filter((d) => !['noise σ=0.001', 'prune keep=0.5', 'DGP top=0.01 keep=0.5', 'ADGP top=0.05 keep=0.1'].includes(d.label)), ...efVariants.slice(0, 2)],
  };
}
