// `node --import tsx scripts/findings.ts [--readme FILE] [--check]`
// Writes each findings paragraph of the README, generated from the stats.json its marker names
// (docs/results/quick-3seeds/stats.json, docs/results/smollm2-135m/stats.json, …).
// --check: write nothing, exit 1 when a paragraph differs from the generated one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { findingsParagraph, findingsSources, readFindingsBlock, replaceFindingsBlock } from '../src/report/findings.ts';
import { loadPaperTable } from '../src/report/paper-table.ts';
import type { Stats } from '../src/report/analysis.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt; };
const readmeFile = opt('readme', join(projectRoot, 'README.md'));
let readme = readFileSync(readmeFile, 'utf8');
const sources = findingsSources(readme);
if (sources.length === 0) throw new Error(`${readmeFile}: no findings markers`);
let stale = 0;
for (const statsPath of sources) {
  const paragraph = findingsParagraph(JSON.parse(readFileSync(join(projectRoot, statsPath), 'utf8')) as Stats, loadPaperTable());
  if (argv.includes('--check')) {
    const same = readFindingsBlock(readme, statsPath) === paragraph;
    if (!same) stale++;
    process.stderr.write(same ? `${readmeFile}: findings match ${statsPath}\n` : `${readmeFile}: findings differ from what ${statsPath} gives; run node --import tsx scripts/findings.ts\n`);
  } else {
    readme = replaceFindingsBlock(readme, paragraph, statsPath);
    process.stderr.write(`${readmeFile}: findings written from ${statsPath}\n`);
  }
}
if (argv.includes('--check')) process.exit(stale ? 1 : 0);
writeFileSync(readmeFile, readme);
