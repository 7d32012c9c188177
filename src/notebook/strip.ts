// Source notebooks are committed without outputs: no outputs, no execution counts, no execution
// timing metadata. Pure functions on the notebook JSON (nbformat 4).

export interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; outputs?: unknown[]; execution_count?: number | null; metadata?: Record<string, unknown>; [k: string]: unknown }[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function parseNotebook(text: string, file: string): NotebookJson {
  let nb: unknown;
  try { nb = JSON.parse(text); } catch (err) { throw new Error(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`); }
  const o = nb as Partial<NotebookJson>;
  if (!o || !Array.isArray(o.cells) || o.nbformat !== 4) throw new Error(`${file}: not an nbformat-4 notebook`);
  return o as NotebookJson;
}

/** The notebook without outputs, execution counts and per-cell execution metadata. */
export function stripNotebook(nb: NotebookJson): NotebookJson {
  return {
    ...nb,
    cells: nb.cells.map((c) => {
      if (c.cell_type !== 'code') return c;
      const { execution: _e, ...metadata } = (c.metadata ?? {}) as Record<string, unknown>;
      return { ...c, metadata, outputs: [], execution_count: null };
    }),
  };
}

/** What keeps `nb` from being a clean source notebook (empty: clean). */
export function strippedProblems(nb: NotebookJson): string[] {
  const out: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    if ((c.outputs ?? []).length > 0) out.push(`cell ${i + 1} has outputs`);
    if (c.execution_count != null) out.push(`cell ${i + 1} has an execution count`);
    if (c.metadata && 'execution' in c.metadata) out.push(`cell ${i + 1} has execution metadata`);
  });
  return out;
}

/** Jupyter's own layout (indent 1, trailing newline), so a stripped file diffs cleanly. */
export function serializeNotebook(nb: NotebookJson): string {
  return JSON.stringify(nb, null, 1) + '\n';
}

export function cellSource(c: { source: string | string[] }): string {
  return Array.isArray(c.source) ? c.source.join('') : c.source;
}
