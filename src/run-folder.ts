// The run folder, the interface between the stages: every path in it is spelled here and only here.
// Training writes a design's folder, eval its results file, compare the statistics, reproduce the
// report and figures; each later stage finds what an earlier one wrote by asking this module.
//
//   <run>/                          one training seed, or the top of a multi-seed run
//     seed-<n>/                     one training seed of a multi-seed run (same layout as a single run)
//     triples.json                  the training triples (per seed folder)
//     designs/<name>.json           a user design's definition, written before training
//     <design>/loss.jsonl           training loss per step
//     <design>/train.lock           held while training
//     <design>/checkpoint/          state.json + state.safetensors (resume)
//     <design>/final/               config.json + the trained weights
//     results/<design>.json         evaluation results (+ .lock while evaluating)
//     cache/embeddings/             embeddings of the run's trained designs
//     stats.json, table.{md,html,tex}, REPORT.md, figures/   (the top of the run)
// No TensorFlow.js here: every process may import it.
import { sha256File } from './io/sha256.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A seed's folder in a multi-seed run. */
export const seedDir = (runDir: string, seed: number): string => join(runDir, `seed-${seed}`);
/** Names of seed folders (`seed-<n>`). */
export const SEED_DIR_NAME = /^seed-\d+$/;

/** Seed folders of a run (`seed-<n>`, in seed order), or the run itself for the single-run layout. */
export function seedDirs(runDir: string): string[] {
  const seeds = existsSync(runDir) ? readdirSync(runDir).filter((d) => SEED_DIR_NAME.test(d)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5))) : [];
  return seeds.length ? seeds.map((d) => join(runDir, d)) : [runDir];
}

export const designDir = (dir: string, design: string): string => join(dir, design);
export const lossFile = (dir: string, design: string): string => join(dir, design, 'loss.jsonl');
export const trainLockFile = (dir: string, design: string): string => join(dir, design, 'train.lock');
export const checkpointDir = (dir: string, design: string): string => join(dir, design, 'checkpoint');
export const checkpointStateFile = (dir: string, design: string): string => join(checkpointDir(dir, design), 'state.json');
export const checkpointTensorsFile = (dir: string, design: string): string => join(checkpointDir(dir, design), 'state.safetensors');
export const finalDir = (dir: string, design: string): string => join(dir, design, 'final');
/** A trained design's config.json: written last, so its presence means the design is finished. */
export const finalConfigFile = (dir: string, design: string): string => join(finalDir(dir, design), 'config.json');
/** A trained design's checkpoint hash, the sha256 of its final config.json (which records the sha256
 *  of each weight file); results name the checkpoint they were computed from by it. undefined: not trained. */
export function checkpointHash(dir: string, design: string): string | undefined {
  const file = finalConfigFile(dir, design);
  return existsSync(file) ? sha256File(file) : undefined;
}
/** Where a user design's definition is written before training. */
export const designDefinitionFile = (dir: string, name: string): string => join(dir, 'designs', `${name}.json`);
export const triplesFile = (dir: string): string => join(dir, 'triples.json');
/** The run's triples.json: DIR/triples.json, else the first DIR/seed-N/triples.json (they are identical). */
export function runTriplesFile(runDir: string): string | undefined {
  const top = triplesFile(runDir);
  if (existsSync(top)) return top;
  if (!existsSync(runDir)) return undefined;
  const seeds = readdirSync(runDir).filter((e) => SEED_DIR_NAME.test(e)).sort();
  return seeds.map((s) => triplesFile(join(runDir, s))).find((f) => existsSync(f));
}

export const resultsDir = (dir: string): string => join(dir, 'results');
export const resultsFile = (dir: string, design: string): string => join(resultsDir(dir), `${design}.json`);
export const runEmbeddingCacheDir = (dir: string): string => join(dir, 'cache', 'embeddings');

export const statsFile = (runDir: string): string => join(runDir, 'stats.json');
export const tableFile = (runDir: string, format: 'md' | 'html' | 'tex'): string => join(runDir, `table.${format}`);
export const reportFile = (runDir: string): string => join(runDir, 'REPORT.md');
/** reproduce's stage wall times, one JSON line per stage run (a resumed run adds lines) */
export const timingsFile = (runDir: string): string => join(runDir, 'timings.jsonl');
export const figuresDir = (runDir: string): string => join(runDir, 'figures');
/** The figures' inputs, kept so that a notebook can restyle them without recomputing. */
export const figureDataFile = (runDir: string): string => join(figuresDir(runDir), 'data.json');
