// Headless execution of the notebooks, in name order, with Debian's Jupyter:
//   node --import tsx scripts/run-notebooks.ts --profile smoke --out DIR [--only 00-setup,01-data]
// Each notebook runs in a fresh tslab kernel (`jupyter nbconvert --to notebook --execute`); the
// executed copy goes to DIR/notebooks/, never over the source. The first failing cell stops the run
// with the notebook, the cell and the message (a TypeScript error in tslab reaches Jupyter only as
// stderr text, so nbclient hooks capture the cell's outputs); the partly executed copy is kept.
// A finished copy gets execution counts, a first cell naming the profile and run folder it used, and
// a static PNG after each inline figure (visible even where the notebook is not trusted).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, resolve } from 'node:path';
import { parseArgs, intOption, UsageError } from '../src/cli/args.ts';
import { projectRoot } from '../src/notebook/context.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { KERNEL_NAME, writeKernelSpec } from '../src/notebook/kernel-spec.ts';
import { cellSource, parseNotebook, serializeNotebook } from '../src/notebook/strip.ts';
import { addStaticPngs, inlineFigures, markRun, numberExecuted } from '../src/notebook/executed.ts';
import { exportFigures } from '../src/figures/export.ts';
import { writeFileAtomic } from '../src/io/atomic.ts';
import { figuresDir } from '../src/run-folder.ts';

const APT = 'apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client';

// nbclient hooks (a Jupyter config file is Python): record cell timings and, on a failing cell,
// its error and stderr, then save the partly executed notebook.
const HOOKS = String.raw`
import json, os, time
import nbformat
_events = os.environ['PA_NB_EVENTS']
_partial = os.environ.get('PA_NB_PARTIAL')
_state = {'nb': None, 't': None}
def _emit(obj):
    with open(_events, 'a') as f:
        f.write(json.dumps(obj) + '\n')
def _notebook_start(notebook=None, **kw):
    _state['nb'] = notebook
    _emit({'event': 'kernel-ready', 'time': time.time(), 'cells': len(notebook.cells) if notebook else None})
def _cell_start(cell=None, cell_index=None, **kw):
    _state['t'] = time.time()
def _cell_executed(cell=None, cell_index=None, execute_reply=None, **kw):
    t = _state['t'] or time.time()
    _emit({'event': 'cell', 'index': cell_index, 'seconds': time.time() - t})
def _cell_error(cell=None, cell_index=None, execute_reply=None, **kw):
    if 'raises-exception' in (cell.get('metadata', {}).get('tags') or []):
        return  # an expected error (nbclient lets it through)
    c = (execute_reply or {}).get('content', {})
    stderr = ''.join(o.get('text', '') for o in cell.get('outputs', []) if o.get('output_type') == 'stream' and o.get('name') == 'stderr')
    _emit({'event': 'error', 'index': cell_index, 'source': cell.source, 'ename': c.get('ename'), 'evalue': c.get('evalue'), 'traceback': c.get('traceback', []), 'stderr': stderr})
    # nbconvert writes nothing when a cell fails; keep the partly executed notebook for the reader.
    # (Here, not in on_notebook_complete: nbconvert's synchronous path never calls that hook.)
    if _partial and _state['nb'] is not None:
        nbformat.write(_state['nb'], _partial)
c.ExecutePreprocessor.on_notebook_start = _notebook_start
c.ExecutePreprocessor.on_cell_start = _cell_start
c.ExecutePreprocessor.on_cell_executed = _cell_executed
c.ExecutePreprocessor.on_cell_error = _cell_error
`;

/** tslab prints TypeScript diagnostics as `line:col - message` on stderr. */
const TS_DIAGNOSTIC = /^\d+:\d+ - /m;

interface CellTiming { index: number; seconds: number }
interface NotebookTiming { notebook: string; seconds: number; kernelStartSeconds: number | null; cells: CellTiming[] }
interface ErrorEvent { index: number; source: string; ename?: string; evalue?: string; traceback?: string[]; stderr?: string }

const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
const firstLine = (s: string) => (s.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 100);

function jupyterCommand(): string {
  const cmd = process.env.PA_JUPYTER ?? (existsSync('/usr/bin/jupyter') ? '/usr/bin/jupyter' : 'jupyter');
  const probe = spawnSync(cmd, ['nbconvert', '--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`'${cmd} nbconvert' does not run (${probe.error?.message ?? stripAnsi(probe.stderr ?? '').trim().split('\n').pop()}): ` +
      `install Debian's Jupyter (${APT}) or set PA_JUPYTER`);
  }
  return cmd;
}

