// Parsers of the raw classification (Banking77, AG News, SMS Spam, MR) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/classification.ts) and the training triples.
import { readDataFile } from '../files.ts';
import { parseCsvTable } from '../csv.ts';
import { countCrlf, DataFormatError, decodeCp1252, decodeUtf8, splitLines } from '../text.ts';
import type { Quirks, LabeledText } from './records.ts';

/** Line breaks inside a text become one space; counts how many texts had one. */
function joinLines(s: string): { text: string; multiline: boolean } {
  const multiline = /[\r\n]/.test(s.trim());
  return { text: s.replace(/\s*[\r\n]+\s*/g, ' ').trim(), multiline };
}

export function parseBanking77Categories(bytes: Uint8Array, fileName: string): string[] {
  const { text } = decodeUtf8(bytes, fileName);
  let cats: unknown;
  try { cats = JSON.parse(text); } catch (e) { throw new DataFormatError(fileName, 1, `invalid JSON: ${(e as Error).message}`); }
  if (!Array.isArray(cats) || !cats.every((c) => typeof c === 'string')) throw new DataFormatError(fileName, 1, 'expected a JSON array of strings');
  return cats as string[];
}

/** Banking77 `train.csv` / `test.csv`: CSV `text,category` with CRLF record ends; some quoted texts
 *  hold line breaks, which become one space (`multilineTexts`). An unknown category is an error. */
export function parseBanking77(bytes: Uint8Array, fileName: string, categories: readonly string[]): { rows: LabeledText[]; quirks: Quirks } {
  const { text } = decodeUtf8(bytes, fileName);
  const known = new Set(categories);
  let multilineTexts = 0;
  const rows = parseCsvTable(text, fileName, ['text', 'category']).map((r) => {
    const j = joinLines(r.fields[0]!);
    if (j.multiline) multilineTexts += 1;
    if (j.text === '') throw new DataFormatError(fileName, r.line, 'empty text');
    const label = r.fields[1]!;
    if (!known.has(label)) throw new DataFormatError(fileName, r.line, `unknown category ${JSON.stringify(label)}`);
    return { text: j.text, label };
  });
  return { rows, quirks: { crlfLines: countCrlf(text), multilineTexts } };
}

export const AG_NEWS_CLASSES = ['World', 'Sports', 'Business', 'Sci/Tech'] as const;

/** AG News `cased/test.csv`: CSV `label,title,description`, labels 1–4. Text = title + ' ' +
 *  description. The corpus marks line breaks with a backslash; each run of backslashes becomes a
 *  space (`backslashBreaks`: texts affected). HTML remnants (`#39;`, `&lt;`) are kept verbatim, as
 *  in the Hugging Face `ag_news` text. */
export function parseAgNewsCased(bytes: Uint8Array, fileName: string): { rows: LabeledText[]; quirks: Quirks } {
  const { text } = decodeUtf8(bytes, fileName);
  let backslashBreaks = 0;
  let multilineTexts = 0;
  const rows = parseCsvTable(text, fileName, ['label', 'title', 'description']).map((r) => {
    const k = Number(r.fields[0]);
    if (!Number.isInteger(k) || k < 1 || k > 4) throw new DataFormatError(fileName, r.line, `label ${JSON.stringify(r.fields[0])}, expected 1–4`);
    let t = `${r.fields[1]!.trim()} ${r.fields[2]!.trim()}`;
    if (t.includes('\\')) { backslashBreaks += 1; t = t.replace(/\\+/g, ' '); }
    const j = joinLines(t);
    if (j.multiline) multilineTexts += 1;
    const clean = j.text.replace(/ {2,}/g, ' ');
    if (clean === '') throw new DataFormatError(fileName, r.line, 'empty title and description');
    return { text: clean, label: AG_NEWS_CLASSES[k - 1]! };
  });
  return { rows, quirks: { crlfLines: countCrlf(text), backslashBreaks, multilineTexts } };
}

/** SMS Spam Collection: `ham|spam` TAB text, no header, one message per line. */
export function parseSmsSpam(bytes: Uint8Array, fileName: string): { rows: LabeledText[]; quirks: Quirks } {
  const lines = splitLines(decodeUtf8(bytes, fileName).text);
  const rows = lines.map((l, i) => {
    const tab = l.indexOf('\t');
    const label = tab === -1 ? '' : l.slice(0, tab);
    if (label !== 'ham' && label !== 'spam') throw new DataFormatError(fileName, i + 1, `expected 'ham' or 'spam' then a tab, got ${JSON.stringify(l.slice(0, 20))}`);
    const text = l.slice(tab + 1).trim();
    if (text === '') throw new DataFormatError(fileName, i + 1, 'empty message');
    return { text, label };
  });
  return { rows, quirks: {} };
}

/** MR (rt-polarity.pos / .neg): one sentence per line in Windows-1252 bytes (not UTF-8). */
export function parseMrFile(bytes: Uint8Array, fileName: string, label: 'pos' | 'neg'): { rows: LabeledText[]; quirks: Quirks } {
  const lines = splitLines(decodeCp1252(bytes));
  let nonAsciiLines = 0;
  const rows = lines.map((l, i) => {
    const text = l.trim();
    if (text === '') throw new DataFormatError(fileName, i + 1, 'empty line');
    if (/[^\x00-\x7f]/.test(text)) nonAsciiLines += 1;
    return { text, label };
  });
  return { rows, quirks: { cp1252Files: 1, nonAsciiLines } };
}


const BANKING77_CATEGORIES = 'data/classification/banking77/categories.json';

export async function loadBanking77Split(split: 'train' | 'test'): Promise<{ rows: LabeledText[]; quirks: Quirks; files: string[]; categories: string[] }> {
  const categories = parseBanking77Categories(await readDataFile(BANKING77_CATEGORIES), BANKING77_CATEGORIES);
  const file = `data/classification/banking77/${split}.csv`;
  const r = parseBanking77(await readDataFile(file), file, categories);
  return { ...r, files: [BANKING77_CATEGORIES, file], categories };
}

export async function loadAgNewsCased(): Promise<{ rows: LabeledText[]; quirks: Quirks; files: string[] }> {
  const file = 'data/classification/ag_news/cased/test.csv';
  return { ...parseAgNewsCased(await readDataFile(file), file), files: [file] };
}
