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

test('README: every learning-curve table is the curves.md its marker names, and says how far each design ran', () => {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/<!-- curves:begin \(([^;)]+)[^>]*-->\n([\s\S]*?)\n<!-- curves:end -->/g)];
  assert.ok(blocks.length >= 1, 'the README has a curves block');
  for (const [, file, table] of blocks) {
    assert.equal(table!.trim(), readFileSync(file!, 'utf8').trim(), `README block of ${file}`);
    const c = JSON.parse(readFileSync(file!.replace(/curves\.md$/, 'curves.json'), 'utf8')) as { steps: number; designs: Record<string, { complete: boolean; steps_done: number }> };
    // a design that stopped early says so in its row (curves.md writes 'stopped at step N of M')
    for (const [d, v] of Object.entries(c.designs)) if (!v.complete) assert.match(table!, new RegExp(`\\| ${d} \\|[^\\n]*(stopped at step ${v.steps_done} of ${c.steps}|not run)`));
  }
});
