// A small, strict command-line parser: `--name value`, `--flag`, and positionals.
// Unknown options are an error that lists the valid ones, so a typo never silently changes a run.

export interface OptionSpec {
  /** true: the option takes no value (`--resume`). */
  flag?: boolean;
  /** default value when the option is absent. */
  default?: string;
  help?: string;
}

export interface ParsedArgs {
  options: Record<string, string | undefined>;
  flags: Record<string, boolean>;
  positionals: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string): ParsedArgs {
  const options: Record<string, string | undefined> = {};
  const flags: Record<string, boolean> = {};
  const positionals: string[] = [];
  for (const [name, s] of Object.entries(spec)) {
    if (s.flag) flags[name] = false;
    else options[name] = s.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) { positionals.push(arg); continue; }
    let name = arg.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { inline = name.slice(eq + 1); name = name.slice(0, eq); }
    const s = spec[name];
    if (!s) {
      const valid = Object.keys(spec).map((k) => `--${k}`).join(', ') || '(none)';
      throw new UsageError(`${command}: unknown option --${name}; valid options: ${valid}`);
    }
    if (s.flag) { flags[name] = true; continue; }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${command}: option --${name} needs a value`);
    options[name] = value;
  }
  return { options, flags, positionals };
}

/** The value of a required option, or a usage error naming it. */
export function required(args: ParsedArgs, name: string, command: string): string {
  const v = args.options[name];
  if (v === undefined || v === '') throw new UsageError(`${command}: --${name} is required`);
  return v;
}

/** Parse an integer option, naming the option on bad input. */
export function intOption(args: ParsedArgs, name: string, command: string): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`${command}: --${name} must be an integer, got '${v}'`);
  return Number(v);
}

/** Parse a float option, naming the option on bad input. */
export function floatOption(args: ParsedArgs, name: string, command: string): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`${command}: --${name} must be a number, got '${v}'`);
  return x;
}

/** The largest training seed: the generators take 32-bit seeds (util/random.ts), so larger ones
 *  would alias smaller ones (and past 2^53 not even be the number typed). */
export const MAX_SEED = 0xffffffff;

/** One training seed: an integer from 0 to MAX_SEED, or a usage error naming `what`. */
export function parseSeed(text: string, what: string, command: string): number {
  const s = text.trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`${command}: ${what} must be an integer from 0 to ${MAX_SEED}, got '${text}'`);
  const n = Number(s);
  if (n > MAX_SEED) throw new UsageError(`${command}: ${what} ${s} is out of range: seeds go from 0 to ${MAX_SEED} (the generators take 32-bit seeds)`);
  return n;
}

/** A comma-separated list of distinct training seeds (`--seeds 1,2,3`); each seed trains into its
 *  own seed-<n> folder, so a repeated seed is an error, not a second training of the same folder. */
export function parseSeeds(text: string, command: string, option = '--seeds'): number[] {
  const seeds = text.split(',').map((s) => parseSeed(s, `${option} '${text}': seed '${s.trim()}'`, command));
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new UsageError(`${command}: ${option} '${text}' lists seed ${dup} twice: give each seed once`);
  return seeds;
}
