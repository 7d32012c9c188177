// This project's CLI in child processes: one spawn for train, eval, reproduce, the notebooks' stages
// and scripts/gpu-check.ts's per-backend children, and one worker pool for the designs that train and
// eval run side by side.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../backend/child-threads.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** `node --import tsx <file> <argv>`: one of this project's TypeScript entry points as a child process. */
export function spawnScript(file: string, argv: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...argv], options);
}

/** `node --import tsx src/cli/main.ts <argv>` as a child process. */
export function spawnCli(argv: readonly string[], options: SpawnOptions): ChildProcess {
  return spawnScript(MAIN, argv, options);
}

/**
 * A CLI child writing to this process's output; resolves with its exit code. `concurrent`: children
 * running at once (each gets one TensorFlow thread when > 1: src/backend/child-threads.ts).
 */
export function runCliChild(argv: readonly string[], concurrent: number, log: (s: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawnCli(argv, { stdio: ['ignore', 'inherit', 'inherit'], env: childEnv(concurrent) });
    child.on('error', (e) => { log(`${argv[0]}: cannot start a child process: ${e.message}`); resolve(1); });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** `job` for every item, `workers` at a time, in queue order; the failed items as `name (exit N)`. */
export async function runPool(items: readonly string[], workers: number, job: (item: string) => Promise<number>): Promise<string[]> {
  const queue = [...items];
  const failures: string[] = [];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const code = await job(d);
      if (code !== 0) failures.push(`${d} (exit ${code})`);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return failures;
}
