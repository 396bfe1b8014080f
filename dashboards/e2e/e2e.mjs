#!/usr/bin/env node
/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 *
 * End to end in a real browser against a real cluster with the plugin: Debian's chromium driven by playwright-core
 * opens the page the plugin serves (/_plugins/lloco/ui) and, through the page only, creates a lloco_compress pipeline
 * with the embedded lloco-tiny, an index with the plugin's mapping, and a document; asks a question of it (with the
 * full_context comparison) and checks that the page shows the answer the cluster gives, the source and its
 * highlighted segment; shows the cluster's error for a bad request; binds an adapter; reads the Nodes page; and moves
 * between pages with the keyboard. Screenshots go to docs/images/. Every wait is on a condition of the page (no fixed
 * sleeps). Fails on any uncaught page error, console error or Content-Security-Policy violation.
 *
 *   node e2e/e2e.mjs --url http://127.0.0.1:9200 --doc doc.json [--chromium /usr/bin/chromium] [--images ../docs/images]
 *
 * doc.json: one document of the synthetic world (io.lloco.train.world.WorldDump): {id, text, questions: [{question, answer}]}.
 */
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), [])
);
const URL = (args.url ?? 'http://127.0.0.1:9200').replace(/\/$/, '');
const CHROMIUM = args.chromium ?? '/usr/bin/chromium';
const IMAGES = resolve(args.images ?? join(HERE, '../../docs/images'));
const DOC = JSON.parse(readFileSync(args.doc, 'utf8'));
const STEP_MS = Number(args['step-timeout-ms'] ?? 180_000); // compression and decoding on a shared 2-core CPU
const PIPELINE = 'e2e-compress';
const INDEX = 'e2e-books';
const DOC_ID = 'doc-1';
const question = DOC.questions.find((q) => q.task === 'lookup') ?? DOC.questions[0];

let passed = 0;
const failures = [];
const t0 = Date.now();
async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures.push(name);
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
    throw e;
  }
}
function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Direct REST calls: set-up checks and the reference answer, outside the browser. */
async function rest(method, path, body) {
  const r = await fetch(URL + path, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : {} };
}

async function cleanup() {
  await rest('DELETE', `/${INDEX}?ignore_unavailable=true`);
  await rest('DELETE', `/_ingest/pipeline/${PIPELINE}`);
}

