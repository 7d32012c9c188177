// Install this project's tslab kernel spec for JupyterLab / Jupyter Notebook:
//   node --import tsx scripts/notebook-kernel.ts [--dir JUPYTER_DATA_DIR]
// Default: Jupyter's user data dir (`jupyter --data-dir`, else ~/.local/share/jupyter).
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../src/cli/args.ts';
import { KERNEL_NAME, writeKernelSpec } from '../src/notebook/kernel-spec.ts';

function dataDir(): string {
  const r = spawnSync(process.env.PA_JUPYTER ?? 'jupyter', ['--data-dir'], { encoding: 'utf8' });
  const out = r.status === 0 ? r.stdout.trim() : '';
  return out || join(homedir(), '.local', 'share', 'jupyter');
}

try {
  const args = parseArgs(process.argv.slice(2), { dir: {} }, 'notebook-kernel');
  const file = writeKernelSpec(args.options.dir ?? dataDir());
  process.stderr.write(`wrote ${file}; pick the kernel '${KERNEL_NAME}' ("TypeScript (tslab, pooling-and-attention)") in JupyterLab\n`);
} catch (err) {
  process.stderr.write(`notebook-kernel: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
