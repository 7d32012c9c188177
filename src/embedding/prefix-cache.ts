// The frozen-prefix cache. With LoRA on the top k of a decoder's L layers only (profile `loraLayers`),
// the bottom F = L − k layers are frozen, and what they produce for a text depends on nothing that
// trains: not on the design's pooling, the seed, the step or the checkpoint. So it is computed once
// per text and reused by every training step, design, seed and evaluation that shares it; the
// forward pass (and the backward pass) then starts at layer F (src/model/decoder.ts forwardFrom).
// What is kept per text (per token sequence):
//   - the hidden states entering layer F, one row per real token: n × d;
//   - for the multi-layer designs, each frozen layer's summary: the EOS vector (m3, causal) and the
//     masked mean (m5, bidirectional) of layers 1..F: 2 × F × d.
// SmolLM2-135M (d 576, F 26 at k 4), 64 tokens: 147 KB + 120 KB per text, float32.
//
// Exactness. The frozen layers never see an adapter, so a cached prefix is what the uncached forward
// with the same k computes, up to float rounding: each text's prefix is computed alone (a batch of
// one, no padding), so it never depends on which batch it first came in; a cached value is therefore
// a function of its key, and a resumed or repeated run reads the same bytes it would compute.
// Padding positions of a batch enter layer F as zeros: no real token attends to them (their keys are
// masked), and the built-in poolings served here read padding through a mask only. A pooling that
// reads padding (m4's `maskPadding: false`) or a user pooling (which may read any layer's tokens) is
// not served: it runs the full forward, with the same top-k LoRA.
// The poolings take every layer as [batch, seq, dim]; a frozen layer below F is handed over as a
// tensor that gives exactly what the multi-layer pooling reads of it: zeros but at each row's last
// real token, where it holds the EOS vector (gatherLast, causal attention) or n × the masked mean
// (whose masked mean is the cached mean within one rounding, bidirectional). The embeddings (index 0)
// and the frozen layers of last-layer designs are zeros.
//
// Keys. A namespace is the sha256 of {format, the model files' sha256 (src/model/load.ts
// modelIdentity), attention mode, F, L, d, backend}: causal and bidirectional attention give another
// prefix, another F another entry layer, and backends round differently. Within it a record's key is
// the sha256 of its token ids (int32 little-endian): the ids are the text after instruction,
// truncation to the max length, BOS and EOS, so they stand for (text, instruction, max length) and two
// texts that tokenize alike share one record.
//
// On disk: <root>/<sha256 of model files, 16 hex>/<namespace sha256, 16 hex>/
//   identity.json      the namespace's fields
//   <sha256-16>.seg    segments, each written once, atomically, never changed:
//     8 bytes  u64 little-endian header length H
//     H bytes  JSON {"format":"pa-prefix-cache/1","identity":<namespace sha256>,"dim":d,
//                    "frozen_layers":F,"records":[{"key":<sha256 hex>,"tokens":n}, ...],
//                    "payload_sha256":<hex>}
//     payload  per record, in order: n·d entering states, F·d EOS vectors (layers 1..F), F·d masked
//              means (layers 1..F), float32 little-endian
// Only headers are read when a namespace is opened; a segment's payload is read and checked (size,
// sha256, finite values) the first time one of its records is needed. A damaged segment is deleted
// and reported, and its records are computed again. root = $PA_PREFIX_CACHE (relative to the project
// root), default <project root>/.cache/prefix; PA_PREFIX_CACHE=memory keeps it in memory only,
// PA_PREFIX_CACHE=off disables it (the forward runs every layer; top-k LoRA stays). In memory, records
// are kept up to PA_PREFIX_CACHE_MB (default 1024) MB, the least recently used dropped beyond it.
// Cost: a text alone is about 2.5× the CPU time of its share of a batched forward (SmolLM2, 2 threads:
// small products run far below the machine's rate), so a step whose texts are all new is slower than
// the uncached step with the same k; every later use is far cheaper. PA_PREFIX_COMPUTE=batch computes
// a batch's missing prefixes together instead (its own namespace: `compute: "batch"` in the identity),
// at the price of the property above: a record's bytes then depend, at float rounding, on the batch
// that first needed it.
import * as tf from '@tensorflow/tfjs';
import { sha256 } from '../io/sha256.ts';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import type { Decoder } from '../model/weights.ts';
import { forwardFrom, forwardPrefix, type AttentionMode, type ForwardOptions } from '../model/decoder.ts';
import { padBatch, type TokenBatch } from '../model/batch.ts';
import { gatherLast, maskedMean, type Pooling } from '../pooling/pooling.ts';
import { projectRoot } from '../data/files.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { identityHash } from '../io/sha256.ts';
import type { EmbeddingModel } from './embedding-model.ts';

