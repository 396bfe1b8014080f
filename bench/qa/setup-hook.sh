# Sourced by integTest/cluster.sh setup (SETUP_HOOK) for bench/run.sh: adds the model folder `lloco-tiny-long` to the
# installation's config, before the per-node copies. It is lloco-tiny's own files (the embedded model, from
# src/main/resources) with one documented change, the window: config.json's max_position_embeddings raised from 2,048
# to $BENCH_LONG_WINDOW (default 34,816 = 32,768 + 2,048). RoPE has no learned positions, so the same weights run at
# any position; the model was never trained past 2,048, so the benchmark times it there and reports no accuracy
# (docs/BENCHMARKS.md). The shipped lloco-tiny is not changed.
long_src="$ROOT/src/main/resources/io/lloco/models/lloco-tiny"
long_dst="$H/config/lloco/models/lloco-tiny-long"
rm -rf "$long_dst"; mkdir -p "$long_dst"
cp -r "$long_src/." "$long_dst/"
sed -E -i 's/("max_position_embeddings"[[:space:]]*:[[:space:]]*)[0-9]+/\1'"${BENCH_LONG_WINDOW:-34816}"'/' "$long_dst/config.json"
grep -Eq "\"max_position_embeddings\" *: *${BENCH_LONG_WINDOW:-34816}" "$long_dst/config.json" \
  || { echo "bench: could not raise the window in $long_dst/config.json" >&2; exit 1; }
own "$long_dst"
