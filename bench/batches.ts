// The batches the benchmark trains on: the same triples, in the same order, as the trainer's first
// micro-batches for a seed (so the first step's loss can be checked against PyTorch on the same batch),
// drawn and padded by the trainer's own functions.
import { loadTrainingTriples, type Triple } from '../src/training/triples.ts';
import { embeddingTokens } from '../src/embedding/embedder.ts';
import type { TokenBatch } from '../src/model/batch.ts';
import type { Tokenizer } from '../src/tokenizer/tokenizer.ts';
import type { Profile } from '../src/training/profiles.ts';
import { microBatchIndices } from '../src/training/trainer.ts';
import { tripleBatch } from '../src/training/step.ts';

let cache: Promise<Triple[]> | undefined;

export interface BenchBatch { triples: number; tokens: TokenBatch }

/** Triples for the bench: the quick profile's selection (data seed 0), loaded once. */
export function benchTriples(profile: Profile): Promise<Triple[]> {
  cache ??= loadTrainingTriples({ seed: 0, limit: profile.triplesPerSource }).then((t) => t.triples);
  return cache;
}

export async function trainerBatch(tok: Tokenizer, profile: Profile, seed: number, g: number): Promise<BenchBatch> {
  const all = await benchTriples(profile);
  const idx = microBatchIndices(g, profile.batchSize, all.length, seed);
  const seqs = idx.map((i) => [all[i]!.query, all[i]!.positive, all[i]!.negative].map((t) => embeddingTokens(tok, t, profile.maxLen)));
  return { triples: idx.length, tokens: tripleBatch(seqs, tok.padId) };
}
