// `npm run -s cli -- generate --model stories260K --steps 256 [--prompt TEXT] [--temperature T] [--seed N]`
// prints the generated text and nothing else on stdout (run.c's output, including its final newline).
import { floatOption, intOption, parseArgs } from './args.ts';
import { initBackend } from '../backend/index.ts';
import { loadModel } from '../model/load.ts';
import { generate } from '../model/generate.ts';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    model: { default: 'stories260K' },
    tokenizer: {},
    steps: { default: '256' },
    prompt: {},
    temperature: {},
    seed: { default: '0' },
  }, 'generate');
  await initBackend();
  const { model, tokenizer } = await loadModel(args.options.model!, { tokenizer: args.options.tokenizer });
  const printable = (b: Uint8Array) => !(b.length === 1 && (b[0]! < 0x20 || b[0] === 0x7f) && !/\s/.test(String.fromCharCode(b[0]!)));
  await generate(model, tokenizer, {
    steps: intOption(args, 'steps', 'generate')!,
    prompt: args.options.prompt,
    temperature: floatOption(args, 'temperature', 'generate') ?? 0,
    seed: intOption(args, 'seed', 'generate')!,
    onToken: (prev, token) => {
      // run.c's safe_printf: skip lone control bytes, print everything else as raw bytes.
      const bytes = tokenizer.tokenBytes(prev, token);
      if (printable(bytes)) process.stdout.write(bytes);
    },
  });
  process.stdout.write('\n');
  return 0;
}
