// `node --import tsx scripts/findings.ts [--stats FILE] [--readme FILE] [--check]`
// Writes the README's findings paragraph, generated from a run's stats.json (default: the committed
// quick 3-seed run, docs/results/quick-3seeds/stats.json), between the findings markers of README.md.
// --check: write nothing, exit 1 when the README's paragraph differs from the generated one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { findingsParagraph, readFindingsBlock, replaceFindingsBlock } from '../src/report/findings.ts';
import { loadPaperTable } from '../src/report/paper-table.ts';
import type { Stats } from '../src/report/analysis.ts';

export const COMMITTED_STATS = join(projectRoot, 'docs', 'results', 'quick-3seeds', 'stats.json');

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt; };
const statsFile = opt('stats', COMMITTED_STATS), readmeFile = opt('readme', join(projectRoot, 'README.md'));
const paragraph = findingsParagraph(JSON.parse(readFileSync(statsFile, 'utf8')) as Stats, loadPaperTable());
const readme = readFileSync(readmeFile, 'utf8');
if (argv.includes('--check')) {
  const same = readFindingsBlock(readme) === paragraph;
  process.stderr.write(same ? `${readmeFile}: findings match ${statsFile}\n` : `${readmeFile}: findings differ from what ${statsFile} gives; run node --import tsx scripts/findings.ts\n`);
  process.exit(same ? 0 : 1);
}
writeFileSync(readmeFile, replaceFindingsBlock(readme, paragraph));
process.stderr.write(`${readmeFile}: findings written from ${statsFile}\n`);
