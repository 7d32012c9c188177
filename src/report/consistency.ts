// Before `compare` puts designs side by side: every results file must describe the weights now in
// the run folder (its recorded checkpoint hash = sha256 of <design>/final/config.json), and all of
// them the same items (item limit) and instruction policy. A table mixing old weights, 40 vs 20
// items or two instruction policies would compare different things and look fine.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SeedRun } from './results.ts';
import { checkpointHash, finalConfigFile, seedDir } from '../run-folder.ts';

/** The problems found, one line per results file, each naming what to rerun; [] when consistent. */
export function resultsConsistency(runs: SeedRun[], runDir: string): string[] {
  const problems: string[] = [];
  const settings = new Map<string, string[]>(); // "limit …, policy …" → files
  for (const run of runs) {
    const dir = run.seed === null ? runDir : seedDir(runDir, run.seed);
    for (const r of Object.values(run.designs)) {
      let raw: Record<string, unknown>;
      try { raw = JSON.parse(readFileSync(r.file, 'utf8')) as Record<string, unknown>; } catch { continue; } // parse errors were reported by readRun
      const rerun = `eval --run ${dir} --designs ${r.design}`;
      const enc = (raw.encoder ?? {}) as Record<string, unknown>;
      if (typeof enc.checkpoint === 'string') {
        const dir = dirname(dirname(r.file)), now = checkpointHash(dir, r.design);
        if (now === undefined) problems.push(`${r.file}: computed from a checkpoint of ${r.design} that is no longer in the run (${finalConfigFile(dir, r.design)} is missing); train ${r.design} again, then ${rerun}`);
        else {
          if (now !== enc.checkpoint) problems.push(`${r.file}: computed from other weights than ${r.design}/final holds now (checkpoint ${enc.checkpoint.slice(0, 12)}… vs ${now.slice(0, 12)}…, retrained since?); rerun: ${rerun}`);
        }
      }
      const key = `limit ${raw.limit === null || raw.limit === undefined ? 'all' : String(raw.limit)}${raw.instruction_policy !== undefined ? `, instruction policy ${JSON.stringify(raw.instruction_policy)}` : ''}`;
      settings.set(key, [...(settings.get(key) ?? []), `${run.seed === null ? '' : `seed-${run.seed}/`}${r.design}`]);
    }
  }
  if (settings.size > 1) {
    const groups = [...settings].sort((a, b) => b[1].length - a[1].length);
    problems.push(`the results were evaluated on different items or instructions: ${groups.map(([k, ds]) => `${ds.join(', ')}: ${k}`).join('; ')}; `
      + `evaluate ${groups.slice(1).flatMap(([, ds]) => ds).join(', ')} again with the settings of the others (eval --limit …), so every design is scored on the same items`);
  }
  return problems;
}
