// Bytes → text → lines for the raw upstream data files, and the error every parser throws.
// Upstream files mix UTF-8 (some with a BOM), Windows-1252 bytes and CRLF line ends; these helpers
// make each of those an explicit, countable decision instead of a silent replacement character.

/** A malformed record in a data file; the message names the file and the 1-based line (or, for
 *  JSON, a path to the record such as `doc 52 / system bart_out.txt`). */
export class DataFormatError extends Error {
  constructor(readonly file: string, readonly line: number | string, detail: string) {
    super(typeof line === 'number' ? `${file}:${line}: ${detail}` : `${file} (${line}): ${detail}`);
    this.name = 'DataFormatError';
  }
}

const BOM = [0xef, 0xbb, 0xbf];

export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

/** Strict UTF-8 decoding (an invalid byte is an error naming the file and line), BOM removed. */
export function decodeUtf8(bytes: Uint8Array, fileName: string): { text: string; bom: boolean } {
  const bom = hasUtf8Bom(bytes);
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), bom };
  } catch {
    throw new DataFormatError(fileName, lineOfFirstInvalidUtf8(body), 'invalid UTF-8');
  }
}

/** Windows-1252 code points for bytes 0x80–0x9F; the five bytes cp1252 leaves undefined map to the
 *  C1 control of the same value, as the WHATWG "windows-1252" decoder does. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Windows-1252 (a superset of Latin-1's printable range: MR uses 0x85 "…", 0x91 "‘", 0x96 "–"). */
export function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i]!;
    out += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b);
  }
  return out;
}

/** UTF-8 if the bytes are valid UTF-8, else Windows-1252; says which was used so callers can count it. */
export function decodeUtf8OrCp1252(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'cp1252'; bom: boolean } {
  const bom = hasUtf8Bom(bytes);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bom ? bytes.subarray(3) : bytes), encoding: 'utf-8', bom };
  } catch {
    return { text: decodeCp1252(bytes), encoding: 'cp1252', bom: false };
  }
}

/** Physical lines: splits on LF, removes one CR before each LF, and drops the empty piece after a
 *  final newline (a file without a final newline keeps its last line). Line i is line number i + 1. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Number of CRLF line ends (a quirk count for files that have them). */
export function countCrlf(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\r\n'); i !== -1; i = text.indexOf('\r\n', i + 2)) n += 1;
  return n;
}

function lineOfFirstInvalidUtf8(bytes: Uint8Array): number {
  // Decode line by line; the first line that fails is the culprit.
  let line = 1;
  let start = 0;
  const dec = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i <= bytes.length; i += 1) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try { dec.decode(bytes.subarray(start, i)); } catch { return line; }
      line += 1;
      start = i + 1;
    }
  }
  return line;
}

/** Line-aligned files (castorini-style `a.toks` / `b.toks` / `sim.txt` / `id.txt`): the lines of
 *  each, after checking that all have the same number of lines. */
export function alignedLines(files: readonly { fileName: string; bytes: Uint8Array }[]): string[][] {
  const cols = files.map((f) => splitLines(decodeUtf8(f.bytes, f.fileName).text));
  const n = cols[0]?.length ?? 0;
  cols.forEach((c, k) => {
    if (c.length !== n) {
      throw new DataFormatError(files[k]!.fileName, Math.min(c.length, n) + 1,
        `${c.length} lines, but ${files[0]!.fileName} has ${n} (the files must be line-aligned)`);
    }
  });
  return cols;
}
