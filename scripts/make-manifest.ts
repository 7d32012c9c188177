// Generates data/manifest.tsv from the mirror's own data/MANIFEST.tsv.
//   node --import tsx scripts/make-manifest.ts [--mirror DIR] [--out FILE]
// The mirror defaults to $PA_DATA_MIRROR, else <project root>/../shared.
// Every mirror file is checked before a row is written: its size and sha256 against MANIFEST.tsv,
// and, for a file with an upstream URL, its git blob id against the one recorded there. The blob
// check is what makes the URL trustworthy: raw.githubusercontent.com/<repo>/<commit>/<path> serves
// exactly the blob recorded for that commit, so a matching blob id means identical bytes.
// Rows whose url is a `pypi:` source (a file inside a pinned PyPI package, not in the mirror) are
// kept from the existing output file unchanged; all rows are written sorted by path.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from '../src/cli/args.ts';
import { formatManifest, parseManifest, unsafePathReason, type ManifestEntry } from '../src/data/manifest.ts';
import { projectRoot } from '../src/data/files.ts';

const SOURCE_COLUMNS = ['path', 'bytes', 'sha256', 'lines', 'records', 'source_repo', 'commit', 'source_path', 'git_blob', 'license'];

// stories260K's upstream is the Hugging Face hub, not GitHub. Revision 0bd21da… is the hub repo's
// main as of 2023-08-15; it is pinned, with these files' sha256, in public fetch scripts found
// through the code index (not checked against the live hub from here).
const TINYLLAMAS_REVISION = '0bd21da7698eaf29a0d7de3992de8a46ef624add';
const HUB_FILES: Record<string, string> = {
  'models/stories260K/stories260K.bin': 'stories260K/stories260K.bin',
  'models/stories260K/tok512.bin': 'stories260K/tok512.bin',
};

// Files whose upstream copy disappeared from the branch head; the pinned commit still serves them.
const EXTRA_NOTES: Record<string, string> = {
  'data/pair_classification/twitter_url/Twitter_URL_Corpus_test.txt': 'deleted upstream after this commit; the pinned commit still serves it',
};

function rawGitHubUrl(repo: string, commit: string, path: string): string {
  return `https://raw.githubusercontent.com/${repo}/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** sha256, git blob id (sha1 of 'blob <size>\0' + bytes) and size of a file. */
async function digests(file: string, size: number): Promise<{ sha256: string; gitBlob: string; bytes: number }> {
  const s = createHash('sha256');
  const g = createHash('sha1').update(`blob ${size}\0`);
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    s.update(chunk as Buffer);
    g.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: s.digest('hex'), gitBlob: g.digest('hex'), bytes };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), { mirror: {}, out: {} }, 'make-manifest');
  const mirror = resolve(args.options.mirror ?? process.env.PA_DATA_MIRROR ?? join(projectRoot, '..', 'shared'));
  const out = resolve(args.options.out ?? join(projectRoot, 'data', 'manifest.tsv'));
  const srcFile = join(mirror, 'data', 'MANIFEST.tsv');
  const lines = (await readFile(srcFile, 'utf8')).split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== SOURCE_COLUMNS.join('\t')) throw new Error(`${srcFile}:1: unexpected header '${lines[0]}'`);

  const entries: ManifestEntry[] = [];
  const problems: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const where = `${srcFile}:${i + 1}`;
    const f = lines[i]!.split('\t');
    if (f.length !== SOURCE_COLUMNS.length) throw new Error(`${where}: expected ${SOURCE_COLUMNS.length} fields, got ${f.length}`);
    const [path, bytesText, sha256, , , repo, commit, sourcePath, gitBlob, license] = f as string[] as [string, string, string, string, string, string, string, string, string, string];
    if (path === 'README.md') continue; // the mirror's own description, not third-party data
    const bad = unsafePathReason(path);
    if (bad) throw new Error(`${where}: unsafe path '${path}': ${bad}`);
    const bytes = Number(bytesText);

    // A converted file has no byte-identical upstream: its source repo is a '(…)' remark, or its
    // source path carries a '(converted …)'/'(extracted …)' remark after the real upstream path.
    const remark = /^(.*?) \(((?:converted|extracted)[^)]*)\)$/.exec(sourcePath);
    let url = '';
    let note = '';
    if (repo.startsWith('(')) {
      note = `mirror-only: ${repo.slice(1, -1)}; no byte-identical upstream file`;
    } else if (remark) {
      const [archive, member] = remark[1]!.split('!') as [string, string | undefined];
      const origin = rawGitHubUrl(repo, commit, archive);
      note = member
        ? `mirror-only: ${remark[2]} from the upstream archive ${origin} (member ${member}); no byte-identical upstream file`
        : `mirror-only: ${remark[2]} from the upstream file ${origin}; no byte-identical upstream file`;
    } else if (HUB_FILES[path]) {
      url = `https://huggingface.co/karpathy/tinyllamas/resolve/${TINYLLAMAS_REVISION}/${HUB_FILES[path]}`;
      note = `Hugging Face karpathy/tinyllamas at revision ${TINYLLAMAS_REVISION} (main as of 2023-08-15; pinned with this sha256 in public fetch scripts, not checked live); ` +
        `byte-identical copy (git blob checked): ${rawGitHubUrl(repo, commit, sourcePath)}`;
    } else {
      url = rawGitHubUrl(repo, commit, sourcePath);
      if (basename(sourcePath) !== basename(path)) note = `renamed from upstream ${sourcePath}`;
    }
    if (EXTRA_NOTES[path]) note = note ? `${note}; ${EXTRA_NOTES[path]}` : EXTRA_NOTES[path]!;

    const d = await digests(join(mirror, ...path.split('/')), bytes).catch((err: Error) => {
      problems.push(`${where}: ${path}: cannot read the mirror file: ${err.message}`);
      return null;
    });
    if (d) {
      if (d.bytes !== bytes) problems.push(`${where}: ${path}: ${d.bytes} bytes in the mirror, MANIFEST.tsv says ${bytes}`);
      if (d.sha256 !== sha256) problems.push(`${where}: ${path}: sha256 ${d.sha256} in the mirror, MANIFEST.tsv says ${sha256}`);
      if (!note.startsWith('mirror-only') && d.gitBlob !== gitBlob) problems.push(`${where}: ${path}: git blob ${d.gitBlob} in the mirror, MANIFEST.tsv says ${gitBlob}`);
    }
    entries.push({ path, bytes, sha256, url: url || null, license, note });
  }
  // registry rows are not in the mirror: carry them over from the manifest being replaced
  if (existsSync(out)) {
    const previous = parseManifest(await readFile(out, 'utf8'), out);
    const have = new Set(entries.map((e) => e.path));
    for (const e of previous.entries) {
      if (e.url?.startsWith('pypi:') && !have.has(e.path)) entries.push(e);
    }
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (problems.length) {
    process.stderr.write(problems.join('\n') + `\nmake-manifest: ${problems.length} problem(s); ${out} not written\n`);
    return 1;
  }
  const text = formatManifest(entries);
  parseManifest(text, out); // what we write must be what the loader accepts
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  const mirrorOnly = entries.filter((e) => e.url === null).length;
  const registry = entries.filter((e) => e.url?.startsWith('pypi:')).length;
  process.stdout.write(`make-manifest: wrote ${out}: ${entries.length} files (${mirrorOnly} mirror-only, ${registry} from PyPI packages, kept from the previous manifest), the others checked against ${mirror}\n`);
  return 0;
}

main().then((c) => { process.exitCode = c; }, (err: unknown) => {
  process.stderr.write(`make-manifest: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
