// The paper's published Mistral-7B table (data/paper-table.json), for side-by-side comparison.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PaperRow {
  design: string;
  label: string;
  /** 'absolute' for the baseline row, 'difference' (design − baseline) for the others */
  kind: 'absolute' | 'difference';
  values: Record<string, number>;
  significant: Record<string, boolean>;
}

export interface PaperTable {
  source: string;
  base_model: string;
  baseline: string;
  test: string;
  categories: string[];
  rows: PaperRow[];
}

export const PAPER_TABLE_PATH = fileURLToPath(new URL('../../data/paper-table.json', import.meta.url));

export function loadPaperTable(path: string = PAPER_TABLE_PATH): PaperTable {
  const t = JSON.parse(readFileSync(path, 'utf8')) as PaperTable;
  if (!Array.isArray(t.rows) || !Array.isArray(t.categories)) throw new Error(`${path}: expected "rows" and "categories" arrays`);
  for (const r of t.rows) {
    for (const [c, v] of Object.entries(r.values)) {
      if (typeof v !== 'number' || !t.categories.includes(c)) throw new Error(`${path}: row ${r.design}: bad value for ${c}`);
    }
  }
  return t;
}

export function paperRow(t: PaperTable, design: string): PaperRow | undefined {
  return t.rows.find((r) => r.design === design);
}
