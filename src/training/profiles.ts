// Every hyperparameter of a run, per profile, in one readable place.
//  smoke — seconds per design, for tests and CI.
//  quick — the default study on a 2-core machine: every design trained in minutes.
//  paper — the authors' recipe (Mistral-7B, GPU): for users with the hardware.
import type { LoraOptions } from './lora.ts';
import { PROJECTIONS } from '../model/weights.ts';
import { DISJOINT_SOURCES, type TripleSource } from '../data/training-triples.ts';
import type { InstructionPolicy } from '../eval/instruction-policy.ts';

export interface Profile {
  name: string;
  model: string;
  /** optimizer steps */
  steps: number;
  /** triples per micro-batch */
  batchSize: number;
  /** micro-batches per optimizer step (effective batch = batchSize × gradAccum) */
  gradAccum: number;
  maxLen: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  clipNorm: number;
  /** InfoNCE logit scale (1 / temperature) */
  scale: number;
  /** 'lora' (base frozen) or 'full' fine-tuning */
  finetune: 'lora' | 'full';
  lora: LoraOptions;
  /** pooling-head options (empty = sizes scaled to the base model, see src/pooling/head-sizes.ts) */
  head: Record<string, unknown>;
  /** at most this many training triples per source (undefined = all) */
  triplesPerSource?: number;
  /** training sources (DISJOINT_SOURCES: none shares a source with an evaluation task; TRIPLE_SOURCES:
   *  the earlier in-domain mix, see src/data/training-triples.ts) */
  trainingSources: readonly TripleSource[];
  /** instructions on training queries and, per task family, at evaluation (src/eval/instruction-policy.ts) */
  instructions: InstructionPolicy;
  checkpointEvery: number;
  /** items per evaluation task (undefined = all) */
  evalLimit?: number;
  encodeBatchSize: number;
}

const ALL = PROJECTIONS;
/** Measured choice (README, "Instructions"): see the note on INSTRUCTIONS' value. */
const INSTRUCTIONS: InstructionPolicy = { train: 'none', eval: 'authors' };

export const PROFILES: Record<string, Profile> = {
  smoke: {
    name: 'smoke', model: 'stories260K', steps: 4, batchSize: 4, gradAccum: 1, maxLen: 24,
    lr: 2e-3, warmupSteps: 1, weightDecay: 0.01, clipNorm: 1, scale: 20, finetune: 'lora',
    lora: { rank: 4, alpha: 8, dropout: 0.1, targets: ALL }, head: { latents: 4, heads: 2, headDim: 8, ffMult: 2 },
    triplesPerSource: 40, trainingSources: DISJOINT_SOURCES, instructions: INSTRUCTIONS, checkpointEvery: 2, evalLimit: 40, encodeBatchSize: 32,
  },
  quick: {
    name: 'quick', model: 'stories260K', steps: 150, batchSize: 32, gradAccum: 1, maxLen: 48,
    lr: 1e-3, warmupSteps: 15, weightDecay: 0.01, clipNorm: 1, scale: 20, finetune: 'lora',
    lora: { rank: 8, alpha: 16, dropout: 0.1, targets: ALL }, head: {},
    triplesPerSource: 3000, trainingSources: DISJOINT_SOURCES, instructions: INSTRUCTIONS, checkpointEvery: 25, evalLimit: 1000, encodeBatchSize: 64,
  },
  paper: {
    // Tang & Yang's recipe: LoRA r16/α32/0.1 on q,k,v,o,gate,up,down, lr 1e-5, 100 warm-up steps,
    // weight decay 0.01, 1000 steps, effective batch 2048, max length 512; head 768 latents,
    // 32 heads of width 2048 (for d = 4096).
    // no default base model: the authors' is Mistral-7B; a run gives one (--model), else loading fails clearly
    name: 'paper', model: '', steps: 1000, batchSize: 64, gradAccum: 32, maxLen: 512,
    lr: 1e-5, warmupSteps: 100, weightDecay: 0.01, clipNorm: 1, scale: 20, finetune: 'lora',
    lora: { rank: 16, alpha: 32, dropout: 0.1, targets: ALL }, head: { latents: 768, heads: 32, headDim: 2048, ffMult: 4 },
    triplesPerSource: undefined, trainingSources: DISJOINT_SOURCES, instructions: INSTRUCTIONS, checkpointEvery: 100, evalLimit: undefined, encodeBatchSize: 64,
  },
};

export function profileByName(name: string): Profile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown profile '${name}'; valid: ${Object.keys(PROFILES).join(', ')}`);
  return p;
}