function describeError(nbName: string, nbCells: number, e: ErrorEvent): string {
  const where = `${nbName}: cell ${e.index + 1} of ${nbCells} (${JSON.stringify(firstLine(e.source))})`;
  const stderr = stripAnsi(e.stderr ?? '').trim();
  const tb = stripAnsi((e.traceback ?? []).join('\n')).trim();
  const msg = [e.ename && e.ename !== '<Error>' ? `${e.ename}: ${e.evalue ?? ''}` : '', TS_DIAGNOSTIC.test(stderr) ? `TypeScript error:\n${stderr}` : '', tb && tb !== `${e.ename}: ${e.evalue}` ? tb : '', !TS_DIAGNOSTIC.test(stderr) && stderr ? `stderr:\n${stderr}` : '']
    .filter((s) => s.trim() !== '').join('\n');
  return `${where} failed${msg ? `:\n${msg}` : ''}`;
}

/** Errors that nbconvert let through: error outputs or TypeScript diagnostics in an executed copy. */
function executedProblems(file: string, executed: Set<number>): string[] {
  const nb = parseNotebook(readFileSync(file, 'utf8'), file);
  const problems: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    const where = `cell ${i + 1} (${JSON.stringify(firstLine(cellSource(c)))})`;
    // tslab leaves execution_count unset, so the hooks' cell events say what ran
    if (cellSource(c).trim() !== '' && !executed.has(i)) problems.push(`${where} was not executed`);
    for (const o of (c.outputs ?? []) as { output_type: string; name?: string; text?: string | string[]; ename?: string; evalue?: string }[]) {
      if (o.output_type === 'error') problems.push(`${where}: ${o.ename}: ${o.evalue}`);
      const text = Array.isArray(o.text) ? o.text.join('') : (o.text ?? '');
      if (o.output_type === 'stream' && o.name === 'stderr' && TS_DIAGNOSTIC.test(text)) problems.push(`${where}: TypeScript error:\n${text.trim()}`);
    }
  });
  return problems;
}

