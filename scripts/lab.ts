// JupyterLab on this project's notebooks, from the project's .venv (made by scripts/setup.sh):
//   npm run lab [-- --profile smoke|quick|paper] [--run-dir DIR] [--port N]
// Bound to 127.0.0.1, with a fresh token in the printed URL. The profile and run folder reach every
// notebook as PA_PROFILE / PA_RUN_DIR (each notebook's first cell reads them and prints what it uses),
// so one flag switches all eight. Jupyter's config, data, runtime and JupyterLab's settings live in
// .jupyter/ (git-ignored): nothing is read from ~/.jupyter. The tslab kernel `tslab-pa` is found in
// .venv/share/jupyter/kernels and is the default kernel. A post-save hook (scripts/jupyter/pa_save_hook.py)
// re-stats a saved notebook in git's index when git's strip filter gives back the staged source, so
// `git status` lists a notebook only when its source changed. startLab() is also used by the browser test.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, intOption, UsageError } from '../src/cli/args.ts';
import { projectRoot } from '../src/notebook/context.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { KERNEL_NAME } from '../src/notebook/kernel-spec.ts';

const SETUP = "run 'bash scripts/setup.sh'";

/** After a save, git's index learns the notebook's new size when its stripped source is unchanged
 *  (git status would otherwise list every saved notebook as modified): scripts/jupyter/pa_save_hook.py. */
export const SAVE_HOOK_DIR = join(projectRoot, 'scripts', 'jupyter');
export const SAVE_HOOK = 'pa_save_hook.post_save';

export interface LabOptions {
  /** folder served (default notebooks/) */
  notebooksDir?: string;
  /** PA_PROFILE for every kernel (default: unset, the notebooks' default) */
  profile?: string;
  /** PA_RUN_DIR for every kernel */
  runDir?: string;
  /** loopback port; 0 or undefined: a free one */
  port?: number;
  /** Jupyter's own state (config, data, runtime, lab settings); default <root>/.jupyter */
  stateDir?: string;
  /** extra JupyterLab user settings, by settings file (e.g. '@jupyterlab/notebook-extension/tracker') */
  settings?: Record<string, Record<string, unknown>>;
  /** also pass these arguments to jupyter-lab */
  extraArgs?: string[];
  /** where the server's log goes (default: inherited stderr) */
  log?: 'inherit' | 'pipe';
}

export interface Lab { url: string; token: string; port: number; process: ChildProcess; stop(): Promise<void> }

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

/** What must exist before JupyterLab can run the notebooks: the venv's jupyter-lab and the kernel spec. */
export function labPreflight(root = projectRoot): string {
  const lab = join(root, '.venv', 'bin', 'jupyter-lab');
  if (!existsSync(lab)) throw new Error(`${lab} not found: JupyterLab is installed into .venv by the set-up; ${SETUP}`);
  const spec = join(root, '.venv', 'share', 'jupyter', 'kernels', KERNEL_NAME, 'kernel.json');
  if (!existsSync(spec)) throw new Error(`${spec} not found: the tslab kernel is registered by the set-up; ${SETUP}`);
  const argv0 = (JSON.parse(readFileSync(spec, 'utf8')) as { argv: string[] }).argv[0]!;
  if (!existsSync(argv0)) throw new Error(`${spec} names ${argv0}, which does not exist (project moved, or node_modules missing); ${SETUP}`);
  return lab;
}

