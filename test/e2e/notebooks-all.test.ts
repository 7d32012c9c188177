// The study notebooks 00–07 follow the shared conventions (first cell sets profile and run folder,
// project code through require, a description of what each reads and writes), and the stage helpers
// that let any notebook run alone decide correctly what is already done in a run folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/notebook/context.ts';
import { cellSource, parseNotebook } from '../../src/notebook/strip.ts';
import { evalState, runCli, trainState, trainVerdict } from '../../src/notebook/stages.ts';
import { RUN_SPEC_FORMAT, type RunSpec } from '../../src/run-spec.ts';
import { trainingInputs } from '../../src/freshness.ts';
import { designByName } from '../../src/designs.ts';
import { PROFILES } from '../../src/training/profiles.ts';
import { seedDir } from '../../src/run-folder.ts';

const STUDY = ['00-setup', '01-data', '02-base-model', '03-train', '04-evaluate', '05-compare', '06-figures', '07-new-pooling'];

test('the eight study notebooks exist and follow the conventions', () => {
  const dir = join(projectRoot, 'notebooks');
  const names = readdirSync(dir).filter((f) => f.endsWith('.ipynb')).map((f) => f.replace(/\.ipynb$/, ''));
  for (const n of STUDY) assert.ok(names.includes(n), `notebooks/${n}.ipynb is missing`);
  const firstCells = new Set<string>();
  for (const n of STUDY) {
    const nb = parseNotebook(readFileSync(join(dir, `${n}.ipynb`), 'utf8'), n);
    const first = nb.cells[0]!;
    assert.equal(first.cell_type, 'markdown', `${n}: starts with a description`);
    assert.match(cellSource(first), /Reads?:/, `${n}: says what it reads`);
    assert.match(cellSource(first), /Writes?:/, `${n}: says what it writes`);
    // a notebook opened with another kernel says so in its first lines
    assert.match(cellSource(first).split('\n').slice(0, 3).join('\n'), /^> Kernel: \*\*TypeScript \(tslab, pooling-and-attention\)\*\*/m, `${n}: names its kernel first`);
    const code = nb.cells.filter((c) => c.cell_type === 'code').map(cellSource);
    // one configuration cell, the same everywhere: profile, run folder and model from configure()
    firstCells.add(code[0]!);
    assert.match(code[0]!, /nb\.configure\(\)/, `${n}: first code cell configures through nb.configure()`);
    for (const [i, src] of code.entries()) {
      // the shared lists and the cosine come from src/, not redeclared in cells
      assert.doesNotMatch(src, /REFERENCES(: string\[\])? = \[['"]/, `${n}: code cell ${i + 1} redeclares the reference rows`);
      assert.doesNotMatch(src, /\['STS', 'Classification'/, `${n}: code cell ${i + 1} redeclares the categories`);
      assert.doesNotMatch(src, /const cosine\w* = \(/, `${n}: code cell ${i + 1} redeclares the cosine`);
    }
    const ids = nb.cells.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `${n}: cell ids are unique`);
    for (const [i, src] of code.entries()) {
      // tslab cannot type-check this project's `.ts` import paths: project code comes in by require
      assert.doesNotMatch(src, /^\s*import\b[^\n]*from\s+['"]\.\.?\//m, `${n}: code cell ${i + 1} imports project code statically`);
    }
  }
  assert.equal(firstCells.size, 1, 'every notebook starts with the same configuration cell');
  // 07's design is defined in exactly one cell, tagged so a test (or a person) finds it
  const n07 = parseNotebook(readFileSync(join(dir, '07-new-pooling.ipynb'), 'utf8'), '07');
  const tagged = n07.cells.filter((c) => ((c.metadata?.tags as string[] | undefined) ?? []).includes('pooling-definition'));
  assert.equal(tagged.length, 1, '07 has one pooling-definition cell');
  assert.match(cellSource(tagged[0]!), /nb\.registerDesign\(/);
});

test('configure: outside the tslab kernel a plain message; inside, profile and run folder from the environment', async () => {
  const { configure, configurationLine } = await import('../../src/notebook/configure.ts');
  assert.throws(() => configure(), /needs the kernel "TypeScript \(tslab, pooling-and-attention\)".*Change Kernel/);
  const dir = tmp();
  const saved = { p: process.env.PA_PROFILE, r: process.env.PA_RUN_DIR };
  process.env.PA_PROFILE = 'smoke';
  process.env.PA_RUN_DIR = dir;
  try {
    const { ctx, profile } = configure({ kernel: false });
    assert.equal(ctx.profile, 'smoke');
    assert.equal(ctx.runDir, dir);
    assert.equal(profile.name, 'smoke');
    assert.match(configurationLine(ctx, profile), new RegExp(`^profile smoke \\(from PA_PROFILE\\) · run folder ${dir} · model stories260K$`));
  } finally {
    for (const [k, v] of [['PA_PROFILE', saved.p], ['PA_RUN_DIR', saved.r]] as const) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pa-stages-'));
}

const spec: RunSpec = { format: RUN_SPEC_FORMAT, profile: PROFILES.smoke!, model_files: { checkpoint: 'c', tokenizer: 't' }, user_tasks: {} };

function writeFinal(dir: string, design: string, config: object): string {
  mkdirSync(join(dir, design, 'final'), { recursive: true });
  const file = join(dir, design, 'final', 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

test('trainState: made from this spec, from another (names the field), interrupted, missing', () => {
  const dir = tmp();
  try {
    const m1 = designByName('m1');
    assert.equal(trainState(dir, 'm1', spec), 'missing');
    mkdirSync(join(dir, 'm1', 'checkpoint'), { recursive: true });
    writeFileSync(join(dir, 'm1', 'checkpoint', 'state.json'), JSON.stringify({ step: 2, trained_from: trainingInputs(spec, m1) }));
    assert.equal(trainState(dir, 'm1', spec), 'partial');
    assert.deepEqual(trainVerdict(dir, 'm1', spec).reasons, [], 'a checkpoint of this spec resumes');
    writeFinal(dir, 'm1', { trained_from: trainingInputs(spec, m1) });
    assert.equal(trainState(dir, 'm1', spec), 'trained');
    // a notebook cell changed the step count: the design was made from other inputs, and the verdict says which
    const edited: RunSpec = { ...spec, profile: { ...spec.profile, steps: 2 } };
    assert.equal(trainState(dir, 'm1', edited), 'stale');
    assert.deepEqual(trainVerdict(dir, 'm1', edited).reasons, ['profile.steps: 4 → 2']);
    // another base model (PA_MODEL): stale, naming the model and its files
    const other: RunSpec = { ...spec, profile: { ...spec.profile, model: 'smollm2-135m' }, model_files: { gguf: 'g' } };
    assert.match(trainVerdict(dir, 'm1', other).reasons.join('; '), /profile\.model: "stories260K" → "smollm2-135m"/);
    // the evaluation side does not decide the weights
    assert.equal(trainState(dir, 'm1', { ...spec, profile: { ...spec.profile, evalLimit: 10, encodeBatchSize: 3 } }), 'trained');
    // a final config from before run.json: stale, saying so
    writeFinal(dir, 'm2', { profile: 'smoke', steps: 4 });
    assert.match(trainVerdict(dir, 'm2', spec).reasons[0]!, /made before run\.json/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a user design: redefined pooling is stale; the run lists it after m1…m6 for 05/06', async () => {
  const { registerDesign } = await import('../../src/pooling/index.ts');
  const { studyDesigns } = await import('../../src/notebook/stages.ts');
  const tf = await import('@tensorflow/tfjs');
  const run = tmp();
  const dir = seedDir(run, 1);
  try {
    const design = registerDesign({ name: 'm7', attention: 'causal', pooling: { name: 'stage-test-mean', description: '',
      create: () => ({ name: 'stage-test-mean', options: {}, variables: {}, pool: ({ hiddenStates }) => tf.mean(hiddenStates[hiddenStates.length - 1]!, 1) as never }) } });
    writeFinal(dir, 'm7', { design, trained_from: trainingInputs(spec, design) });
    assert.equal(trainState(dir, 'm7', spec), 'trained');
    const older = { ...design, userPooling: { ...design.userPooling!, create: '() => null' } };
    writeFinal(dir, 'm7', { design: older, trained_from: trainingInputs(spec, older) });
    assert.equal(trainState(dir, 'm7', spec), 'stale', 'the checkpoint holds an older definition of the pooling');
    assert.match(trainVerdict(dir, 'm7', spec).reasons.join('; '), /design\.userPooling\.create/);
    writeFinal(dir, 'm1', { trained_from: trainingInputs(spec, designByName('m1')) });
    assert.deepEqual(studyDesigns(run), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  } finally { rmSync(run, { recursive: true, force: true }); }
});

test('evalState: complete only with every task, the spec\'s limit and policy, and the current checkpoint', () => {
  const dir = tmp();
  try {
    const results = (design: string, body: object) => {
      mkdirSync(join(dir, 'results'), { recursive: true });
      writeFileSync(join(dir, 'results', `${design}.json`), JSON.stringify(body));
    };
    const policy = spec.profile.instructions;
    const sha = writeFinal(dir, 'm1', { trained_from: {} });
    assert.equal(evalState(dir, 'm1', spec, ['A', 'B']), 'missing');
    results('m1', { limit: 40, instruction_policy: policy, encoder: { checkpoint: sha }, tasks: { A: {}, B: {} } });
    assert.equal(evalState(dir, 'm1', spec, ['A', 'B']), 'complete');
    assert.equal(evalState(dir, 'm1', spec, ['A']), 'complete');
    assert.equal(evalState(dir, 'm1', spec, ['A', 'C']), 'incomplete');
    assert.equal(evalState(dir, 'm1', { ...spec, profile: { ...spec.profile, evalLimit: undefined } }, ['A']), 'stale');
    assert.equal(evalState(dir, 'm1', { ...spec, profile: { ...spec.profile, instructions: { train: 'none', eval: 'authors' } } }, ['A']), 'stale');
    // retrained after evaluation: the results belong to the old checkpoint
    writeFinal(dir, 'm1', { trained_from: {}, retrained: true });
    assert.equal(evalState(dir, 'm1', spec, ['A']), 'stale');
    // a reference row has no checkpoint: limit, policy and tasks decide
    results('base-mean', { limit: 40, instruction_policy: policy, encoder: { checkpoint: null }, tasks: { A: {} } });
    assert.equal(evalState(dir, 'base-mean', spec, ['A']), 'complete');
    writeFileSync(join(dir, 'results', 'm2.json'), '{"limit": 40, "tas');
    assert.equal(evalState(dir, 'm2', spec, ['A']), 'stale');
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