async function runOne(jupyter: string, source: string, outDir: string, env: NodeJS.ProcessEnv, work: string, cellTimeout: number | undefined): Promise<NotebookTiming> {
  const name = basename(source);
  const nb = parseNotebook(readFileSync(source, 'utf8'), source);
  const events = join(work, `${name}.events.jsonl`);
  writeFileSync(events, '');
  const target = join(outDir, name);
  rmSync(target, { force: true });
  const args = ['nbconvert', '--to', 'notebook', '--execute', '--config', join(work, 'hooks.py'),
    `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`, '--output-dir', outDir, '--output', name.replace(/\.ipynb$/, ''), source];
  if (cellTimeout !== undefined) args.splice(4, 0, `--ExecutePreprocessor.timeout=${cellTimeout}`);
  const t0 = Date.now();
  const readEvents = () => readFileSync(events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  let shown = 0;
  const progress = setInterval(() => {
    const cells = readEvents().filter((e) => e.event === 'cell');
    for (; shown < cells.length; shown++) {
      const c = cells[shown]!;
      process.stderr.write(`[notebooks] ${name} cell ${(c.index as number) + 1}/${nb.cells.length} ${(c.seconds as number).toFixed(1)} s\n`);
    }
  }, 1000);
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((res, rej) => {
    const child = spawn(jupyter, args, { env: { ...env, PA_NB_EVENTS: events, PA_NB_PARTIAL: target }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', rej);
    child.on('close', (c) => res({ code: c, stderr: err }));
  });
  clearInterval(progress);
  const seconds = (Date.now() - t0) / 1000;
  const evs = readEvents();
  const ready = evs.find((e) => e.event === 'kernel-ready');
  const timing: NotebookTiming = {
    notebook: name, seconds,
    kernelStartSeconds: ready ? (ready.time as number) - t0 / 1000 : null,
    cells: evs.filter((e) => e.event === 'cell').map((e) => ({ index: e.index as number, seconds: e.seconds as number })),
  };
  const error = evs.find((e) => e.event === 'error') as ErrorEvent | undefined;
  if (error) throw new Error(describeError(name, nb.cells.length, error) + (existsSync(target) ? `\n(partly executed copy: ${target})` : ''));
  if (code !== 0) throw new Error(`${name}: jupyter nbconvert exited with ${code}:\n${stripAnsi(stderr).trim().split('\n').slice(-25).join('\n')}`);
  if (!existsSync(target)) throw new Error(`${name}: nbconvert reported success but wrote no ${target}`);
  const problems = executedProblems(target, new Set(timing.cells.map((c) => c.index)));
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('\n')}`);
  await finishCopy(target, new Set(timing.cells.map((c) => c.index)), { profile: env.PA_PROFILE ?? '?', runDir: env.PA_RUN_DIR ?? '?', date: new Date().toISOString(), seconds }, work);
  return timing;
}

/** Execution counts, the run's profile and folder, and static PNGs of the figures, into the executed copy. */
async function finishCopy(target: string, executed: Set<number>, info: { profile: string; runDir: string; date: string; seconds: number }, work: string): Promise<void> {
  let copy = numberExecuted(parseNotebook(readFileSync(target, 'utf8'), target), executed);
  const figures = inlineFigures(copy);
  if (figures.length > 0) {
    const dir = mkdtempSync(join(work, 'png-'));
    const files = await exportFigures(figures.map((f, k) => ({ name: `figure-${k}`, figure: f.figure })), dir, { formats: ['png'], scale: 1 });
    copy = addStaticPngs(copy, figures, files.map((f) => readFileSync(f).toString('base64')));
  }
  writeFileAtomic(target, serializeNotebook(markRun(copy, info)));
}

export async function main(argv: string[]): Promise<number> {
  const cmd = 'run-notebooks';
  const args = parseArgs(argv, {
    profile: { default: 'quick', help: Object.keys(PROFILES).join('|') },
    out: { help: 'run folder (default runs/<profile>)' },
    only: { help: 'comma-separated notebook names or name prefixes' },
    notebooks: { default: join(projectRoot, 'notebooks'), help: 'folder of source notebooks' },
    'cell-timeout': { help: 'seconds per cell (default: none)' },
    help: { flag: true },
  }, cmd);
  if (args.flags.help) {
    process.stderr.write(`usage: ${cmd} [--profile smoke|quick|paper] [--out DIR] [--only 00-setup,01] [--notebooks DIR] [--cell-timeout S]\n`);
    return 0;
  }
  const profile = args.options.profile!;
  if (!Object.hasOwn(PROFILES, profile)) throw new UsageError(`${cmd}: --profile must be one of ${Object.keys(PROFILES).join(', ')}, got '${profile}'`);
  if (args.positionals.length > 0) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const runDir = resolve(args.options.out ?? join(projectRoot, 'runs', profile));
  const srcDir = resolve(args.options.notebooks!);
  if (!existsSync(srcDir)) throw new UsageError(`${cmd}: --notebooks ${srcDir} does not exist`);
  let names = readdirSync(srcDir).filter((f) => f.endsWith('.ipynb')).sort();
  if (args.options.only) {
    const wanted = args.options.only.split(',').map((s) => s.trim()).filter(Boolean);
    for (const w of wanted) if (!names.some((n) => n.startsWith(w))) throw new UsageError(`${cmd}: --only ${w}: no notebook in ${srcDir} starts with it`);
    names = names.filter((n) => wanted.some((w) => n.startsWith(w)));
  }
  if (names.length === 0) throw new UsageError(`${cmd}: no notebooks in ${srcDir}`);
  const outDir = join(runDir, 'notebooks');
  if (outDir === srcDir) throw new UsageError(`${cmd}: --out would write the executed copies over the sources`);
  mkdirSync(figuresDir(runDir), { recursive: true });
  mkdirSync(outDir, { recursive: true });

  const jupyter = jupyterCommand();
  const work = mkdtempSync(join(tmpdir(), 'pa-notebooks-'));
  const timings: NotebookTiming[] = [];
  try {
    writeKernelSpec(work);
    writeFileSync(join(work, 'hooks.py'), HOOKS);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_PATH: [work, process.env.JUPYTER_PATH].filter(Boolean).join(delimiter),
      JUPYTER_PLATFORM_DIRS: '1',
      PA_PROFILE: profile,
      PA_RUN_DIR: runDir,
    };
    const cellTimeout = intOption(args, 'cell-timeout', cmd);
    for (const name of names) {
      process.stderr.write(`[notebooks] ${name} (profile ${profile}, run ${runDir})\n`);
      const t = await runOne(jupyter, join(srcDir, name), outDir, env, work, cellTimeout);
      timings.push(t);
      process.stderr.write(`[notebooks] ${name} done in ${t.seconds.toFixed(1)} s (kernel ready after ${t.kernelStartSeconds?.toFixed(1) ?? '?'} s)\n`);
    }
  } finally {
    if (timings.length > 0) writeFileAtomic(join(outDir, 'timings.json'), JSON.stringify({ profile, notebooks: timings }, null, 1) + '\n');
    rmSync(work, { recursive: true, force: true });
  }
  process.stderr.write(`[notebooks] ${names.length} notebook(s) executed; copies in ${outDir}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`run-notebooks: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