/** Start JupyterLab and resolve once its API answers. */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const root = projectRoot;
  const lab = labPreflight(root);
  const state = resolve(opts.stateDir ?? join(root, '.jupyter'));
  const settingsDir = join(state, 'lab', 'user-settings');
  // JupyterLab's news and update check reach the internet and show a toast over the notebook
  const settings: Record<string, Record<string, unknown>> = {
    '@jupyterlab/apputils-extension/notification': { fetchNews: 'false', checkForUpdates: false },
    ...opts.settings,
  };
  for (const [name, value] of Object.entries(settings)) {
    const file = join(settingsDir, `${name}.jupyterlab-settings`);
    mkdirSync(join(file, '..'), { recursive: true });
    if (!existsSync(file) || opts.settings?.[name]) writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  }
  const port = opts.port || await freePort();
  const token = randomBytes(24).toString('hex');
  const notebooksDir = resolve(opts.notebooksDir ?? join(root, 'notebooks'));
  if (opts.profile !== undefined && !Object.hasOwn(PROFILES, opts.profile)) {
    throw new UsageError(`--profile must be one of ${Object.keys(PROFILES).join(', ')}, got '${opts.profile}'`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(state, 'config'),
    JUPYTER_DATA_DIR: join(state, 'data'),
    JUPYTER_RUNTIME_DIR: join(state, 'runtime'),
    JUPYTERLAB_SETTINGS_DIR: settingsDir,
    JUPYTERLAB_WORKSPACES_DIR: join(state, 'lab', 'workspaces'),
    JUPYTER_PLATFORM_DIRS: '1',
    // the post-save hook's module (ContentsManager.post_save_hook below)
    PYTHONPATH: [SAVE_HOOK_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
    ...(opts.profile ? { PA_PROFILE: opts.profile } : {}),
    ...(opts.runDir ? { PA_RUN_DIR: resolve(opts.runDir) } : {}),
  };
  const args = [
    '--no-browser', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${notebooksDir}`, `--IdentityProvider.token=${token}`,
    `--MultiKernelManager.default_kernel_name=${KERNEL_NAME}`,
    `--ContentsManager.post_save_hook=${SAVE_HOOK}`,
    // CI and these machines run as root; jupyter-server refuses that unless told
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(lab, args, { env, stdio: ['ignore', opts.log === 'pipe' ? 'pipe' : 'inherit', opts.log === 'pipe' ? 'pipe' : 'inherit'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-20000); });
  child.stderr?.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-20000); });
  let exited: number | null | undefined;
  child.on('exit', (c) => { exited = c; });
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (exited !== undefined) throw new Error(`jupyter-lab exited with ${exited} before answering on ${base}${log ? `:\n${log.trim().split('\n').slice(-15).join('\n')}` : ''}`);
    try {
      const r = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() - t0 > 90_000) { child.kill('SIGTERM'); throw new Error(`jupyter-lab did not answer on ${base} within 90 s:\n${log.trim().split('\n').slice(-15).join('\n')}`); }
    await new Promise((r) => setTimeout(r, 300));
  }
  const stop = () => new Promise<void>((res) => {
    if (exited !== undefined) return res();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(timer); res(); });
    child.kill('SIGTERM'); // jupyter-server shuts its kernels down on SIGTERM
  });
  return { url: `${base}/lab?token=${token}`, token, port, process: child, stop };
}

async function main(argv: string[]): Promise<number> {
  const cmd = 'lab';
  const args = parseArgs(argv, {
    profile: { help: Object.keys(PROFILES).join('|') },
    'run-dir': { help: 'run folder for every notebook (default runs/<profile>)' },
    port: { help: 'port on 127.0.0.1 (default 8888, else a free one)' },
    help: { flag: true },
  }, cmd);
  if (args.flags.help) {
    process.stderr.write(`usage: npm run lab -- [--profile smoke|quick|paper] [--run-dir DIR] [--port N]\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const wanted = intOption(args, 'port', cmd) ?? 8888;
  const port = await new Promise<number>((res) => {
    const s = createServer();
    s.once('error', () => res(0));
    s.listen(wanted, '127.0.0.1', () => s.close(() => res(wanted)));
  });
  const lab = await startLab({ profile: args.options.profile, runDir: args.options['run-dir'], port });
  const profile = args.options.profile ?? process.env.PA_PROFILE ?? 'quick (the notebooks\' default)';
  process.stderr.write(`\n  JupyterLab: ${lab.url}\n  notebooks: ${join(projectRoot, 'notebooks')}   profile: ${profile}` +
    `   kernel: ${KERNEL_NAME}\n  Ctrl-C stops it (and its kernels).\n\n`);
  const stop = () => { void lab.stop().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return await new Promise<number>((res) => lab.process.on('exit', (c) => res(c ?? 0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}
