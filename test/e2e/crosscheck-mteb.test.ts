// The MTEB parity script end to end on a small real run: minilm evaluated through the normal runner
// (its embedding cache), then scripts/crosscheck-mteb.ts feeds the cached vectors to mteb's own
// evaluators. Deterministic metrics must agree to float precision; classification must agree
// exactly once MTEB's classifier gets our undersampling draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const node = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', cwd: root });

test('crosscheck:mteb: our scores of a minilm run equal mteb 2.x evaluators on the same cached vectors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-crosscheck-'));
  try {
    const tasks = 'STSBenchmark,SMSSpam,MRPC,Cranfield';
    const ev = node(['src/cli/main.ts', 'eval', '--run', dir, '--designs', 'minilm', '--tasks', tasks, '--limit', '12', '--profile', 'smoke']);
    assert.equal(ev.status, 0, ev.stderr);
    const out = join(dir, 'parity.json');
    const cc = node(['scripts/crosscheck-mteb.ts', '--run', dir, '--design', 'minilm', '--out', out]);
    assert.equal(cc.status, 0, cc.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { tasks: Record<string, { ours: number; mteb: number; abs_diff: number; mteb_our_protocol?: number; reason?: string }> };
    assert.deepEqual(Object.keys(report.tasks), tasks.split(','));
    for (const name of ['STSBenchmark', 'MRPC', 'Cranfield']) {
      assert.ok(report.tasks[name]!.abs_diff < 1e-5, `${name}: ours ${report.tasks[name]!.ours} vs mteb ${report.tasks[name]!.mteb}`);
    }
    const sms = report.tasks.SMSSpam!;
    assert.ok(Math.abs(sms.mteb_our_protocol! - sms.ours) < 1e-12, `SMSSpam on our draws: ${sms.mteb_our_protocol} vs ${sms.ours}`);
    for (const [name, r] of Object.entries(report.tasks)) assert.notEqual(r.reason, 'UNEXPLAINED', name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
