// The README's numbers on top-k vs all-layer LoRA come from the committed comparison
// (docs/results/lora-layers-k4/comparison.json, written by scripts/lora-layers-approximation.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

test('README: top-4 vs all-layer LoRA numbers equal docs/results/lora-layers-k4/comparison.json', () => {
  const c = JSON.parse(readFileSync('docs/results/lora-layers-k4/comparison.json', 'utf8')) as { lora_layers: number; steps: number; rows: { design: string; category: string; all_layers: number; top_k: number }[] };
  const row = (d: string, cat: string) => c.rows.find((r) => r.design === d && r.category === cat)!;
  const readme = readFileSync('README.md', 'utf8').replace(/\s+/g, ' ');
  assert.equal(c.lora_layers, 4);
  assert.match(readme, new RegExp(`trained ${c.steps} steps with the smollm2 profile and \`--lora-layers 4\``));
  assert.match(readme, new RegExp(`m1 scores STS ${row('m1', 'STS').top_k.toFixed(3)} against ${row('m1', 'STS').all_layers.toFixed(3)} with LoRA on every layer`));
  assert.match(readme, new RegExp(`m5, whose all-layer head stayed at chance, scores STS ${row('m5', 'STS').top_k.toFixed(3)} against ${row('m5', 'STS').all_layers.toFixed(3)}`));
});

test('README: the learning-curve table is the generated docs/results/learning-curves-k4/curves.md', () => {
  const table = readFileSync('docs/results/learning-curves-k4/curves.md', 'utf8').trim();
  const readme = readFileSync('README.md', 'utf8');
  const block = readme.match(/<!-- curves:begin[^>]*-->\n([\s\S]*?)\n<!-- curves:end -->/);
  assert.ok(block, 'the README has the curves block');
  assert.equal(block[1]!.trim(), table);
  const c = JSON.parse(readFileSync('docs/results/learning-curves-k4/curves.json', 'utf8')) as { steps: number; designs: Record<string, { complete: boolean }> };
  assert.ok(Object.values(c.designs).every((d) => d.complete), 'every design ran its planned steps');
  assert.match(readme.replace(/\s+/g, ' '), new RegExp(`trained each design for ${c.steps} steps`));
});
