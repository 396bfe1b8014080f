#!/usr/bin/env bash
# The lloco-tiny training pipeline: pretrain -> LoRA -> eval -> export. Every stage is resumable/idempotent.
#
#   tools/train/run.sh build                 # compile into target-train/ and snapshot classes to $RUN/classes
#   tools/train/run.sh pretrain [--resume]   # background-safe; checkpoints to $RUN/pretrain/checkpoint every <= 8 min
#   tools/train/run.sh recall NAME OPTIONS   # batched retrieval curriculum stage (raw text or summaries) to $RUN/NAME/checkpoint
#   tools/train/run.sh lora [--resume]       # LoRA on the latest pretrain checkpoint (frozen base), adapter to $RUN/lora
#   tools/train/run.sh eval                  # the model-card table: lloco/full/none x base/adapter x lookup/choice/needle
#   tools/train/run.sh eval-retrieve         # the same on the segment-retrieval path (long documents, top K segments)
#   MODEL=DIR [ADAPTER=DIR] [K=3] tools/train/run.sh eval-plain   # issue 25's plain path (greedy, no answer checks), n = 200/200/220
#   tools/train/run.sh export                # F16 base + default adapter into src/main/resources/io/lloco/models/lloco-tiny/
#
# Environment: RUN (default ../lloco-train beside the repository, outside git), CLASSES (default $RUN/classes: a snapshot, so a running
# trainer never sees class files change under it), THREADS (default 2), EXTRA (extra trainer options, override defaults).
# Logs go to models/lloco-tiny/train-logs/<stage>.log (appended).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${RUN:-$(cd "$ROOT/.." && pwd)/lloco-train}
CLASSES=${CLASSES:-$RUN/classes}
THREADS=${THREADS:-2}
LOGS=$ROOT/models/lloco-tiny/train-logs
mkdir -p "$RUN" "$LOGS"
JAVA=${JAVA:-}
if [ -z "$JAVA" ]; then
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    if [ -x "$d/bin/java" ] && [ "$("$d/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1)" -ge 21 ]; then JAVA=$d/bin/java; break; fi
  done
