// The MTEB-style evaluators: each maps embeddings + gold to { main_score, scores, per_sample }.
export type { EvaluationResult, Embedding } from './types.ts';
export { evaluateSTS, type STSPerSample } from './sts.ts';
export { evaluateClassification, undersample, type ClassificationOptions, type ClassificationPerSample } from './classification.ts';
export { evaluateClustering, type ClusteringOptions, type ClusteringPerSample } from './clustering.ts';
export { evaluatePairClassification, type PairClassificationPerSample } from './pair-classification.ts';
export { evaluateReranking, type RerankingInstance, type RerankingPerSample } from './reranking.ts';
export { evaluateRetrieval, type RetrievalOptions, type RetrievalPerSample } from './retrieval.ts';
export { evaluateSummarization, type SummarizationDocument, type SummarizationPerSample } from './summarization.ts';
