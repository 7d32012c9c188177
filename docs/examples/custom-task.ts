// Your own evaluation datasets as tasks: a small module outside src/ (or the same lines in a
// notebook cell). Paths are local JSON Lines files; each file's sha256 goes into the results
// (results/<design>.json: tasks.<name>.sha256), and a task whose texts occur in a run's training
// triples is reported when that run is evaluated on it (a warning line, tasks.<name>.training_overlap).
// Evaluate with the CLI, which imports this module in every worker process:
//   npm run -s cli -- eval --run runs/quick --designs m1,base-mean --task-module docs/examples/custom-task.ts \
//     --tasks HouseholdRetrieval,HouseholdReranking
// Formats per category: src/eval/tasks/custom.ts (and the README's "Your own dataset" section).
import { fileURLToPath } from 'node:url';
import { registerCustomTask } from '../../src/eval/tasks/custom.ts';

const baseDir = fileURLToPath(new URL('./custom-task-data/', import.meta.url));

export const householdRetrieval = registerCustomTask({
  name: 'HouseholdRetrieval', category: 'Retrieval', baseDir,
  description: 'made-up household questions against short how-to notes (format example)',
  instruction: 'Given a household question, retrieve notes that answer it',
  license: 'CC0-1.0 (written for this project)',
  files: { corpus: 'corpus.jsonl', queries: 'queries.jsonl', qrels: 'qrels.jsonl' },
});

export const householdReranking = registerCustomTask({
  name: 'HouseholdReranking', category: 'Reranking', baseDir,
  description: 'made-up household questions with one helpful and two unrelated answers (format example)',
  instruction: 'Given a household question, retrieve answers that help',
  license: 'CC0-1.0 (written for this project)',
  files: { data: 'reranking.jsonl' },
});
