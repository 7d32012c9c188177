// Texts of every evaluation task, drawn through the task loaders (the suite's own parsing), for
// checks of the minilm reference row against sentence-transformers.
import { allTasks, type Task } from '../src/eval/tasks/index.ts';

/** The texts one task embeds, in its own order. */
async function taskTexts(task: Task, limit: number): Promise<string[]> {
  switch (task.category) {
    case 'STS': case 'PairClassification': return (await task.load({ limit })).pairs.flatMap((p) => [p.s1, p.s2]);
    case 'Classification': return (await task.load({ limit })).test.map((t) => t.text);
    case 'Clustering': return (await task.load({ limit })).texts;
    case 'Reranking': return (await task.load({ limit })).queries.flatMap((q) => [q.query, ...q.positives, ...q.negatives]);
    case 'Retrieval': { const d = await task.load({ limit }); return [...d.queries.map((q) => q.text), ...d.corpus.map((c) => c.text)]; }
    case 'Summarization': return (await task.load({ limit })).documents.flatMap((d) => [d.reference, ...d.summaries.map((s) => s.text)]);
  }
}

/** Up to `perTask` distinct texts of each of the 21 tasks, evenly spread over what `limit` items give. */
export async function suiteTexts(perTask: number, limit = 8): Promise<{ task: string; text: string }[]> {
  const seen = new Set<string>();
  const out: { task: string; text: string }[] = [];
  for (const task of allTasks) {
    const texts = [...new Set(await taskTexts(task, limit))].filter((t) => !seen.has(t));
    const step = Math.max(1, texts.length / perTask);
    for (let i = 0; i < perTask && Math.floor(i * step) < texts.length; i++) {
      const text = texts[Math.floor(i * step)]!;
      seen.add(text);
      out.push({ task: task.name, text });
    }
  }
  return out;
}
