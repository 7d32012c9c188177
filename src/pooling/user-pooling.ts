// A design defined in a notebook cell: its pooling is kept as source text (the factory's `create`),
// so the trainer writes it into the run's config.json and every later stage — a train or eval child
// process, compare, the figures — rebuilds it from the run folder alone. The source may use `tf` and
// the helpers of src/pooling (ParamFactory, maskedMean, gatherLast, dense, …) and nothing else of the
// cell; registration rebuilds the pooling from that text and runs it on a tiny batch, so a pooling
// that needs anything else, or returns the wrong shape, fails there, naming itself.
import * as tf from '@tensorflow/tfjs';
import { addUserDesign, type Design } from '../designs.ts';
import type { AttentionMode } from '../model/decoder.ts';
import type { DecoderConfig } from '../model/config.ts';
import * as blocks from './blocks.ts';
import { boolOption, createPooling, gatherLast, maskedMean, numberOption, registerPooling, type Pooling, type PoolingFactory } from './pooling.ts';

/** What a pooling's source may refer to besides JavaScript's globals. */
const SCOPE: Record<string, unknown> = {
  tf, ...blocks, gatherLast, maskedMean, numberOption, boolOption,
  // esbuild (tsx) keeps function names through this helper; source compiled by it calls it
  __name: (target: object, value: string) => Object.defineProperty(target, 'name', { value, configurable: true }),
};

export interface DesignSpec {
  /** the design's name in results and figures, e.g. 'm7' (m1–m6 and base-* are taken) */
  name: string;
  attention: AttentionMode;
  /** informational: which layers the pooling reads (the pooling itself decides) */
  layers?: 'last' | 'all';
  description?: string;
  pooling: PoolingFactory;
}

