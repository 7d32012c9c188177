// The top of REPORT.md, before the tables: the sanity gate (does fine-tuned Model 1 beat the
// untrained base rows?), the run's instruction policy and training sources, and the chance-level
// tasks with the category means with and without them. Read from stats.json and the run folder.
import { readFileSync } from 'node:fs';
import type { Stats } from './analysis.ts';
import { DESIGN_LABELS, formatNumber } from './table.ts';
import { sanityGate, sanityGateMarkdown } from './sanity-gate.ts';
import { describeInstructionPolicy, type InstructionPolicy } from '../eval/instruction-policy.ts';
import { SOURCE_SHARES, type TripleSource } from '../training/triples.ts';
import { runTriplesFile } from '../run-folder.ts';
import { readRunSpec, type RunSpec } from '../run-spec.ts';
import { headLrScale } from '../training/profiles.ts';
import { BASELINE_TOLERANCE, FLAT_TOLERANCE, notConverged } from './convergence.ts';

export interface TrainingData {
  sources: string[];
  /** kept triples per source */
  kept: Record<string, number>;
  trainInstructions: string | null;
}

/** The training data recorded in the run folder (triples.json of each seed; they are identical). */
export function runTrainingData(runDir: string): TrainingData | null {
  const file = runTriplesFile(runDir);
  if (file === undefined) return null;
  const t = JSON.parse(readFileSync(file, 'utf8')) as { key?: { sources?: string[]; trainInstructions?: string }; counts?: Record<string, { kept: number }> };
  const kept = Object.fromEntries(Object.entries(t.counts ?? {}).filter(([, c]) => c.kept > 0).map(([s, c]) => [s, c.kept]));
  return { sources: t.key?.sources ?? Object.keys(kept), kept, trainInstructions: t.key?.trainInstructions ?? null };
}

function trainingDataMarkdown(d: TrainingData | null): string {
  if (!d) return '**Training sources**: not recorded in this run folder (no triples.json).';
  const shared = d.sources.flatMap((s) => (SOURCE_SHARES[s as TripleSource] ?? []).map((t) => `${t} (${s})`));
  const counts = Object.entries(d.kept).map(([s, n]) => `${s} ${n}`).join(', ');
  return `**Training sources**: ${d.sources.join(', ')} (${counts} triples). ${shared.length
    ? `In-domain: these sources share their corpus with the evaluation tasks ${shared.join(', ')}, whose scores are therefore not zero-shot.`
    : 'No source shares a corpus with any evaluation task; every text equal to an evaluation text was dropped as well.'}`;
}

