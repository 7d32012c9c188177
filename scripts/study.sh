#!/usr/bin/env bash
# The deciding study (issue 27), resumable: stop it at any time and run it again with the same folder.
#   bash scripts/study.sh [OUT (default runs/smollm2-study)]
# 1. seed 1 through scripts/learning-curves.ts: every design trained with the smollm2-study profile and
#    scored on a fixed subset every 100 steps (the learning curves), its weights where reproduce looks
#    for them (OUT/seed-1/<design>/final). The causal designs (m1–m3) and the bidirectional ones (m4–m6)
#    train side by side, one thread each: each pair of processes shares no frozen prefix, so none is
#    computed twice. An unfinished design goes on from its last checkpoint.
# 2. reproduce one seed at a time (evaluate, compare, figures, REPORT.md after each), so every seed's
#    results can be committed as it finishes.
# 3. the authors' head (lrScale 1) beside the study's departure (0.1), same budget, one seed.
# Prefixes are computed in batches (PA_PREFIX_COMPUTE=batch, ~4× faster on 2 cores than one text at
# a time; a record's bytes then depend on its first batch at float rounding: src/embedding/prefix-cache.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/smollm2-study}"
export PA_PREFIX_COMPUTE="${PA_PREFIX_COMPUTE:-batch}"
curves() { node --import tsx scripts/learning-curves.ts --profile smollm2-study --seed 1 --every 100 --limit 200 \
  --tasks STSBenchmark,SICK-R,Cranfield "$@"; }
one_thread() { TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 "$@"; }
# both processes write the same run.json and triples.json atomically: whichever lands last, they agree
one_thread curves --out "$out" --designs m1,m2,m3 > "$out.causal.log" 2>&1 &
causal=$!
one_thread curves --out "$out" --designs m4,m5,m6 > "$out.bidirectional.log" 2>&1 &
bidirectional=$!
wait "$causal"
wait "$bidirectional"
curves --out "$out" --figure-only
# seed 1's evaluation in one process: designs that share an attention mode share the cached
# prefixes, which the first of them computes (two processes would compute them twice)
npm run -s reproduce -- --profile smollm2-study --seeds 1 --out "$out" --jobs 1
# the prefixes are cached now: seeds 2 and 3 train and evaluate two designs at a time
for seeds in 1,2 1,2,3; do
  npm run -s reproduce -- --profile smollm2-study --seeds "$seeds" --out "$out" --jobs 2
done
curves --out "$out-authors-head" --head-lr-scale 1 --designs m2,m3,m4,m5,m6
