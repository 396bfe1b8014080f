/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { errorFromBody, HttpAdapter, HttpError, HttpRequest } from '../src/http';

export type Handler = (req: HttpRequest) => unknown | Promise<unknown>;

export interface MockHttp extends HttpAdapter {
  calls: HttpRequest[];
  /** Calls made with this method and path. */
  callsTo(method: string, path: string): HttpRequest[];
}

/**
 * A cluster stand-in: routes keyed "METHOD /path" (exact path, query ignored). A handler may throw an HttpError;
 * an unknown route answers like OpenSearch does for an endpoint it lacks (400 "no handler found").
 */
export function mockHttp(routes: Record<string, Handler>): MockHttp {
  const calls: HttpRequest[] = [];
  return {
    calls,
    callsTo: (method, path) => calls.filter((c) => c.method === method && c.path === path),
    async request<T>(req: HttpRequest, signal?: AbortSignal): Promise<T> {
      calls.push(req);
      const h = routes[`${req.method} ${req.path}`];
      if (!h) {
        throw errorFromBody(400, { error: `no handler found for uri [${req.path}] and method [${req.method}]` });
      }
      const v = await h(req);
      if (signal?.aborted) {
        const e = new Error('aborted');
        e.name = 'AbortError';
        throw e;
      }
      return v as T;
    },
  };
}

/** An OpenSearch error as the REST layer writes it. */
export function osError(status: number, type: string, reason: string): HttpError {
  return errorFromBody(status, { error: { root_cause: [{ type, reason }], type, reason }, status });
}

/** A promise resolved from outside, to hold a call open while the test looks at the page. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
