// What a notebook's first cell sets: the profile and the run folder. The headless runner passes them
// as PA_PROFILE and PA_RUN_DIR; in JupyterLab the defaults apply, or the user edits the cell.
// Notebooks share state only through files in the run folder, so any one can be re-run alone.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILES } from '../training/profiles.ts';
import { figuresDir } from '../run-folder.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NotebookContext {
  /** a key of PROFILES (src/training/profiles.ts) */
  profile: string;
  /** absolute run folder; created */
  runDir: string;
  /** `<runDir>/figures`; created */
  figuresDir: string;
  projectRoot: string;
}

/**
 * Profile: `opts.profile`, else env PA_PROFILE, else 'quick'. Run folder: `opts.runDir`, else env
 * PA_RUN_DIR, else `runs/<profile>`; relative paths are taken from the project root (a notebook's
 * kernel runs in notebooks/, a script anywhere).
 */
export function notebookContext(opts: { profile?: string; runDir?: string } = {}, env: NodeJS.ProcessEnv = process.env): NotebookContext {
  const profile = opts.profile ?? (env.PA_PROFILE || 'quick');
  if (!Object.hasOwn(PROFILES, profile)) {
    throw new Error(`profile '${profile}' is not one of ${Object.keys(PROFILES).join(', ')} (set in the first cell or PA_PROFILE)`);
  }
  const dir = opts.runDir ?? (env.PA_RUN_DIR || join('runs', profile));
  const runDir = isAbsolute(dir) ? dir : resolve(projectRoot, dir);
  const figures = figuresDir(runDir);
  mkdirSync(figures, { recursive: true });
  return { profile, runDir, figuresDir: figures, projectRoot };
}
