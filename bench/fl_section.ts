/**
 * Encode / decode / aggregate throughput of the FL wire format (SPEC §6-7), when the package has
 * one. Another part of the project owns src/fl and bench/fl.ts; this section only looks the
 * functions up at run time so the benchmark builds and runs with or without them.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface FlRow {
  op: string;
  msMedian: number;
  mbPerSecond?: number;
  detail?: string;
}

export interface FlResult {
  status: 'measured' | 'skipped' | 'error';
  note?: string;
  rows: FlRow[];
}

export async function runFl(_quick: boolean): Promise<FlResult> {
  const flDir = path.join(__dirname, '..', 'src', 'fl');
  if (!fs.existsSync(flDir)) return { status: 'skipped', note: 'src/fl (the wire format) is not in this build yet', rows: [] };
  return { status: 'skipped', note: 'src/fl exists but this section does not know its API yet', rows: [] };
}
