// sha256 as lower-case hex, the one hash of the project: weight files and checkpoints, data files
// against the manifest, cache records and segments, the results files a comparison read.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';

/** sha256 of bytes, or of a string's UTF-8 encoding. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Stable JSON (sorted keys) → sha256: the same identity (of an encoder, a cache) always hashes the same. */
export function identityHash(identity: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
    return v;
  };
  return sha256(JSON.stringify(canon(identity)));
}

/** sha256 of a file's bytes, read whole. */
export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** An incremental sha256, for bytes that arrive in chunks (a download); `.digest('hex')` at the end. */
export function sha256Hasher(): Hash {
  return createHash('sha256');
}

/** sha256 and size of a file, streamed (large files: never held whole in memory). */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = sha256Hasher();
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}
