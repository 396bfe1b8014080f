#!/usr/bin/env bash
# The UI end to end: Debian's chromium, driven by playwright-core, against a running cluster with the plugin
# (integTest/run.sh calls it with UI_E2E=1 while its nodes are up; by hand: dashboards/e2e/run.sh http://127.0.0.1:9200).
# Needs the built project (target/classes, target/cli.classpath: the synthetic world's document generator) and
# dashboards/node_modules (the Maven build installs them).
set -euo pipefail
URL=${1:?usage: dashboards/e2e/run.sh CLUSTER_URL}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "e2e: no chromium at $CHROMIUM: install Debian's package (apt-get install chromium) or set CHROMIUM" >&2; exit 1; }
[ -d "$ROOT/dashboards/node_modules/playwright-core" ] || { echo "e2e: dashboards/node_modules is missing: build the project first (./mvnw package)" >&2; exit 1; }
[ -f "$ROOT/target/cli.classpath" ] || { echo "e2e: target/cli.classpath is missing: build the project first (./mvnw package)" >&2; exit 1; }

java=""
for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
  [ -x "$d/bin/java" ] || continue
  v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1)
  if [ "${v:-0}" -ge 21 ]; then java=$d/bin/java; break; fi
done
[ -n "$java" ] || { echo "e2e: no JDK >= 21 under /usr/lib/jvm" >&2; exit 1; }

doc=$(mktemp --suffix=.json)
trap 'rm -f "$doc"' EXIT
# one held-out document of the synthetic world with its questions (what lloco-tiny was trained on)
"$java" -cp "$ROOT/target/classes:$(cat "$ROOT/target/cli.classpath")" io.lloco.train.world.WorldDump \
  --seed 2026 --split test --count 1 --tokens 256 --questions 2 | head -1 > "$doc"
# screenshots: target/ui-e2e/ (E2E_IMAGES=docs/images refreshes the ones the README shows; relative to the repository)
images=${E2E_IMAGES:-target/ui-e2e}
case "$images" in /*) ;; *) images=$ROOT/$images ;; esac
cd "$ROOT/dashboards"
node e2e/e2e.mjs --url "$URL" --doc "$doc" --chromium "$CHROMIUM" --images "$images"
