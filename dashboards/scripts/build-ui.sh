#!/usr/bin/env bash
# Builds the LLoCO pages for the Maven build (exec-maven-plugin, phase generate-resources):
#   build-ui.sh PAGE_DIR ZIP_DIR
# writes the page the plugin serves (index.html, lloco-ui.js, lloco-ui.css) to PAGE_DIR (target/classes/io/lloco/ui,
# so the plugin jar carries it) and llocoDashboards-<OSD version>.zip to ZIP_DIR (target/).
# Installs the npm dependencies with `npm ci` from the committed lockfile only when the lockfile changed since the
# last install, and rebuilds only when a source changed since the last build (a hash of the inputs is kept beside the
# outputs), so repeated Maven runs cost a second or two. Skip it all with -Dlloco.ui.skip=true (the plugin then
# answers 404 at /_plugins/lloco/ui and says why).
set -euo pipefail
HERE=$(cd "${0%/*}/.." && pwd)
PAGE_DIR=${1:?usage: build-ui.sh PAGE_DIR ZIP_DIR}
ZIP_DIR=${2:?usage: build-ui.sh PAGE_DIR ZIP_DIR}
OSD_VERSION=${OSD_VERSION:-3.6.0}

need() {
  printf '[lloco-ui] %s\n' "" "$1" \
    "The plugin's page (/_plugins/lloco/ui) and the Dashboards plugin are built from dashboards/ with Node.js >= 18 and npm." \
    "Install them (Debian: apt-get install nodejs npm) and run the build again," \
    "or build the plugin without its page: ./mvnw ... -Dlloco.ui.skip=true" >&2
  exit 1
}
command -v node >/dev/null 2>&1 || need "node was not found on PATH."
command -v npm >/dev/null 2>&1 || need "npm was not found on PATH."
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || need "node $(node --version) is too old."

cd "$HERE"
hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

lock=$(hash_of package.json package-lock.json)
if [ ! -f node_modules/.lloco-lock ] || [ "$(cat node_modules/.lloco-lock)" != "$lock" ]; then
  echo "[lloco-ui] npm ci (dependencies from package-lock.json)"
  t0=$(date +%s)
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error || need "npm ci failed (see above): is the npm registry reachable, or its packages in ~/.npm?"
  echo "$lock" > node_modules/.lloco-lock
  echo "[lloco-ui] npm ci took $(( $(date +%s) - t0 )) s"
fi

inputs=$(find src standalone osd scripts -type f | LC_ALL=C sort; echo package-lock.json ../docs/lloco-mapping.json)
# shellcheck disable=SC2086
want="$(hash_of $inputs)-$OSD_VERSION"
stamp="$ZIP_DIR/lloco-ui.stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$PAGE_DIR/lloco-ui.js" ] && [ -f "$ZIP_DIR/llocoDashboards-$OSD_VERSION.zip" ]; then
  echo "[lloco-ui] page and Dashboards zip up to date"
  exit 0
fi
node scripts/build.mjs --page-out "$PAGE_DIR" --zip-out "$ZIP_DIR" --osd-version "$OSD_VERSION"
echo "$want" > "$stamp"
