// One writer at a time: a lock file per design being trained and per results file being written.
// Two `train` into one design, or two `eval` of one design, used to interleave or overwrite each
// other silently; now the second refuses at once, naming the holder. A lock whose process is gone
// (killed, crashed, Ctrl-C) is stale and taken over, so a crash never blocks a run folder for good.
//
// The lock is a file created with O_EXCL (atomic on local file systems and NFSv3+), holding JSON:
// { pid, command, started, host, proc_start }. `proc_start` is the process's start time from
// /proc/<pid>/stat on Linux, so a pid reused by an unrelated process is not mistaken for the holder.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface LockHolder {
  pid: number;
  command: string;
  started: string;
  host: string;
  /** Linux: field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null elsewhere */
  proc_start: string | null;
}

export class LockError extends Error {
  constructor(readonly file: string, readonly holder: LockHolder | null, message: string) {
    super(message);
    this.name = 'LockError';
  }
}

/** Start time of a process (Linux), or null when /proc is not there or the process is gone. */
function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // a killed process its parent has not reaped yet (a zombie) still answers kill(pid, 0), but holds nothing
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch { return null; }
}

/** Is the holder still running? Only decidable on this host; a lock from another host counts as held. */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try { process.kill(h.pid, 0); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false; }
  if (h.proc_start !== null && existsSync('/proc/self/stat')) return procStart(h.pid) === h.proc_start;
  return true;
}

function describe(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host}, started ${h.started}: ${h.command}`;
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch { return null; }
}

const me = (): LockHolder => ({
  pid: process.pid, command: process.argv.slice(1).join(' '), started: new Date().toISOString(), host: hostname(), proc_start: procStart(process.pid),
});

function tryCreate(file: string, holder: LockHolder): boolean {
  let fd: number;
  try { fd = openSync(file, 'wx', 0o644); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`${file}: cannot create the lock file (${(e as Error).message}); is ${dirname(file)} writable?`);
  }
  try { writeSync(fd, JSON.stringify(holder) + '\n'); fsyncSync(fd); } finally { closeSync(fd); }
  return true;
}

const held = new Set<string>();
let exitHook = false;

/**
 * Take the lock `file` for `what` (e.g. "training of m1 in runs/x"), or throw a LockError naming
 * the holder. A stale lock (its process is gone) is moved aside to `<file>.stale-<pid>` and taken.
 * Returns the release function; the lock is also released when this process exits normally.
 */
export function acquireLock(file: string, what: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  const holder = me();
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, holder)) {
      held.add(file);
      if (!exitHook) { exitHook = true; process.on('exit', () => { for (const f of held) releaseFile(f); }); }
      return () => { releaseFile(file); };
    }
    const other = readHolder(file);
    if (other === null) {
      // created but not yet written (a writer between open and write), or damaged: wait a moment once
      if (attempt === 0) { sleep(200); continue; }
      throw new LockError(file, null, `${file}: lock file for ${what} is unreadable; if no other process works on it, delete it`);
    }
    if (other.pid === process.pid && other.host === holder.host && other.proc_start === holder.proc_start) {
      throw new LockError(file, other, `${file}: ${what} is already in progress in this process`);
    }
    if (holderAlive(other)) {
      throw new LockError(file, other, `${what} is in progress elsewhere (${describe(other)}); wait for it to finish, or stop it. Lock: ${file}`);
    }
    // stale: move it aside under a name of its own (a rename is atomic: of two processes taking over
    // at once, only one renames this file; the other finds it gone and retries the create)
    const aside = `${file}.stale-${other.pid}-${process.pid}`;
    try { renameSync(file, aside); } catch { continue; }
    const moved = readHolder(aside);
    if (moved && (moved.pid !== other.pid || moved.started !== other.started)) {
      // we moved a fresh lock taken between our read and our rename: put it back and give up
      try { renameSync(aside, file); } catch { /* the other holder will find its lock gone */ }
      throw new LockError(file, moved, `${what} is in progress elsewhere (${describe(moved)}). Lock: ${file}`);
    }
    process.stderr.write(`[lock] ${file}: taking over a stale lock of ${describe(other)} (that process is gone)\n`);
    try { unlinkSync(aside); } catch { /* already gone */ }
  }
  throw new LockError(file, readHolder(file), `${file}: could not take the lock for ${what} (contended); try again`);
}

function releaseFile(file: string): void {
  if (!held.delete(file)) return;
  const h = readHolder(file);
  if (h && h.pid === process.pid) try { unlinkSync(file); } catch { /* already gone */ }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The live holder of the lock `file`, or null when it is free or stale (a check before long work). */
export function liveHolder(file: string): LockHolder | null {
  if (!existsSync(file)) return null;
  const h = readHolder(file);
  return h && holderAlive(h) ? h : null;
}

export const describeHolder = describe;

/** Run `fn` while holding the lock `file`. */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>): Promise<T> {
  const release = acquireLock(file, what);
  try { return await fn(); } finally { release(); }
}