fi
# libgomp spin-waits by default: on a shared 2-core box that makes a 2-thread step 10-40x slower
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
java_run() {
  "$JAVA" -Xmx4g -Djna.noclasspath=true --enable-native-access=ALL-UNNAMED -DDJL_CACHE_DIR="$RUN/djl-cache" \
    -cp "$CLASSES:$(cat "$RUN/classpath.txt")" "$@"
}
stage=${1:-}; shift || true
case "$stage" in
  build)
    (cd "$ROOT" && ./mvnw -B -q -Dlloco.ui.skip=true -Dbuild.dir="$ROOT/target-train" compile dependency:build-classpath \
       -Dmdep.outputFile="$ROOT/target-train/cp.txt" -Dmdep.includeScope=test)
    rm -rf "$CLASSES" && cp -r "$ROOT/target-train/classes" "$CLASSES" && cp "$ROOT/target-train/cp.txt" "$RUN/classpath.txt"
    git -C "$ROOT" rev-parse HEAD > "$RUN/classes.commit"
    ;;
  pretrain)
    # seed 1, world seed 1; 30000 steps is the full schedule (warmup 300, cosine 1e-3 -> 1e-4); the
    # curriculum widens documents from 1-2 to 1-8 segments of 512 tokens over the first 2000 steps.
    java_run io.lloco.cli.TrainCommand pretrain --out "$RUN/pretrain" --steps 30000 --seed 1 --world-seed 1 --shape tiny \
      --lr 1e-3 --min-lr 1e-4 --warmup 300 --max-segments 8 --ramp-steps 2000 --cloze 8 --needle-rate 0.3 \
      --log-every 10 --checkpoint-every 200 --checkpoint-minutes 8 --threads "$THREADS" ${EXTRA:-} "$@" \
      >> "$LOGS/pretrain.log" 2>&1
    ;;
  recall)
    # batched retrieval curriculum (io.lloco.train.RecallTrainer): run.sh recall NAME [--init DIR | --resume] OPTIONS...
    # writes $RUN/NAME/checkpoint, logs to models/lloco-tiny/train-logs/recall-NAME.log
    name=${1:?usage: run.sh recall NAME [--init DIR|--resume] OPTIONS}; shift
    java_run io.lloco.cli.TrainCommand recall --out "$RUN/$name" --threads "$THREADS" \
      --log-every 10 --checkpoint-every 200 --checkpoint-minutes 8 ${EXTRA:-} "$@" >> "$LOGS/recall-$name.log" 2>&1
    ;;
  lora)
    # LoRA r=8 alpha=16 on q/k/v/o (LLOCO-SPEC 2.5) over a frozen snapshot of the pretrain checkpoint
    # BASE_FROM: the checkpoint to freeze as the base (default the pretrain run's; e.g. $RUN/c1-64x64/checkpoint)
    # LORA_LOG: train-logs/<name>.log (default lora); options after "lora" (or EXTRA) override the defaults below
    if [ "${1:-}" != "--resume" ]; then
      rm -rf "$RUN/base" && cp -r "${BASE_FROM:-$RUN/pretrain/checkpoint}" "$RUN/base"
    fi
    java_run io.lloco.cli.TrainCommand lora --model "$RUN/base" --out "$RUN/lora" --steps 600 --seed 1 --world-seed 1 \
      --rank 8 --alpha 16 --lr 1e-3 --docs 150 --doc-tokens 2048,4096,4096 --questions 4 \
      --log-every 10 --checkpoint-every 100 --checkpoint-minutes 8 --threads "$THREADS" ${EXTRA:-} "$@" \
      >> "$LOGS/${LORA_LOG:-lora}.log" 2>&1
    ;;
  eval)
    # WHICH=base (no adapter) | adapter | all; N questions per (task, mode); needle uses NEEDLE_N (2 per depth 0.0..1.0)
    # DOC_TOKENS: the held-out documents (default 4096); FULL_TOKENS: where the full-context baseline is compared
    # (default 1024: 4096-token documents do not fit the 2048-position window); EVAL_LOG: train-logs/<name>.jsonl
    # QPD: questions per document (default 4; 1 makes every question a different fact); choice is also scored ranked
    N=${N:-40}; NEEDLE_N=${NEEDLE_N:-22}; WHICH=${WHICH:-all}; DOC_TOKENS=${DOC_TOKENS:-4096}; FULL_TOKENS=${FULL_TOKENS:-1024}
    out=$LOGS/${EVAL_LOG:-eval}.jsonl
    ev() { java_run io.lloco.cli.EvalCommand --model "$RUN/base" --seed 7 --questions-per-doc "${QPD:-4}" --threads "$THREADS" "$@" \
      | grep '^{' | tee -a "$out"; }
    for task in lookup choice needle; do
      n=$N; [ $task = needle ] && n=$NEEDLE_N
      if [ "$WHICH" != adapter ]; then
        ev --task $task --n "$n" --mode lloco --doc-tokens "$DOC_TOKENS"
        ev --task $task --n "$n" --mode none --doc-tokens "$DOC_TOKENS"
      fi
      if [ "$WHICH" != base ]; then
        ev --adapter "$RUN/lora" --task $task --n "$n" --mode lloco --doc-tokens "$DOC_TOKENS"
        ev --adapter "$RUN/lora" --task $task --n "$n" --mode none --doc-tokens "$DOC_TOKENS"
        ev --adapter "$RUN/lora" --task $task --n "$n" --mode full --doc-tokens "$FULL_TOKENS"
        if [ "$FULL_TOKENS" != "$DOC_TOKENS" ]; then
          ev --adapter "$RUN/lora" --task $task --n "$n" --mode lloco --doc-tokens "$FULL_TOKENS"
        fi
        if [ $task = choice ]; then
          ev --adapter "$RUN/lora" --task choice --n "$n" --mode lloco --doc-tokens "$DOC_TOKENS" --choice-mode rank
          ev --adapter "$RUN/lora" --task choice --n "$n" --mode none --doc-tokens "$DOC_TOKENS" --choice-mode rank
        fi
      fi
    done
    ;;
  eval-retrieve)
    # The segment-retrieval path (lloco_compress mode independent + _lloco_qa granularity segment, top_segments K) on
    # long documents: every segment compressed alone, each question reads the K segments that best match it (BM25).
    # RETRIEVE=K (default 4), DOC_TOKENS (default 4096), one question per document; the same K segments as text is
    # the full-context baseline at equal retrieval. SEGMENT_BOUNDARY=sentence packs whole sentences into segments.
    # EVAL_LOG: train-logs/<name>.jsonl
    N=${N:-40}; NEEDLE_N=${NEEDLE_N:-22}; K=${RETRIEVE:-4}; DOC_TOKENS=${DOC_TOKENS:-4096}
    out=$LOGS/${EVAL_LOG:-eval-retrieve}.jsonl
    ev() { java_run io.lloco.cli.EvalCommand --model "$RUN/base" --seed 7 --questions-per-doc 1 --doc-tokens "$DOC_TOKENS" \
      --segment-boundary "${SEGMENT_BOUNDARY:-tokens}" --threads "$THREADS" "$@" | grep '^{' | tee -a "$out"; }
    for task in lookup choice needle; do
      n=$N; [ $task = needle ] && n=$NEEDLE_N
      ev --adapter "$RUN/lora" --task $task --n "$n" --mode lloco --retrieve "$K"
      ev --task $task --n "$n" --mode lloco --retrieve "$K"
      ev --adapter "$RUN/lora" --task $task --n "$n" --mode full --retrieve "$K"
      ev --adapter "$RUN/lora" --task $task --n "$n" --mode none
      if [ $task = choice ]; then
        ev --adapter "$RUN/lora" --task choice --n "$n" --mode lloco --retrieve "$K" --choice-mode rank
        ev --task choice --n "$n" --mode lloco --retrieve "$K" --choice-mode rank
        ev --adapter "$RUN/lora" --task choice --n "$n" --mode full --retrieve "$K" --choice-mode rank
        ev --adapter "$RUN/lora" --task choice --n "$n" --mode none --choice-mode rank
      fi
    done
    ;;
  eval-plain)
    # The plain LLoCO path of issue 25 on held-out 4,096-token documents (world seed 7, TEST split, one question per
    # document): greedy, answer_candidates 1, answer_beams 1, no answer checked against the text; the K best segments
    # (BM25 + the best sentence, options matched for choice) read together in one prompt, side by side; choice scored
    # cloze. MODEL (dir), ADAPTER (dir; unset = the base alone), K (default 1), BOUNDARY (default sentence), SEG (segment
    # tokens; unset = the model's lloco_segment_tokens), MODE (lloco|full|none, default lloco), TASKS (default all three),
    # N (default 200), NEEDLE_N (default 220, 20 per depth), HEUR=1 adds the heuristics (lookup: answer_candidates 3,
    # answer_candidates_max 6, answer_beams 4; needle: answer_beams 4) for the separate column. EVAL_LOG: train-logs/<name>.jsonl
    N=${N:-200}; NEEDLE_N=${NEEDLE_N:-220}
    out=$LOGS/${EVAL_LOG:-eval-plain}.jsonl
    for task in ${TASKS:-lookup choice needle}; do
      n=$N; extra=()
      [ "$task" = needle ] && n=$NEEDLE_N
      [ "$task" = choice ] && extra+=(--choice-mode cloze)
      if [ -n "${HEUR:-}" ]; then
        [ "$task" = lookup ] && extra+=(--answer-candidates 3 --answer-candidates-max 6 --answer-beams 4)
        [ "$task" = needle ] && extra+=(--answer-beams 4)
      fi
      java_run io.lloco.cli.EvalCommand --model "${MODEL:?MODEL=<model dir>}" ${ADAPTER:+--adapter "$ADAPTER"} --seed 7 \
        --questions-per-doc 1 --doc-tokens 4096 --segment-boundary "${BOUNDARY:-sentence}" --retrieve "${K:-1}" \
        ${SEG:+--segment-tokens "$SEG"} --mode "${MODE:-lloco}" --task "$task" --n "$n" --threads "$THREADS" "${extra[@]}" \
        | grep '^{' | tee -a "$out"
    done
    ;;
  export)
    java_run io.lloco.train.ModelExport --model "$RUN/base" --adapter "$RUN/lora" \
      --out "$ROOT/src/main/resources/io/lloco/models/lloco-tiny"
    ;;
  *)
    echo "usage: $0 build|pretrain|recall|lora|eval|eval-retrieve|eval-plain|export [options]" >&2; exit 2 ;;
esac
