// Reading the JSON files of a run folder (config.json, state.json, triples.json, …): a truncated or
// damaged file is an error that names the file and says what is wrong with it, never a bare
// "Unexpected end of JSON input".
import { readFileSync, statSync } from 'node:fs';

export class JsonFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'JsonFileError';
  }
}

/** Parse `file` as JSON; `what` says what the file is, for the message ("checkpoint state", …). */
export function readJsonFile<T = unknown>(file: string, what: string, fix = 'delete it and rerun the step that writes it'): T {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new JsonFileError(file, `${file}: ${what} is a directory, expected a JSON file`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof JsonFileError) throw e;
    throw new JsonFileError(file, `${file}: cannot read ${what} (${(e as Error).message})`);
  }
  return parseJsonText<T>(text, file, what, fix);
}

/** JSON.parse of a file's text already read; errors as readJsonFile's. */
export function parseJsonText<T = unknown>(text: string, file: string, what: string, fix = 'delete it and rerun the step that writes it'): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const kind = jsonFailure(text, (e as Error).message);
    throw new JsonFileError(file, `${file}: ${what} is ${kind} (${(e as Error).message}); ${fix}`);
  }
}

/**
 * The records of a JSON-lines log. A last line without its newline that does not parse is what a
 * crash in the middle of an append leaves: it is dropped (and reported through `onPartial`); any
 * other bad line is an error naming the file and line.
 */
export function readJsonLines<T = unknown>(text: string, file: string, onPartial?: (line: number, content: string) => void): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    try { out.push(JSON.parse(line) as T); } catch (e) {
      const last = i === lines.length - 1; // no newline after it
      if (last) { onPartial?.(i + 1, line); continue; }
      throw new JsonFileError(file, `${file}:${i + 1}: not a JSON record (${(e as Error).message})`);
    }
  }
  return out;
}

/** 'empty', 'truncated' (the parser ran out of text: a write cut short) or 'not valid JSON'. */
export function jsonFailure(text: string, message: string): 'empty' | 'truncated' | 'not valid JSON' {
  if (text.trim() === '') return 'empty';
  if (/Unexpected end|Unterminated|end of JSON/i.test(message)) return 'truncated';
  const at = /at position (\d+)/.exec(message);
  return at && Number(at[1]) >= text.trimEnd().length ? 'truncated' : 'not valid JSON';
}
