// `data verify [PATH...] [--no-download] [--jobs N]`: check every manifest file (or the given ones)
// against its sha256: mirror, then cache, then download into the cache. One summary line on stdout,
// one line per failure on stderr, exit 1 on any failure.
// `data path PATH`: print the absolute path of a verified copy of one file.
import { intOption, parseArgs, UsageError } from './args.ts';
import { defaultDataStore, type FileStatus } from '../data/files.ts';

const USAGE = 'usage: data verify [PATH...] [--no-download] [--jobs N] | data path PATH';

export function summarize(results: FileStatus[], dirs: { mirror: string | null; cacheDir: string }): string {
  const ok = results.filter((r) => r.status === 'ok');
  const missing = results.filter((r) => r.status === 'missing').length;
  const mismatched = results.filter((r) => r.status === 'mismatch').length;
  const where: string[] = [];
  const count = (s: string) => ok.filter((r) => r.source === s).length;
  const [fromMirror, fromCache, downloaded, fromPackage] = [count('mirror'), count('cache'), count('download'), count('package')];
  const only = ok.length > 0 && [fromMirror, fromCache, downloaded, fromPackage].filter((n) => n > 0).length === 1;
  if (fromMirror) where.push(only ? `mirror ${dirs.mirror}` : `mirror ${dirs.mirror}: ${fromMirror}`);
  if (fromCache) where.push(only ? `cache ${dirs.cacheDir}` : `cache ${dirs.cacheDir}: ${fromCache}`);
  if (fromPackage) where.push(only ? 'installed PyPI packages of the virtual environment' : `installed PyPI packages: ${fromPackage}`);
  if (downloaded) where.push(only ? `downloaded into cache ${dirs.cacheDir}` : `downloaded into cache: ${downloaded}`);
  const from = where.length ? ` (${where.join(', ')})` : '';
  return `data verify: ${ok.length} files ok${from}, ${missing} missing, ${mismatched} mismatched`;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'verify') {
    const args = parseArgs(rest, { 'no-download': { flag: true }, jobs: { default: '4' } }, 'data verify');
    const jobs = intOption(args, 'jobs', 'data verify')!;
    if (jobs < 1) throw new UsageError('data verify: --jobs must be at least 1');
    const store = defaultDataStore();
    const manifest = await store.getManifest();
    for (const p of args.positionals) {
      if (!manifest.byPath.has(p)) throw new UsageError(`data verify: '${p}' is not in data/manifest.tsv`);
    }
    const results = await store.verifyAll({
      download: !args.flags['no-download'],
      concurrency: jobs,
      paths: args.positionals.length ? args.positionals : undefined,
    });
    const failed = results.filter((r) => r.status !== 'ok');
    for (const r of failed) process.stderr.write(`${r.status}: ${r.message ?? r.path}\n`);
    process.stdout.write(summarize(results, store.options) + '\n');
    return failed.length ? 1 : 0;
  }
  if (sub === 'path') {
    const args = parseArgs(rest, {}, 'data path');
    if (args.positionals.length !== 1) throw new UsageError(`data path: expects exactly one manifest path\n${USAGE}`);
    process.stdout.write((await defaultDataStore().dataFile(args.positionals[0]!)) + '\n');
    return 0;
  }
  throw new UsageError(sub ? `data: unknown subcommand '${sub}'\n${USAGE}` : USAGE);
}
