// Where a run's time went, per seed and design, from what the stages recorded as they worked: the
// trainer's loss.jsonl (cumulative seconds at every step) and each results file (the evaluation's
// seconds, and the part spent encoding texts, which includes computing frozen prefixes). A design
// evaluated in an earlier invocation keeps the time that invocation spent, so a resumed study reports
// the work it did once, not the near-zero time of finding it done.
import { lossLogSeconds } from '../training/checkpoint.ts';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { lossFile, resultsDir, resultsFile, seedDirs } from '../run-folder.ts';

export interface TimeSpent {
  seed: string;
  design: string;
  /** seconds of training (the last step's cumulative seconds; null: not trained in this folder) */
  train: number | null;
  /** seconds of evaluation, and of encoding within it (null: not evaluated) */
  evaluate: number | null;
  encode: number | null;
}

export function timeSpent(runDir: string): TimeSpent[] {
  const rows: TimeSpent[] = [];
  for (const dir of seedDirs(runDir)) {
    const seed = basename(dir);
    const evaluated = existsSync(resultsDir(dir)) ? readdirSync(resultsDir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)) : [];
    const trained = readdirSync(dir).filter((d) => existsSync(lossFile(dir, d)));
    for (const design of [...new Set([...trained, ...evaluated])].sort()) {
      const train = lossLogSeconds(lossFile(dir, design));
      let evaluate: number | null = null, encode: number | null = null;
      if (evaluated.includes(design)) {
        const r = JSON.parse(readFileSync(resultsFile(dir, design), 'utf8')) as { seconds?: unknown; cache?: { encode_seconds?: unknown } };
        if (typeof r.seconds === 'number') evaluate = r.seconds;
        if (typeof r.cache?.encode_seconds === 'number') encode = r.cache.encode_seconds;
      }
      rows.push({ seed, design, train, evaluate, encode });
    }
  }
  return rows;
}

/** A markdown table of timeSpent, with a total row. */
export function timeSpentTable(rows: readonly TimeSpent[]): string {
  const s = (x: number | null) => (x === null ? '—' : x.toFixed(0));
  const sum = (f: (r: TimeSpent) => number | null) => rows.reduce((a, r) => a + (f(r) ?? 0), 0);
  return [
    '| seed | design | training (s) | evaluation (s) | of which encoding (s) |', '|---|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.seed} | ${r.design} | ${s(r.train)} | ${s(r.evaluate)} | ${s(r.encode)} |`),
    `| **total** | | **${sum((r) => r.train).toFixed(0)}** | **${sum((r) => r.evaluate).toFixed(0)}** | **${sum((r) => r.encode).toFixed(0)}** |`,
  ].join('\n');
}
