/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { buildPath, clusterBase, errorFromBody, fetchAdapter, HttpError } from '../src/http';

describe('errorFromBody', () => {
  it('reads an OpenSearch error object with its cause', () => {
    const e = errorFromBody(404, {
      error: { type: 'lloco_exception', reason: 'no compressed document matched in [books]', caused_by: { type: 'x', reason: 'deeper' } },
      status: 404,
    });
    expect(e.status).toBe(404);
    expect(e.type).toBe('lloco_exception');
    expect(e.reason).toBe('no compressed document matched in [books] (caused by x: deeper)');
    expect(e.noHandler).toBe(false);
  });

  it('recognises a missing endpoint', () => {
    const e = errorFromBody(400, { error: 'no handler found for uri [/_plugins/lloco/models] and method [GET]' });
    expect(e.noHandler).toBe(true);
    expect(e.type).toBeUndefined();
    expect(errorFromBody(404, { error: 'no handler found for uri [/x] and method [GET]' }).noHandler).toBe(true);
    expect(errorFromBody(500, { error: 'no handler found for uri [/x] and method [GET]' }).noHandler).toBe(false);
  });

  it('falls back to message, text and status', () => {
    expect(errorFromBody(502, { message: 'bad gateway' }).reason).toBe('bad gateway');
    expect(errorFromBody(503, 'Service Unavailable\n').reason).toBe('Service Unavailable');
    expect(errorFromBody(500, '').reason).toBe('HTTP 500');
  });
});

describe('buildPath', () => {
  it('encodes the query and leaves out undefined values', () => {
    expect(buildPath({ path: '/_cat/indices', query: { format: 'json', h: 'index,docs.count', x: undefined } })).toBe(
      '/_cat/indices?format=json&h=index%2Cdocs.count'
    );
    expect(buildPath({ path: '/a' })).toBe('/a');
  });
});

describe('clusterBase', () => {
  it('finds the cluster root under a reverse-proxy prefix', () => {
    expect(clusterBase('/_plugins/lloco/ui')).toBe('');
    expect(clusterBase('/search/_plugins/lloco/ui')).toBe('/search');
    expect(clusterBase('/elsewhere')).toBe('');
  });
});

/** The rejection of {@code p}; fails the test when it resolves. */
function failure(p: Promise<unknown>): Promise<HttpError> {
  return p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (x: unknown) => x as HttpError
  );
}

function response(status: number, body: string): Response {
  return { ok: status >= 200 && status < 300, status, text: async () => body } as unknown as Response;
}

describe('fetchAdapter', () => {
  it('sends JSON to the cluster root and parses the answer', async () => {
    const fetchImpl = jest.fn(async () => response(200, '{"answer":"teal"}'));
    const http = fetchAdapter('/prefix/', fetchImpl as unknown as typeof fetch);
    await expect(http.request({ method: 'POST', path: '/books/_lloco_qa', body: { question: 'q' } })).resolves.toEqual({ answer: 'teal' });
    const [url, init] = (fetchImpl.mock.calls[0] as unknown) as [string, RequestInit];
    expect(url).toBe('/prefix/books/_lloco_qa');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"question":"q"}');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(init.credentials).toBe('same-origin');
  });

  it('turns an error answer into an HttpError with status, type and reason', async () => {
    const body = JSON.stringify({ error: { type: 'index_not_found_exception', reason: 'no such index [nope]' }, status: 404 });
    const http = fetchAdapter('', (async () => response(404, body)) as unknown as typeof fetch);
    const e = await failure(http.request({ method: 'GET', path: '/nope/_count' }));
    expect(e).toBeInstanceOf(HttpError);
    expect(e.status).toBe(404);
    expect(e.type).toBe('index_not_found_exception');
    expect(e.reason).toBe('no such index [nope]');
  });

  it('reports an unreachable cluster as status 0, and lets aborts through', async () => {
    const down = fetchAdapter('', (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    const e = await failure(down.request({ method: 'GET', path: '/' }));
    expect(e).toBeInstanceOf(HttpError);
    expect(e.status).toBe(0);
    const aborted = fetchAdapter('', (async () => {
      const x = new Error('aborted');
      x.name = 'AbortError';
      throw x;
    }) as unknown as typeof fetch);
    const a = await failure(aborted.request({ method: 'GET', path: '/' }));
    expect(a.name).toBe('AbortError');
  });
});
