// When a Python reference must run: wherever the set-up has run (the project's .venv exists), a
// reference test runs and a reference that cannot be loaded is a failure, not a skip. Only without a
// .venv at all (the set-up never ran here) is such a test skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { VENV_PYTHON } from './helpers.ts';

/** The `skip` option of a test that needs the .venv: false when it exists, else the reason. */
export const skipWithoutVenv: string | false = existsSync(VENV_PYTHON) ? false : `no project venv (${VENV_PYTHON}): run 'bash scripts/setup.sh'`;

/** Throws, naming the import error, unless every module imports in the .venv's Python. */
export function requireVenvModules(modules: readonly string[], hint = ''): void {
  const r = spawnSync(VENV_PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`the project venv exists (${VENV_PYTHON}) but cannot import ${modules.join(', ')}: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}` +
      `${hint ? `; ${hint}` : ''}; run 'bash scripts/setup.sh' to sync .venv with python/requirements.txt`);
  }
}

/** peft is not in python/requirements.txt yet: the fix to name when it cannot be imported. */
export const PEFT_HINT = 'peft (Hugging Face PEFT, the LoRA reference) must be in the lock: add peft==0.21.2 to python/requirements.in and run scripts/lock-python.sh';
