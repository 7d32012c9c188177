// The first cell of every notebook, the same eight times:
//   const nb = require('../src/notebook/index.ts');
//   const { ctx, profile } = nb.configure();
// Profile from PA_PROFILE (default quick; `npm run lab -- --profile smoke` sets it for every notebook),
// run folder from PA_RUN_DIR (default runs/<profile>), model from PA_MODEL (e.g. smollm2-135m), else the
// profile's (paper has none: PA_MODEL is then required). It says which it uses,
// on stdout (an informational line, not an error), and refuses to run outside the project's kernel.
import { notebookContext, type NotebookContext } from './context.ts';
import { KERNEL_NAME } from './kernel-spec.ts';
import { profileByName, type Profile } from '../training/profiles.ts';

/** tslab sets this global in its kernel (tslab/dist/executor.js). */
export function underTslab(): boolean {
  return (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined;
}

/** Throw a plain message when the notebook runs in another kernel than tslab (e.g. plain Node). */
export function checkKernel(): void {
  if (!underTslab()) {
    throw new Error(`This notebook needs the kernel "TypeScript (tslab, pooling-and-attention)" (${KERNEL_NAME}); it is running in another one. ` +
      'In JupyterLab: Kernel > Change Kernel… and pick it; `npm run lab` starts JupyterLab with it registered.');
  }
}

export interface Configured { ctx: NotebookContext; profile: Profile }

/** The configuration line every notebook prints: profile, run folder, model. */
export function configurationLine(ctx: NotebookContext, profile: Profile): string {
  const from = process.env.PA_PROFILE ? 'from PA_PROFILE' : 'default; set PA_PROFILE or `npm run lab -- --profile smoke`';
  return `profile ${ctx.profile} (${from}) · run folder ${ctx.runDir} · model ${profile.model || '(none: set PA_MODEL)'}${process.env.PA_MODEL ? ' (from PA_MODEL)' : ''}`;
}

export function configure(opts: { profile?: string; runDir?: string; kernel?: boolean } = {}): Configured {
  if (opts.kernel !== false) checkKernel();
  const ctx = notebookContext({ profile: opts.profile, runDir: opts.runDir });
  const profile = { ...profileByName(ctx.profile) };
  if (process.env.PA_MODEL) profile.model = process.env.PA_MODEL;
  console.log(`[notebook] ${configurationLine(ctx, profile)}`);
  return { ctx, profile };
}
