// Reading figure inputs from a run folder. Only files with a documented format: the trainer's
// `<run>/<design>/loss.jsonl` ({step, loss, ...} per line).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { LossCurve, LossPoint } from './loss-curves.ts';
import { designOrder } from '../report/analysis.ts';
import { lossFile } from '../run-folder.ts';

/** The designs trained in a seed folder (those with the file `fileOf` names, default their loss.jsonl), m1…m6 first, then user designs. */
export function trainedDesignsIn(seedDir: string, fileOf: (dir: string, design: string) => string = lossFile): string[] {
  if (!existsSync(seedDir)) return [];
  return readdirSync(seedDir).filter((d) => existsSync(fileOf(seedDir, d))).sort(designOrder);
}

/** Parse a loss.jsonl file; a malformed line is an error naming file and line. */
export function readLossJsonl(file: string): LossPoint[] {
  if (!existsSync(file)) throw new Error(`${file}: no such loss file (has this design been trained?)`);
  const rows: LossPoint[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try { row = JSON.parse(line); } catch { throw new Error(`${file}:${i + 1}: not JSON`); }
    const { step, loss } = (row ?? {}) as Record<string, unknown>;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new Error(`${file}:${i + 1}: 'step' must be a non-negative integer`);
    if (typeof loss !== 'number' || !Number.isFinite(loss)) throw new Error(`${file}:${i + 1}: 'loss' must be a finite number, got ${JSON.stringify(loss)}`);
    rows.push({ step, loss });
  });
  return rows;
}

/** The loss curves of `designs` in a run folder. */
export function readLossCurves(runDir: string, designs: string[]): LossCurve[] {
  return designs.map((design) => ({ design, rows: readLossJsonl(lossFile(runDir, design)) }));
}
