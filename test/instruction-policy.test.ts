// The instruction policy per task family: which texts each preset instructs, run through the real
// task loaders and runTask with an embedder that records what it was asked to encode. 'authors'
// instructs reranking candidates (their run_mteb.py + vendored RerankingEvaluator), never retrieval
// documents; 'e5' equals every task's own E5/MTEB `instructed` field; 'none' instructs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { runTask } from '../src/eval/run-task.ts';
import { EVAL_INSTRUCTION_POLICIES, instructionFor, evalPolicyByName, type EvalInstructionPolicyName } from '../src/eval/instruction-policy.ts';
import { allTasks, taskByName } from '../src/eval/tasks/index.ts';
import { mulberry32 } from '../src/util/random.ts';

const skip = existsSync(join(resolve(projectRoot, '..', 'shared'), 'data', 'MANIFEST.tsv')) ? false : 'no data mirror';

/** Records (instruction, text count) per embed call; returns seeded random vectors. */
function recorder() {
  const calls: { instruction: string; n: number }[] = [];
  const rand = mulberry32(5);
  const embed = async (texts: readonly string[], instruction: string) => {
    calls.push({ instruction, n: texts.length });
    return texts.map(() => Float32Array.from({ length: 8 }, () => rand() - 0.5));
  };
  return { calls, embed };
}

test("the 'e5' preset is every task's own `instructed` field; 'authors' differs only in reranking", () => {
  for (const t of allTasks) {
    assert.equal(EVAL_INSTRUCTION_POLICIES.e5[t.category], t.instructed, t.name);
    assert.equal(EVAL_INSTRUCTION_POLICIES.authors[t.category], t.category === 'Retrieval' ? 'queries' : 'all', t.name);
    for (const side of ['query', 'document'] as const) assert.equal(instructionFor(t, side, 'none'), '');
  }
  assert.throws(() => evalPolicyByName('mteb'), /valid: authors, e5, none/);
});

test('runTask: which side gets the instruction under each preset (WikiQA, Cranfield, STSBenchmark)', { skip }, async () => {
  const expect: Record<EvalInstructionPolicyName, Record<string, [boolean, boolean]>> = {
    authors: { WikiQA: [true, true], Cranfield: [true, false], STSBenchmark: [true, true] },
    e5: { WikiQA: [true, false], Cranfield: [true, false], STSBenchmark: [true, true] },
    none: { WikiQA: [false, false], Cranfield: [false, false], STSBenchmark: [false, false] },
  };
  for (const policy of ['authors', 'e5', 'none'] as const) {
    for (const name of ['WikiQA', 'Cranfield', 'STSBenchmark']) {
      const task = taskByName(name);
      const r = recorder();
      const run = await runTask(task, r.embed, 5, policy);
      // every task embeds its query side first, then its document side
      assert.equal(r.calls.length, 2, name);
      const [q, d] = expect[policy][name]!;
      assert.equal(r.calls[0]!.instruction, q ? task.instruction : '', `${policy} ${name} queries`);
      assert.equal(r.calls[1]!.instruction, d ? task.instruction : '', `${policy} ${name} documents`);
      assert.deepEqual(run.instructions, { query: r.calls[0]!.instruction, document: r.calls[1]!.instruction });
      assert.ok(Number.isFinite(run.chance.mean) && run.chance.sd > 0, `${name}: chance level computed`);
    }
  }
});