export const PREFIX_CACHE_FORMAT = 'pa-prefix-cache/1';

/** What a namespace of the cache is computed from. */
export interface PrefixIdentity {
  format: typeof PREFIX_CACHE_FORMAT;
  /** sha256 of the base model's files by role */
  model_files: Record<string, string>;
  attention: AttentionMode;
  /** frozen layers: the cached states enter layer `frozen_layers` (0-based) */
  frozen_layers: number;
  layers: number;
  dim: number;
  backend: string;
  /** 'batch': missing prefixes computed together, padded (PA_PREFIX_COMPUTE=batch); absent: each text alone */
  compute?: 'batch';
}

/** One text's frozen prefix (views into one buffer). */
export interface PrefixRecord {
  tokens: number;
  /** tokens × dim: the states entering the first adapted layer */
  entering: Float32Array;
  /** frozen × dim: the last token's state after each frozen layer 1..F */
  eos: Float32Array;
  /** frozen × dim: the mean over the text's tokens after each frozen layer 1..F */
  mean: Float32Array;
}

interface SegmentHeader {
  format: string;
  identity: string;
  dim: number;
  frozen_layers: number;
  records: { key: string; tokens: number }[];
  payload_sha256: string;
}

/** What of the decoder a pooling reads, if the cache can serve it: 'last' (the last layer, padding
 *  masked) or 'per-layer' (also each layer's EOS vector or masked mean); undefined: run the full forward. */
export type PrefixUse = 'last' | 'per-layer';

export function prefixUse(pooling: Pooling): PrefixUse | undefined {
  switch (pooling.name) {
    case 'eos-last': case 'mean': case 'latent-attention': return 'last';
    case 'last-layer-trainable': return pooling.options.maskPadding === false ? undefined : 'last';
    case 'multi-layer-trainable': return 'per-layer';
    default: return undefined; // a user pooling may read any layer's tokens
  }
}

/** The record key of a token sequence: sha256 of its ids as int32 little-endian. */
export function prefixKey(ids: ArrayLike<number>): string {
  return sha256(new Uint8Array(Int32Array.from(ids).buffer));
}

/** The real tokens of each row of a padded batch. */
export function batchSequences(batch: TokenBatch): Int32Array[] {
  const out: Int32Array[] = [];
  for (let r = 0; r < batch.batch; r++) {
    const ids: number[] = [];
    for (let t = 0; t < batch.seqLen; t++) if (batch.mask[r * batch.seqLen + t]) ids.push(batch.ids[r * batch.seqLen + t]!);
    out.push(Int32Array.from(ids));
  }
  return out;
}

/** The cache root from the environment: a folder, 'memory' (no disk) or 'off' (no cache). */
export function prefixCacheRoot(env: NodeJS.ProcessEnv = process.env): string | 'memory' | 'off' {
  const v = env.PA_PREFIX_CACHE;
  if (v === 'off' || v === 'memory') return v;
  return v ? resolve(projectRoot, v) : join(projectRoot, '.cache', 'prefix');
}

/** Parse and verify one segment's bytes; throws with the reason on any defect. */
export function readPrefixSegment(bytes: Uint8Array, expectedIdentity: string): { header: SegmentHeader; values: Float32Array } {
  const header = parseHeader(bytes, bytes.length, expectedIdentity);
  const payload = bytes.subarray(8 + headerLength(bytes));
  const expected = payloadFloats(header) * 4;
  if (payload.length !== expected) throw new Error(`payload has ${payload.length} bytes, expected ${expected}`);
  if (sha256(payload) !== header.payload_sha256) throw new Error('payload sha256 does not match the header');
  const values = new Float32Array(payload.length / 4);
  new Uint8Array(values.buffer).set(payload);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new Error(`non-finite value at float ${i}`);
  return { header, values };
}