/** The `create` function as a standalone expression (a method `create(…) {…}` becomes a function). */
export function factorySource(create: PoolingFactory['create']): string {
  const src = Function.prototype.toString.call(create).trim();
  if (/^\[native code\]|\{\s*\[native code\]\s*\}$/.test(src)) throw new Error('pooling create: a native or bound function has no source to save');
  if (/^(async\s+)?function\b/.test(src) || /^(async\s+)?(\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>/.test(src)) return src;
  if (/^(async\s+)?[A-Za-z_$][\w$]*\s*\(/.test(src)) return src.replace(/^(async\s+)?/, (m) => `${m}function `);
  throw new Error(`pooling create: cannot save its source (${src.slice(0, 60)}…)`);
}

/** Rebuild a factory's `create` from its source, with only `tf` and src/pooling's helpers in scope. */
export function createFromSource(poolingName: string, source: string): PoolingFactory['create'] {
  // A cell's variables reach a function through tslab's exports object: such a function is not self-contained.
  const foreign = /\b(?:__tslab__\.)?exports\.([A-Za-z_$][\w$]*)|\b(__tslab__|require\s*\()/.exec(source);
  if (foreign) {
    const helpers = Object.keys(SCOPE).filter((k) => k !== 'tf' && k !== '__name').join(', ');
    throw new PoolingError(foreign[1]
      ? `pooling '${poolingName}': its create() uses ${foreign[1]}, a variable of the notebook\n  ${SOURCE_HINT} (${helpers}); define ${foreign[1]} inside create`
      : `pooling '${poolingName}': its create() uses '${foreign[2]}', i.e. something defined outside the function\n  ${SOURCE_HINT} (${helpers}; tf from import * as tf from '@tensorflow/tfjs' in the same cell)`);
  }
  let fn: unknown;
  try {
    fn = new Function(...Object.keys(SCOPE), `"use strict";\nreturn (${source});`)(...Object.values(SCOPE));
  } catch (e) {
    throw new Error(`pooling '${poolingName}': its saved source does not compile (${(e as Error).message})`);
  }
  if (typeof fn !== 'function') throw new Error(`pooling '${poolingName}': its saved source is not a function`);
  return fn as PoolingFactory['create'];
}

/** What every user-pooling error ends with: why a name of the cell is unknown inside the pooling. */
export const SOURCE_HINT = "create is kept as source text and rebuilt in every process: it may use tf.* and src/pooling's helpers only";

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * An error of a user's pooling as the notebook shows it: the pooling's own message first, then where
 * it ran, then the hint — and no stack. The frames would be this file's and tfjs's internals
 * (source-mapped to paths like tfjs-core/src/engine.ts that exist nowhere on disk), never the user's
 * cell: the pooling runs from its rebuilt source. A name that is not defined (a variable of the cell)
 * gets the hint to define it inside create.
 */
export function poolingError(message: string, where: string, cause: unknown): Error {
  const undefinedName = cause instanceof ReferenceError ? /^(\S+) is not defined$/.exec(cause.message)?.[1] : undefined;
  const hint = undefinedName ? `${SOURCE_HINT}; define ${undefinedName} inside create` : cause instanceof ReferenceError ? SOURCE_HINT : '';
  // no `cause`: Node prints an error's cause with its full stack, which is what this leaves out
  return new PoolingError(`${message}\n  ${where}${hint ? `\n  ${hint}` : ''}`);
}

export class PoolingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolingError';
    this.stack = `${this.name}: ${message}`;
  }
}

/** A small decoder config for the registration check (only the sizes a pooling reads). */
export const CHECK_CONFIG: DecoderConfig = {
  architecture: 'llama', dim: 16, hiddenDim: 32, nLayers: 2, nHeads: 2, nKvHeads: 2, headDim: 8, vocabSize: 32,
  maxSeqLen: 16, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true, qkvBias: false, bosId: 1, eosId: 2,
};

/**
 * Run `pooling` on a batch of 2 sequences of 3 tokens (the second padded) and require a float32
 * [batch, dim] output with finite values. Throws a message naming the pooling and the expected shape.
 */
export function checkPoolingOutput(pooling: Pooling, model: DecoderConfig, attention: AttentionMode = 'causal'): void {
  quietly(() => runCheck(pooling, model, attention, `pooling '${pooling.name}'`));
}

/**
 * Before the project picks its backend (a notebook cell registering a design), tfjs runs the check on
 * its cpu backend, which prints an "install tfjs-node" banner on stderr at first use: not for a test
 * batch. IS_TEST only silences tfjs's warnings; it is restored at once.
 */
function quietly<T>(f: () => T): T {
  const was = tf.env().getBool('IS_TEST');
  tf.env().set('IS_TEST', true);
  try { return f(); } finally { tf.env().set('IS_TEST', was); }
}

function runCheck(pooling: Pooling, model: DecoderConfig, attention: AttentionMode, where: string): void {
  const [b, t, d] = [2, 3, model.dim];
  tf.tidy(() => {
    const hiddenStates = Array.from({ length: model.nLayers + 1 }, (_, i) => tf.randomNormal([b, t, d], 0, 1, 'float32', 17 + i) as tf.Tensor3D);
    const mask = tf.tensor2d([[1, 1, 1], [0, 1, 1]], [b, t], 'float32');
    const lastIndex = tf.tensor1d([t - 1, 2 * t - 1], 'int32');
    let out: tf.Tensor;
    try {
      out = pooling.pool({ hiddenStates, mask, lastIndex, attention, training: false });
    } catch (e) {
      throw poolingError(`${where}: ${errorMessage(e)}`, `(in pool(), on a test batch of ${b} sequences × ${t} tokens, width ${d})`, e);
    }
    if (!(out instanceof tf.Tensor)) throw new Error(`${where} returned ${typeof out}, not a tensor; expected [batch, dim] = [${b}, ${d}] float32`);
    if (out.rank !== 2 || out.shape[0] !== b || out.shape[1] !== d || out.dtype !== 'float32') {
      throw new Error(`${where} returned shape [${out.shape.join(', ')}] ${out.dtype} on a test batch of ${b} sequences × ${t} tokens; expected [batch, dim] = [${b}, ${d}] float32`);
    }
    // (a synchronous read: skipped on WebGPU, which has none in Node)
    if (tf.getBackend() !== 'webgpu' && !tf.all(tf.isFinite(out)).dataSync()[0]) throw new Error(`${where} returned NaN or Inf on a test batch (${b} sequences × ${t} tokens, one padded)`);
  });
}

/** The pooling factory a design's record describes, rebuilt from its source and checked. */
export function factoryFromDesign(design: Design): PoolingFactory {
  if (!design.userPooling) throw new Error(`design '${design.name}' has no pooling source (built-in pooling '${design.pooling}')`);
  const create = createFromSource(design.pooling, design.userPooling.create);
  const factory: PoolingFactory = { name: design.pooling, description: design.userPooling.description, create };
  let pooling: Pooling;
  try { pooling = quietly(() => create(CHECK_CONFIG, {}, 0)); } catch (e) {
    throw poolingError(`pooling '${design.pooling}': ${errorMessage(e)}`, `(in create(), for a test model of width ${CHECK_CONFIG.dim})`, e);
  }
  if (pooling.name !== design.pooling) throw new Error(`pooling '${design.pooling}': create() returned a pooling named '${pooling.name}'; the two names must be equal`);
  try { checkPoolingOutput(pooling, CHECK_CONFIG, design.attention); } finally { Object.values(pooling.variables).forEach((v) => v.dispose()); }
  return factory;
}

/** The sources already registered in this process, so a design is rebuilt once per process. */
const registeredSource = new Map<string, string>();

/** Create a design's pooling: built in by name; a user design's from its source (registered on first use). */
export function createDesignPooling(design: Design, model: DecoderConfig, options: Record<string, unknown>, seed: number): Pooling {
  if (design.userPooling && registeredSource.get(design.pooling) !== design.userPooling.create) {
    registerPooling(factoryFromDesign(design));
    registeredSource.set(design.pooling, design.userPooling.create);
  }
  const pooling = createPooling(design.pooling, model, options, seed);
  // first use on this model: its real width, before it meets the trainer or the encoder
  if (design.userPooling) checkPoolingOutput(pooling, model, design.attention);
  return pooling;
}

/**
 * Register a design (pooling + attention + layers) from a notebook cell. The pooling's `create` is
 * saved as source and rebuilt from it at once, then run on a tiny batch, so an error shows here.
 * Returns the design record (what training writes into `<run>/seed-<n>/<name>/final/config.json`).
 */
export function registerDesign(spec: DesignSpec): Design {
  const p = spec.pooling;
  if (!p || typeof p.name !== 'string' || typeof p.create !== 'function') throw new Error(`registerDesign('${spec.name}'): pooling must be { name, description, create(model, options, seed) }`);
  if (createdByBuiltin(p.name)) throw new Error(`registerDesign('${spec.name}'): pooling name '${p.name}' is a built-in pooling; name yours differently`);
  const design: Design = {
    name: spec.name, pooling: p.name, attention: spec.attention, layers: spec.layers ?? 'last', trained: true,
    description: spec.description ?? p.description ?? '',
    userPooling: { description: p.description ?? '', create: factorySource(p.create) },
  };
  if (design.attention !== 'causal' && design.attention !== 'bidirectional') throw new Error(`registerDesign('${spec.name}'): attention must be 'causal' or 'bidirectional', got ${JSON.stringify(spec.attention)}`);
  registerPooling(factoryFromDesign(design));
  registeredSource.set(design.pooling, design.userPooling!.create);
  addUserDesign(design);
  return design;
}

const BUILTIN_POOLINGS = ['eos-last', 'mean', 'last-layer-trainable', 'multi-layer-trainable', 'latent-attention'];
function createdByBuiltin(name: string): boolean {
  return BUILTIN_POOLINGS.includes(name);
}
