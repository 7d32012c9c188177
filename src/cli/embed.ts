// `npm run -s cli -- embed --run DIR --design m1 --input FILE [--lenient]` prints one JSON array (the
// L2-normalised embedding) per input line, in input order. `--design base-mean|base-eos` needs no run.
// The input is strict UTF-8: a BOM is stripped; invalid UTF-8 or a NUL byte (a binary file) is an
// error naming file:line unless --lenient (then U+FFFD replaces bad bytes and NULs are kept).
import { readFileSync } from 'node:fs';
import { parseArgs, required, intOption, UsageError } from './args.ts';
import { decodeUtf8, hasUtf8Bom } from '../data/text.ts';

/** The lines of an input file, checked as the header says. */
export function inputLines(bytes: Uint8Array, file: string, lenient: boolean): string[] {
  let text: string;
  if (lenient) text = new TextDecoder('utf-8').decode(hasUtf8Bom(bytes) ? bytes.subarray(3) : bytes);
  else {
    text = decodeUtf8(bytes, file).text;
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      const line = text.slice(0, nul).split('\n').length;
      throw new Error(`${file}:${line}: NUL byte (a binary file?); embed reads text, one input per line (--lenient embeds it anyway)`);
    }
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export async function run(argv: string[]): Promise<number> {
  const cmd = 'embed';
  const args = parseArgs(argv, {
    run: {}, design: {}, input: {}, instruction: { default: '' }, model: {}, 'max-len': {},
    lenient: { flag: true, help: 'accept invalid UTF-8 (as U+FFFD) and NUL bytes' },
  }, cmd);
  const design = required(args, 'design', cmd);
  const input = required(args, 'input', cmd);
  const maxLen = intOption(args, 'max-len', cmd);
  // BOS and EOS take two of the max length: fewer than 3 leaves no room for the text
  if (maxLen !== undefined && maxLen < 3) throw new UsageError(`${cmd}: --max-len must be >= 3 (BOS + at least one text token + EOS), got ${maxLen}`);
  let bytes: Buffer;
  try { bytes = readFileSync(input); } catch (e) { throw new Error(`${cmd}: cannot read --input ${input}: ${(e as Error).message}`); }
  const lines = inputLines(bytes, input, args.flags.lenient!);
  const { initBackend } = await import('../backend/index.ts');
  const { loadEmbeddingModel } = await import('../embedding/embedding-model.ts');
  const { encodeTexts } = await import('../embedding/embedder.ts');
  await initBackend();
  const em = await loadEmbeddingModel(args.options.run, design, { model: args.options.model, maxLen });
  const vectors = await encodeTexts(em, lines, { instruction: args.options.instruction });
  process.stdout.write(vectors.map((v) => JSON.stringify(Array.from(v))).join('\n') + (vectors.length ? '\n' : ''));
  return 0;
}
