// Chance-level tasks: a task where no decoder design (fine-tuned or zero-shot base row) scores
// clearly above a random scorer says nothing about the designs, yet it weighs in the category
// means. Rule: chance-level when every decoder design's seed-mean main score is below
// chance mean + 2 sd, the mean and sd being those of a random scorer on the same items
// (src/eval/chance.ts). Category means are then given with and without those tasks.
import { mean } from '../stats/descriptive.ts';
import type { TaskChance } from './results.ts';
import type { TaskCategory } from '../eval/tasks/types.ts';

/** How many chance sds above the chance mean a score must reach to count as above chance. */
export const CHANCE_SDS = 2;

export const CHANCE_RULE = `chance-level: every decoder design (fine-tuned and zero-shot base rows) scores below chance mean + ${CHANCE_SDS} sd, where mean and sd are those of a random scorer on the same items (Spearman 0 and 1/sqrt(n-1); accuracy 1/K; AP/MAP/nDCG@10 of a random ranking; V-measure of random clusters; src/eval/chance.ts)`;

export interface ChanceLevelDataset {
  category: TaskCategory;
  chance: TaskChance;
  /** chance mean + CHANCE_SDS · sd */
  threshold: number;
  /** the best decoder design and its seed-mean score */
  best: { design: string; score: number };
  chance_level: boolean;
}

export interface ChanceLevel {
  rule: string;
  /** the designs the rule looks at */
  designs: string[];
  /** datasets with a recorded chance level */
  per_dataset: Record<string, ChanceLevelDataset>;
  /** flagged datasets, in name order */
  datasets: string[];
  /** datasets lacking a chance level (results from before it was recorded) */
  unknown: string[];
  /** design → category → mean main score over the category's datasets that are not chance-level
   *  (null when all of them are) */
  category_scores_without: Record<string, Record<string, number | null>>;
}

/**
 * @param scores design → dataset → seed-mean main score
 * @param categoryOf dataset → category
 * @param chance dataset → chance level (missing = unknown)
 * @param decoderDesigns the designs the rule looks at (fine-tuned and base rows, not outside encoders)
 */
export function chanceLevel(
  scores: Record<string, Record<string, number>>, categoryOf: Record<string, TaskCategory>,
  chance: Record<string, TaskChance>, decoderDesigns: readonly string[], categories: readonly TaskCategory[],
): ChanceLevel {
  const datasets = Object.keys(categoryOf).sort();
  const per_dataset: Record<string, ChanceLevelDataset> = {};
  const unknown: string[] = [];
  for (const d of datasets) {
    const c = chance[d];
    const present = decoderDesigns.filter((x) => scores[x]?.[d] !== undefined);
    if (!c || present.length === 0) { unknown.push(d); continue; }
    const threshold = c.mean + CHANCE_SDS * c.sd;
    let best = { design: present[0]!, score: scores[present[0]!]![d]! };
    for (const x of present) if (scores[x]![d]! > best.score) best = { design: x, score: scores[x]![d]! };
    per_dataset[d] = { category: categoryOf[d]!, chance: c, threshold, best, chance_level: best.score < threshold };
  }
  const flagged = datasets.filter((d) => per_dataset[d]?.chance_level);
  const category_scores_without: ChanceLevel['category_scores_without'] = {};
  for (const [design, byDataset] of Object.entries(scores)) {
    category_scores_without[design] = {};
    for (const cat of categories) {
      const kept = Object.keys(byDataset).filter((d) => categoryOf[d] === cat && !flagged.includes(d));
      const all = Object.keys(byDataset).filter((d) => categoryOf[d] === cat);
      if (all.length === 0) continue;
      category_scores_without[design]![cat] = kept.length ? mean(kept.map((d) => byDataset[d]!)) : null;
    }
  }
  return { rule: CHANCE_RULE, designs: [...decoderDesigns], per_dataset, datasets: flagged, unknown, category_scores_without };
}
