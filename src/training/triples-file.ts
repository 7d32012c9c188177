// The training triples of a run, built once and kept in the run folder (triples.json), so parallel
// workers and resumed runs read exactly the same data.
import { existsSync } from 'node:fs';
import { readJsonFile } from '../io/json-file.ts';
import { loadTrainingTriples, formatTripleCounts, type Triple } from './triples.ts';
import { ensureDir, writeJsonAtomic } from '../io/atomic.ts';
import type { Profile } from './profiles.ts';
import { builtinTasks } from '../eval/tasks/index.ts';
import { triplesFile } from '../run-folder.ts';

/** The triple selection does not depend on the training seed: seeds vary training, not data. */
const DATA_SEED = 0;

export async function runTriples(runDir: string, profile: Profile, log: (s: string) => void): Promise<Triple[]> {
  ensureDir(runDir);
  const file = triplesFile(runDir);
  // the sources and the training-side instruction policy are part of what was built (and recorded)
  const key = { limitPerSource: profile.triplesPerSource ?? null, dataSeed: DATA_SEED, sources: [...profile.trainingSources], trainInstructions: profile.instructions.train };
  if (existsSync(file)) {
    const saved = readJsonFile<{ key: typeof key; triples: Triple[] }>(file, 'the run\'s training triples', 'delete it: it is rebuilt from the data files');
    if (JSON.stringify(saved.key) === JSON.stringify(key)) return saved.triples;
  }
  const t = await loadTrainingTriples({ seed: DATA_SEED, limit: profile.triplesPerSource, sources: profile.trainingSources, instructQueries: profile.instructions.train === 'queries' });
  log(`training triples per source (sources ${profile.trainingSources.join(', ')}; queries ${profile.instructions.train === 'queries' ? 'instructed' : 'without instruction'}; every text disjoint from the evaluation texts):\n${formatTripleCounts(t.counts)}`);
  // the decontamination set: the tasks whose texts no triple contains (user tasks are checked at eval)
  const decontamination = { tasks: builtinTasks.map((x) => x.name), key: 'overlapKey (NFKC, lower case, letters and digits)' };
  writeJsonAtomic(file, { key, decontamination, counts: t.counts, files: t.files, triples: t.triples });
  return t.triples;
}
