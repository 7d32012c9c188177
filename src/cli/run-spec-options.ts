// The run specification from a command's flags (train, eval, reproduce): a run folder that already
// has run.json runs under it, and a flag that would change a number the run was started with is
// refused with the fields that differ; a new run folder gets run.json from the profile after the
// flags. Child processes get no profile flags at all: they read run.json.
import { readRunSpec, resolveRunSpec, settleRunSpec, RunSpecMismatch, type RunSpec } from '../run-spec.ts';
import type { Profile } from '../training/profiles.ts';
import { UsageError } from './args.ts';

/** The profile fields a command line can set; undefined = not given. */
export interface ProfileOverrides {
  profile?: string;
  model?: string;
  steps?: number;
  /** LoRA on the top k layers only, the frozen layers' outputs cached (profile loraLayers) */
  loraLayers?: number;
  checkpointLayers?: boolean;
  evalLimit?: number | 'all';
  evalInstructions?: Profile['instructions']['eval'];
  maxLen?: number;
  encodeBatchSize?: number;
}

/** The profile `o` describes on top of `base`. */
export function applyOverrides(base: Profile, o: ProfileOverrides): Profile {
  const p: Profile = { ...base, instructions: { ...base.instructions } };
  if (o.model !== undefined) p.model = o.model;
  if (o.steps !== undefined) p.steps = o.steps;
  if (o.loraLayers !== undefined) p.loraLayers = o.loraLayers;
  if (o.checkpointLayers) p.checkpointLayers = true;
  if (o.evalLimit !== undefined) p.evalLimit = o.evalLimit === 'all' ? undefined : o.evalLimit;
  if (o.evalInstructions !== undefined) p.instructions.eval = o.evalInstructions;
  if (o.maxLen !== undefined) p.maxLen = o.maxLen;
  if (o.encodeBatchSize !== undefined) p.encodeBatchSize = o.encodeBatchSize;
  return p;
}

const given = (o: ProfileOverrides) => Object.values(o).some((v) => v !== undefined && v !== false);

/**
 * The specification `dir` runs under after this command's flags: run.json as it is when no flag is
 * given; else the recorded (or named, or default `quick`) profile with the flags applied, settled
 * into run.json (written for a new folder, refused when it would change the recorded numbers).
 */
export async function runSpecForCommand(dir: string, o: ProfileOverrides, command: string): Promise<RunSpec> {
  const recorded = readRunSpec(dir);
  if (recorded && !given(o)) return recorded;
  let base: Profile;
  if (o.profile !== undefined) {
    const { profileByName } = await import('../training/profiles.ts');
    try { base = profileByName(o.profile); } catch (e) { throw new UsageError(`${command}: --profile: ${(e as Error).message}`); }
  } else if (recorded) {
    base = recorded.profile;
  } else {
    base = (await import('../training/profiles.ts')).profileByName('quick');
  }
  const spec = await resolveRunSpec(applyOverrides(base, o));
  try {
    return settleRunSpec(dir, spec);
  } catch (e) {
    if (e instanceof RunSpecMismatch) throw new UsageError(`${command}: ${e.message}`);
    throw e;
  }
}
