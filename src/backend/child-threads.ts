// Threads of child processes that run side by side (train --jobs N, eval --jobs N). libtensorflow
// (tfjs-node) sizes its thread pools to every core by default: N such children on 2 cores would run
// 2N busy threads and slow each other down. So when more than one child runs at once, each gets one
// intra-op and one inter-op thread, unless the user set these variables.

export const TF_THREAD_VARS = ['TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS'] as const;

/** The environment for a child when `concurrent` children run at once. */
export function childEnv(concurrent: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!Number.isInteger(concurrent) || concurrent < 1) throw new RangeError(`childEnv: concurrent must be an integer >= 1, got ${concurrent}`);
  if (concurrent === 1) return env;
  const out = { ...env };
  for (const v of TF_THREAD_VARS) if (out[v] === undefined || out[v] === '') out[v] = '1';
  return out;
}
