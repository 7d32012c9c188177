// reproduce's stage wall times (timings.jsonl): a study on a real model runs for hours and is stopped
// and resumed; its report must add up the time every invocation spent, per stage, in first-run order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageTimes } from '../src/cli/reproduce.ts';
import { timingsFile } from '../src/run-folder.ts';

test('stage times add up over invocations; a damaged line is an error naming file:line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-timings-'));
  try {
    assert.deepEqual(stageTimes(dir), []);
    const line = (stage: string, seconds: number) => JSON.stringify({ stage, seconds, ended: '2026-12-08T00:00:00Z' });
    writeFileSync(timingsFile(dir), [line('train (seed 1)', 100), line('evaluate (seed 1)', 50), line('train (seed 1)', 20.5), line('compare', 3)].join('\n') + '\n');
    assert.deepEqual(stageTimes(dir), [
      { stage: 'train (seed 1)', seconds: 120.5, runs: 2 },
      { stage: 'evaluate (seed 1)', seconds: 50, runs: 1 },
      { stage: 'compare', seconds: 3, runs: 1 },
    ]);
    writeFileSync(timingsFile(dir), line('compare', 3) + '\n{"stage": "x"}\n');
    assert.throws(() => stageTimes(dir), /timings\.jsonl:2: expected \{stage, seconds\}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
