// The batches the benchmark trains on: the same triples, in the same order, as the trainer's first
// micro-batches for a seed (so the first step's loss can be checked against PyTorch on the same batch).
import { loadTrainingTriples, type Triple } from '../src/data/training-triples.ts';
import { embeddingTokens } from '../src/embedding/embedder.ts';
import { padBatch, type TokenBatch } from '../src/model/batch.ts';
import type { Tokenizer } from '../src/tokenizer/tokenizer.ts';
import type { Profile } from '../src/training/profiles.ts';
import { mulberry32, shuffled } from '../src/util/random.ts';

let cache: Promise<Triple[]> | undefined;

export interface BenchBatch { triples: number; tokens: TokenBatch }

/** Triples for the bench: the quick profile's selection (data seed 0), loaded once. */
export function benchTriples(profile: Profile): Promise<Triple[]> {
  cache ??= loadTrainingTriples({ seed: 0, limit: profile.triplesPerSource }).then((t) => t.triples);
  return cache;
}

/** Micro-batch g's triple indices, as src/training/trainer.ts draws them (per-epoch seeded permutations). */
export function microBatchIndices(g: number, batchSize: number, n: number, seed: number): number[] {
  const out: number[] = [];
  const perms = new Map<number, number[]>();
  for (let i = g * batchSize; i < (g + 1) * batchSize; i++) {
    const epoch = Math.floor(i / n);
    if (!perms.has(epoch)) perms.set(epoch, shuffled([...Array(n).keys()], mulberry32(seed * 100003 + epoch)));
    out.push(perms.get(epoch)![i % n]!);
  }
  return out;
}

/** Queries, then positives, then negatives, left-padded into one batch (as the trainer does). */
export function tripleBatch(tok: Tokenizer, triples: readonly Triple[], maxLen: number): TokenBatch {
  const enc = (s: string) => embeddingTokens(tok, s, maxLen);
  return padBatch([...triples.map((t) => enc(t.query)), ...triples.map((t) => enc(t.positive)), ...triples.map((t) => enc(t.negative))], 'left', tok.padId);
}

export async function trainerBatch(tok: Tokenizer, profile: Profile, seed: number, g: number): Promise<BenchBatch> {
  const all = await benchTriples(profile);
  const idx = microBatchIndices(g, profile.batchSize, all.length, seed);
  return { triples: idx.length, tokens: tripleBatch(tok, idx.map((i) => all[i]!), profile.maxLen) };
}
