// Learning curves (issue 26): train each design on one seed and, every --every steps, evaluate it on a
// fixed subset of tasks (the same items at every point), so a figure shows training loss and STS /
// retrieval scores against the triples seen: at what budget does a trainable head catch up with m1?
//   node --import tsx scripts/learning-curves.ts --profile smollm2 [--lora-layers 4] [--steps 600]
//     [--every 50] [--designs all] [--seed 1] [--limit 200] [--tasks STSBenchmark,SICK-R,STS15,Cranfield]
//     [--head-lr-scale 10] --out DIR
//   ... --figure-only --out DIR: curves.json, curves.md and the figure again, from DIR's run.json and files
// The folder is a run folder (run.json records the profile after these flags; src/run-spec.ts):
//   DIR/seed-<n>/<design>/{loss.jsonl, curve.jsonl, final/}   DIR/curves.json   DIR/learning-curves.{png,svg,pdf}
// A design whose curve.jsonl reaches --steps is skipped on a rerun; an unfinished one goes on from its
// last checkpoint (profile checkpointEvery), so the script can be stopped and restarted at any time.
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { intOption, floatOption, parseArgs, required } from '../src/cli/args.ts';
import { applyOverrides } from '../src/cli/run-spec-options.ts';
import { profileByName } from '../src/training/profiles.ts';
import { requireRunSpec, resolveRunSpec, settleRunSpec } from '../src/run-spec.ts';
import { trainingInputs } from '../src/freshness.ts';
import { parseDesignList } from '../src/designs.ts';
import { checkpointDir, checkpointStateFile, designDir, finalDir, lossFile, seedDir } from '../src/run-folder.ts';
import { readCheckpointState } from '../src/training/checkpoint.ts';
import { writeFileAtomic, writeJsonAtomic } from '../src/io/atomic.ts';
import { convergence } from '../src/report/convergence.ts';
import type { CurvePoint, CurvesSummary } from '../src/figures/learning-curves.ts';

const log = (s: string) => process.stderr.write(s + '\n');

interface CurveRow { step: number; triples: number; loss: number; seconds: number; scores: Record<string, number> }

