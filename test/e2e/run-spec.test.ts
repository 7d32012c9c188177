// What a notebook sets is what every stage runs: the model from PA_MODEL and a cell's edits to the
// profile reach the train and eval child processes through run.json (src/run-spec.ts); a changed
// setting is refused or, where the notebook asks, retrained; the layer figure's base row sees the
// texts the designs saw; a user task's data cannot change under a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure } from '../../src/notebook/configure.ts';
import { ensureEvaluated, ensureTrained } from '../../src/notebook/stages.ts';
import { finalConfigFile, lossFile, resultsFile, seedDir } from '../../src/run-folder.ts';
import { projectRoot } from '../../src/notebook/context.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'pa-run-spec-e2e-'));
const quiet = () => {};

/** configure() as a notebook's first cell runs it, under the given environment. */
function configured(env: Record<string, string>) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try { return configure({ kernel: false }); } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('PA_MODEL reaches training and evaluation: the run folder records SmolLM2, not the profile\'s stories260K', { timeout: 900_000 }, async () => {
  const run = tmp();
  try {
    const { ctx, profile } = configured({ PA_PROFILE: 'smoke', PA_MODEL: 'smollm2-135m', PA_RUN_DIR: run });
    profile.steps = 1; // a cell's edit (and a short run)
    await ensureTrained(['m1'], { runDir: ctx.runDir, profile, seeds: [1], log: quiet });
    const config = json(finalConfigFile(seedDir(run, 1), 'm1'));
    assert.equal(config.model, 'smollm2-135m');
    assert.equal(config.steps, 1);
    assert.equal(json(join(run, 'run.json')).profile.model, 'smollm2-135m');
    await ensureEvaluated(['m1'], ['base-mean'], ['SICK-R'], { runDir: ctx.runDir, profile, seeds: [1], tasks: 'SICK-R', log: quiet });
    for (const d of ['m1', 'base-mean']) assert.equal(json(resultsFile(seedDir(run, 1), d)).encoder.model, 'smollm2-135m', `${d} was evaluated on SmolLM2`);
    // the same folder under the profile's own model is refused, naming the model
    const again = configured({ PA_PROFILE: 'smoke', PA_RUN_DIR: run });
    again.profile.steps = 1;
    await assert.rejects(ensureTrained(['m1'], { runDir: run, profile: again.profile, seeds: [1], log: quiet }), /profile\.model: "smollm2-135m" → "stories260K".*onChange: 'retrain'/s);
  } finally { rmSync(run, { recursive: true, force: true }); }
});

test('a cell\'s edit of the profile reaches the child processes; a changed setting retrains only when asked; the layer figure compares like with like', { timeout: 600_000 }, async () => {
  const run = tmp();
  try {
    const { ctx, profile } = configured({ PA_PROFILE: 'smoke', PA_RUN_DIR: run });
    profile.steps = 2;
    await ensureTrained(['m1'], { runDir: ctx.runDir, profile, seeds: [1], log: quiet });
    const dir = seedDir(run, 1);
    assert.equal(json(finalConfigFile(dir, 'm1')).steps, 2);
    assert.equal(readFileSync(lossFile(dir, 'm1'), 'utf8').trim().split('\n').length, 2, 'the child trained the edited step count');
    // another learning rate: refused by default, naming the field; retrained when the notebook asks
    const edited = { ...profile, lr: profile.lr / 2 };
    await assert.rejects(ensureTrained(['m1'], { runDir: run, profile: edited, seeds: [1], log: quiet }), /profile\.lr: 0\.002 → 0\.001/);
    const rows = await ensureTrained(['m1'], { runDir: run, profile: edited, seeds: [1], onChange: 'retrain', log: quiet });
    assert.match(rows[0]!.action, /trained again \(made from other inputs: profile\.lr: 0\.002 → 0\.001\)/);
    assert.equal(json(finalConfigFile(dir, 'm1')).trained_from.profile.lr, 0.001);
    // layer 0 (the token embeddings) is untouched by LoRA: the base row and m1 must score the same there
    const { layerAnalysis } = await import('../../src/figures/run-figures.ts');
    const { spearman } = await layerAnalysis(dir, 40);
    const base = spearman.find((s) => s.design === 'base-mean')!, m1 = spearman.find((s) => s.design === 'm1')!;
    assert.equal(base.layers[0], 0);
    assert.ok(Math.abs(base.spearman[0]! - m1.spearman[0]!) < 1e-9, `layer 0: base ${base.spearman[0]} vs m1 ${m1.spearman[0]}`);
  } finally { rmSync(run, { recursive: true, force: true }); }
});

test('a user task whose data changed since the run evaluated it is refused, naming the task and file', { timeout: 300_000 }, async () => {
  const run = tmp();
  const data = tmp();
  try {
    cpSync(join(projectRoot, 'docs', 'examples', 'custom-task-data'), data, { recursive: true });
    const { registerCustomTask } = await import('../../src/eval/tasks/custom.ts');
    const task = registerCustomTask({ name: 'RunSpecRerankingProbe', category: 'Reranking', baseDir: data, files: { data: 'reranking.jsonl' } });
    const { resolveRunSpec, settleRunSpec } = await import('../../src/run-spec.ts');
    const { PROFILES } = await import('../../src/training/profiles.ts');
    settleRunSpec(run, await resolveRunSpec(PROFILES.smoke!));
    const { evaluateDesign } = await import('../../src/eval/runner.ts');
    await evaluateDesign({ runDir: run, design: 'base-mean', tasks: [task], log: quiet });
    const file = join(data, 'reranking.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('bread rise', 'dough rise'));
    await assert.rejects(evaluateDesign({ runDir: run, design: 'base-eos', tasks: [task], log: quiet }), /user task 'RunSpecRerankingProbe' was evaluated in this run on other data \(.*reranking\.jsonl/);
  } finally { rmSync(run, { recursive: true, force: true }); rmSync(data, { recursive: true, force: true }); }
});
