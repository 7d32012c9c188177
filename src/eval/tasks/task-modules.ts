// The user's task modules (`eval --task-module FILE,…`, $PA_TASK_MODULES): imported so that their
// registerCustomTask calls land in this process's one task list (index.ts).
// A .ts/.js file outside a package whose package.json says "type": "module" (a module in /tmp, say)
// would be loaded as CommonJS: its `import … from '…/src/eval/tasks/custom.ts'` becomes a require()
// of a second copy of the task list, and eval then finds none of its tasks. So those files (and the
// .ts files they import) are loaded as ES modules, through a resolve hook that sets
// their format; explicit CommonJS files (.cts, .cjs) are refused; and a module whose import
// registers nothing in this list is an error that says why.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registrationCount } from './index.ts';

/** Resolve hook (runs on Node's loader thread, before tsx's resolve returns to Node): the listed
 *  files, and the .ts files they import outside node_modules, are ES modules whatever their package
 *  scope says. */
const FORCE_ESM_HOOK = `
const esm = new Set();
export function initialize(data) { for (const u of data.urls) esm.add(u); }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (!r.url.startsWith('file:') || !(r.format === 'commonjs' || r.format == null)) return r;
  // tsx marks a CommonJS file imported from an ES module with a query (…%3Ftsx-commonjs-…): the file itself
  const file = r.url.replace(/(%3F|\\?).*$/i, '');
  const inherits = context.parentURL && esm.has(context.parentURL) && /\\.tsx?$/.test(file) && !file.includes('/node_modules/');
  if (!esm.has(file) && !inherits) return r;
  esm.add(file);
  return { url: file, format: 'module' };
}`;

/** Modules this process imported already (a second import would register nothing new). */
const imported = new Set<string>();

/** Imports each module once, in order; errors name the module and `what` (the option it came from). */
export async function importTaskModules(paths: readonly string[], what = '--task-module'): Promise<void> {
  const todo: { path: string; url: string }[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new TaskModuleError(`${what} ${p}: no such file`);
    if (/\.c[jt]s$/.test(p)) {
      throw new TaskModuleError(`${what} ${p}: a CommonJS file (.cts/.cjs) would register its tasks in a second copy of the task list, which eval never sees; rename it to .ts or .mts and use import`);
    }
    const url = pathToFileURL(resolve(p)).href;
    if (!imported.has(url) && !todo.some((t) => t.url === url)) todo.push({ path: p, url });
  }
  if (todo.length === 0) return;
  register(`data:text/javascript,${encodeURIComponent(FORCE_ESM_HOOK)}`, { data: { urls: todo.map((t) => t.url) } });
  for (const { path, url } of todo) {
    const before = registrationCount();
    try { await import(url); } catch (e) { throw new TaskModuleError(`${what} ${path}: ${(e as Error).message}`, { cause: e }); }
    imported.add(url);
    if (registrationCount() === before) {
      throw new TaskModuleError(`${what} ${path}: registered no task in this process's task list: it must call registerCustomTask (src/eval/tasks/custom.ts) `
        + 'when imported, through import, not require() (a required copy of the task list is one eval never sees)');
    }
  }
}

/** A task module that cannot be used: a usage error of the command that named it. */
export class TaskModuleError extends Error {}