async function main(): Promise<void> {
  const cmd = 'learning-curves';
  const args = parseArgs(process.argv.slice(2), {
    profile: { default: 'smollm2' }, out: {}, designs: { default: 'all' }, seed: { default: '1' },
    steps: {}, every: { default: '50' }, 'lora-layers': {}, limit: { default: '200' }, lr: {},
    'head-lr-scale': { help: 'the pooling head\'s learning rate as a multiple of the LoRA adapters\' (profile head.lrScale; default: the profile\'s)' },
    tasks: { default: 'STSBenchmark,SICK-R,STS15,Cranfield', help: 'the fixed evaluation subset' },
    'figure-only': { flag: true },
  }, cmd);
  const out = resolve(required(args, 'out', cmd));
  const seed = intOption(args, 'seed', cmd)!, every = intOption(args, 'every', cmd)!, limit = intOption(args, 'limit', cmd)!;
  let profile = applyOverrides(profileByName(args.options.profile!), { steps: intOption(args, 'steps', cmd) });
  const k = intOption(args, 'lora-layers', cmd);
  if (k !== undefined) profile = { ...profile, loraLayers: k };
  const lr = floatOption(args, 'lr', cmd);
  if (lr !== undefined) profile = { ...profile, lr };
  const headLr = floatOption(args, 'head-lr-scale', cmd);
  if (headLr !== undefined) profile = { ...profile, head: { ...profile.head, lrScale: headLr } };
  // the folder runs under one specification, as every run folder does; a figure is drawn from the
  // folder as it was run (its run.json), whatever the profile says today
  const figureOnly = args.flags['figure-only'] === true;
  const spec = figureOnly ? requireRunSpec(out, cmd) : settleRunSpec(out, await resolveRunSpec(profile));
  profile = spec.profile;
  const dir = seedDir(out, seed);
  const designs = parseDesignList(args.options.designs!, dir);
  const taskNames = args.options.tasks!.split(',').map((t) => t.trim());
  const triplesPerStep = profile.batchSize * profile.gradAccum;

  if (!figureOnly) {
    const { initBackend } = await import('../src/backend/index.ts');
    const { loadModel } = await import('../src/model/load.ts');
    const { train } = await import('../src/training/trainer.ts');
    const { runTriples } = await import('../src/training/triples-file.ts');
    const { encodeTexts } = await import('../src/embedding/embedder.ts');
    const { runTask } = await import('../src/eval/run-task.ts');
    const { taskByName } = await import('../src/eval/tasks/index.ts');
    log(`[curves] ${await initBackend()}`);
    const base = await loadModel(profile.model);
    const triples = await runTriples(dir, profile, log);
    const tasks = taskNames.map((t) => taskByName(t));
    for (const design of designs) {
      const curveFile = join(designDir(dir, design.name), 'curve.jsonl');
      const rows = readCurve(curveFile);
      if (rows.at(-1)?.step === profile.steps && existsSync(finalDir(dir, design.name))) { log(`[curves] ${design.name}: done (${curveFile})`); continue; }
      // an unfinished curve goes on from its last checkpoint (its points up to it kept); without one it starts again
      const resumeStep = existsSync(checkpointStateFile(dir, design.name)) ? readCheckpointState(checkpointDir(dir, design.name)).step : null;
      let lossSum = 0, lossN = 0;
      const kept = resumeStep === null ? [] : rows.filter((r) => r.step <= resumeStep);
      if (resumeStep === null) rmSync(designDir(dir, design.name), { recursive: true, force: true });
      else {
        writeFileAtomic(curveFile, kept.map((r) => JSON.stringify(r, finiteOrNull) + '\n').join(''));
        // the next point's mean loss covers the steps since the last kept point, some of them before the checkpoint
        const since = kept.at(-1)?.step ?? 0;
        for (const r of readLosses(dir, design.name)) if (r.step > since && r.step <= resumeStep) { lossSum += r.loss; lossN += 1; }
        log(`[curves] ${design.name}: resuming from the checkpoint at step ${resumeStep} (${kept.length} curve point${kept.length === 1 ? '' : 's'} kept)`);
      }
      const t0 = Date.now() - (kept.at(-1)?.seconds ?? 0) * 1000;
      const evaluate = async (step: number, em: Parameters<NonNullable<Parameters<typeof train>[0]['afterStep']>>[2]) => {
        const scores: Record<string, number> = {};
        for (const task of tasks) {
          // the same items at every point: a limited task samples deterministically
          const run = await runTask(task, (texts, instruction) => encodeTexts(em, texts, { instruction, batchSize: profile.encodeBatchSize }), limit, profile.instructions.eval);
          scores[task.name] = run.result.main_score;
        }
        const row: CurveRow = { step, triples: step * triplesPerStep, loss: lossN ? lossSum / lossN : NaN, seconds: (Date.now() - t0) / 1000, scores };
        lossSum = 0; lossN = 0;
        appendFileSync(curveFile, JSON.stringify(row, finiteOrNull) + '\n');
        log(`[curves] ${design.name} step ${step}: ${Object.entries(scores).map(([t, s]) => `${t} ${s.toFixed(3)}`).join(', ')}${row.loss === row.loss ? `, loss ${row.loss.toFixed(3)}` : ''} (${row.seconds.toFixed(0)} s)`);
      };
      await train({
        design, profile, seed, runDir: dir, base, triples, trainedFrom: trainingInputs(spec, design), resume: resumeStep !== null,
        afterStep: async (step, loss, em) => {
          if (step > 0) { lossSum += loss; lossN += 1; }
          if (step % every === 0 || step === profile.steps) await evaluate(step, em);
        },
      });
    }
  }
  writeSummary(out, dir, designs.map((d) => d.name), taskNames, limit, profile.steps);
  const { learningCurvesFigure } = await import('../src/figures/learning-curves.ts');
  const { exportFigures } = await import('../src/figures/export.ts');
  const summary = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8')) as CurvesSummary;
  const curves = Object.entries(summary.designs).map(([design, s]) => ({
    design, label: `${design}${!s.complete ? ` (stopped at step ${s.steps_done})` : s.convergence && !s.convergence.converged ? ' (not converged)' : ''}`, points: s.points,
  })).filter((c) => c.points.length > 0);
  const fig = learningCurvesFigure(curves, ['STS mean', ...summary.retrieval], {
    title: `Learning curves, ${profile.model}, LoRA on ${profile.loraLayers === undefined ? "every layer" : `the top ${profile.loraLayers} layers`}, seed ${seed}`, chanceLoss: Math.log(2 * profile.batchSize),
  });
  const files = await exportFigures([{ name: 'learning-curves', figure: fig }], out);
  log(`[curves] ${files.join(', ')}`);
}

