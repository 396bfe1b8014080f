# Sourced by integTest/cluster.sh setup (SETUP_HOOK) for bench/run.sh: adds the model folder `lloco-tiny-long` to the
# installation's config, before the per-node copies. It is lloco-tiny's own files (the embedded model, from
# src/main/resources) with one documented change, the window: config.json's max_position_embeddings raised from 2,048
# to $BENCH_LONG_WINDOW (default 34,816 = 32,768 + 2,048). RoPE has no learned positions, so the same weights run at
# any position; the model was never trained past 2,048, so the benchmark times it there and reports no accuracy
# (docs/models.md "Raising a model's window"). The shipped lloco-tiny is not changed.
long_src="$ROOT/src/main/resources/io/lloco/models/lloco-tiny"
long_dst="$H/config/lloco/models/lloco-tiny-long"
rm -rf "$long_dst"; mkdir -p "$long_dst"
cp -r "$long_src/." "$long_dst/"
python3 - "$long_dst/config.json" "${BENCH_LONG_WINDOW:-34816}" <<'PY'
import json, sys
p, window = sys.argv[1], int(sys.argv[2])
c = json.load(open(p))
c["max_position_embeddings"] = window
json.dump(c, open(p, "w"), indent=2)
PY
own "$long_dst"