function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 8) throw new Error(`${bytes.length} bytes, shorter than the 8-byte header length`);
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
}

function parseHeader(bytes: Uint8Array, fileSize: number, expectedIdentity: string): SegmentHeader {
  const h = headerLength(bytes);
  if (h > fileSize - 8 || h > bytes.length - 8) throw new Error(`header length ${h} runs past the end of the file (${fileSize} bytes)`);
  let header: SegmentHeader;
  try { header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + h)).toString('utf8')) as SegmentHeader; } catch (e) { throw new Error(`header is not JSON (${(e as Error).message})`); }
  if (header.format !== PREFIX_CACHE_FORMAT) throw new Error(`format ${JSON.stringify(header.format)}, expected ${PREFIX_CACHE_FORMAT}`);
  if (header.identity !== expectedIdentity) throw new Error('written for another namespace');
  if (!Number.isInteger(header.dim) || header.dim < 1 || !Number.isInteger(header.frozen_layers) || header.frozen_layers < 1) throw new Error(`bad dim ${header.dim} or frozen_layers ${header.frozen_layers}`);
  if (!Array.isArray(header.records) || header.records.some((r) => !r || typeof r.key !== 'string' || !/^[0-9a-f]{64}$/.test(r.key) || !Number.isInteger(r.tokens) || r.tokens < 1)) throw new Error('records: expected {key: sha256 hex, tokens ≥ 1}');
  const expected = 8 + h + payloadFloats(header) * 4;
  if (fileSize !== expected) throw new Error(`${fileSize} bytes, expected ${expected} from its header`);
  return header;
}

function payloadFloats(h: SegmentHeader): number {
  return h.records.reduce((s, r) => s + (r.tokens + 2 * h.frozen_layers) * h.dim, 0);
}

