// Entry point of `npm run -s cli -- <command> ...`. Each command lives in its own module and is
// loaded only when asked for, so `stats` never pays for loading TensorFlow.js.
import { UsageError } from './args.ts';

type Command = { run(argv: string[]): Promise<number | void> };

const commands: Record<string, { help: string; load: () => Promise<Command> }> = {
  generate: { help: 'generate text with a base model (greedy unless --temperature)', load: () => import('./generate.ts') },
  train: { help: 'fine-tune designs (--design m1|all --profile smoke|quick|paper --seed N --out DIR [--resume])', load: () => import('./train.ts') },
  embed: { help: 'embed lines of a file with a trained design (--run DIR --design m1 --input FILE)', load: () => import('./embed.ts') },
  reproduce: { help: 'the whole study: data verify, train, evaluate, compare, figures, REPORT.md (--profile, --seeds, --out)', load: () => import('./reproduce.ts') },
  eval: { help: 'evaluate designs on the MTEB-style tasks (--run DIR --designs all|m1,base-mean,use-lite,minilm --tasks all|sts,… --limit N --profile quick --jobs 2)', load: () => import('./eval.ts') },
  data: { help: 'data verify: check every file of the manifest', load: () => import('./data.ts') },
  stats: { help: 'stats wilcoxon|padjust --json ...: signed-rank test and p-value adjustment (scipy/statsmodels semantics)', load: () => import('./stats.ts') },
  compare: { help: 'compare --run DIR: tests of every design vs m1, stats.json and paper-style tables', load: () => import('./compare.ts') },
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === 'help') {
    const lines = Object.entries(commands).map(([k, v]) => `  ${k.padEnd(10)} ${v.help}`);
    process.stderr.write(`usage: npm run -s cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}\n`);
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`unknown command '${name}'; valid commands: ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  const mod = await entry.load();
  return (await mod.run(rest)) ?? 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) { process.stderr.write(`${err.message}\n`); process.exitCode = 2; return; }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