function chanceMarkdown(stats: Stats): string[] {
  const cl = stats.chance_level as Stats['chance_level'] | undefined; // absent in stats.json written before it
  const lines: string[] = ['## Chance-level tasks', ''];
  if (!cl || Object.keys(cl.per_dataset).length === 0) {
    lines.push(`No chance levels are recorded in these results (they predate it); rerun \`eval\` to get them.`, '');
    return lines;
  }
  lines.push(`Rule — ${cl.rule}.`, '');
  if (cl.datasets.length === 0) lines.push('No task is at chance level: on every task some decoder design clears chance + 2 sd.', '');
  else {
    lines.push(`${cl.datasets.length} of ${Object.keys(cl.per_dataset).length} tasks are at chance level for every decoder design: ${cl.datasets.join(', ')}.`, '');
    lines.push('| task | category | chance mean | chance sd | threshold | best decoder design |', '|---|---|---:|---:|---:|---|');
    for (const d of cl.datasets) {
      const p = cl.per_dataset[d]!;
      lines.push(`| ${d} | ${p.category} | ${p.chance.mean.toFixed(4)} | ${p.chance.sd.toFixed(4)} | ${p.threshold.toFixed(4)} | ${p.best.design} ${p.best.score.toFixed(4)} |`);
    }
    lines.push('');
  }
  if (cl.unknown.length) lines.push(`Chance level not recorded for: ${cl.unknown.join(', ')}.`, '');
  const affected = stats.categories.filter((c) => cl.datasets.some((d) => cl.per_dataset[d]!.category === c));
  if (affected.length) {
    lines.push('Category means with all tasks / without the chance-level tasks (— when every task of the category is at chance level):', '');
    lines.push(`| design | ${affected.map((c) => `${c} (all) | ${c} (without)`).join(' | ')} |`, `|---|${affected.map(() => '---:|---:').join('|')}|`);
    for (const d of stats.designs) {
      const cells = affected.map((c) => {
        const all = stats.category_scores[d]?.[c]?.score, wo = cl.category_scores_without[d]?.[c];
        return `${all === undefined ? '—' : formatNumber(all, false)} | ${wo == null ? '—' : formatNumber(wo, false)}`;
      });
      lines.push(`| ${DESIGN_LABELS[d] ?? d} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines;
}

/** Whether each trained design's training converged (stats.json → convergence, written by compare). */
export function convergenceMarkdown(stats: Stats): string {
  const conv = stats.convergence;
  const rule = `loss flat over the last fifth of training (fitted change < ${FLAT_TOLERANCE * 100}%), or within ${BASELINE_TOLERANCE * 100}% of ${stats.baseline}'s final loss`;
  if (!conv) return `**Convergence**: not recorded in this stats.json (written before compare read the loss curves), so whether each design's training converged (${rule}) is not known here.`;
  const trained = [stats.baseline, ...stats.tested];
  // a curve too short to judge (fewer than 5 steps) has no entry: say so, never count it as converged
  const unjudged = trained.filter((d) => !conv[d]);
  const notJudged = unjudged.length ? ` Not judged (loss curve shorter than 5 steps, or missing): ${list(unjudged)}.` : '';
  if (unjudged.length === trained.length) return `**Convergence**: not judged: no trained design has a loss curve of at least 5 steps (${rule}).`;
  const bad = notConverged(conv, trained);
  const all = Object.entries(conv).map(([d, c]) => `${d} ${c.final_loss.toFixed(2)}`).join(', ');
  if (bad.length === 0) return `**Convergence**: ${unjudged.length ? 'every judged design' : 'every trained design'} converged (${rule}); final training loss ${all}.${notJudged}`;
  return `**Convergence: ${bad.length === 1 ? `${bad[0]} has` : `${list(bad)} have`} not converged** — ${bad.map((d) => `${d}: ${conv[d]!.note}`).join('; ')} (rule: ${rule}). `
    + `${bad.length === 1 ? 'Its' : 'Their'} differences to ${stats.baseline} measure an unfinished head, not the design, so the comparison is not meaningful for ${bad.length === 1 ? 'it' : 'them'} at this budget; the tables and figures mark ${bad.length === 1 ? 'it' : 'them'} "not converged".${notJudged}`;
}

const list = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** Markdown for the top of REPORT.md. */
/** The run's budget and what departs from the authors (run.json), so a report names its settings. */
export function trainingSetupMarkdown(spec: RunSpec | undefined): string {
  if (!spec) return '**Set-up**: not recorded in this run folder (no run.json).';
  const p = spec.profile;
  const layers = p.loraLayers === undefined ? 'every layer' : `the top ${p.loraLayers} layers (the frozen layers below read from the prefix cache)`;
  const lrScale = headLrScale(p);
  const head = lrScale === 1 ? "the authors' head learning rate" : `**head lrScale ${lrScale}**: the trainable heads' learning rate is ${lrScale}× the adapters' (a departure from the authors, whose heads train at the run's rate)`;
  const byCategory = Object.entries(p.evalLimitByCategory ?? {}).map(([c, n]) => `${c} ${n === null ? 'in full' : `${n} items`}`);
  const limit = `${p.evalLimit === undefined ? 'every item' : `${p.evalLimit} items per task`}${byCategory.length ? ` (${byCategory.join(', ')})` : ''}`;
  return `**Set-up** (run.json, profile ${p.name}): ${p.model}, ${p.steps} steps × ${p.batchSize * p.gradAccum} triples, lr ${p.lr} (warm-up ${p.warmupSteps} steps, then linear decay), ${p.finetune === 'lora' ? `LoRA r${p.lora.rank}/α${p.lora.alpha} on ${layers}` : 'full fine-tuning'}, ${head}; texts ≤ ${p.maxLen} tokens; evaluation on ${limit}.`;
}

export function reportHead(stats: Stats, runDir: string): string {
  const policy = stats.instruction_policy as InstructionPolicy | null;
  return [
    sanityGateMarkdown(sanityGate(stats)),
    '',
    convergenceMarkdown(stats),
    '',
    `**Instructions**: ${policy ? describeInstructionPolicy(policy) : 'not recorded in these results (written before the instruction policy was recorded: queries-only reranking, E5 style)'}.`,
    '',
    trainingDataMarkdown(runTrainingData(runDir)),
    '',
    trainingSetupMarkdown(readRunSpec(runDir)),
    '',
    ...chanceMarkdown(stats),
  ].join('\n');
}
