// reproduce's stage wall times (timings.jsonl): a study on a real model runs for hours and is stopped
// and resumed; its report must add up the time every invocation spent, per stage, in first-run order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageTimes } from '../src/cli/reproduce.ts';
import { lossFile, resultsFile, seedDir, timingsFile } from '../src/run-folder.ts';
import { timeSpent, timeSpentTable } from '../src/report/time-spent.ts';

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

test('time spent per seed and design: training from loss.jsonl, evaluation and encoding from the results files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-time-spent-'));
  try {
    const s1 = seedDir(dir, 1), s2 = seedDir(dir, 2);
    for (const s of [s1, s2]) { mkdirSync(join(s, 'm1'), { recursive: true }); mkdirSync(join(s, 'results'), { recursive: true }); }
    writeFileSync(lossFile(s1, 'm1'), ['{"step":1,"loss":2,"seconds":1.5}', '{"step":2,"loss":1,"seconds":3.25}'].join('\n') + '\n');
    writeFileSync(resultsFile(s1, 'm1'), JSON.stringify({ seconds: 40, cache: { encode_seconds: 30 } }));
    writeFileSync(resultsFile(s1, 'base-eos'), JSON.stringify({ seconds: 10, cache: { encode_seconds: 9 } }));
    writeFileSync(lossFile(s2, 'm1'), '{"step":1,"loss":2,"seconds":2}\n');
    const rows = timeSpent(dir);
    assert.deepEqual(rows, [
      { seed: 'seed-1', design: 'base-eos', train: null, evaluate: 10, encode: 9 },
      { seed: 'seed-1', design: 'm1', train: 3.25, evaluate: 40, encode: 30 },
      { seed: 'seed-2', design: 'm1', train: 2, evaluate: null, encode: null },
    ]);
    assert.match(timeSpentTable(rows), /\| \*\*total\*\* \| \| \*\*5\*\* \| \*\*50\*\* \| \*\*39\*\* \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
