// Positional reads that either return exactly the bytes asked for or throw naming the file: a short
// read (the file shrank while being read) is an error, never silently fewer bytes.
import { readSync } from 'node:fs';

export function readAt(fd: number, position: number, length: number, path: string): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
    } catch (err) {
      throw new Error(`${path}: read failed at byte ${position + done}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (n === 0) throw new Error(`${path}: file ended at byte ${position + done} (changed while reading?)`);
    done += n;
  }
  return buf;
}
