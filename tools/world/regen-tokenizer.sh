#!/usr/bin/env bash
# Regenerates src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json with io.lloco.train.world.TokenizerBuilder.
# Deterministic: WorldTokenizerTests fails when the committed file differs from the builder's output.
# Usage (from anywhere): tools/world/regen-tokenizer.sh [build-dir]   (default build dir: target-world)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-target-world}
./mvnw -B -q -Dbuild.dir="$PWD/$BUILD" compile dependency:build-classpath -Dmdep.outputFile="$PWD/$BUILD/cp.txt" -Dmdep.includeScope=runtime
JAVA_BIN=java
if [ -n "${JAVA_HOME:-}" ]; then JAVA_BIN="$JAVA_HOME/bin/java"; fi
"$JAVA_BIN" -cp "$BUILD/classes:$(cat "$BUILD/cp.txt")" io.lloco.train.world.TokenizerBuilder \
  src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json
