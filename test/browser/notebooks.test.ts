// The notebooks as a person uses them: JupyterLab (from .venv) on a free loopback port, Debian's
// Chromium driven by playwright-core, the smoke profile set once for every notebook (lab's
// --profile). For each notebook in order: open it, Run > Run All Cells through the menu, wait for the
// kernel to go idle, then check: no error output (and no TypeScript diagnostic on stderr), every
// Plotly figure drawn (an SVG with its traces, not an empty div), every table rendered as HTML; save
// it from the UI and check that git's strip filter turns the saved file back into the committed one,
// and that `git status` lists it as unchanged (the lab's post-save hook refreshes git's stat cache).
// A screenshot of each goes to <out>/screenshots. Then 07's pooling cell is rewritten through the
// editor to max pooling, the notebook is run again, and the new pooling must be trained and in the
// comparison. Not part of `npm test` (several minutes): `npm run test:browser`.
// Env: PA_BROWSER_OUT (output folder; default a new temp dir), PA_BROWSER_ONLY (e.g. 00,01,07).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startLab, type Lab } from '../../scripts/lab.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../../src/figures/index.ts';
import { projectRoot } from '../../src/notebook/context.ts';

const OUT = resolve(process.env.PA_BROWSER_OUT ?? mkdtempSync(join(tmpdir(), 'pa-browser-')));
const WORK = join(OUT, 'project'); // notebooks are copied here, so runs and saves never touch notebooks/
const RUN = join(OUT, 'run');
const SHOTS = join(OUT, 'screenshots');
const NOTEBOOK_MINUTES = 30;
const TS_DIAGNOSTIC = /^\d+:\d+ - /m;

