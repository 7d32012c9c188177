// Classification tasks: a logistic regression fit on embeddings of a few training examples per
// label, scored by accuracy on the test texts. Banking77 has its own train/test split; AG News,
// SMS Spam and MR come as one file each and are split here, per class, with a fixed seed.
import { readDataFile } from '../../data/files.ts';
import { spread, stratifiedSplit } from './sampling.ts';
import type { ClassificationData, ClassificationTask, LoadOptions } from './types.ts';
import type { LabeledText, Quirks } from '../../data/datasets/records.ts';
import { parseSmsSpam, parseMrFile, loadBanking77Split, loadAgNewsCased } from '../../data/datasets/classification.ts';

/** Seed of the stratified train/test split of AG News, SMS Spam and MR (arXiv 2409.02727). */
export const SPLIT_SEED = 240902727;
/** Fraction of each class that goes to the train pool (the few-shot examples are drawn from it). */
export const TRAIN_FRACTION = 0.25;

function addQuirks(into: Quirks, from: Quirks): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function labelsOf(rows: LabeledText[]): string[] {
  return [...new Set(rows.map((r) => r.label))].sort();
}

function splitTask(rows: LabeledText[], quirks: Quirks, files: string[], opts?: LoadOptions): ClassificationData {
  const { train, test } = stratifiedSplit(rows, (r) => r.label, TRAIN_FRACTION, SPLIT_SEED);
  return { train: spread(train, opts?.limit), test: spread(test, opts?.limit), labels: labelsOf(rows), quirks, files };
}

export const Banking77: ClassificationTask = {
  name: 'Banking77', category: 'Classification', mainScore: 'accuracy', instructed: 'all',
  instruction: 'Given a online banking query, find the corresponding intents',
  description: 'Banking77 (Casanueva et al., 2020): 77 intents, upstream train (10,003) → test (3,080)',
  license: 'CC BY 4.0',
  async load(opts) {
    const tr = await loadBanking77Split('train');
    const te = await loadBanking77Split('test');
    const quirks: Quirks = {};
    addQuirks(quirks, tr.quirks);
    addQuirks(quirks, te.quirks);
    return {
      train: spread(tr.rows, opts?.limit), test: spread(te.rows, opts?.limit), labels: [...tr.categories].sort(),
      quirks, files: [...tr.files, te.files[1]!],
    };
  },
};

export const AGNews: ClassificationTask = {
  name: 'AGNews', category: 'Classification', mainScore: 'accuracy', instructed: 'all',
  instruction: 'Classify the given news article into the appropriate topic: World, Sports, Business or Sci/Tech',
  description: `AG News test set (7,600, cased), split per class with seed ${SPLIT_SEED}: train 1,900 / test 5,700`,
  license: 'AG corpus terms, non-commercial research',
  async load(opts) {
    const r = await loadAgNewsCased();
    return splitTask(r.rows, r.quirks, r.files, opts);
  },
};

export const SMSSpam: ClassificationTask = {
  name: 'SMSSpam', category: 'Classification', mainScore: 'accuracy', instructed: 'all',
  instruction: 'Classify the given SMS message as spam or not spam',
  description: `SMS Spam Collection v.1 (5,574), split per class with seed ${SPLIT_SEED}: train 1,394 / test 4,180`,
  license: 'CC BY 4.0',
  async load(opts) {
    const file = 'data/classification/sms_spam/SMSSpamCollection';
    const r = parseSmsSpam(await readDataFile(file), file);
    return splitTask(r.rows, r.quirks, [file], opts);
  },
};

export const MR: ClassificationTask = {
  name: 'MR', category: 'Classification', mainScore: 'accuracy', instructed: 'all',
  instruction: 'Classify the sentiment expressed in the given movie review snippet as positive or negative',
  description: `MR / rt-polarity v1.0 (Pang & Lee, 2005; 10,662), split per class with seed ${SPLIT_SEED}: train 2,666 / test 7,996`,
  license: 'research use, no explicit license',
  async load(opts) {
    const quirks: Quirks = {};
    const rows: LabeledText[] = [];
    const files: string[] = [];
    for (const label of ['pos', 'neg'] as const) {
      const file = `data/classification/mr/rt-polarity.${label}`;
      const r = parseMrFile(await readDataFile(file), file, label);
      rows.push(...r.rows);
      addQuirks(quirks, r.quirks);
      files.push(file);
    }
    return splitTask(rows, quirks, files, opts);
  },
};

export const classificationTasks: ClassificationTask[] = [Banking77, AGNews, SMSSpam, MR];
