#!/usr/bin/env node
/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 *
 * Builds both deliveries of the pages with esbuild:
 *   1. the page the OpenSearch plugin serves at GET /_plugins/lloco/ui: index.html, lloco-ui.js, lloco-ui.css
 *      (React and OUI bundled), written to --page-out (the Maven build passes target/classes/io/lloco/ui);
 *   2. the OpenSearch Dashboards plugin zip llocoDashboards-<OSD version>.zip, written to --zip-out: the public
 *      bundle takes React, ReactDOM and OUI from Dashboards (__osdSharedDeps__) and registers itself with
 *      __osdBundles__.define('plugin/llocoDashboards/public', ...); the server bundle holds the proxy route.
 *
 *   node scripts/build.mjs [--page-out DIR] [--zip-out DIR] [--osd-version 3.6.0] [--version 0.1.0]
 */
import { build } from 'esbuild';
import { zipSync, strToU8 } from 'fflate';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), [])
);
const pageOut = resolve(args['page-out'] ?? join(HERE, 'build', 'page'));
const zipOut = resolve(args['zip-out'] ?? join(HERE, 'build'));
const osdVersion = args['osd-version'] ?? process.env.OSD_VERSION ?? '3.6.0';
const version = args.version ?? JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).version;
const PLUGIN_ID = 'llocoDashboards';

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['es2020'],
  jsx: 'automatic',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  alias: { '@opensearch/datemath': join(HERE, 'node_modules/@elastic/eui/packages/opensearch-datemath') },
  loader: { '.json': 'json' },
};

async function buildPage() {
  rmSync(pageOut, { recursive: true, force: true });
  mkdirSync(pageOut, { recursive: true });
  const t0 = Date.now();
  await build({
    ...common,
    entryPoints: { 'lloco-ui': join(HERE, 'standalone/main.tsx') },
    outdir: pageOut,
    platform: 'browser',
    format: 'iife',
  });
  copyFileSync(join(HERE, 'standalone/index.html'), join(pageOut, 'index.html'));
  for (const f of ['index.html', 'lloco-ui.js', 'lloco-ui.css']) {
    if (!existsSync(join(pageOut, f))) throw new Error(`build: ${f} was not written`);
  }
  console.log(`page: ${pageOut} (${Date.now() - t0} ms)`);
}

// Dashboards provides these to every plugin bundle (packages/osd-ui-shared-deps: the externals of its optimizer).
const SHARED = {
  react: 'React',
  'react-dom': 'ReactDom',
  '@elastic/eui': 'ElasticEui',
  moment: 'Moment',
  lodash: 'Lodash',
};

const osdSharedDeps = {
  name: 'osd-shared-deps',
  setup(b) {
    b.onResolve({ filter: /^(react|react-dom|@elastic\/eui|moment|lodash)$/ }, (a) => ({ path: a.path, namespace: 'osd-shared' }));
    b.onLoad({ filter: /.*/, namespace: 'osd-shared' }, (a) => ({
      contents: `module.exports = window.__osdSharedDeps__.${SHARED[a.path]};`,
      loader: 'js',
    }));
  },
};

async function buildOsdZip() {
  const t0 = Date.now();
  const publicJs = await build({
    ...common,
    entryPoints: [join(HERE, 'osd/public/index.ts')],
    write: false,
    platform: 'browser',
    format: 'iife',
    globalName: '__llocoDashboardsPublic',
    plugins: [osdSharedDeps],
    footer: {
      js: `window.__osdBundles__.define('plugin/${PLUGIN_ID}/public', function () { return __llocoDashboardsPublic; }, '');`,
    },
  });
  const serverJs = await build({
    ...common,
    define: {},
    minify: false,
    entryPoints: [join(HERE, 'osd/server/index.ts')],
    write: false,
    platform: 'node',
    format: 'cjs',
    target: ['node18'],
  });
  const manifest = {
    id: PLUGIN_ID,
    version,
    opensearchDashboardsVersion: osdVersion,
    server: true,
    ui: true,
    requiredPlugins: [],
    optionalPlugins: [],
  };
  const pkg = {
    name: PLUGIN_ID,
    version,
    description: 'LLoCO for OpenSearch: Ask, Ingest, Adapters and Nodes pages (experimental, not verified in a running Dashboards)',
    license: 'Apache-2.0',
    main: 'server/index.js',
    opensearchDashboards: { version: osdVersion },
  };
  const root = `opensearch-dashboards/${PLUGIN_ID}`;
  const readme = readFileSync(join(HERE, 'osd/README.md'), 'utf8');
  const files = {
    [`${root}/opensearch_dashboards.json`]: strToU8(JSON.stringify(manifest, null, 2) + '\n'),
    [`${root}/package.json`]: strToU8(JSON.stringify(pkg, null, 2) + '\n'),
    [`${root}/README.md`]: strToU8(readme),
    [`${root}/server/index.js`]: serverJs.outputFiles[0].contents,
    [`${root}/target/public/${PLUGIN_ID}.plugin.js`]: publicJs.outputFiles[0].contents,
  };
  // a fixed date keeps the zip identical for identical inputs
  const zip = zipSync(files, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') });
  mkdirSync(zipOut, { recursive: true });
  const file = join(zipOut, `${PLUGIN_ID}-${osdVersion}.zip`);
  writeFileSync(file, zip);
  console.log(`Dashboards plugin: ${file} (${zip.length} bytes, ${Date.now() - t0} ms)`);
}

const what = args.only ?? 'all';
if (what === 'all' || what === 'page') await buildPage();
if (what === 'all' || what === 'osd') await buildOsdZip();
