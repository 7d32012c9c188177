"""MTEB's side of `npm run crosscheck:mteb` (scripts/crosscheck-mteb.ts).

Reads on stdin a JSON list of {name, file, vectors}: per task our items (texts, labels, scores) and
the vectors our run cached for them, in the order our evaluator asked for them. Scores them with
mteb's own code for the task type and writes {mteb_version, tasks: {name: {mteb, mteb_our_protocol?,
evaluator, protocol_note?}}} on stdout.

MTEB gets the vectors through a lookup encoder (EncoderProtocol): its evaluators call `encode` on
their own data loaders, and every text is answered with our cached vector, so MTEB does its own
batching, pairing, similarity and metric; nothing is re-encoded. The task objects are MTEB's (its
metadata, column names, protocol settings); only their data is replaced with ours.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import numpy as np  # noqa: E402
from datasets import Dataset, DatasetDict  # noqa: E402

import mteb  # noqa: E402
from mteb._evaluators.retrieval_metrics import calculate_retrieval_scores  # noqa: E402
from mteb.similarity_functions import cos_sim, pairwise_cos_sim  # noqa: E402
from mteb.timing import TimingStack  # noqa: E402

ENCODE = {"batch_size": 32}

# An MTEB task of the same type carries each of ours (its protocol and metadata; our data).
CARRIER = {
    "STS": "STSBenchmark",
    "Classification": "Banking77Classification",
    "Clustering": "TwentyNewsgroupsClustering",
    "PairClassification": "TwitterURLCorpus",
    "Summarization": "SummEval",
}


FLOAT_NOTE = ("float precision of the similarities: MTEB computes them from the float32 vectors in float32, ours in "
              "float64; pairs whose similarities tie in float32 (e.g. identical sentences, cosine exactly 1) are "
              "ranked apart in float64. mteb_our_protocol runs the same MTEB evaluator on the vectors cast to float64")


class Lookup:
    """An EncoderProtocol whose `encode` returns the cached vector of each text.

    `calls` are our evaluator's embed calls in order, each a text → vector map; MTEB's encode calls
    come in the same order (side 1 then side 2, train then test, …), so the i-th MTEB call reads the
    i-th map first and falls back to any map holding the text (same text, same vector for designs
    without instructions)."""

    def __init__(self, calls, dtype=np.float32):
        self.calls = calls
        self.next = 0
        self.dtype = dtype

    def encode(self, inputs, *, task_metadata=None, hf_split=None, hf_subset=None, prompt_type=None, **kwargs):
        first = self.calls[min(self.next, len(self.calls) - 1)]
        self.next += 1
        out = []
        for batch in inputs:
            for text in batch["text"]:
                v = first.get(text)
                if v is None:
                    v = next((c[text] for c in self.calls if text in c), None)
                if v is None:
                    raise KeyError(f"MTEB asked for a text our run did not embed: {text[:80]!r}")
                out.append(v)
        return np.stack(out).astype(self.dtype)

    def similarity(self, a, b):
        return cos_sim(a, b)

    def similarity_pairwise(self, a, b):
        return pairwise_cos_sim(a, b)

    @property
    def mteb_model_meta(self):
        return mteb.get_model_meta("sentence-transformers/all-MiniLM-L6-v2")


def load(entry):
    with open(entry["file"], encoding="utf8") as f:
        task = json.load(f)
    flat = np.fromfile(entry["vectors"], dtype="<f4").reshape(task["count"], task["dim"])
    calls = []
    for c in task["calls"]:
        calls.append({t: flat[c["offset"] + i] for i, t in enumerate(c["texts"])})
    vectors = [flat[c["offset"]:c["offset"] + len(c["texts"])] for c in task["calls"]]
    return task, calls, vectors


def carrier(category):
    t = mteb.get_task(CARRIER[category])
    return t


def run_sts(task, calls, vectors):
    t = carrier("STS")
    pairs = task["items"]["pairs"]
    ds = Dataset.from_dict({"sentence1": [p["s1"] for p in pairs], "sentence2": [p["s2"] for p in pairs], "score": [p["score"] for p in pairs]})
    t.min_score, t.max_score = min(ds["score"]), max(ds["score"])  # normalisation is linear: Spearman unchanged
    s = t._evaluate_subset(Lookup(calls), ds, encode_kwargs=ENCODE, hf_split="test", hf_subset="default", timer=TimingStack())
    s64 = t._evaluate_subset(Lookup(calls, np.float64), ds, encode_kwargs=ENCODE, hf_split="test", hf_subset="default", timer=TimingStack())
    return {"mteb": float(s["cosine_spearman"]), "mteb_our_protocol": float(s64["cosine_spearman"]),
            "evaluator": "AbsTaskSTS._evaluate_subset → AnySTSEvaluator (cosine_spearman)", "protocol_note": FLOAT_NOTE}


def run_pair(task, calls, vectors):
    t = carrier("PairClassification")
    pairs = task["items"]["pairs"]
    ds = Dataset.from_dict({"sentence1": [p["s1"] for p in pairs], "sentence2": [p["s2"] for p in pairs], "labels": [p["label"] for p in pairs]})
    s = t._evaluate_subset(Lookup(calls), ds, encode_kwargs=ENCODE, hf_split="test", hf_subset="default", timer=TimingStack())
    s64 = t._evaluate_subset(Lookup(calls, np.float64), ds, encode_kwargs=ENCODE, hf_split="test", hf_subset="default", timer=TimingStack())
    return {"mteb": float(s["max_ap"]), "mteb_our_protocol": float(s64["max_ap"]),
            "evaluator": "AbsTaskPairClassification._evaluate_subset → PairClassificationEvaluator (max_ap)", "protocol_note": FLOAT_NOTE}


def run_classification(task, calls, vectors, ours_draws):
    t = carrier("Classification")
    t.n_experiments, t.samples_per_label = 10, 8  # ours (src/eval/evaluators/classification.ts)
    t.seed = 42
    train, test = task["items"]["train"], task["items"]["test"]
    names = sorted({x["label"] for x in train} | {x["label"] for x in test})
    code = {n: i for i, n in enumerate(names)}
    dd = DatasetDict({
        "train": Dataset.from_dict({"text": [x["text"] for x in train], "label": [code[x["label"]] for x in train]}),
        "test": Dataset.from_dict({"text": [x["text"] for x in test], "label": [code[x["label"]] for x in test]}),
    })
    if "random_state" in t.evaluator_model.get_params():
        t.evaluator_model = t.evaluator_model.set_params(random_state=t.seed)
    s = t._evaluate_subset(Lookup(calls), dd, encode_kwargs=ENCODE, hf_split="test", hf_subset="default", timer=TimingStack())
    out = {"mteb": float(s["accuracy"]), "evaluator": "AbsTaskClassification._evaluate_subset (10 undersampled experiments, 8 per label, seed 42) → SklearnEvaluator(LogisticRegression(max_iter=100))"}
    # MTEB's classifier on our own undersampling draws: the same experiments, so the same score
    idx = (ours_draws or {}).get("train_indices_per_experiment")
    if idx:
        train_vecs, test_vecs = vectors[0], vectors[1]
        accs = []
        for sel in idx:
            sub = dd["train"].select(sel)
            scores_exp, _ = t._run_experiment(sub, dd["test"], train_vecs[sel], test_vecs, timer=TimingStack())
            accs.append(scores_exp["accuracy"])
        out["mteb_our_protocol"] = float(np.mean(accs))
        out["protocol_note"] = ("undersampling draws differ: MTEB shuffles with numpy's RNG (seed 42), ours with a seeded "
                                "RNG of our own (createRng in src/util/random.ts), so the 8-per-label training sets differ; "
                                "mteb_our_protocol runs MTEB's classifier on our draws")
    return out


def run_clustering(task, calls, vectors):
    from mteb._evaluators.clustering_evaluator import ClusteringEvaluator
    from sklearn.metrics.cluster import v_measure_score
    t = carrier("Clustering")
    texts, labels = task["items"]["texts"], task["items"]["labels"]
    ds = Dataset.from_dict({"text": texts, "labels": labels})
    vs = []
    # MTEB's legacy protocol (ClusteringEvaluator: MiniBatchKMeans, k = #labels, batch 500, n_init auto),
    # over the seeds our evaluator averages (42…51): only k-means' random draws differ from ours
    for seed in range(42, 52):
        ev = ClusteringEvaluator(ds, input_column_name="text", label_column_name="labels", task_metadata=t.metadata,
                                 hf_split="test", hf_subset="default", timer=TimingStack(), seed=seed)
        pred = ev(Lookup(calls), encode_kwargs=ENCODE)
        vs.append(v_measure_score(labels, pred))
    return {"mteb": float(np.mean(vs)), "evaluator": "ClusteringEvaluator (MiniBatchKMeans, legacy protocol) seeds 42..51, v_measure_score",
            "protocol_note": ("k-means draws differ: sklearn's MiniBatchKMeans (k-means++ init, n_init='auto', numpy RNG) vs our "
                              "mini-batch k-means (src/eval/metrics/mini-batch-kmeans.ts) with its own seeded RNG; same seeds, "
                              "batch size and k, different random streams, so cluster assignments and V-measure differ by chance")}


def run_retrieval(task, calls, vectors):
    q, c = task["items"]["queries"], task["items"]["corpus"]
    sims = cos_sim(vectors[0], vectors[1]).cpu().numpy() if hasattr(cos_sim(vectors[0][:1], vectors[1][:1]), "cpu") else np.asarray(cos_sim(vectors[0], vectors[1]))
    results = {}
    for i, qq in enumerate(q):
        top = np.argsort(-sims[i], kind="stable")[:1000]
        results[qq["id"]] = {c[j]["id"]: float(sims[i, j]) for j in top}
    qrels = {qid: {d: int(g) for d, g in m.items()} for qid, m in task["items"]["qrels"].items()}
    qrels = {qid: m for qid, m in qrels.items() if qid in results}
    r = calculate_retrieval_scores(results, qrels, k_values=[1, 3, 5, 10, 20, 100, 1000])
    return {"mteb": float(r.ndcg["NDCG@10"]), "evaluator": "cosine top-1000 (mteb.similarity_functions.cos_sim) → mteb calculate_retrieval_scores (pytrec_eval) NDCG@10"}


def run_reranking(task, calls, vectors):
    qs = task["items"]["queries"]
    qv, cv = vectors[0], vectors[1]
    results, qrels, at = {}, {}, 0
    for i, qq in enumerate(qs):
        cands = qq["positives"] + qq["negatives"]
        vs = cv[at:at + len(cands)]
        at += len(cands)
        if not qq["positives"] or not qq["negatives"]:
            continue  # ours and MTEB v1's RerankingEvaluator skip these
        s = np.asarray(cos_sim(qv[i:i + 1], vs)).reshape(-1)
        results[qq["id"]] = {f"d{j}": float(s[j]) for j in range(len(cands))}
        qrels[qq["id"]] = {f"d{j}": (1 if j < len(qq["positives"]) else 0) for j in range(len(cands))}
    r = calculate_retrieval_scores(results, qrels, k_values=[1, 3, 5, 10, 20, 100, 1000])
    return {"mteb": float(r.map["MAP@1000"]), "evaluator": "each query's candidates by cosine → mteb calculate_retrieval_scores (pytrec_eval) MAP@1000 = mean average precision"}


def run_summarization(task, calls, vectors):
    from mteb._evaluators.text.summarization_evaluator import SummarizationEvaluator
    docs = task["items"]["documents"]
    t = carrier("Summarization")
    # ours: machine summaries vs the one reference summary; MTEB embeds machine summaries, then human ones
    ev = SummarizationEvaluator(
        human_summaries=[[d["reference"]] for d in docs],
        machine_summaries=[[s["text"] for s in d["summaries"]] for d in docs],
        texts=[d["docId"] for d in docs],
        gold_scores=[[s["human"] for s in d["summaries"]] for d in docs],
        task_metadata=t.metadata, hf_split="test", hf_subset="default", timer=TimingStack())
    scores = ev(Lookup(calls), encode_kwargs=ENCODE)
    m = ev._calculate_metrics(scores)
    return {"mteb": float(m["cosine_spearman"]), "evaluator": "SummarizationEvaluator (cosine_spearman)"}


def main():
    entries = json.load(sys.stdin)
    out = {}
    for e in entries:
        task, calls, vectors = load(e)
        cat = task["category"]
        if cat == "STS":
            r = run_sts(task, calls, vectors)
        elif cat == "PairClassification":
            r = run_pair(task, calls, vectors)
        elif cat == "Classification":
            r = run_classification(task, calls, vectors, task.get("ours_draws"))
        elif cat == "Clustering":
            r = run_clustering(task, calls, vectors)
        elif cat == "Retrieval":
            r = run_retrieval(task, calls, vectors)
        elif cat == "Reranking":
            r = run_reranking(task, calls, vectors)
        elif cat == "Summarization":
            r = run_summarization(task, calls, vectors)
        else:
            raise ValueError(f"unknown category {cat}")
        print(f"[crosscheck] {task['name']}: mteb {r['mteb']:.6f}", file=sys.stderr)
        out[task["name"]] = r
    json.dump({"mteb_version": mteb.__version__, "tasks": out}, sys.stdout)


if __name__ == "__main__":
    main()
