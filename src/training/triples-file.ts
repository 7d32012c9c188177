// The training triples of a run, built once and kept in the run folder (triples.json), so parallel
// workers and resumed runs read exactly the same data.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrainingTriples, formatTripleCounts, type Triple } from '../data/training-triples.ts';
import { ensureDir, writeJsonAtomic } from './checkpoint.ts';
import type { Profile } from './profiles.ts';

/** The triple selection does not depend on the training seed: seeds vary training, not data. */
const DATA_SEED = 0;

export async function runTriples(runDir: string, profile: Profile, log: (s: string) => void): Promise<Triple[]> {
  const file = join(ensureDir(runDir), 'triples.json');
  const key = { limitPerSource: profile.triplesPerSource ?? null, dataSeed: DATA_SEED };
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { key: typeof key; triples: Triple[] };
    if (JSON.stringify(saved.key) === JSON.stringify(key)) return saved.triples;
  }
  const t = await loadTrainingTriples({ seed: DATA_SEED, limit: profile.triplesPerSource });
  log(`training triples per source (disjoint from every evaluation split):\n${formatTripleCounts(t.counts)}`);
  writeJsonAtomic(file, { key, counts: t.counts, files: t.files, triples: t.triples });
  return t.triples;
}
