#!/usr/bin/env bash
# The lloco-tiny retrieval curriculum (io.lloco.train.RecallTrainer), resumable across runs:
#   tools/train/curriculum.sh            # runs/resumes the first unfinished stage, then the next ones
#   MAX_MINUTES=60 tools/train/curriculum.sh   # stop (after a checkpoint) after 60 minutes of this invocation's stage
# A stage is finished when its schedule ends or its held-out probe reaches --until-exact (exact match of the answers
# read from the right context; trainer_state.json "finished": true). Each stage starts from the previous stage's
# final checkpoint; the first from $INIT (default $RUN/init-step2000: the `run.sh pretrain` checkpoint at step 2000,
# LM-pretrained, no retrieval). Figures and logs: models/lloco-tiny/train-logs/recall-<stage>.log.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${RUN:-$(cd "$ROOT/.." && pwd)/lloco-train}
INIT=${INIT:-$RUN/init-step2000}
# Every stage keeps a language-modelling loss on the document tokens (--lm-weight 0.5): without it the retrieval skill
# formed late or not at all (s3-c1: 3,400 steps at 10-18% held-out exact; with it, s3-c1b: 52% after 1,200 more steps).
# From the 256-token stage on, half the summary steps compress every segment alone (--independent-rate 0.5), so the
# model reads both accumulated documents and independently compressed retrieved segments (s4-c3: the
# segment-retrieval path on 4k documents went from 0.45 to 0.475 lookup with the adapter, and the probe on
# independent segments from 45% to 50%).
# name | options: documents of T tokens compressed in segments of S (16 summaries each), summary steps share, gate
STAGES=(
  "c1-64x64|--doc-tokens 64 --segment 64 --batch 32 --questions 4 --summary-rate 0.5 --lm-weight 0.5 --steps 6000 --warmup 50 --until-exact 0.8"
  "c2-256x64|--doc-tokens 256 --segment 64 --batch 16 --questions 6 --summary-rate 0.75 --lm-weight 0.5 --steps 6000 --warmup 50 --until-exact 0.8"
  "c3-256x64-indep|--doc-tokens 256 --segment 64 --batch 16 --questions 6 --summary-rate 0.75 --independent-rate 0.5 --lm-weight 0.5 --lr 5e-4 --min-lr 5e-5 --steps 1200 --warmup 30 --until-exact 0.8"
  "c4-512x128|--doc-tokens 512 --segment 128 --batch 8 --questions 6 --summary-rate 0.75 --independent-rate 0.5 --lm-weight 0.5 --lr 5e-4 --min-lr 5e-5 --steps 3000 --warmup 50 --until-exact 0.8"
  "c5-1024x256|--doc-tokens 1024 --segment 256 --batch 4 --questions 8 --summary-rate 0.9 --independent-rate 0.5 --lm-weight 0.5 --steps 6000 --warmup 50 --until-exact 0.8"
  "c6-2048x512|--doc-tokens 2048 --segment 512 --batch 2 --questions 8 --summary-rate 1 --independent-rate 0.5 --lm-weight 0.5 --steps 6000 --warmup 50 --until-exact 0.85"
)
finished() { [ -f "$1/checkpoint/trainer_state.json" ] && grep -q '"finished" : true' "$1/checkpoint/trainer_state.json"; }
prev=$INIT
for s in "${STAGES[@]}"; do
  name=${s%%|*}; opts=${s#*|}; dir=$RUN/$name
  if finished "$dir"; then prev=$dir/checkpoint; continue; fi
  if [ -f "$dir/checkpoint/trainer_state.json" ]; then start=(--resume); else start=(--init "$prev"); fi
  echo "[curriculum] stage $name: ${start[*]} $opts"
  # shellcheck disable=SC2086
  "$ROOT/tools/train/run.sh" recall "$name" "${start[@]}" $opts --probe-every 100 --probe-docs 64 \
    ${MAX_MINUTES:+--max-minutes $MAX_MINUTES}
  if ! finished "$dir"; then echo "[curriculum] stage $name stopped before its end; run again to resume"; exit 0; fi
  prev=$dir/checkpoint
done
echo "[curriculum] all stages finished; the last checkpoint is $prev (next: run.sh lora with it as the base)"
