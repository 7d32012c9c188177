// What a notebook's first cell sets: the profile and the run folder. The headless runner passes them
// as PA_PROFILE and PA_RUN_DIR; in JupyterLab the defaults apply, or the user edits the cell.
// Notebooks share state only through files in the run folder, so any one can be re-run alone.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The training profiles (src/training/profiles.ts; a test keeps the two lists equal). */
export const NOTEBOOK_PROFILES = ['smoke', 'quick', 'paper'] as const;
export type ProfileName = (typeof NOTEBOOK_PROFILES)[number];

export interface NotebookContext {
  profile: ProfileName;
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
  if (!(NOTEBOOK_PROFILES as readonly string[]).includes(profile)) {
    throw new Error(`profile '${profile}' is not one of ${NOTEBOOK_PROFILES.join(', ')} (set in the first cell or PA_PROFILE)`);
  }
  const dir = opts.runDir ?? (env.PA_RUN_DIR || join('runs', profile));
  const runDir = isAbsolute(dir) ? dir : resolve(projectRoot, dir);
  const figuresDir = join(runDir, 'figures');
  mkdirSync(figuresDir, { recursive: true });
  return { profile: profile as ProfileName, runDir, figuresDir, projectRoot };
}