/** JSON has no NaN: a point without a mean loss (the untrained one) records null */
const finiteOrNull = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

function readLosses(dir: string, design: string): { step: number; loss: number }[] {
  const file = lossFile(dir, design);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { step: number; loss: number }) : [];
}

function readCurve(file: string): CurveRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
    const r = JSON.parse(l) as CurveRow;
    return { ...r, loss: r.loss ?? NaN };
  });
}

/** curves.json: every design's points (STS mean = the mean over the STS tasks of the subset) and its convergence verdict against m1. */
function writeSummary(out: string, dir: string, designs: string[], taskNames: string[], limit: number, steps: number): void {
  const retrieval = taskNames.filter((t) => t === 'Cranfield');
  const sts = taskNames.filter((t) => !retrieval.includes(t));
  const losses = (d: string) => readLosses(dir, d).map((r) => r.loss);
  const m1 = losses('m1');
  const baseline = m1.length >= 5 ? { name: 'm1', finalLoss: convergence(m1).final_loss } : undefined;
  const summary: CurvesSummary = { tasks: taskNames, limit, retrieval, steps, designs: {} };
  for (const d of designs) {
    const rows = readCurve(join(designDir(dir, d), 'curve.jsonl'));
    const points: CurvePoint[] = rows.map((r) => ({
      triples: r.triples, loss: r.loss,
      scores: { ...r.scores, 'STS mean': sts.reduce((a, t) => a + (r.scores[t] ?? NaN), 0) / sts.length },
    }));
    const l = losses(d);
    const done = rows.at(-1)?.step ?? 0;
    summary.designs[d] = { steps_done: done, complete: done === steps, points, convergence: done === steps && l.length >= 5 ? convergence(l, d === 'm1' ? undefined : baseline) : null, final_scores: points.at(-1)?.scores ?? null };
  }
  writeJsonAtomic(join(out, 'curves.json'), summary);
  writeFileSync(join(out, 'curves.md'), curvesMarkdown(summary, sts, retrieval));
}

function curvesMarkdown(s: CurvesSummary, sts: string[], retrieval: string[]): string {
  const lines = [`| design | triples | final loss | converged | STS mean (${sts.join(', ')}) | ${retrieval.join(', ')} |`, '|---|---:|---:|---|---:|---:|'];
  for (const [d, v] of Object.entries(s.designs)) {
    // a design whose curve has only its untrained point has no training to report yet
    if (v.steps_done === 0) { lines.push(`| ${d} | – | – | not run | – | ${retrieval.map(() => '–').join(' | ')} |`); continue; }
    const last = v.points.at(-1);
    // the rule judges a finished schedule: a stopped curve (the lr not yet decayed) is not judged
    const note = v.complete ? v.convergence?.note ?? '–' : `stopped at step ${v.steps_done} of ${s.steps}: not judged`;
    lines.push(`| ${d} | ${last?.triples ?? '–'} | ${v.convergence?.final_loss.toFixed(3) ?? '–'} | ${note} | ${last ? last.scores['STS mean']!.toFixed(3) : '–'} | ${retrieval.map((t) => last?.scores[t]?.toFixed(3) ?? '–').join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

main().catch((e) => { log(`learning-curves: ${(e as Error).stack ?? e}`); process.exit(1); });
