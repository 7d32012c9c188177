// What a headless executed copy needs to read true when opened later (scripts/run-notebooks.ts):
// execution counts on the cells that ran (tslab leaves them unset), a first cell saying which profile
// and run folder the run really used, and a static PNG beside every inline Plotly figure, because an
// untrusted notebook does not run the figure's script and would show an empty box. Pure functions on
// the notebook JSON, apart from the PNG rendering the caller does.
import type { Figure } from '../figures/figure.ts';
import type { NotebookJson } from './strip.ts';

type Output = { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown>; execution_count?: number | null; [k: string]: unknown };

/** Number the code cells that ran (indices in `executed`) 1, 2, … in order, as a live kernel would. */
export function numberExecuted(nb: NotebookJson, executed: ReadonlySet<number>): NotebookJson {
  let n = 0;
  return {
    ...nb,
    cells: nb.cells.map((c, i) => {
      if (c.cell_type !== 'code' || !executed.has(i)) return c;
      n += 1;
      const outputs = ((c.outputs ?? []) as Output[]).map((o) => (o.output_type === 'execute_result' ? { ...o, execution_count: n } : o));
      return { ...c, execution_count: n, outputs };
    }),
  };
}

export interface RunInfo { profile: string; runDir: string; date: string; seconds: number }

/** A first markdown cell and notebook metadata recording the profile and run folder actually used. */
export function markRun(nb: NotebookJson, info: RunInfo): NotebookJson {
  const header = {
    cell_type: 'markdown', id: 'pa-headless-run', metadata: { tags: ['headless-run'] },
    source: `**Executed headless** by \`npm run notebooks\` on ${info.date} in ${info.seconds.toFixed(0)} s — profile **${info.profile}**, run folder \`${info.runDir}\`. ` +
      'Each figure is followed by a static PNG, for viewers that do not run its script (an untrusted notebook).',
  };
  return { ...nb, metadata: { ...nb.metadata, pa_run: { ...info, headless: true } }, cells: [header, ...nb.cells.filter((c) => c.id !== 'pa-headless-run')] };
}

/** Where an inline figure sits: cell index, output index, and the figure it draws (from figureHtml's script). */
export interface InlineFigure { cell: number; output: number; figure: Figure }

const FIGURE_JSON = /class="pa-plotly"[\s\S]*?var fig = (\{[\s\S]*?\});\n\s*var tries = 0;/;

export function inlineFigures(nb: NotebookJson): InlineFigure[] {
  const out: InlineFigure[] = [];
  nb.cells.forEach((c, i) => ((c.outputs ?? []) as Output[]).forEach((o, j) => {
    const html = o.data?.['text/html'];
    const text = Array.isArray(html) ? html.join('') : typeof html === 'string' ? html : '';
    const m = FIGURE_JSON.exec(text);
    if (m) out.push({ cell: i, output: j, figure: JSON.parse(m[1]!) as Figure });
  }));
  return out;
}

/** Insert each PNG (base64) as its own display output right after the figure's output. */
export function addStaticPngs(nb: NotebookJson, figures: readonly InlineFigure[], pngs: readonly string[]): NotebookJson {
  if (figures.length !== pngs.length) throw new Error(`addStaticPngs: ${figures.length} figures but ${pngs.length} images`);
  const byCell = new Map<number, { output: number; png: string; width?: number }[]>();
  figures.forEach((f, k) => {
    const list = byCell.get(f.cell) ?? [];
    list.push({ output: f.output, png: pngs[k]!, width: f.figure.layout.width });
    byCell.set(f.cell, list);
  });
  return {
    ...nb,
    cells: nb.cells.map((c, i) => {
      const add = byCell.get(i);
      if (!add) return c;
      const outputs: Output[] = [];
      ((c.outputs ?? []) as Output[]).forEach((o, j) => {
        outputs.push(o);
        for (const a of add.filter((x) => x.output === j)) {
          outputs.push({ output_type: 'display_data', data: { 'image/png': a.png, 'text/plain': ['<static copy of the figure above>'] }, metadata: { 'image/png': a.width ? { width: a.width } : {}, pa_static_figure: true } });
        }
      });
      return { ...c, outputs };
    }),
  };
}
