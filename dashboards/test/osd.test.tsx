/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { act, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { unzipSync, strFromU8 } from 'fflate';
import { checkCall, PROXY_PATH } from '../osd/common/calls';
import { fromOsdError, osdHttpAdapter } from '../osd/public/osd_http';
import { registerRoutes, RouterLike, validateBody } from '../osd/server/index';
import { HttpError } from '../src/http';

const validation = {
  ok: <T,>(value: T) => ({ value }),
  badRequest: (error: string) => ({ error }),
};

describe('the proxy route only forwards what the pages send', () => {
  it.each([
    ['GET', '/_plugins/lloco/_nodes'],
    ['GET', '/_plugins/lloco/models'],
    ['POST', '/books/_lloco_qa'],
    ['POST', '/books%2Cpapers/_lloco_qa'],
    ['GET', '/_cat/indices'],
    ['PUT', '/_ingest/pipeline/compress'],
    ['POST', '/_ingest/pipeline/compress/_simulate'],
    ['PUT', '/books/_settings'],
    ['GET', '/books/_doc/b1'],
    ['POST', '/_plugins/lloco/adapters/books-v1/_train'],
    ['GET', '/_tasks/node-1%3A42'],
    ['POST', '/_tasks/node-1%3A42/_cancel'],
  ])('%s %s is allowed', (method, path) => {
    expect(checkCall({ method, path })).toEqual({ ok: true, call: { method, path, query: undefined, body: undefined } });
  });

  it.each([
    [{ method: 'DELETE', path: '/books' }, 'is not a request the LLoCO pages make'],
    [{ method: 'POST', path: '/_cluster/settings' }, 'is not a request the LLoCO pages make'],
    [{ method: 'GET', path: '/_security/api/internalusers' }, 'is not a request the LLoCO pages make'],
    [{ method: 'PUT', path: '/_plugins/lloco/adapters/../../_cluster/settings' }, 'forbidden segment'],
    [{ method: 'PUT', path: '/%2e%2e/_settings' }, 'forbidden segment'],
    [{ method: 'GET', path: '/_cat/indices?v' }, 'without query string'],
    [{ method: 'HEAD', path: '/_cat/indices' }, '[method]'],
    [{ method: 'GET', path: '/_cat/indices', extra: 1 }, 'unknown field [extra]'],
    [{ method: 'GET', path: '/_cat/indices', query: { h: ['a'] } }, '[query.h] must be a scalar'],
    [{ method: 'PUT', path: '/books/_settings', body: 'x' }, '[body] must be a JSON object or array'],
  ])('%j is refused', (data, message) => {
    const r = checkCall(data);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(message);
  });
});

function fakeRouter() {
  const routes: Array<{ path: string; validate: (d: unknown, f: typeof validation) => unknown; handler: Parameters<RouterLike['post']>[1] }> = [];
  const router: RouterLike = {
    post: (route, handler) => routes.push({ path: route.path, validate: route.validate.body as never, handler }),
  };
  return { router, routes };
}

const responses = {
  ok: (o: { body: unknown }) => ({ status: 200, body: o.body }),
  customError: (o: { statusCode: number; body: unknown }) => ({ status: o.statusCode, body: o.body }),
};

describe('the Dashboards server route', () => {
  it('forwards the request as the current user and passes the answer back', async () => {
    const { router, routes } = fakeRouter();
    registerRoutes(router);
    expect(routes.map((r) => r.path)).toEqual([PROXY_PATH]);
    const request = jest.fn(async () => ({ body: { answer: 'teal' } }));
    const context = { core: { opensearch: { client: { asCurrentUser: { transport: { request } } } } } };
    const body = { method: 'POST', path: '/books/_lloco_qa', query: { timeout: '10s' }, body: { question: 'q' } };
    const v = routes[0].validate(body, validation) as { value: never };
    const r = await routes[0].handler(context, { body: v.value }, responses as never);
    expect(r).toEqual({ status: 200, body: { answer: 'teal' } });
    expect(request).toHaveBeenCalledWith({ method: 'POST', path: '/books/_lloco_qa', querystring: { timeout: '10s' }, body: { question: 'q' } });
  });

  it("answers with the cluster's status and error", async () => {
    const { router, routes } = fakeRouter();
    registerRoutes(router);
    const error = { type: 'index_not_found_exception', reason: 'no such index [nope]' };
    const request = jest.fn(async () => {
      throw Object.assign(new Error('ResponseError'), { meta: { statusCode: 404, body: { error, status: 404 } } });
    });
    const context = { core: { opensearch: { client: { asCurrentUser: { transport: { request } } } } } };
    const r = await routes[0].handler(context, { body: { method: 'POST', path: '/nope/_lloco_qa' } }, responses as never);
    expect(r).toEqual({ status: 404, body: { message: 'no such index [nope]', attributes: { error } } });
  });

  it('refuses a request the pages never make, before it reaches the cluster', () => {
    expect(validateBody({ method: 'POST', path: '/_cluster/settings' }, validation)).toEqual({
      error: '[POST /_cluster/settings] is not a request the LLoCO pages make',
    });
  });
});

describe('the Dashboards public adapter', () => {
  it("posts to the route and rebuilds the cluster's error from Dashboards' HttpFetchError", async () => {
    const post = jest.fn(async () => {
      throw { name: 'HttpFetchError', response: { status: 429 }, body: { statusCode: 429, error: 'Too Many Requests', message: 'queue full', attributes: { error: { type: 'lloco_exception', reason: 'queue full' } } } };
    });
    const e = await osdHttpAdapter({ post }).request({ method: 'POST', path: '/b/_lloco_qa', body: { question: 'q' } }).then(
      () => {
        throw new Error('expected a failure');
      },
      (x: unknown) => x as HttpError
    );
    expect(post).toHaveBeenCalledWith(PROXY_PATH, { body: JSON.stringify({ method: 'POST', path: '/b/_lloco_qa', body: { question: 'q' } }), signal: undefined });
    expect(e).toBeInstanceOf(HttpError);
    expect([e.status, e.type, e.reason]).toEqual([429, 'lloco_exception', 'queue full']);
    const noHandler = fromOsdError({ body: { statusCode: 400, error: 'Bad Request', message: 'x', attributes: { error: 'no handler found for uri [/_plugins/lloco/models] and method [GET]' } } });
    expect((noHandler as HttpError).noHandler).toBe(true);
    expect((fromOsdError(new TypeError('Failed to fetch')) as HttpError).status).toBe(0);
  });
});

describe('the llocoDashboards zip', () => {
  const out = mkdtempSync(join(tmpdir(), 'lloco-osd-'));
  let files: Record<string, Uint8Array>;
  beforeAll(() => {
    execFileSync(process.execPath, [join(__dirname, '../scripts/build.mjs'), '--only', 'osd', '--zip-out', out, '--osd-version', '3.6.0'], { stdio: 'pipe' });
    files = unzipSync(new Uint8Array(readFileSync(join(out, 'llocoDashboards-3.6.0.zip'))));
  });
  const root = 'opensearch-dashboards/llocoDashboards/';

  it('has the layout and manifest Dashboards 3.6.0 installs and loads', () => {
    expect(Object.keys(files).every((f) => f.startsWith(root))).toBe(true);
    expect(Object.keys(files).sort()).toEqual(
      ['README.md', 'opensearch_dashboards.json', 'package.json', 'server/index.js', 'target/public/llocoDashboards.plugin.js'].map((f) => root + f)
    );
    const manifest = JSON.parse(strFromU8(files[root + 'opensearch_dashboards.json']));
    // the fields Dashboards' manifest parser knows; any other key is fatal
    const known = ['id', 'opensearchDashboardsVersion', 'version', 'configPath', 'requiredPlugins', 'optionalPlugins', 'ui', 'server', 'extraPublicDirs', 'requiredBundles'];
    expect(Object.keys(manifest).filter((k) => !known.includes(k))).toEqual([]);
    expect(manifest.id).toMatch(/^[a-z]{1}([a-zA-Z0-9]{1,})$/); // the installer's camelCase check
    expect(manifest).toMatchObject({ id: 'llocoDashboards', opensearchDashboardsVersion: '3.6.0', server: true, ui: true });
  });

  it('registers with __osdBundles__, takes React and OUI from __osdSharedDeps__, and mounts the pages', async () => {
    const code = strFromU8(files[root + 'target/public/llocoDashboards.plugin.js']);
    expect(code).not.toMatch(/react-dom\.production|Minified React error/); // React is Dashboards', not bundled
    const modules: Record<string, { req: (k: string) => unknown; key: string }> = {};
    const w = window as unknown as Record<string, unknown>;
    w.__osdBundles__ = {
      define: (key: string, req: (k: string) => unknown, k: string) => (modules[key] = { req, key: k }),
      get: (key: string) => modules[key].req(modules[key].key),
    };
    w.__osdSharedDeps__ = {
      React: require('react'),
      ReactDom: require('react-dom'),
      ElasticEui: require('@elastic/eui'),
      Moment: require('moment'),
      Lodash: {},
    };
    new Function(code)();
    const mod = (w.__osdBundles__ as { get: (k: string) => { plugin: () => { setup: (core: unknown) => unknown } } }).get('plugin/llocoDashboards/public');
    let app: { id: string; title: string; mount: (p: unknown) => Promise<() => void> } | undefined;
    const post = jest.fn(async (_path: string, opts: { body: string }) => {
      const call = JSON.parse(opts.body);
      if (call.path === '/_plugins/lloco/_nodes') return { cluster_name: 'osd', nodes: { n1: { name: 'node-1', lloco_role: true, roles: ['lloco'], engine: { status: 'started', devices: ['cpu'] } } } };
      if (call.path === '/_nodes/stats/thread_pool') return { nodes: {} };
      if (call.path === '/_cat/indices') return [];
      throw { body: { statusCode: 400, error: 'Bad Request', message: 'no handler', attributes: { error: `no handler found for uri [${call.path}] and method [${call.method}]` } } };
    });
    mod.plugin().setup({
      application: { register: (a: typeof app) => (app = a) },
      getStartServices: async () => [{ http: { post } }, {}, {}],
    });
    expect(app).toMatchObject({ id: 'llocoDashboards', title: 'LLoCO' });
    const element = document.createElement('div');
    document.body.appendChild(element);
    const listeners: Array<(l: { pathname: string }) => void> = [];
    const history = { location: { pathname: '/nodes' }, push: jest.fn((p: string) => listeners.forEach((l) => l({ pathname: p }))), listen: (l: (x: { pathname: string }) => void) => (listeners.push(l), () => undefined) };
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined); // React 18 warns about ReactDOM.render
    let unmount: () => void = () => undefined;
    await act(async () => {
      unmount = await app!.mount({ element, history });
    });
    expect(await within(element).findByText('node-1')).toBeInTheDocument();
    expect(post).toHaveBeenCalledWith(PROXY_PATH, expect.objectContaining({ body: JSON.stringify({ method: 'GET', path: '/_plugins/lloco/_nodes' }) }));
    await userEvent.click(within(element).getByRole('tab', { name: 'Ask' }));
    expect(history.push).toHaveBeenCalledWith('/ask');
    await waitFor(() => expect(within(element).getByTestId('askPage')).toBeInTheDocument());
    act(() => unmount());
    expect(element.innerHTML).toBe('');
    errors.mockRestore();
  }, 30000);

  it('has a server entry that registers the proxy route', () => {
    const file = join(out, 'server.js');
    writeFileSync(file, files[root + 'server/index.js']);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const server = require(file);
    const { router, routes } = fakeRouter();
    server.plugin().setup({ http: { createRouter: () => router } });
    expect(routes.map((r) => r.path)).toEqual([PROXY_PATH]);
  });
});