const only = (process.env.PA_BROWSER_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const names = readdirSync(join(projectRoot, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort()
  .filter((n) => only.length === 0 || only.some((o) => n.startsWith(o)));
const sources = new Map(names.map((n) => [n, readFileSync(join(projectRoot, 'notebooks', n), 'utf8')]));

let lab: Lab;
let context: BrowserContext;
let page: Page;
const timings: { notebook: string; openSeconds: number; runSeconds: number; savedBytes?: number; strippedBytes?: number }[] = [];

before(async () => {
  mkdirSync(join(WORK, 'notebooks'), { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  for (const n of names) writeFileSync(join(WORK, 'notebooks', n), sources.get(n)!);
  // cells require('../src/…'): the copy sees the project through links (modules load from their real path)
  for (const p of ['src', 'data', 'node_modules', 'package.json', 'tsconfig.json']) {
    if (existsSync(join(projectRoot, p))) symlinkSync(join(projectRoot, p), join(WORK, p));
  }
  // the copy is a git repository set up as scripts/setup.sh sets up the project's: the strip filter
  // on notebooks/*.ipynb, the sources committed
  for (const f of ['.gitattributes', '.gitignore']) writeFileSync(join(WORK, f), readFileSync(join(projectRoot, f)));
  git('init', '-q');
  git('config', 'user.email', 'browser-test@example.com');
  git('config', 'user.name', 'browser test');
  git('config', 'filter.strip-notebook.clean', `node --import tsx ${join(projectRoot, 'scripts', 'strip-notebook-filter.ts')} %f`);
  git('config', 'filter.strip-notebook.smudge', 'cat');
  git('add', '.gitattributes', '.gitignore', 'notebooks');
  git('commit', '-q', '-m', 'the notebooks as committed');
  process.stderr.write(`[browser] output folder ${OUT}\n`);
  lab = await startLab({
    notebooksDir: join(WORK, 'notebooks'), profile: 'smoke', runDir: RUN, stateDir: join(OUT, 'jupyter'), log: 'pipe',
    extraArgs: ['--LabApp.expose_app_in_browser=True'],
    settings: {
      // every cell in the DOM (JupyterLab 4 otherwise renders only the cells near the viewport)
      '@jupyterlab/notebook-extension/tracker': { windowingMode: 'none' },
      // the test saves explicitly
      '@jupyterlab/docmanager-extension/plugin': { autosave: false },
    },
  });
  const profileDir = mkdtempSync(join(tmpdir(), 'pa-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? await context.newPage();
});

after(async () => {
  writeFileSync(join(OUT, 'timings.json'), JSON.stringify(timings, null, 1) + '\n');
  for (const t of timings) {
    process.stderr.write(`[browser] ${t.notebook}: opened in ${t.openSeconds.toFixed(1)} s, ran in ${t.runSeconds.toFixed(1)} s` +
      (t.savedBytes ? `, saved ${(t.savedBytes / 1024).toFixed(0)} KiB on disk, ${(t.strippedBytes! / 1024).toFixed(0)} KiB in git` : '') + '\n');
  }
  process.stderr.write(`[browser] screenshots in ${SHOTS}\n`);
  await context?.close();
  await lab?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** git in the copy of the project. */
function git(...args: string[]): string {
  const r = spawnSync('git', ['-C', WORK, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Open `name` in a fresh workspace and wait for its kernel (the notebook's own, tslab-pa). */
async function open(name: string): Promise<number> {
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${lab.port}/lab/tree/${encodeURIComponent(name)}?reset&token=${lab.token}`);
  await page.waitForFunction((n) => {
    const w = (window as any).jupyterapp?.shell?.currentWidget;
    return w?.context?.path === n && w.sessionContext?.session?.kernel?.status === 'idle';
  }, name, { timeout: 120_000, polling: 500 });
  const kernel = await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.name);
  assert.equal(kernel, 'tslab-pa', `${name} opened with kernel ${kernel}`);
  return (Date.now() - t0) / 1000;
}

/** Run > Run All Cells, through the menu; resolve when the kernel is idle and no cell is queued. */
async function runAll(name: string): Promise<number> {
  const t0 = Date.now();
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
  let quiet = 0;
  let lastLog = 0;
  while (quiet < 3) {
    await sleep(1000);
    const s = await page.evaluate(() => {
      const w = (window as any).jupyterapp.shell.currentWidget;
      const prompts = [...w.node.querySelectorAll('.jp-InputArea-prompt')].map((e: Element) => e.textContent ?? '');
      return { status: w.sessionContext.session?.kernel?.status as string, queued: prompts.filter((p) => p.includes('*')).length, cells: prompts.length };
    });
    quiet = s.status === 'idle' && s.queued === 0 && Date.now() - t0 > 3000 ? quiet + 1 : 0;
    if (Date.now() - lastLog > 30_000) { lastLog = Date.now(); process.stderr.write(`[browser] ${name}: ${s.queued} of ${s.cells} cells queued or running, kernel ${s.status}\n`); }
    if (Date.now() - t0 > NOTEBOOK_MINUTES * 60_000) assert.fail(`${name}: still running after ${NOTEBOOK_MINUTES} minutes`);
  }
  return (Date.now() - t0) / 1000;
}

interface Report {
  problems: string[];
  figures: { expected: number; drawn: { id: string; traces: number; rendered: number; svg: boolean; names: string[]; title: string }[] };
  tables: { expected: number; rendered: number };
  text: string;
}

/** What the open notebook shows: errors, figures and tables, read from its model and its DOM. */
async function inspect(): Promise<Report> {
  return page.evaluate((tsDiag) => {
    const w = (window as any).jupyterapp.shell.currentWidget;
    const re = new RegExp(tsDiag, 'm');
    const problems: string[] = [];
    let expectedFigures = 0;
    let expectedTables = 0;
    let text = '';
    const cells = w.content.model.cells;
    for (let i = 0; i < cells.length; i++) {
      const c = cells.get(i);
      if (c.type !== 'code') continue;
      const first = String(c.sharedModel.getSource()).split('\n').find((l: string) => l.trim()) ?? '';
      for (const o of c.outputs.toJSON() as any[]) {
        const t = Array.isArray(o.text) ? o.text.join('') : (o.text ?? '');
        if (o.output_type === 'error') problems.push(`cell ${i + 1} (${first.slice(0, 60)}): ${o.ename}: ${o.evalue}`);
        if (o.output_type === 'stream' && o.name === 'stderr' && re.test(t)) problems.push(`cell ${i + 1}: TypeScript error: ${t.trim()}`);
        const html = [o.data?.['text/html'] ?? ''].flat().join('');
        const md = [o.data?.['text/markdown'] ?? ''].flat().join('');
        expectedFigures += (html.match(/class="pa-plotly"/g) ?? []).length;
        expectedTables += (html.match(/<table/g) ?? []).length;
        text += t + md + html.replace(/<script[\s\S]*?<\/script>/g, '') + '\n';
      }
    }
    const drawn = [...w.node.querySelectorAll('.pa-plotly')].map((gd: any) => ({
      id: gd.id as string,
      svg: !!gd.querySelector('svg.main-svg'),
      traces: ((gd._fullData ?? []) as any[]).filter((t) => t.visible !== false).length,
      rendered: gd.querySelectorAll('g.trace, g.hm').length,
      names: ((gd.data ?? []) as any[]).map((t) => String(t.name ?? '')),
      title: String(gd.layout?.title?.text ?? gd.layout?.title ?? ''),
    }));
    const rendered = w.node.querySelectorAll('.jp-OutputArea-output table').length;
    return { problems, figures: { expected: expectedFigures, drawn }, tables: { expected: expectedTables, rendered }, text };
  }, TS_DIAGNOSTIC.source);
}

/** Wait (Plotly draws asynchronously) until every figure has its SVG, then check figures and tables. */
async function checkOutputs(name: string): Promise<Report> {
  let r = await inspect();
  for (let i = 0; i < 60 && r.figures.drawn.some((f) => !f.svg); i++) { await sleep(1000); r = await inspect(); }
  assert.deepEqual(r.problems, [], `${name}: error output`);
  const src = sources.get(name)!;
  assert.equal(r.figures.drawn.length, r.figures.expected, `${name}: ${r.figures.expected} figure outputs, ${r.figures.drawn.length} figure divs in the page`);
  if (/\bshow\(/.test(src)) assert.ok(r.figures.expected > 0, `${name} shows a figure, but no figure output was produced`);
  for (const f of r.figures.drawn) {
    assert.ok(f.svg, `${name}: figure ${f.id} (${f.title}) has no SVG: plotly did not draw it`);
    assert.ok(f.traces > 0, `${name}: figure ${f.id} (${f.title}) has no traces`);
    assert.ok(f.rendered >= f.traces, `${name}: figure ${f.id} (${f.title}): ${f.traces} traces, ${f.rendered} drawn in the SVG`);
  }
  if (/showTable\(/.test(src)) assert.ok(r.tables.expected > 0, `${name} shows a table, but no table output was produced`);
  assert.ok(r.tables.rendered >= r.tables.expected, `${name}: ${r.tables.expected} HTML tables in the outputs, ${r.tables.rendered} rendered`);
  return r;
}

async function screenshot(name: string): Promise<void> {
  // the first figure in view (else the top of the notebook)
  await page.evaluate(() => {
    const w = (window as any).jupyterapp.shell.currentWidget;
    const fig = w.node.querySelector('.pa-plotly');
    if (fig) fig.scrollIntoView({ block: 'center' });
  });
  await sleep(500);
  await page.screenshot({ path: join(SHOTS, name.replace(/\.ipynb$/, '.png')) });
}

/** File > Save through the keyboard shortcut; then git's clean filter must give back the committed source. */
async function saveAndStrip(name: string): Promise<{ savedBytes: number; strippedBytes: number }> {
  await page.locator('.jp-NotebookPanel-notebook').first().click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+s');
  await page.waitForFunction(() => (window as any).jupyterapp.shell.currentWidget.context.model.dirty === false, undefined, { timeout: 60_000 });
  const file = join(WORK, 'notebooks', name);
  const saved = readFileSync(file);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'strip-notebook-filter.ts'), file], { cwd: projectRoot, input: saved, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, sources.get(name), `${name}: saved from JupyterLab and stripped, it differs from the committed notebook`);
  // the source did not change, so git lists nothing (the post-save hook runs in the background: a few seconds)
  assert.equal(git('diff', '--', `notebooks/${name}`), '', `${name}: git diff after the save`);
  let status = '';
  for (let i = 0; i < 60; i++) {
    status = git('status', '--porcelain', 'notebooks');
    if (status === '') break;
    await sleep(1000);
  }
  assert.equal(status, '', `${name}: git status --porcelain notebooks after the save (source unchanged)`);
  return { savedBytes: statSync(file).size, strippedBytes: Buffer.byteLength(r.stdout) };
}

/** A person closes a notebook's kernel when done with it; idle tslab kernels hold their memory. */
async function shutdownKernel(): Promise<void> {
  await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.shutdown());
}

/** Every notebook exports its figures the one way (PNG, SVG, PDF): each PNG and SVG of the run is read
 *  back as an image by the browser, and each has its PDF. */
async function readBackExports(): Promise<void> {
  const dir = join(RUN, 'figures');
  const pngs = readdirSync(dir).filter((f) => f.endsWith('.png'));
  assert.ok(pngs.length >= 5, `06 exported ${pngs.length} PNG files to ${dir}`);
  for (const png of pngs) {
    const svg = png.replace(/\.png$/, '.svg');
    assert.ok(existsSync(join(dir, svg)), `${svg} beside ${png}`);
    for (const [f, mime] of [[png, 'image/png'], [svg, 'image/svg+xml']] as const) {
      const url = `data:${mime};base64,${readFileSync(join(dir, f)).toString('base64')}`;
      const size = await page.evaluate(async (u) => {
        const img = new Image();
        img.src = u;
        await img.decode();
        return { w: img.naturalWidth, h: img.naturalHeight };
      }, url);
      assert.ok(size.w >= 300 && size.h >= 200, `${f} reads back as a ${size.w}×${size.h} image`);
    }
    const pdf = readFileSync(join(dir, png.replace(/\.png$/, '.pdf')));
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', `${png.replace(/\.png$/, '.pdf')} is a PDF`);
  }
}

for (const name of names) {
  test(`${name}: Run All Cells in JupyterLab (smoke profile)`, async () => {
    const openSeconds = await open(name);
    const runSeconds = await runAll(name);
    const r = await checkOutputs(name);
    assert.match(r.text, /smoke/, `${name}: the first cell does not print the profile smoke`);
    await screenshot(name);
    if (name.startsWith('06-')) await readBackExports();
    const sizes = await saveAndStrip(name);
    timings.push({ notebook: name, openSeconds, runSeconds, ...sizes });
    await shutdownKernel();
  });
}

// The max-pooling example of 07's own text, typed into the pooling cell in place of the template's.
const MAX_POOLING = `// edited by the browser test: max over the real tokens of the last layer
import * as tf from '@tensorflow/tfjs';

const NEW_DESIGN = nb.registerDesign({
  name: 'm7', attention: 'bidirectional', layers: 'last',
  description: 'max over real tokens of the last layer, bidirectional',
  pooling: {
    name: 'max', description: 'max over real tokens of the last layer',
    create: () => ({
      name: 'max', options: {}, variables: {},
      pool: ({ hiddenStates, mask }: any) => tf.max(tf.add(hiddenStates[hiddenStates.length - 1], tf.mul(tf.sub(1, mask), -1e9).expandDims(2)), 1),
    }),
  },
});
nb.displayMarkdown(\`**\${NEW_DESIGN.name}** = pooling \\\`\${NEW_DESIGN.pooling}\\\`\`);
`;

test('07-new-pooling: the pooling cell edited in the editor to max pooling, run again', { skip: !names.includes('07-new-pooling.ipynb') && 'PA_BROWSER_ONLY leaves out 07' }, async () => {
  const name = '07-new-pooling.ipynb';
  await open(name);
  const index: number = await page.evaluate(() => {
    const cells = (window as any).jupyterapp.shell.currentWidget.content.model.cells;
    for (let i = 0; i < cells.length; i++) if (cells.get(i).type === 'code' && String(cells.get(i).sharedModel.getSource()).includes('registerDesign(')) return i;
    return -1;
  });
  assert.ok(index >= 0, `${name}: no code cell calls registerDesign(`);
  // through the editor: click into the cell, select all, type the new cell
  const editor = page.locator('.jp-Notebook .jp-Cell').nth(index).locator('.cm-content');
  await editor.scrollIntoViewIfNeeded();
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(MAX_POOLING);
  const typed = await page.evaluate((i) => String((window as any).jupyterapp.shell.currentWidget.content.model.cells.get(i).sharedModel.getSource()), index);
  assert.equal(typed.trim(), MAX_POOLING.trim(), 'the cell holds the typed text');
  const t0 = Date.now();
  await runAll(name);
  const r = await checkOutputs(name);
  timings.push({ notebook: `${name} (edited to max pooling)`, openSeconds: 0, runSeconds: (Date.now() - t0) / 1000 });
  assert.match(r.text, /pooling `?max`?\)?: trained/, 'the edited design is trained again (its action is printed)');
  const fig = r.figures.drawn.find((f) => /\(max,/.test(f.title));
  assert.ok(fig, `a comparison figure titled with the max pooling: ${r.figures.drawn.map((f) => f.title).join(' | ')}`);
  assert.ok(fig.names.includes('m7') && fig.names.some((n) => /^m[1-6]$/.test(n)), `m7 beside the study's designs in the comparison: ${fig.names.join(', ')}`);
  // 04 evaluated user tasks for m1–m6 only: the comparison must still put every column over the same tasks, and say so
  assert.match(r.text, /\b21 tasks every row has\)/, '07\'s comparison states its task set: the 21 built-in tasks every column has');
  assert.doesNotMatch(r.text, /left out: /, '07\'s comparison leaves no task out for one column only');
  const config = JSON.parse(readFileSync(join(RUN, 'seed-1', 'm7', 'final', 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.match(JSON.stringify(config), /"max"/, 'the run folder records the max pooling for m7');
  assert.ok(existsSync(join(RUN, 'seed-1', 'results', 'm7.json')), 'm7 evaluated');
  await page.screenshot({ path: join(SHOTS, '07-new-pooling-max.png') });
  await shutdownKernel();
});
