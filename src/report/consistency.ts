// Before `compare` puts designs side by side: every results file must describe the weights now in
// the run folder (its recorded checkpoint hash = sha256 of <design>/final/config.json), and all of
// them the same items (item limit) and instruction policy, and every user task the same data (the
// sha256 of its files, recorded per task). A table mixing old weights, 40 vs 20 items, two
// instruction policies or two versions of a user's file would compare different things and look fine.
import { sha256File } from '../io/sha256.ts';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SeedRun } from './results.ts';
import { checkpointHash, finalConfigFile, seedDir } from '../run-folder.ts';

/** The problems found, one line per results file, each naming what to rerun; [] when consistent. */
export function resultsConsistency(runs: SeedRun[], runDir: string): string[] {
  const problems: string[] = [];
  const settings = new Map<string, string[]>(); // "limit …, policy …" → files
  const data = new Map<string, Map<string, string[]>>(); // task → its files' sha256 (JSON) → "seed-n/design"
  const rerunDirs = new Map<string, string>(); // "seed-n/design" → its run folder
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
      const key = `limit ${raw.limit === null || raw.limit === undefined ? 'all' : String(raw.limit)}${raw.limit_by_category ? `, per category ${JSON.stringify(raw.limit_by_category)}` : ''}${raw.instruction_policy !== undefined ? `, instruction policy ${JSON.stringify(raw.instruction_policy)}` : ''}`;
      const who = `${run.seed === null ? '' : `seed-${run.seed}/`}${r.design}`;
      settings.set(key, [...(settings.get(key) ?? []), who]);
      rerunDirs.set(who, dir);
      for (const [task, t] of Object.entries((raw.tasks ?? {}) as Record<string, { sha256?: Record<string, string> }>)) {
        if (!t?.sha256 || typeof t.sha256 !== 'object') continue;
        const byData = data.get(task) ?? new Map<string, string[]>();
        data.set(task, byData);
        const k = sha256Key(t.sha256);
        byData.set(k, [...(byData.get(k) ?? []), who]);
      }
    }
  }
  if (settings.size > 1) {
    const groups = [...settings].sort((a, b) => b[1].length - a[1].length);
    problems.push(`the results were evaluated on different items or instructions: ${groups.map(([k, ds]) => `${ds.join(', ')}: ${k}`).join('; ')}; `
      + `evaluate ${groups.slice(1).flatMap(([, ds]) => ds).join(', ')} again with the settings of the others (eval --limit …), so every design is scored on the same items`);
  }
  for (const [task, byData] of data) {
    if (byData.size < 2) continue;
    // the files as they are now decide which results are out of date; if they cannot be read, the majority does
    const files = Object.keys(JSON.parse([...byData.keys()][0]!) as Record<string, string>);
    const now = currentKey(files);
    const groups = [...byData].sort((a, b) => (a[0] === now ? -1 : b[0] === now ? 1 : b[1].length - a[1].length));
    const stale = groups.slice(1).flatMap(([, ws]) => ws);
    const describe = ([k, ws]: [string, string[]]) => `${ws.join(', ')} read ${Object.entries(JSON.parse(k) as Record<string, string>).map(([f, h]) => `${f} (sha256 ${h.slice(0, 12)}…)`).join(', ')}`;
    problems.push(`user task '${task}' was evaluated on different data: ${groups.map(describe).join('; ')}`
      + `${groups[0]![0] === now ? ' (the first is what the files hold now)' : ''}; evaluate ${stale.join(', ')} again on it: `
      + stale.map((w) => `eval --run ${rerunDirs.get(w)} --designs ${w.split('/').pop()} --tasks ${task} --task-module <your module>`).join('; '));
  }
  return problems;
}

/** A task's recorded {file: sha256}, as a key independent of the order of its entries. */
function sha256Key(m: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b))));
}

/** The key of these files' contents now; undefined when one cannot be read. */
function currentKey(files: string[]): string | undefined {
  try { return sha256Key(Object.fromEntries(files.map((f) => [f, sha256File(f)]))); } catch { return undefined; }
}
