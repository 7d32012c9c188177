// The README's new-pooling example (docs/examples/new-pooling.ts) runs verbatim as a notebook cell:
// it is put into a notebook beside notebooks/ (so `require('../src/…')` resolves as it does there),
// executed headless in the tslab kernel, and the design it registers is checked in the next cell;
// the same pooling with a wrong output shape stops at registration, naming the pooling and [batch, dim].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/notebook/context.ts';
import { parseNotebook } from '../../src/notebook/strip.ts';

const example = readFileSync(join(projectRoot, 'docs', 'examples', 'new-pooling.ts'), 'utf8');

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab-pa', display_name: 'TypeScript (tslab, pooling-and-attention)', language: 'typescript' } },
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
  });
}

function run(cells: string[]): { status: number | null; stderr: string; outputs: string } {
  // a folder at the depth of notebooks/, so the example's '../src/…' is the project's src/
  const src = mkdtempSync(join(projectRoot, '.example-nb-'));
  const out = mkdtempSync(join(tmpdir(), 'pa-example-run-'));
  try {
    writeFileSync(join(src, '90-example.ipynb'), notebook(cells));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'run-notebooks.ts'), '--profile', 'smoke', '--out', out, '--notebooks', src],
      { cwd: projectRoot, encoding: 'utf8' });
    const copy = join(out, 'notebooks', '90-example.ipynb');
    const outputs = existsSync(copy) ? JSON.stringify(parseNotebook(readFileSync(copy, 'utf8'), copy).cells.map((c) => c.outputs ?? [])) : '';
    return { status: r.status, stderr: r.stderr, outputs };
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

test('the README example registers its pooling when run verbatim in a notebook cell', () => {
  const check = `const { designByName } = require('../src/designs.ts');
const d = designByName('m7');
if (d.pooling !== 'max' || !d.userPooling) throw new Error('m7 is not registered with its pooling source');
console.log(\`registered \${d.name}: \${d.pooling}, \${d.attention}\`);`;
  const r = run([example, check]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.outputs, /registered m7: max, bidirectional/);
});

test('the example with a wrong output shape stops at registration, naming the pooling and [batch, dim]', () => {
  // keep the sequence axis: [batch, seq, dim] instead of [batch, dim]
  const wrong = example.replace(/tf\.max\(([\s\S]*?), 1\),\n/, 'tf.add($1, 0),\n');
  assert.notEqual(wrong, example, 'the edit applies');
  const r = run([wrong]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /pooling 'max' returned shape \[2, 3, 16\] float32 .*expected \[batch, dim\] = \[2, 16\] float32/);
});