export function serializePrefixSegment(identity: string, dim: number, frozen: number, entries: readonly [string, PrefixRecord][]): Uint8Array {
  const floats = entries.reduce((s, [, r]) => s + (r.tokens + 2 * frozen) * dim, 0);
  const payload = new Float32Array(floats);
  let o = 0;
  for (const [, r] of entries) {
    if (r.entering.length !== r.tokens * dim || r.eos.length !== frozen * dim || r.mean.length !== frozen * dim) throw new RangeError('serializePrefixSegment: record of the wrong size');
    payload.set(r.entering, o); o += r.entering.length;
    payload.set(r.eos, o); o += r.eos.length;
    payload.set(r.mean, o); o += r.mean.length;
  }
  const payloadBytes = new Uint8Array(payload.buffer);
  const header: SegmentHeader = {
    format: PREFIX_CACHE_FORMAT, identity, dim, frozen_layers: frozen, records: entries.map(([key, r]) => ({ key, tokens: r.tokens })),
    payload_sha256: sha256(payloadBytes),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + payloadBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(payloadBytes, 8 + headerBytes.length);
  return out;
}

function recordBytes(r: PrefixRecord): number {
  return (r.entering.length + r.eos.length + r.mean.length) * 4;
}

export interface PrefixCacheStats {
  /** records computed here, read from disk, served from memory */
  computed: number;
  loaded: number;
  hits: number;
  /** seconds spent computing prefixes */
  computeSeconds: number;
}

export class PrefixCache {
  readonly identity: PrefixIdentity;
  readonly hash: string;
  /** the namespace's folder (undefined: memory only) */
  readonly dir: string | undefined;
  readonly frozen: number;
  readonly dim: number;
  /** segments found damaged (and deleted), with the reason */
  readonly corrupt: { file: string; reason: string }[] = [];
  readonly stats: PrefixCacheStats = { computed: 0, loaded: 0, hits: 0, computeSeconds: 0 };
  private readonly memory = new Map<string, PrefixRecord>();
  private memoryBytes = 0;
  /** key → segment file holding it (headers read, payload not yet) */
  private readonly index = new Map<string, string>();
  private readonly indexed = new Set<string>();

  constructor(readonly model: Decoder, identity: PrefixIdentity, root: string | undefined, readonly memoryBudget = 1024 * 2 ** 20, private readonly log: (line: string) => void = () => {}) {
    if (endianness() !== 'LE') throw new Error('the prefix cache format is little-endian; this machine is big-endian');
    const { frozen_layers: F, layers: L, dim } = identity;
    if (!(Number.isInteger(F) && F >= 1 && F < L)) throw new RangeError(`prefix cache: ${F} frozen layers of ${L} (1..${L - 1})`);
    if (model.config.nLayers !== L || model.config.dim !== dim) throw new Error(`prefix cache: identity for ${L} layers × ${dim}, model has ${model.config.nLayers} × ${model.config.dim}`);
    this.identity = identity;
    this.hash = identityHash(identity);
    this.frozen = F;
    this.dim = dim;
    if (root !== undefined) {
      this.dir = join(root, identityHash(identity.model_files).slice(0, 16), this.hash.slice(0, 16));
      mkdirSync(this.dir, { recursive: true });
      const idFile = join(this.dir, 'identity.json');
      if (!existsSync(idFile)) writeFileAtomic(idFile, JSON.stringify({ identity_sha256: this.hash, ...identity }, null, 2) + '\n');
      this.scan();
    }
  }

  /** Index the headers of segments not seen yet (another process may have added some). */
  private scan(): void {
    if (!this.dir) return;
    for (const f of readdirSync(this.dir).filter((f) => f.endsWith('.seg')).sort()) {
      const file = join(this.dir, f);
      if (this.indexed.has(file)) continue;
      this.indexed.add(file);
      try {
        const header = readHeaderOnly(file, this.hash);
        for (const r of header.records) if (!this.index.has(r.key)) this.index.set(r.key, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.discard(file, (e as Error).message);
      }
    }
  }

  private discard(file: string, reason: string): void {
    this.corrupt.push({ file, reason });
    this.log(`[prefix-cache] ${file}: ${reason}; deleted, its records will be computed again`);
    try { unlinkSync(file); } catch { /* another process removed it first */ }
    for (const [k, f] of this.index) if (f === file) this.index.delete(k);
  }

  get size(): number { return this.memory.size; }

  /** A record in memory (after `ensure`), or undefined. */
  get(key: string): PrefixRecord | undefined { return this.memory.get(key); }

  private remember(key: string, r: PrefixRecord): void {
    const old = this.memory.get(key);
    if (old) { this.memory.delete(key); this.memoryBytes -= recordBytes(old); }
    this.memory.set(key, r);
    this.memoryBytes += recordBytes(r);
  }

  /** Drop the least recently used records beyond the memory budget, never those in `keep`. */
  private trim(keep: Set<string>): void {
    if (this.memoryBytes <= this.memoryBudget) return;
    for (const [k, r] of this.memory) {
      if (this.memoryBytes <= this.memoryBudget * 0.75) break;
      if (keep.has(k)) continue;
      this.memory.delete(k);
      this.memoryBytes -= recordBytes(r);
    }
  }

  /** Load one segment's records into memory; false if it was damaged (and deleted). */
  private load(file: string): boolean {
    let parsed: { header: SegmentHeader; values: Float32Array };
    try {
      parsed = readPrefixSegment(readFileSync(file), this.hash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') { for (const [k, f] of this.index) if (f === file) this.index.delete(k); return false; }
      this.discard(file, (e as Error).message);
      return false;
    }
    const { header, values } = parsed;
    const F = header.frozen_layers, d = header.dim;
    if (F !== this.frozen || d !== this.dim) { this.discard(file, `frozen_layers ${F} × dim ${d}, expected ${this.frozen} × ${this.dim}`); return false; }
    let o = 0;
    for (const r of header.records) {
      const n = r.tokens;
      const rec: PrefixRecord = { tokens: n, entering: values.subarray(o, o + n * d), eos: values.subarray(o + n * d, o + (n + F) * d), mean: values.subarray(o + (n + F) * d, o + (n + 2 * F) * d) };
      o += (n + 2 * F) * d;
      if (!this.memory.has(r.key)) { this.remember(r.key, rec); this.stats.loaded++; }
    }
    return true;
  }

  /**
   * Make every row of `batch` available in memory: from memory, else from its segment on disk, else
   * computed (each text alone) and written as one new segment. Asynchronous: results are read back
   * with `await data()`. Call it outside any gradient tape.
   */
  async ensure(batch: TokenBatch): Promise<void> {
    const seqs = batchSequences(batch);
    const keys = seqs.map(prefixKey);
    const keep = new Set(keys);
    for (const k of keys) { const r = this.memory.get(k); if (r) this.remember(k, r); } // most recently used
    this.trim(keep);
    let missing = keys.filter((k) => !this.memory.has(k));
    if (missing.length && this.dir) {
      if (missing.some((k) => !this.index.has(k))) this.scan();
      for (const k of missing) {
        const file = this.index.get(k);
        if (file && !this.memory.has(k)) this.load(file);
      }
      missing = keys.filter((k) => !this.memory.has(k));
    }
    this.stats.hits += keys.length - missing.length;
    if (!missing.length) return;
    const t0 = performance.now();
    const computed: [string, PrefixRecord][] = [];
    const todo = new Set(missing);
    const rows: number[] = [];
    for (let r = 0; r < seqs.length; r++) if (todo.delete(keys[r]!)) rows.push(r);
    const records = this.identity.compute === 'batch' ? await this.computeBatch(rows.map((r) => seqs[r]!)) : [];
    for (const [j, r] of rows.entries()) {
      const rec = records[j] ?? (await this.compute(seqs[r]!));
      this.remember(keys[r]!, rec);
      computed.push([keys[r]!, rec]);
    }
    this.stats.computed += computed.length;
    this.stats.computeSeconds += (performance.now() - t0) / 1000;
    if (this.dir) {
      const bytes = serializePrefixSegment(this.hash, this.dim, this.frozen, computed);
      const file = join(this.dir, `${sha256(bytes).slice(0, 16)}.seg`);
      writeFileAtomic(file, bytes);
      this.indexed.add(file);
      for (const [k] of computed) this.index.set(k, file);
    }
  }

  /** One text's prefix, alone in its batch (no padding): the same bytes whatever batch it came in. */
  async compute(ids: Int32Array): Promise<PrefixRecord> {
    const n = ids.length, d = this.dim, F = this.frozen;
    const batch: TokenBatch = { batch: 1, seqLen: n, ids: Int32Array.from(ids), mask: new Uint8Array(n).fill(1) };
    const flat = tf.tidy(() => {
      const states = forwardPrefix(this.model, batch, F, this.identity.attention);
      const mask = tf.ones([1, n]) as tf.Tensor2D;
      const last = tf.tensor1d([n - 1], 'int32');
      const layers = states.slice(1);
      const eos = tf.concat(layers.map((h) => gatherLast(h, last)), 0); // [F, d]
      const mean = tf.concat(layers.map((h) => maskedMean(h, mask)), 0); // [F, d]
      return tf.concat([states[F]!.reshape([-1]), eos.reshape([-1]), mean.reshape([-1])]);
    });
    const values = (await flat.data()) as Float32Array;
    flat.dispose();
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new Error(`prefix cache: the frozen layers gave a non-finite value for a text of ${n} tokens`);
    return { tokens: n, entering: values.subarray(0, n * d), eos: values.subarray(n * d, (n + F) * d), mean: values.subarray((n + F) * d, (n + 2 * F) * d) };
  }

  /**
   * PA_PREFIX_COMPUTE=batch: the texts' prefixes in one left-padded batch, about 2.5× cheaper on a
   * CPU than one text at a time, but a text's bytes then depend (at float rounding) on the texts it
   * was computed with, i.e. on which run first needed it: such records live in their own namespace.
   */
  async computeBatch(seqs: readonly Int32Array[]): Promise<PrefixRecord[]> {
    const d = this.dim, F = this.frozen;
    const batch = padBatch(seqs.map((s) => Array.from(s)), 'left');
    const { batch: B, seqLen: T } = batch;
    const last = new Int32Array(B).map((_, r) => r * T + T - 1);
    const flat = tf.tidy(() => {
      // a record keeps the real tokens' states, the EOS vector and the masked mean: no padded position
      const states = forwardPrefix(this.model, batch, F, this.identity.attention, true);
      const mask = tf.tensor2d(Float32Array.from(batch.mask), [B, T]);
      const layers = states.slice(1);
      const eos = tf.stack(layers.map((h) => gatherLast(h, tf.tensor1d(last, 'int32'))), 1); // [B, F, d]
      const mean = tf.stack(layers.map((h) => maskedMean(h, mask)), 1); // [B, F, d]
      return tf.concat([states[F]!.reshape([-1]), eos.reshape([-1]), mean.reshape([-1])]);
    });
    const values = (await flat.data()) as Float32Array;
    flat.dispose();
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new Error('prefix cache: the frozen layers gave a non-finite value');
    const eosAt = B * T * d, meanAt = eosAt + B * F * d;
    return seqs.map((s, r) => {
      const n = s.length;
      const out = new Float32Array((n + 2 * F) * d);
      out.set(values.subarray((r * T + T - n) * d, (r * T + T) * d), 0);
      out.set(values.subarray(eosAt + r * F * d, eosAt + (r + 1) * F * d), n * d);
      out.set(values.subarray(meanAt + r * F * d, meanAt + (r + 1) * F * d), (n + F) * d);
      return { tokens: n, entering: out.subarray(0, n * d), eos: out.subarray(n * d, (n + F) * d), mean: out.subarray((n + F) * d) };
    });
  }

  /**
   * `forward`'s hiddenStates for `batch` from the cache (every row must be in memory: `ensure`), the
   * layers from F on run with `opts` (adapter, checkpointing). Layers below F: see the file's head.
   * undefined if a row is missing. Call inside tf.tidy (or a gradient tape).
   */
  hiddenStates(batch: TokenBatch, use: PrefixUse, perLayer: 'eos' | 'mean', opts: ForwardOptions): tf.Tensor3D[] | undefined {
    const { batch: B, seqLen: T } = batch;
    const d = this.dim, F = this.frozen;
    const records: PrefixRecord[] = [];
    for (const ids of batchSequences(batch)) {
      const r = this.memory.get(prefixKey(ids));
      if (!r || r.tokens !== ids.length) return undefined;
      records.push(r);
    }
    const entering = new Float32Array(B * T * d);
    records.forEach((r, b) => {
      let k = 0;
      for (let t = 0; t < T; t++) if (batch.mask[b * T + t]) { entering.set(r.entering.subarray(k * d, (k + 1) * d), (b * T + t) * d); k++; }
    });
    // the poolings the cache serves read no padded position (prefixUse): the layers skip padding
    const tail = forwardFrom(this.model, batch, tf.tensor2d(entering, [B * T, d]), F, { skipPadding: true, ...opts });
    const zeros = tf.zeros([B, T, d]) as tf.Tensor3D;
    const below: tf.Tensor3D[] = [zeros];
    // a frozen layer's summary at each row's last real token, zeros elsewhere: gatherLast reads the EOS
    // vector as cached; the masked mean of n·mean there is the cached mean within one rounding (a
    // broadcast over the row would add up n roundings)
    const lastReal = records.map((r, b) => { let t = T - 1; while (t > 0 && !batch.mask[b * T + t]) t--; return t; });
    for (let i = 1; i < F; i++) {
      if (use === 'last') { below.push(zeros); continue; }
      const s = new Float32Array(B * T * d);
      records.forEach((r, b) => {
        const v = (perLayer === 'eos' ? r.eos : r.mean).subarray((i - 1) * d, i * d), at = (b * T + lastReal[b]!) * d;
        if (perLayer === 'eos') s.set(v, at);
        else for (let j = 0; j < d; j++) s[at + j] = v[j]! * r.tokens;
      });
      below.push(tf.tensor3d(s, [B, T, d]));
    }
    return [...below, ...tail];
  }
}

function readHeaderOnly(file: string, expectedIdentity: string): SegmentHeader {
  const fd = openSync(file, 'r');
  try {
    const { size } = fstatSync(fd);
    const lenBytes = new Uint8Array(8);
    if (readSync(fd, lenBytes, 0, 8, 0) !== 8) throw new Error(`${size} bytes, shorter than the 8-byte header length`);
    const h = Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
    if (h > size - 8) throw new Error(`header length ${h} runs past the end of the file (${size} bytes)`);
    const bytes = new Uint8Array(8 + h);
    bytes.set(lenBytes);
    readSync(fd, bytes, 8, h, 8);
    return parseHeader(bytes, size, expectedIdentity);
  } finally {
    closeSync(fd);
  }
}

/** One cache per (decoder, namespace) in a process, shared by every embedding model on it. */
const open = new WeakMap<Decoder, Map<string, PrefixCache>>();

export interface OpenPrefixOptions {
  model: Decoder;
  modelFiles: Record<string, string>;
  attention: AttentionMode;
  frozen: number;
  backend: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** The cache of a namespace (undefined when PA_PREFIX_CACHE=off). */
export function openPrefixCache(o: OpenPrefixOptions): PrefixCache | undefined {
  const env = o.env ?? process.env;
  const where = prefixCacheRoot(env);
  if (where === 'off') return undefined;
  const identity: PrefixIdentity = {
    format: PREFIX_CACHE_FORMAT, model_files: o.modelFiles, attention: o.attention, frozen_layers: o.frozen,
    layers: o.model.config.nLayers, dim: o.model.config.dim, backend: o.backend,
    ...(env.PA_PREFIX_COMPUTE === 'batch' ? { compute: 'batch' as const } : {}),
  };
  if (env.PA_PREFIX_COMPUTE !== undefined && env.PA_PREFIX_COMPUTE !== 'batch' && env.PA_PREFIX_COMPUTE !== 'alone') throw new Error(`PA_PREFIX_COMPUTE must be 'alone' (the default) or 'batch', got '${env.PA_PREFIX_COMPUTE}'`);
  const id = `${where}\n${identityHash(identity)}`;
  let byId = open.get(o.model);
  if (!byId) open.set(o.model, (byId = new Map()));
  let c = byId.get(id);
  if (!c) {
    const mb = Number(env.PA_PREFIX_CACHE_MB ?? 1024);
    if (!(mb > 0)) throw new Error(`PA_PREFIX_CACHE_MB must be a positive number of MB, got '${env.PA_PREFIX_CACHE_MB}'`);
    c = new PrefixCache(o.model, identity, where === 'memory' ? undefined : where, mb * 2 ** 20, o.log ?? ((l) => process.stderr.write(l + '\n')));
    byId.set(id, c);
  }
  return c;
}

/** An embedding model's use of the cache: attached by `attachPrefixCache`. */
export interface FrozenPrefix {
  cache: PrefixCache;
  use: PrefixUse;
}

/**
 * Attach the cache to an embedding model whose LoRA leaves layers frozen (profile `loraLayers` < L)
 * and whose pooling it can serve; otherwise leave it as is (the full forward, the same numbers up to
 * rounding). `modelSpec`: the base model as the run names it (its files' sha256 key the cache).
 * `frozen`: the layers served from the cache (default: those below the LoRA; a zero-shot row, all of
 * whose layers are frozen, is given the run's split so that it shares the trained designs' prefixes).
 */
export async function attachPrefixCache(em: EmbeddingModel, modelSpec: string, log: (line: string) => void = (l) => process.stderr.write(l + '\n'), frozen = em.lora?.firstLayer ?? 0): Promise<void> {
  if (frozen === 0 || em.decoderVariables) return;
  const use = prefixUse(em.pooling);
  if (!use) {
    log(`[prefix-cache] design ${em.design.name}: pooling '${em.pooling.name}' may read padding or any layer's tokens, so the frozen prefix is not cached for it (LoRA stays on the top ${em.model.config.nLayers - frozen} layers)`);
    return;
  }
  const { modelIdentity } = await import('../model/load.ts');
  const { backendName } = await import('../backend/index.ts');
  const cache = openPrefixCache({ model: em.model, modelFiles: await modelIdentity(modelSpec), attention: em.design.attention, frozen, backend: backendName() ?? 'unknown', log });
  if (cache) em.prefix = { cache, use };
}

/** Before a batch is embedded (outside any gradient tape): its rows' prefixes into memory. */
export async function preparePrefix(em: EmbeddingModel, batch: TokenBatch): Promise<void> {
  if (em.prefix) await em.prefix.cache.ensure(batch);
}

/** `forward`'s hiddenStates from the cache, or undefined (no cache, or a row not prepared). */
export function prefixHiddenStates(em: EmbeddingModel, batch: TokenBatch, opts: ForwardOptions): tf.Tensor3D[] | undefined {
  if (!em.prefix) return undefined;
  return em.prefix.cache.hiddenStates(batch, em.prefix.use, em.design.attention === 'causal' ? 'eos' : 'mean', opts);
}
