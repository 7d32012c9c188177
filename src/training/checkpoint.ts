// A training checkpoint's own state: state.json (step, seed, sha256 of its weights) and the loss log
// kept on resume. Its tensors are written and verified by src/io/tensors.ts.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, readJsonLines } from '../io/json-file.ts';

/** A checkpoint's state.json: { step, seed, sha256, … }; a truncated one names the file. */
export function readCheckpointState(ckDir: string): { step: number; sha256: string; seed: number } {
  const file = join(ckDir, 'state.json');
  const state = readJsonFile<{ step: number; sha256: string; seed: number }>(file, 'checkpoint state',
    `delete ${ckDir} to restart the design from step 0 (or rerun without --resume)`);
  if (!Number.isInteger(state.step) || state.step < 0 || typeof state.sha256 !== 'string') throw new Error(`${file}: checkpoint state lacks an integer "step" or a "sha256"`);
  return state;
}

/**
 * The loss log kept on resume: the records up to `step` (what the killed run logged after its last
 * checkpoint is dropped), as JSONL text. A partial last line (a crash in the middle of an append) is
 * dropped and reported, so it never blocks a resume.
 */
/** The seconds of a loss log's last record (its design's training time so far); null without one. */
export function lossLogSeconds(file: string): number | null {
  if (!existsSync(file)) return null;
  const last = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1);
  const seconds = last ? (JSON.parse(last) as { seconds?: unknown }).seconds : undefined;
  return typeof seconds === 'number' ? seconds : null;
}

export function lossLogUpTo(file: string, step: number, log: (s: string) => void): string {
  if (!existsSync(file)) return '';
  const records = readJsonLines<{ step: number }>(readFileSync(file, 'utf8'), file, (line, content) =>
    log(`${file}:${line}: dropped a partial last record (${content.length} bytes, a crash in the middle of a write): ${JSON.stringify(content.slice(0, 60))}`));
  return records.filter((r) => r.step <= step).map((r) => JSON.stringify(r) + '\n').join('');
}
