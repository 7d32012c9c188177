// On-disk embedding cache: no text is encoded twice by the same encoder, across tasks and reruns.
//
// Layout: <root>/<design>/<identity hash, 16 hex>/
//   identity.json      the encoder identity (model files, checkpoint sha256, max length, backend)
//   <sha256-16>.seg    segments, each written once, atomically (temp file + rename), never changed:
//     8 bytes  u64 little-endian header length H
//     H bytes  JSON {"format":"pa-embedding-cache/1","identity":<full hash>,"dim":d,"count":n,
//                    "keys":[n sha256 hex],"payload_sha256":<hex>}
//     n·d·4    float32 little-endian vectors, row i is keys[i]
//   key = sha256 of JSON [instruction, text]: the instruction is part of what is encoded.
// A segment is checked on load (size, header, identity, payload sha256, finite values); a bad one
// (truncated, bit-flipped, foreign) is deleted and reported, and its texts are simply encoded
// again on the next miss: the cache rebuilds itself, never serving a wrong vector. More than 64
// segments are merged into one when the cache is opened.
//
// Where: a trained design's vectors depend on its run (checkpoint), so they live in the run folder
// (DIR/cache/embeddings). The zero-shot rows (base-mean, base-eos) and the outside encoders
// (use-lite, minilm) depend on neither run nor seed, only on their identity (model file sha256s,
// pooling by design name, max length, backend, instruction budget), so every run shares one folder:
// $PA_EMBEDDING_CACHE, default <project root>/.cache/embeddings. Deleting that folder clears it.
import { identityHash, sha256 } from '../io/sha256.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import { DESIGNS, OUTSIDE_ENCODERS } from '../designs.ts';
import { projectRoot } from '../data/files.ts';
import { writeFileAtomic } from '../io/atomic.ts';

export const CACHE_FORMAT = 'pa-embedding-cache/1';
/** Segments beyond this many are merged into one when the cache is opened. */
const COMPACT_ABOVE = 64;

interface SegmentHeader {
  format: string;
  identity: string;
  dim: number;
  count: number;
  keys: string[];
  payload_sha256: string;
}

/** The cache folder shared by every run: $PA_EMBEDDING_CACHE (relative to the project root), else
 *  <project root>/.cache/embeddings. */
export function sharedCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.PA_EMBEDDING_CACHE ? resolve(projectRoot, env.PA_EMBEDDING_CACHE) : join(projectRoot, '.cache', 'embeddings');
}

/** true: the design's vectors depend on neither the run nor the seed (built-in untrained designs and
 *  the outside encoders); a user design is never shared (its definition lives in its run folder). */
export function runIndependent(design: string): boolean {
  return (OUTSIDE_ENCODERS as readonly string[]).includes(design) || DESIGNS[design]?.trained === false;
}

export function cacheKey(instruction: string, text: string): string {
  return sha256(JSON.stringify([instruction, text]));
}

/** The cache folder of one encoder identity under `root` (e.g. DIR/cache/embeddings). */
export function cacheDir(root: string, design: string, identity: Record<string, unknown>): string {
  return join(root, design, identityHash(identity).slice(0, 16));
}

/** Parse and verify one segment file; throws with the reason on any defect. */
export function readSegment(bytes: Uint8Array, expectedIdentity: string): { header: SegmentHeader; vectors: Float32Array } {
  if (bytes.length < 8) throw new Error(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Number(view.getBigUint64(0, true));
  if (h > bytes.length - 8) throw new Error(`header length ${h} runs past the end of the file (${bytes.length} bytes)`);
  let header: SegmentHeader;
  try { header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + h)).toString('utf8')) as SegmentHeader; } catch (e) { throw new Error(`header is not JSON (${(e as Error).message})`); }
  if (header.format !== CACHE_FORMAT) throw new Error(`format ${JSON.stringify(header.format)}, expected ${CACHE_FORMAT}`);
  if (header.identity !== expectedIdentity) throw new Error('written for another encoder identity');
  const { dim, count, keys } = header;
  if (!Number.isInteger(dim) || dim < 1 || !Number.isInteger(count) || count < 0) throw new Error(`bad dim ${dim} or count ${count}`);
  if (!Array.isArray(keys) || keys.length !== count || keys.some((k) => typeof k !== 'string' || !/^[0-9a-f]{64}$/.test(k))) throw new Error(`keys: expected ${count} sha256 hex strings`);
  const payload = bytes.subarray(8 + h);
  if (payload.length !== count * dim * 4) throw new Error(`payload has ${payload.length} bytes, expected ${count} × ${dim} × 4 = ${count * dim * 4}`);
  if (sha256(payload) !== header.payload_sha256) throw new Error('payload sha256 does not match the header');
  const vectors = new Float32Array(count * dim);
  new Uint8Array(vectors.buffer).set(payload); // copy: aligned, and independent of the file buffer
  for (let i = 0; i < vectors.length; i++) if (!Number.isFinite(vectors[i]!)) throw new Error(`non-finite value in row ${Math.floor(i / dim)}`);
  return { header, vectors };
}

