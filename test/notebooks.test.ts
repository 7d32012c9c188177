// The headless notebook runner: a TypeScript error stops the run naming notebook and cell; the setup
// notebook executes with outputs, figures and an untouched source; sources carry no outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/notebook/context.ts';
import { cellSource, parseNotebook, serializeNotebook, stripNotebook, strippedProblems, type NotebookJson } from '../src/notebook/strip.ts';

const APT_JUPYTER = 'apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client';

function requireJupyter(): void {
  const r = spawnSync(existsSync('/usr/bin/jupyter') ? '/usr/bin/jupyter' : 'jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (r.status !== 0) assert.fail(`Debian's Jupyter nbconvert is not installed (needed to execute notebooks): ${APT_JUPYTER}`);
  if (!existsSync('/usr/bin/chromium') && !process.env.PA_CHROMIUM) assert.fail(`Debian's chromium is not installed (notebooks export figures): apt-get install -y --no-install-recommends chromium`);
}

function runner(args: string[]) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'run-notebooks.ts'), ...args], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, PA_PROFILE: '', PA_RUN_DIR: '' } });
  return { status: r.status, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

const codeCell = (id: string, source: string) => ({ id, cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });

test('a TypeScript error stops the run: non-zero exit naming the notebook and the cell, later cells not run', () => {
  requireJupyter();
  const dir = mkdtempSync(join(tmpdir(), 'pa-nb-bad-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(src);
    const marker = join(dir, 'after-error.txt');
    const nb = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab-pa', display_name: 'TypeScript', language: 'typescript' } },
      cells: [
        codeCell('a', 'const fine: number = 1 + 1;\nconsole.log(`fine ${fine}`);'),
        { id: 'm', cell_type: 'markdown', metadata: {}, source: 'text' },
        codeCell('b', "const broken: number = 'not a number';"),
        codeCell('c', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');`),
      ],
    };
    const file = join(src, '10-broken.ipynb');
    writeFileSync(file, JSON.stringify(nb));
    const before = readFileSync(file);
    const out = join(dir, 'run');
    const r = runner(['--profile', 'smoke', '--out', out, '--notebooks', src]);
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /10-broken\.ipynb: cell 3 of 4 \("const broken: number = 'not a number';"\) failed/);
    assert.match(r.stderr, /TypeScript error:\n1:7 - Type 'string' is not assignable to type 'number'/);
    assert.ok(!existsSync(marker), 'cells after the failing one must not run');
    assert.deepEqual(readFileSync(file), before, 'the source notebook is never written');
    // the partly executed copy keeps the first cell's output and the failing cell's message
    const copy = parseNotebook(readFileSync(join(out, 'notebooks', '10-broken.ipynb'), 'utf8'), 'copy');
    assert.match(JSON.stringify(copy.cells[0]!.outputs), /fine 2/);
    assert.match(JSON.stringify(copy.cells[2]!.outputs), /not assignable/);
    process.stderr.write(`[notebooks test] failing notebook: ${r.seconds.toFixed(1)} s\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('00-setup executes headless: executed copy with outputs, figures exported, source untouched', () => {
  requireJupyter();
  const source = join(projectRoot, 'notebooks', '00-setup.ipynb');
  const hash = () => createHash('sha256').update(readFileSync(source)).digest('hex');
  const before = hash();
  const out = mkdtempSync(join(tmpdir(), 'pa-nb-setup-'));
  try {
    const r = runner(['--profile', 'smoke', '--out', out, '--only', '00-setup']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(hash(), before, 'the source notebook is unchanged');
    const copy = parseNotebook(readFileSync(join(out, 'notebooks', '00-setup.ipynb'), 'utf8'), 'copy');
    const outputs = copy.cells.filter((c) => c.cell_type === 'code').map((c) => JSON.stringify(c.outputs ?? []));
    assert.ok(outputs.every((o) => o !== '[]'), 'every code cell has output');
    const all = outputs.join('\n');
    assert.match(all, /profile smoke \(from PA_PROFILE\) · run folder /, 'the profile reached the notebook, which says so');
    assert.ok(all.includes(JSON.stringify(out).slice(1, -1)), 'the run folder reached the notebook');
    assert.match(all, /<table>/, 'arquero tables as HTML');
    assert.match(all, /Plotly\.newPlot/, 'an inline figure');
    assert.equal(all.split('plotly.js v').length - 1, 1, 'plotly.js embedded exactly once');
    assert.doesNotMatch(all, /"output_type": ?"error"/);
    // the copy reads true later: counts as a live kernel gives, the profile it ran with, a PNG per figure
    const counts = copy.cells.filter((c) => c.cell_type === 'code').map((c) => c.execution_count);
    assert.deepEqual(counts, counts.map((_, i) => i + 1), 'execution counts 1…n');
    assert.match(cellSource(copy.cells[0]!), /^\*\*Executed headless\*\*.*profile \*\*smoke\*\*/);
    assert.equal((copy.metadata.pa_run as { profile: string }).profile, 'smoke');
    // informational lines are stdout, not stderr (which a notebook shows as an error-coloured box)
    const firstOut = (copy.cells.find((c) => c.cell_type === 'code')!.outputs ?? []) as { name?: string; text?: string[] }[];
    assert.deepEqual(firstOut.map((o) => o.name), ['stdout']);
    assert.doesNotMatch(all, /"name": ?"stderr"/, 'nothing on stderr');
    const figureCount = all.split('class=\\"pa-plotly\\"').length - 1;
    const pngs = copy.cells.flatMap((c) => (c.outputs ?? []) as { data?: Record<string, string> }[]).filter((o) => o.data?.['image/png']);
    assert.ok(figureCount >= 1 && pngs.length === figureCount, `${figureCount} figures, ${pngs.length} static PNGs`);
    assert.deepEqual([...Buffer.from(pngs[0]!.data!['image/png']!, 'base64').subarray(1, 4)], [0x50, 0x4e, 0x47]);
    for (const ext of ['png', 'svg', 'pdf']) assert.ok(existsSync(join(out, 'figures', `00-data-files.${ext}`)), `figures/00-data-files.${ext} (the one export: PNG, SVG, PDF)`);
    assert.deepEqual([...readFileSync(join(out, 'figures', '00-data-files.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const env = JSON.parse(readFileSync(join(out, 'environment.json'), 'utf8')) as { node: string; profile: string };
    assert.equal(env.node, process.version);
    assert.equal(env.profile, 'smoke');
    const timings = JSON.parse(readFileSync(join(out, 'notebooks', 'timings.json'), 'utf8')) as { notebooks: { notebook: string; seconds: number; kernelStartSeconds: number }[] };
    assert.equal(timings.notebooks[0]!.notebook, '00-setup.ipynb');
    process.stderr.write(`[notebooks test] 00-setup: ${timings.notebooks[0]!.seconds.toFixed(1)} s (kernel ready after ${timings.notebooks[0]!.kernelStartSeconds.toFixed(1)} s)\n`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('source notebooks carry no outputs and use the project kernel', () => {
  const dir = join(projectRoot, 'notebooks');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ipynb'));
  assert.ok(files.includes('00-setup.ipynb'));
  for (const f of files) {
    const nb = parseNotebook(readFileSync(join(dir, f), 'utf8'), f);
    assert.deepEqual(strippedProblems(nb), [], `${f}: run node --import tsx scripts/strip-notebooks.ts`);
    assert.equal((nb.metadata.kernelspec as { name: string }).name, 'tslab-pa', `${f}: kernel`);
  }
});

test('stripNotebook removes outputs, counts and execution metadata, and nothing else', () => {
  const nb: NotebookJson = {
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab-pa' } },
    cells: [
      { cell_type: 'markdown', source: ['# t'], metadata: { tags: ['x'] } },
      { cell_type: 'code', source: 'let a = 1;', execution_count: 3, metadata: { execution: { t: 1 }, tags: ['y'] }, outputs: [{ output_type: 'stream', name: 'stdout', text: '1' }] },
    ],
  };
  assert.deepEqual(strippedProblems(nb), ['cell 2 has outputs', 'cell 2 has an execution count', 'cell 2 has execution metadata']);
  const s = stripNotebook(nb);
  assert.deepEqual(strippedProblems(s), []);
  assert.deepEqual(s.cells[0], nb.cells[0]);
  assert.deepEqual(s.cells[1]!.metadata, { tags: ['y'] });
  assert.equal(cellSource(s.cells[1]!), 'let a = 1;');
  assert.deepEqual(parseNotebook(serializeNotebook(s), 'x'), s);
});


test("JupyterLab's save hook: a saved notebook with an unchanged source leaves git status clean; a changed source stays modified and unstaged", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-save-hook-'));
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const hook = (file: string) => spawnSync(join(projectRoot, '.venv', 'bin', 'python'), ['-c',
    'import sys; sys.path.insert(0, sys.argv[1]); import pa_save_hook as h; h.post_save(model={"type": "notebook"}, os_path=sys.argv[2]); h._pending.join(); print(h.refresh(sys.argv[2]))',
    join(projectRoot, 'scripts', 'jupyter'), file], { encoding: 'utf8' });
  try {
    // a repository set up as scripts/setup.sh sets up this one (node_modules linked, for the filter's tsx)
    symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, '.gitattributes'), readFileSync(join(projectRoot, '.gitattributes')));
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    git('config', 'filter.strip-notebook.clean', `node --import tsx ${join(projectRoot, 'scripts', 'strip-notebook-filter.ts')} %f`);
    git('config', 'filter.strip-notebook.smudge', 'cat');
    mkdirSync(join(dir, 'notebooks'));
    const source = readFileSync(join(projectRoot, 'notebooks', '00-setup.ipynb'), 'utf8');
    const file = join(dir, 'notebooks', '00-setup.ipynb');
    writeFileSync(file, source);
    git('add', '.');
    git('commit', '-q', '-m', 'source');
    // "saved from JupyterLab": outputs and counts on disk, the source unchanged, so the file grows
    const saved = parseNotebook(source, 'x');
    const code = saved.cells.findIndex((c) => c.cell_type === 'code');
    saved.cells[code] = { ...saved.cells[code]!, execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text: ['[notebook] profile smoke\n'] }] };
    writeFileSync(file, JSON.stringify(saved, null, 1) + '\n');
    assert.equal(git('diff', '--', 'notebooks'), '', 'the filter gives back the committed source');
    assert.equal(git('status', '--porcelain', 'notebooks'), ' M notebooks/00-setup.ipynb\n', 'without the hook git trusts the size change');
    const r = hook(file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'refreshed');
    assert.equal(git('status', '--porcelain', 'notebooks'), '', 'after the hook: clean');
    assert.equal(git('diff', '--cached', '--name-only'), '', 'nothing staged');
    // a real change of the source: left modified, not staged
    saved.cells[code] = { ...saved.cells[code]!, source: [cellSource(saved.cells[code]!), '\n// edited'] };
    writeFileSync(file, JSON.stringify(saved, null, 1) + '\n');
    const r2 = hook(file);
    assert.equal(r2.stdout.trim(), 'changed', r2.stderr);
    assert.equal(git('status', '--porcelain', 'notebooks'), ' M notebooks/00-setup.ipynb\n');
    assert.equal(git('diff', '--cached', '--name-only'), '');
    // and the lab passes the hook to jupyter-lab, its module on PYTHONPATH
    const lab = readFileSync(join(projectRoot, 'scripts', 'lab.ts'), 'utf8');
    assert.match(lab, /--ContentsManager\.post_save_hook=\$\{SAVE_HOOK\}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
