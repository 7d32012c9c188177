// Verified, atomic downloads. A download goes to a temporary file beside its
// destination and is renamed into place only after its size and sha256 match, so a reader
// never sees a partial or wrong file under the final name, even if the process dies midway.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256Hasher } from '../io/sha256.ts';

export class DownloadError extends Error {
  constructor(message: string, readonly kind: 'fetch' | 'mismatch') { super(message); }
}

export interface Expected { bytes: number; sha256: string }

/** Fetch `url` into `dest` (atomically) if its bytes match `expected`; otherwise throw and
 *  leave nothing at `dest` or beside it. `label` names the file in errors. */
export async function downloadVerified(url: string, dest: string, expected: Expected, label: string, timeoutMs = 300_000): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  try {
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new DownloadError(`${label}: download from ${url} failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}`, 'fetch');
    }
    if (!res.ok || !res.body) {
      throw new DownloadError(`${label}: download from ${url} failed: HTTP ${res.status} ${res.statusText}`, 'fetch');
    }
    const h = sha256Hasher();
    let bytes = 0;
    const out = createWriteStream(tmp, { flags: 'wx' });
    const closed = new Promise<void>((resolve, reject) => { out.on('close', resolve); out.on('error', reject); });
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        // Stop early on an oversized answer (an error page, a different file) instead of filling the disk.
        if (bytes > expected.bytes) break;
        h.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } catch (err) {
      out.destroy();
      await closed.catch(() => {});
      throw new DownloadError(`${label}: download from ${url} failed while reading: ${(err as Error).message}`, 'fetch');
    }
    out.end();
    await closed;
    if (bytes > expected.bytes) {
      throw new DownloadError(
        `${label}: bytes served by ${url} do not match data/manifest.tsv: more than the expected ${expected.bytes} bytes; ` +
        `nothing was written to the cache; upstream may have changed or the URL is wrong: check the URL, or use a mirror (PA_DATA_MIRROR)`, 'mismatch');
    }
    const actual = h.digest('hex');
    if (actual !== expected.sha256 || bytes !== expected.bytes) {
      throw new DownloadError(
        `${label}: bytes served by ${url} do not match data/manifest.tsv: expected sha256 ${expected.sha256} (${expected.bytes} bytes), ` +
        `actual sha256 ${actual} (${bytes} bytes); nothing was written to the cache; upstream may have changed or the URL is wrong: ` +
        `check the URL, or use a mirror (PA_DATA_MIRROR)`, 'mismatch');
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