export function serializeSegment(identity: string, keys: readonly string[], vectors: readonly Float32Array[]): Uint8Array {
  const dim = vectors[0]?.length ?? 0;
  if (keys.length !== vectors.length) throw new RangeError(`serializeSegment: ${keys.length} keys for ${vectors.length} vectors`);
  const payload = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new RangeError(`serializeSegment: vector ${i} has dimension ${v.length}, expected ${dim}`);
    payload.set(v, i * dim);
  });
  const payloadBytes = new Uint8Array(payload.buffer);
  const header: SegmentHeader = {
    format: CACHE_FORMAT, identity, dim, count: keys.length, keys: [...keys],
    payload_sha256: sha256(payloadBytes),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + payloadBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(payloadBytes, 8 + headerBytes.length);
  return out;
}

export class EmbeddingCache {
  readonly dir: string;
  private readonly identity: string;
  private readonly vectors = new Map<string, Float32Array>();
  /** Segments found damaged on open (and deleted), with the reason. */
  readonly corrupt: { file: string; reason: string }[] = [];
  segments = 0;

  /** Open (or create) the cache of one encoder; `root` is e.g. DIR/cache/embeddings. */
  constructor(root: string, design: string, identity: Record<string, unknown>) {
    if (endianness() !== 'LE') throw new Error('the embedding cache format is little-endian; this machine is big-endian');
    this.identity = identityHash(identity);
    this.dir = join(root, design, this.identity.slice(0, 16));
    mkdirSync(this.dir, { recursive: true });
    const idFile = join(this.dir, 'identity.json');
    if (!existsSync(idFile)) writeFileAtomic(idFile, JSON.stringify({ identity_sha256: this.identity, ...identity }, null, 2) + '\n');
    const loaded: string[] = [];
    for (const f of readdirSync(this.dir).filter((f) => f.endsWith('.seg')).sort()) {
      const file = join(this.dir, f);
      try {
        const { header, vectors } = readSegment(readFileSync(file), this.identity);
        header.keys.forEach((k, i) => this.vectors.set(k, vectors.subarray(i * header.dim, (i + 1) * header.dim)));
        this.segments++;
        loaded.push(file);
      } catch (e) {
        this.corrupt.push({ file, reason: (e as Error).message });
        try { unlinkSync(file); } catch { /* another process removed it first */ }
      }
    }
    if (loaded.length > COMPACT_ABOVE) this.compact(loaded);
  }

  /** Many small segments (one per task side and run) → one: write the union first, then delete
   *  only the segments read here (a segment another process adds meanwhile is left alone). */
  private compact(loaded: string[]): void {
    const keys = [...this.vectors.keys()];
    const merged = this.add(keys, keys.map((k) => this.vectors.get(k)!));
    for (const f of loaded) if (f !== merged) try { unlinkSync(f); } catch { /* already gone */ }
    this.segments = 1;
  }

  get size(): number { return this.vectors.size; }

  get(key: string): Float32Array | undefined { return this.vectors.get(key); }

  /** Store vectors as one new segment (atomic) and in memory. */
  add(keys: readonly string[], vectors: readonly Float32Array[]): string | undefined {
    if (keys.length === 0) return undefined;
    const bytes = serializeSegment(this.identity, keys, vectors);
    const file = join(this.dir, `${sha256(bytes).slice(0, 16)}.seg`);
    writeFileAtomic(file, bytes);
    keys.forEach((k, i) => this.vectors.set(k, vectors[i]!));
    this.segments++;
    return file;
  }
}
