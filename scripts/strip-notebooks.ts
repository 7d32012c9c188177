// Source notebooks are committed without outputs.
//   node --import tsx scripts/strip-notebooks.ts            strip notebooks/*.ipynb in place
//   node --import tsx scripts/strip-notebooks.ts --check    exit 1 naming any notebook with outputs
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../src/cli/args.ts';
import { projectRoot } from '../src/notebook/context.ts';
import { parseNotebook, serializeNotebook, stripNotebook, strippedProblems } from '../src/notebook/strip.ts';
import { writeFileAtomic } from '../src/io/atomic.ts';

function main(argv: string[]): number {
  const args = parseArgs(argv, { check: { flag: true } }, 'strip-notebooks');
  const dir = join(projectRoot, 'notebooks');
  const files = args.positionals.length > 0 ? args.positionals : readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => join(dir, f));
  let dirty = 0;
  for (const file of files) {
    const nb = parseNotebook(readFileSync(file, 'utf8'), file);
    const problems = strippedProblems(nb);
    if (problems.length === 0) continue;
    dirty++;
    if (args.flags.check) process.stderr.write(`${file}: ${problems.join('; ')}\n`);
    else { writeFileAtomic(file, serializeNotebook(stripNotebook(nb))); process.stderr.write(`stripped ${file}\n`); }
  }
  if (args.flags.check && dirty > 0) {
    process.stderr.write(`${dirty} notebook(s) have outputs: run node --import tsx scripts/strip-notebooks.ts\n`);
    return 1;
  }
  return 0;
}

try { process.exitCode = main(process.argv.slice(2)); } catch (err) {
  process.stderr.write(`strip-notebooks: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
