// The software a run used, for the setup notebook and reports: Node, OS, CPU, and the installed
// versions of the project's direct dependencies (read from node_modules, not from the ranges).
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './context.ts';

export interface EnvironmentInfo {
  node: string;
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** package → installed version ('missing' when not installed) */
  packages: Record<string, string>;
}

export function installedVersion(pkg: string, root = projectRoot): string {
  const file = join(root, 'node_modules', ...pkg.split('/'), 'package.json');
  if (!existsSync(file)) return 'missing';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
}

export function environmentInfo(root = projectRoot): EnvironmentInfo {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].sort();
  const c = cpus();
  return {
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    packages: Object.fromEntries(names.map((n) => [n, installedVersion(n, root)])),
  };
}
