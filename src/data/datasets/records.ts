// The records the dataset parsers return, below both the evaluation tasks (src/eval/tasks/) and the
// training triples (src/training/triples.ts), which read the same files.

/** How often each stated format rule fired while loading, e.g. `{ blankLines: 250, droppedN3: 786 }`. */
export type Quirks = Record<string, number>;

export interface StsPair { id: string; s1: string; s2: string; score: number }

export interface LabeledText { text: string; label: string }

export interface LabeledPair { id: string; s1: string; s2: string; label: 0 | 1 }

export interface RerankingQuery { id: string; query: string; positives: string[]; negatives: string[] }

export interface RetrievalText { id: string; text: string }

export interface SystemSummary { system: string; text: string; human: number }

export interface SummarizationDocument { docId: string; reference: string; summaries: SystemSummary[] }
