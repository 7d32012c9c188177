// The study notebooks 00–07 follow the shared conventions (first cell sets profile and run folder,
// project code through require, a description of what each reads and writes), and the stage helpers
// that let any notebook run alone decide correctly what is already done in a run folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/notebook/context.ts';
import { cellSource, parseNotebook } from '../src/notebook/strip.ts';
import { evalState, runCli, seedDir, trainState } from '../src/notebook/stages.ts';

const STUDY = ['00-setup', '01-data', '02-base-model', '03-train', '04-evaluate', '05-compare', '06-figures', '07-new-pooling'];

test('the eight study notebooks exist and follow the conventions', () => {
  const dir = join(projectRoot, 'notebooks');
  const names = readdirSync(dir).filter((f) => f.endsWith('.ipynb')).map((f) => f.replace(/\.ipynb$/, ''));
  for (const n of STUDY) assert.ok(names.includes(n), `notebooks/${n}.ipynb is missing`);
  for (const n of STUDY) {
    const nb = parseNotebook(readFileSync(join(dir, `${n}.ipynb`), 'utf8'), n);
    const first = nb.cells[0]!;
    assert.equal(first.cell_type, 'markdown', `${n}: starts with a description`);
    assert.match(cellSource(first), /Reads?:/, `${n}: says what it reads`);
    assert.match(cellSource(first), /Writes?:/, `${n}: says what it writes`);
    const code = nb.cells.filter((c) => c.cell_type === 'code').map(cellSource);
    assert.match(code[0]!, /process\.env\.PA_PROFILE/, `${n}: first code cell sets the profile`);
    assert.match(code[0]!, /process\.env\.PA_RUN_DIR/, `${n}: first code cell sets the run folder`);
    assert.match(code[0]!, /notebookContext\(/, `${n}: first code cell builds the context`);
    const ids = nb.cells.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `${n}: cell ids are unique`);
    for (const [i, src] of code.entries()) {
      // tslab cannot type-check this project's `.ts` import paths: project code comes in by require
      assert.doesNotMatch(src, /^\s*import\b[^\n]*from\s+['"]\.\.?\//m, `${n}: code cell ${i + 1} imports project code statically`);
    }
  }
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pa-stages-'));
}

const profile = { name: 'smoke', steps: 4, evalLimit: 40 };

function writeFinal(dir: string, design: string, config: object): string {
  mkdirSync(join(dir, design, 'final'), { recursive: true });
  const file = join(dir, design, 'final', 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

test('trainState: finished run of this profile, another profile, interrupted, missing', () => {
  const dir = tmp();
  try {
    assert.equal(trainState(dir, 'm1', profile), 'missing');
    mkdirSync(join(dir, 'm1', 'checkpoint'), { recursive: true });
    writeFileSync(join(dir, 'm1', 'checkpoint', 'state.json'), JSON.stringify({ step: 2, profile: 'smoke' }));
    assert.equal(trainState(dir, 'm1', profile), 'partial');
    writeFinal(dir, 'm1', { profile: 'smoke', steps: 4 });
    assert.equal(trainState(dir, 'm1', profile), 'trained');
    writeFinal(dir, 'm2', { profile: 'quick', steps: 150 });
    assert.equal(trainState(dir, 'm2', profile), 'other-profile');
    // same name, other step count (a --steps override): not this profile's training
    writeFinal(dir, 'm3', { profile: 'smoke', steps: 2 });
    assert.equal(trainState(dir, 'm3', profile), 'other-profile');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('evalState: complete only with every task, the same limit and the current checkpoint', () => {
  const dir = tmp();
  try {
    const results = (design: string, body: object) => {
      mkdirSync(join(dir, 'results'), { recursive: true });
      writeFileSync(join(dir, 'results', `${design}.json`), JSON.stringify(body));
    };
    const sha = writeFinal(dir, 'm1', { profile: 'smoke', steps: 4 });
    assert.equal(evalState(dir, 'm1', profile, ['A', 'B']), 'missing');
    results('m1', { limit: 40, encoder: { checkpoint: sha }, tasks: { A: {}, B: {} } });
    assert.equal(evalState(dir, 'm1', profile, ['A', 'B']), 'complete');
    assert.equal(evalState(dir, 'm1', profile, ['A']), 'complete');
    assert.equal(evalState(dir, 'm1', profile, ['A', 'C']), 'incomplete');
    assert.equal(evalState(dir, 'm1', { ...profile, evalLimit: undefined }, ['A']), 'other-limit');
    // retrained after evaluation: the results belong to the old checkpoint
    writeFinal(dir, 'm1', { profile: 'smoke', steps: 4, retrained: true });
    assert.equal(evalState(dir, 'm1', profile, ['A']), 'stale');
    // a reference row has no checkpoint: limit and tasks decide
    results('base-mean', { limit: 40, encoder: { checkpoint: null }, tasks: { A: {} } });
    assert.equal(evalState(dir, 'base-mean', profile, ['A']), 'complete');
    writeFileSync(join(dir, 'results', 'm2.json'), '{"limit": 40, "tas');
    assert.equal(evalState(dir, 'm2', profile, ['A']), 'incomplete');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('seedDir is the reproduce layout', () => {
  assert.equal(seedDir('/r', 3), join('/r', 'seed-3'));
});

test('runCli streams the command\'s lines and rejects on failure with its last lines', async () => {
  const dir = tmp();
  try {
    const lines: string[] = [];
    // compare on a folder without results fails with a usage error naming the folder
    await assert.rejects(runCli(['compare', '--run', dir], (l) => lines.push(l)), (e: Error) => {
      assert.match(e.message, /compare --run/);
      assert.match(e.message, /exit 2/);
      return true;
    });
    assert.ok(lines.some((l) => l.includes(dir)), `the error lines were streamed: ${lines.join(' | ')}`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
