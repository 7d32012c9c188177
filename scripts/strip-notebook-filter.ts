// git's clean filter for notebooks (.gitattributes: notebooks/*.ipynb filter=strip-notebook; set up
// by scripts/setup.sh): reads a notebook on stdin, writes it stripped of outputs on stdout. So a
// notebook saved from JupyterLab keeps its outputs on disk while git stores only the source.
// JupyterLab saves with sorted keys and the kernel's language_info; keys are put back in this
// project's order and the kernel-written fields dropped, so saving an unchanged notebook from the UI
// leaves `git status` clean (checked by the browser test).
//   git config filter.strip-notebook.clean 'node --import tsx scripts/strip-notebook-filter.ts %f'
import { readFileSync } from 'node:fs';
import { parseNotebook, serializeNotebook, stripNotebook } from '../src/notebook/strip.ts';

/** `o` with `first` keys in that order, then the others in their own order. */
function ordered(o: Record<string, unknown>, first: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in o) out[k] = o[k];
  for (const k of Object.keys(o)) if (!(k in out)) out[k] = o[k];
  return out;
}

const KERNEL_WRITTEN = ['version', 'codemirror_mode', 'pygments_lexer', 'nbconvert_exporter'];
const without = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

const file = process.argv[2] ?? '<stdin>';
try {
  const nb = stripNotebook(parseNotebook(readFileSync(0, 'utf8'), file));
  const meta = nb.metadata as Record<string, Record<string, unknown> | undefined>;
  const metadata = ordered({
    ...meta,
    ...(meta.kernelspec ? { kernelspec: ordered(meta.kernelspec, ['name', 'display_name', 'language']) } : {}),
    // the kernel rewrites these on every run (tslab: its TypeScript version, an editor mode)
    ...(meta.language_info ? { language_info: ordered(without(meta.language_info, KERNEL_WRITTEN), ['name', 'file_extension', 'mimetype']) } : {}),
  }, ['kernelspec', 'language_info']);
  const cells = nb.cells.map((c) => ordered(c, ['id', 'cell_type', 'execution_count', 'metadata', 'outputs', 'source']));
  process.stdout.write(serializeNotebook(ordered({ ...nb, cells, metadata }, ['cells', 'metadata', 'nbformat', 'nbformat_minor']) as unknown as typeof nb));
} catch (err) {
  process.stderr.write(`strip-notebook-filter: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
