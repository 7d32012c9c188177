// The Jupyter kernel spec of this project: tslab from node_modules, with tsx loaded so cells can
// `require('../src/….ts')`. (tslab type-checks static imports with its own TypeScript 5.0, which
// rejects this project's `.ts` import paths and files outside the notebook folder; a require is
// loaded at run time by tsx instead.) `npx tslab install` is not used: it needs IPython and writes
// a bare `tslab` command (toolchain.md).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../io/atomic.ts';
import { projectRoot } from './context.ts';

export const KERNEL_NAME = 'tslab-pa';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env: Record<string, string>;
}

export function kernelSpec(root = projectRoot): KernelSpec {
  const tslab = join(root, 'node_modules', '.bin', 'tslab');
  if (!existsSync(tslab)) throw new Error(`${tslab} not found: run npm ci in ${root}`);
  const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
  return {
    argv: [tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (tslab, pooling-and-attention)',
    language: 'typescript',
    env: { NODE_OPTIONS: `--import ${pathToFileURL(tsx).href}` },
  };
}

/** Write `<dataDir>/kernels/tslab-pa/kernel.json`; `dataDir` must then be on JUPYTER_PATH (or be Jupyter's data dir). */
export function writeKernelSpec(dataDir: string, root = projectRoot): string {
  const dir = join(dataDir, 'kernels', KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kernel.json');
  writeFileAtomic(file, JSON.stringify(kernelSpec(root), null, 1) + '\n');
  return file;
}
