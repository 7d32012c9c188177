#!/usr/bin/env bash
# The deciding study (issue 27), resumable: stop it at any time and run it again with the same folder.
#   bash scripts/study.sh [OUT (default runs/smollm2-study)]
# 1. seed 1 through scripts/learning-curves.ts: every design trained with the smollm2-study profile,
#    scored on a fixed subset every 50 steps (the learning curves), its weights where reproduce
#    looks for them (OUT/seed-1/<design>/final; a finished design is kept by `train --resume`);
# 2. reproduce one seed at a time (evaluate, compare, figures, REPORT.md after each), so every seed's
#    results can be committed as it finishes.
# Prefixes are computed in batches (PA_PREFIX_COMPUTE=batch, ~4× faster on 2 cores than one text at
# a time; a record's bytes then depend on its first batch at float rounding: src/embedding/prefix-cache.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/smollm2-study}"
export PA_PREFIX_COMPUTE="${PA_PREFIX_COMPUTE:-batch}"
node --import tsx scripts/learning-curves.ts --profile smollm2-study --seed 1 --every 50 --limit 200 \
  --tasks STSBenchmark,SICK-R,Cranfield --out "$out"
# one evaluation process: designs that share an attention mode share the cached prefixes, which the
# first of them computes (two processes side by side would compute the same prefixes twice)
npm run -s reproduce -- --profile smollm2-study --seeds 1 --out "$out" --jobs 1
# the authors' head beside the study's departure (head lrScale 0.1), at the same budget, one seed: the
# heads' learning curves with lrScale 1 (m1 has no head: its curve is the study's)
node --import tsx scripts/learning-curves.ts --profile smollm2-study --head-lr-scale 1 --designs m2,m3,m4,m5,m6 \
  --seed 1 --every 50 --limit 200 --tasks STSBenchmark,SICK-R,Cranfield --out "$out-authors-head"
for seeds in 1,2 1,2,3; do
  npm run -s reproduce -- --profile smollm2-study --seeds "$seeds" --out "$out" --jobs 1
done