async function main() {
  console.log(`e2e: ${URL}/_plugins/lloco/ui in ${CHROMIUM}; document ${DOC.id} (${DOC.tokens} tokens), question "${question.question}" (gold "${question.answer}")`);
  await cleanup();
  mkdirSync(IMAGES, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // as root, and quiet on a closed network (PLATFORM-NOTES §8); playwright gives it a new empty profile
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // a failed request is reported by the page itself (error banners); the test provokes one on purpose
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
        problems.push(`console error: ${m.text()}`);
      }
    });
    const byTest = (id) => page.locator(`[data-test-subj="${id}"]`);
    const qaResponses = []; // what the page received, to compare with what it shows
    page.on('response', async (r) => {
      if (r.url().endsWith('/_lloco_qa') && r.request().method() === 'POST') {
        qaResponses.push({ request: r.request().postDataJSON(), status: r.status(), body: await r.json().catch(() => null) });
      }
    });

    await step('the plugin serves the page with its Content-Security-Policy', async () => {
      const res = await page.goto(`${URL}/_plugins/lloco/ui#/ingest`);
      check(res.status() === 200, `status ${res.status()}`);
      const csp = res.headers()['content-security-policy'] ?? '';
      check(csp.includes("script-src 'self'") && csp.includes("default-src 'none'"), `CSP: ${csp}`);
      check((res.headers()['content-type'] ?? '').startsWith('text/html'), res.headers()['content-type']);
      await byTest('ingestPage').waitFor();
      check(await page.getByRole('tab', { name: 'Ingest' }).getAttribute('aria-selected') === 'true', 'Ingest tab selected');
    });

    await step('Ingest: create a lloco_compress pipeline with the embedded lloco-tiny', async () => {
      await page.getByLabel('Name', { exact: true }).fill(PIPELINE);
      check((await page.getByLabel('Model', { exact: true }).inputValue()) === 'lloco-tiny', 'default model');
      await page.getByRole('button', { name: 'Create pipeline' }).click();
      await page.getByText(`Pipeline ${PIPELINE} created`).waitFor();
      await byTest('pipelinesTable').getByText(PIPELINE, { exact: true }).waitFor();
      const p = await rest('GET', `/_ingest/pipeline/${PIPELINE}`);
      check(p.body[PIPELINE]?.processors?.[0]?.lloco_compress?.model === 'lloco-tiny', JSON.stringify(p.body));
    });

    await step('Ingest: create an index with the plugin mapping and the pipeline attached', async () => {
      await page.getByLabel('Index name').fill(INDEX);
      await page.getByLabel('Default pipeline').selectOption(PIPELINE);
      await page.getByLabel('Replicas').fill('0');
      await page.getByRole('button', { name: 'Create index' }).click();
      await page.getByText(`Index ${INDEX} created`).waitFor();
      const s = await rest('GET', `/${INDEX}/_settings`);
      check(s.body[INDEX]?.settings?.index?.default_pipeline === PIPELINE, JSON.stringify(s.body));
      const m = await rest('GET', `/${INDEX}/_mapping`);
      check(m.body[INDEX]?.mappings?.properties?.lloco?.properties?.segments?.type === 'nested', 'nested segments');
    });

    await step('Ingest: add a document; it is compressed on the way in', async () => {
      await byTest('docIndex').selectOption(INDEX);
      await byTest('docId').fill(DOC_ID);
      await byTest('docText').fill(DOC.text);
      await page.getByRole('button', { name: 'Add document' }).click();
      const done = byTest('documentAdded');
      await done.waitFor();
      const text = await done.innerText();
      check(text.includes(`Document ${DOC_ID} indexed`) && /Compressed by lloco-tiny: [\d,]+ tokens into \d+ segments/.test(text), text);
      const row = byTest('indicesTable').locator('tr', { hasText: INDEX });
      await row.locator('[data-test-subj="compressedCount"]', { hasText: /^1$/ }).waitFor();
      await page.screenshot({ path: join(IMAGES, 'ui-ingest.png'), fullPage: true });
    });

    await step('Ingest: no stale document (the fingerprint the pipeline writes now, by simulating it)', async () => {
      await page.getByRole('button', { name: `Check ${INDEX} for stale documents` }).click();
      const report = byTest('staleReport');
      await report.locator('[data-test-subj="staleCount"]').waitFor();
      const text = await report.innerText();
      check(/lloco-tiny now has fingerprint sha256:[0-9a-f]+\. 0 of 1 compressed documents are stale/.test(text), text);
    });

    await step('Ask: the answer the cluster gives, its sources with the used segment highlighted, and full_context beside it', async () => {
      await page.getByRole('tab', { name: 'Ask' }).click();
      await byTest('askPage').waitFor();
      await page.locator(`[data-test-subj="askIndex"] option[value="${INDEX}"]`).waitFor({ state: 'attached' });
      await byTest('askIndex').selectOption(INDEX);
      await byTest('askQuestion').fill(question.question);
      // the embedded model's best reading (bin/demo's defaults): 3 segments read alone, 4 answers each
      await page.getByLabel('Answer candidates').fill('3');
      await page.getByLabel('Beams').fill('4');
      await page.getByRole('switch', { name: 'Compare with full_context' }).click();
      await page.getByRole('button', { name: 'Ask' }).click();
      const shown = byTest('answer-lloco').locator('[data-test-subj="answerText"]');
      await shown.waitFor();
      const answer = (await shown.innerText()).trim();
      await byTest('answer-full_context').locator('[data-test-subj="answerText"]').waitFor();
      await byTest('qaComparison').waitFor();
      const got = qaResponses.find((r) => r.request.mode === 'lloco');
      check(got && got.status === 200, `the page's request: ${JSON.stringify(got)}`);
      check(got.request.answer_candidates === 3 && got.request.answer_beams === 4 && got.request.question === question.question, JSON.stringify(got.request));
      // the same request, outside the browser: decoding is deterministic, so the page must show this answer
      const reference = await rest('POST', `/${INDEX}/_lloco_qa`, got.request);
      check(reference.status === 200, JSON.stringify(reference.body));
      const expected = reference.body.answer.trim() === '' ? '(empty answer)' : reference.body.answer.trim();
      check(answer === expected, `the page shows "${answer}", the cluster answers "${reference.body.answer}"`);
      const usage = await byTest('qaUsage').first().innerText();
      check(/Compression ratio\s*[\d.]+×/.test(usage), usage);
      await byTest('answer-lloco').locator('[data-test-subj="qaCandidates"]').waitFor();
      const source = byTest('qaSource').first();
      await source.getByText(`${INDEX}/${DOC_ID}`).waitFor();
      const mark = source.locator('mark[data-test-subj="segmentMark"]').first();
      await mark.waitFor();
      const seg = got.body.sources[0].segments[0];
      const marked = (await mark.innerText()).replace(/^§\d+\s*/, '');
      check(marked.trim() === DOC.text.slice(seg.start, seg.end).trim(), `marked "${marked}", segment ${seg.start}..${seg.end}: "${DOC.text.slice(seg.start, seg.end)}"`);
      console.log(`       answer "${answer}" (gold "${question.answer}"); ${got.body.usage.decoder_positions} decoder positions, full context ${got.body.usage.full_context_tokens} tokens`);
      await page.screenshot({ path: join(IMAGES, 'ui-ask.png'), fullPage: true });
    });

    await step("Ask: the cluster's error (status and reason) in a banner", async () => {
      await page.getByRole('switch', { name: 'Compare with full_context' }).click();
      await page.getByLabel('Adapter', { exact: true }).fill('no-such-adapter');
      await page.getByRole('button', { name: 'Ask' }).click();
      const alert = byTest('answer-lloco').getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      check(/the cluster answered 404/.test(text) && text.includes('no-such-adapter'), text);
      await page.getByLabel('Adapter', { exact: true }).fill('');
    });

    await step('Adapters: says what the cluster lacks; binds the default adapter to the index', async () => {
      await page.getByRole('tab', { name: 'Adapters' }).click();
      await byTest('adaptersPage').waitFor();
      const adaptersApi = await rest('GET', '/_plugins/lloco/adapters');
      if (adaptersApi.status === 400 || adaptersApi.status === 404) {
        await byTest('notAvailable').waitFor();
      } else {
        await byTest('adaptersTable').waitFor();
      }
      await page.locator(`[data-test-subj="bindIndex"] option[value="${INDEX}"]`).waitFor({ state: 'attached' });
      await byTest('bindIndex').selectOption(INDEX);
      await byTest('bindAdapter').fill('default');
      await page.getByRole('button', { name: 'Bind' }).click();
      await byTest('bindingsTable').locator('tr', { hasText: INDEX }).getByText('default', { exact: true }).waitFor();
      const s = await rest('GET', `/${INDEX}/_settings/index.lloco.adapter`);
      check(s.body[INDEX]?.settings?.index?.lloco?.adapter === 'default', JSON.stringify(s.body));
      await page.screenshot({ path: join(IMAGES, 'ui-adapters.png'), fullPage: true });
    });

    await step('Nodes: every node, the lloco node with its engine, devices, loaded model and queues', async () => {
      await page.getByRole('tab', { name: 'Nodes' }).click();
      const info = await rest('GET', '/_plugins/lloco/_nodes');
      const nodes = Object.values(info.body.nodes);
      await byTest('nodePanel').nth(nodes.length - 1).waitFor();
      check((await byTest('nodePanel').count()) === nodes.length, 'one panel per node');
      const lloco = nodes.find((n) => n.lloco_role);
      check(lloco, 'a lloco node');
      const panel = byTest('nodePanel').filter({ has: page.locator('[data-test-subj="nodeName"]', { hasText: lloco.name }) });
      await panel.locator('[data-test-subj="engineStatus"]', { hasText: 'started' }).waitFor();
      await panel.locator('[data-test-subj="pool-lloco_decode"]').waitFor();
      if (lloco.models.length > 0) await panel.getByText(lloco.models[0].id, { exact: true }).first().waitFor();
      await page.screenshot({ path: join(IMAGES, 'ui-nodes.png'), fullPage: true });
    });

    await step('keyboard: arrows move between the tabs, focus follows', async () => {
      await page.getByRole('tab', { name: 'Nodes' }).focus();
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction(() => document.activeElement?.textContent === 'Adapters');
      await byTest('adaptersPage').waitFor();
      await page.keyboard.press('Home');
      await page.waitForFunction(() => document.activeElement?.textContent === 'Ask' && location.hash === '#/ask');
      await byTest('askPage').waitFor();
    });

    await step('no page error, console error or CSP violation', async () => {
      check(problems.length === 0, problems.join('\n'));
    });
  } finally {
    await browser.close();
    await cleanup().catch(() => undefined);
  }
}

main()
  .then(() => {
    console.log(`e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${IMAGES}`);
    console.log(`e2e: ${passed} passed, 0 failed`);
  })
  .catch((e) => {
    if (failures.length === 0) console.log(`e2e: ${e?.stack ?? e}`);
    console.log(`e2e: ${passed} passed, ${Math.max(1, failures.length)} failed`);
    process.exit(1);
  });
