// What an `eval` may keep of an existing DIR/results/<design>.json: the file when the freshness verdict
// (src/freshness.ts: encoder identity — model, checkpoint hash, max length … —, item limit,
// instruction policy) says it was made for what this evaluation writes. Before it runs, whatever cannot be kept is
// moved aside here, never deleted, with the precise reason: a corrupt (e.g. truncated) file, another
// encoder / checkpoint / limit / instruction setting, or tasks this checkout does not register.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.ts';
import { jsonFailure } from '../io/json-file.ts';
import { resultsDifferences, type ExpectedResults as FreshnessExpected } from '../freshness.ts';

/** What this evaluation writes: the encoder identity's hash, limit and instruction policy (src/freshness.ts), and whether the encoder takes instructions. */
export interface ExpectedResults extends FreshnessExpected {
  identity_sha256: string;
  instructions: boolean;
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Move `file` to `<file>.<kind>-<timestamp>` and return the new name. */
function moveAside(file: string, kind: string): string {
  let aside = `${file}.${kind}-${stamp()}`;
  for (let i = 1; existsSync(aside); i++) aside = `${file}.${kind}-${stamp()}-${i}`;
  renameSync(file, aside);
  return aside;
}

/**
 * Check `file` against what this evaluation will write. Returns the messages it logged. After it, the
 * file is absent or holds only tasks the runner keeps (registered names, same encoder and settings).
 */
export function settlePreviousResults(file: string, expected: ExpectedResults, registered: ReadonlySet<string>, log: (s: string) => void): string[] {
  const said: string[] = [];
  const say = (s: string) => { said.push(s); log(s); };
  if (!existsSync(file)) return said;
  const text = readFileSync(file, 'utf8');
  let prev: Record<string, unknown>;
  try {
    prev = JSON.parse(text) as Record<string, unknown>;
    if (typeof prev !== 'object' || prev === null || Array.isArray(prev) || typeof prev.tasks !== 'object' || prev.tasks === null) throw new Error('not a results object with "tasks"');
  } catch (e) {
    const why = jsonFailure(text, (e as Error).message) === 'truncated' ? 'truncated' : 'corrupt';
    say(`${file} is ${why} (${(e as Error).message}): moved to ${moveAside(file, 'invalid')}; its tasks are evaluated again`);
    return said;
  }
  const differences = resultsDifferences(prev, expected);
  if (prev.instructions !== expected.instructions) differences.push(`instructions ${prev.instructions ? 'on' : 'off'} (this run: ${expected.instructions ? 'on' : 'off'})`);
  if (differences.length) {
    const n = Object.keys(prev.tasks as object).length;
    say(`${file} holds ${n} task(s) computed with ${differences.join(', ')}: moved to ${moveAside(file, 'stale')} (kept there); this run writes a new file`);
    return said;
  }
  const tasks = prev.tasks as Record<string, unknown>;
  const unknown = Object.keys(tasks).filter((t) => !registered.has(t));
  if (unknown.length) {
    // the runner writes tasks in registry order and would drop these: keep them in a file of their own
    const aside = `${file}.unregistered-${stamp()}`;
    writeFileAtomic(aside, JSON.stringify({ ...prev, tasks: Object.fromEntries(unknown.map((t) => [t, tasks[t]])) }) + '\n');
    for (const t of unknown) delete tasks[t];
    writeFileAtomic(file, JSON.stringify(prev) + '\n');
    say(`${file}: task(s) ${unknown.join(', ')} are not registered in this checkout: moved to ${aside}; the other ${Object.keys(tasks).length} are kept`);
  }
  return said;
}
