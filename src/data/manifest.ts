// data/manifest.tsv: the list of third-party files this project reads, each pinned by sha256.
// Format: UTF-8, LF line endings, a header line, then one row per file with six tab-separated
// columns (no quoting; no field may contain a tab or newline):
//   path     relative to the mirror root, '/'-separated (e.g. data/sts/sick/SICK_test_annotated.txt)
//   bytes    file size
//   sha256   lower-case hex digest of the file's bytes
//   url      upstream URL serving exactly these bytes at a pinned revision, or
//            pypi:<package>==<version>/<path inside the wheel> for a file shipped inside a pinned
//            PyPI package (src/data/pypi.ts); empty for a mirror-only file (one converted from an
//            upstream file: no byte-identical upstream)
//   license  the upstream data's license, free text
//   note     free text; starts with 'mirror-only:' (and the reason) exactly when url is empty
import { readFile } from 'node:fs/promises';

export const MANIFEST_COLUMNS = ['path', 'bytes', 'sha256', 'url', 'license', 'note'] as const;

export interface ManifestEntry {
  /** Relative to the mirror root (and to the cache root): '/'-separated, no '.', '..' or empty segments. */
  path: string;
  bytes: number;
  sha256: string;
  /** Upstream URL of the same bytes, or a `pypi:` source; null for a mirror-only (converted) file. */
  url: string | null;
  license: string;
  note: string;
}

export interface Manifest {
  /** Where it was read from, for error messages (e.g. 'data/manifest.tsv'). */
  source: string;
  entries: ManifestEntry[];
  byPath: Map<string, ManifestEntry>;
}

export class ManifestError extends Error {}

/** Why `p` is not a safe manifest path, or null when it is. A manifest path is joined to a
 *  mirror or cache folder, so anything that could leave that folder is refused. */
export function unsafePathReason(p: string): string | null {
  if (p === '') return 'empty path';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'absolute path';
  if (p.includes('\\')) return 'backslash in path (use /)';
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'control character in path';
  for (const seg of p.split('/')) {
    if (seg === '') return 'empty path segment (leading, trailing or double /)';
    if (seg === '.' || seg === '..') return `'${seg}' path segment`;
  }
  return null;
}

export interface PypiSource {
  package: string;
  version: string;
  /** '/'-separated path inside the wheel (= under site-packages once installed) */
  member: string;
}

const SPEC = /^pypi:([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==([0-9A-Za-z][0-9A-Za-z.+!_-]*)\/(.+)$/;

/** The source a `pypi:` url names, null for any other url; throws for a malformed `pypi:` url. */
export function parsePypiSource(url: string): PypiSource | null {
  if (!url.startsWith('pypi:')) return null;
  const m = SPEC.exec(url);
  if (!m) throw new Error(`'${url}' is not pypi:<package>==<version>/<path inside the wheel>`);
  const bad = unsafePathReason(m[3]!);
  if (bad) throw new Error(`'${url}': unsafe path inside the wheel: ${bad}`);
  return { package: m[1]!, version: m[2]!, member: m[3]! };
}

export function isMirrorOnly(e: ManifestEntry): boolean {
  return e.url === null;
}

/** Parse the text of a manifest; every error names `source:line`. */
export function parseManifest(text: string, source = 'data/manifest.tsv'): Manifest {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const fail = (line: number, msg: string): never => { throw new ManifestError(`${source}:${line}: ${msg}`); };
  if (lines.length === 0) fail(1, 'empty manifest (expected a header line)');
  const header = lines[0]!;
  if (header !== MANIFEST_COLUMNS.join('\t')) {
    fail(1, `header must be '${MANIFEST_COLUMNS.join('\\t')}', got '${header.replace(/\t/g, '\\t')}'`);
  }
  const entries: ManifestEntry[] = [];
  const byPath = new Map<string, ManifestEntry>();
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i]!;
    if (line.endsWith('\r')) fail(n, 'CR line ending (the manifest uses LF)');
    const f = line.split('\t');
    if (f.length !== MANIFEST_COLUMNS.length) fail(n, `expected ${MANIFEST_COLUMNS.length} tab-separated fields, got ${f.length}`);
    const [path, bytesText, sha256, url, license, note] = f as [string, string, string, string, string, string];
    const bad = unsafePathReason(path);
    if (bad) fail(n, `unsafe path '${path}': ${bad}`);
    if (byPath.has(path)) fail(n, `duplicate path '${path}'`);
    if (!/^\d+$/.test(bytesText) || !Number.isSafeInteger(Number(bytesText))) fail(n, `bytes must be a non-negative integer, got '${bytesText}'`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(n, `sha256 must be 64 lower-case hex digits, got '${sha256}'`);
    if (url.startsWith('pypi:')) {
      try { parsePypiSource(url); } catch (err) { fail(n, (err as Error).message); }
      if (note.startsWith('mirror-only')) fail(n, `a mirror-only file must have an empty url`);
    } else if (url !== '') {
      let u: URL | undefined;
      try { u = new URL(url); } catch { fail(n, `url is not a valid URL: '${url}'`); }
      if (u!.protocol !== 'https:' && u!.protocol !== 'http:') fail(n, `url must be http(s), got '${url}'`);
      if (note.startsWith('mirror-only')) fail(n, `a mirror-only file must have an empty url`);
    } else if (!note.startsWith('mirror-only:')) {
      fail(n, `empty url: the note must start with 'mirror-only:' and say why the file has no upstream`);
    }
    const e: ManifestEntry = { path, bytes: Number(bytesText), sha256, url: url === '' ? null : url, license, note };
    entries.push(e);
    byPath.set(path, e);
  }
  return { source, entries, byPath };
}

/** The manifest as text, in the format parseManifest reads. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  const rows = entries.map((e) => {
    const fields = [e.path, String(e.bytes), e.sha256, e.url ?? '', e.license, e.note];
    for (const x of fields) {
      if (/[\t\n\r]/.test(x)) throw new ManifestError(`manifest field of '${e.path}' contains a tab or newline: ${JSON.stringify(x)}`);
    }
    return fields.join('\t');
  });
  return [MANIFEST_COLUMNS.join('\t'), ...rows].join('\n') + '\n';
}

/** Read and parse a manifest file; `label` names it in errors. */
export async function loadManifest(file: string, label = file): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ManifestError(`cannot read ${label}: ${(err as Error).message}`);
  }
  return parseManifest(text, label);
}
