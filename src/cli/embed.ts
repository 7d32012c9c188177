// `npm run -s cli -- embed --run DIR --design m1 --input FILE` prints one JSON array (the
// L2-normalised embedding) per input line, in input order. `--design base-mean|base-eos` needs no run.
import { readFileSync } from 'node:fs';
import { parseArgs, required, intOption } from './args.ts';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { run: {}, design: {}, input: {}, instruction: { default: '' }, model: {}, 'max-len': {} }, 'embed');
  const design = required(args, 'design', 'embed');
  const input = required(args, 'input', 'embed');
  const { initBackend } = await import('../backend/index.ts');
  const { loadEmbeddingModel } = await import('../embedding/load-run.ts');
  const { encodeTexts } = await import('../embedding/embedder.ts');
  let text: string;
  try { text = readFileSync(input, 'utf8'); } catch (e) { throw new Error(`embed: cannot read --input ${input}: ${(e as Error).message}`); }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  await initBackend();
  const em = await loadEmbeddingModel(args.options.run, design, { model: args.options.model, maxLen: intOption(args, 'max-len', 'embed') });
  const vectors = await encodeTexts(em, lines, { instruction: args.options.instruction });
  process.stdout.write(vectors.map((v) => JSON.stringify(Array.from(v))).join('\n') + (vectors.length ? '\n' : ''));
  return 0;
}
