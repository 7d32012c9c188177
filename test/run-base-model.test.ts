// The run folder records its base model: every trained design's final/config.json names it with the
// sha256 of its files; later stages read it from there and refuse changed files. The paper profile
// has no default model: loading without one is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBaseModel } from '../src/embedding/run-model.ts';
import { checkRunBaseModel } from '../src/embedding/embedding-model.ts';
import { loadModel, modelIdentity } from '../src/model/load.ts';
import { profileByName } from '../src/training/profiles.ts';

function runWith(configs: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pa-run-model-'));
  for (const [design, c] of Object.entries(configs)) {
    mkdirSync(join(dir, design, 'final'), { recursive: true });
    writeFileSync(join(dir, design, 'final', 'config.json'), JSON.stringify(c));
  }
  return dir;
}

test('runBaseModel: the model every trained design records; none trained → undefined; disagreement → error', async (t) => {
  const files = await modelIdentity('smollm2-135m');
  assert.deepEqual(files, { gguf: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53' });
  const a = runWith({ m1: { model: 'smollm2-135m', modelFiles: files }, m2: { model: 'smollm2-135m', modelFiles: files } });
  const empty = runWith({});
  const mixed = runWith({ m1: { model: 'smollm2-135m' }, m2: { model: 'stories260K' } });
  t.after(() => [a, empty, mixed].forEach((d) => rmSync(d, { recursive: true, force: true })));
  assert.equal(runBaseModel(a)!.model, 'smollm2-135m');
  assert.deepEqual(runBaseModel(a)!.modelFiles, files);
  assert.equal(runBaseModel(empty), undefined);
  assert.throws(() => runBaseModel(mixed), /designs were trained on different base models: '(smollm2-135m|stories260K)'/);
});

test('checkRunBaseModel: recorded sha256 must match the model as it resolves now', async () => {
  const files = await modelIdentity('stories260K');
  await checkRunBaseModel('stories260K', files, 'x/final/config.json');
  await checkRunBaseModel('stories260K', undefined, 'x/final/config.json'); // an older run without the record
  await assert.rejects(checkRunBaseModel('stories260K', { ...files, checkpoint: '0'.repeat(64) }, 'x/final/config.json'),
    /x\/final\/config\.json: the run was trained on base model 'stories260K' with files .* now resolves to/);
});

test('the paper profile names no base model: loading without --model is a clear error', async () => {
  assert.equal(profileByName('paper').model, '');
  await assert.rejects(loadModel(profileByName('paper').model), /no base model given: .*paper profile has no default.*--model NAME\|PATH, e.g. --model smollm2-135m/);
});
