/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The one seam between the pages and a cluster. The page served by the plugin talks to the cluster it came from
 * ({@link fetchAdapter}); inside OpenSearch Dashboards the same requests go through the plugin's server route, which
 * forwards them as the logged-in user (osd/public/osd_http.ts). Tests inject a mock.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

/** A request to the cluster's REST API, path relative to the cluster root. */
export interface HttpRequest {
  method: Method;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
}

export interface HttpAdapter {
  request<T = unknown>(req: HttpRequest, signal?: AbortSignal): Promise<T>;
}

/** A non-2xx answer of the cluster: its status, error type and reason, as OpenSearch reported them. */
export class HttpError extends Error {
  readonly status: number;
  readonly type: string | undefined;
  readonly reason: string;
  readonly body: unknown;

  constructor(status: number, type: string | undefined, reason: string, body?: unknown) {
    super(`${status}${type ? ' ' + type : ''}: ${reason}`);
    this.name = 'HttpError';
    this.status = status;
    this.type = type;
    this.reason = reason;
    this.body = body;
  }

  /** The cluster has no such endpoint (an API this version of the plugin does not have). */
  get noHandler(): boolean {
    return (this.status === 400 || this.status === 404 || this.status === 405) && /no handler found/i.test(this.reason);
  }
}

type ErrorObject = { type?: unknown; reason?: unknown; caused_by?: { type?: unknown; reason?: unknown } };

/** Reads OpenSearch's error body ({error: {type, reason, caused_by}}, {error: "..."}, or plain text) into an HttpError. */
export function errorFromBody(status: number, body: unknown): HttpError {
  if (body && typeof body === 'object') {
    const err = (body as { error?: unknown }).error;
    if (typeof err === 'string') {
      return new HttpError(status, undefined, err, body);
    }
    if (err && typeof err === 'object') {
      const e = err as ErrorObject;
      let reason = typeof e.reason === 'string' ? e.reason : JSON.stringify(err);
      const cause = e.caused_by;
      if (cause && typeof cause.reason === 'string' && cause.reason !== reason) {
        reason += ` (caused by ${typeof cause.type === 'string' ? cause.type + ': ' : ''}${cause.reason})`;
      }
      return new HttpError(status, typeof e.type === 'string' ? e.type : undefined, reason, body);
    }
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') {
      return new HttpError(status, undefined, message, body);
    }
    return new HttpError(status, undefined, JSON.stringify(body), body);
  }
  const text = typeof body === 'string' && body.trim() ? body.trim() : statusText(status);
  return new HttpError(status, undefined, text, body);
}

function statusText(status: number): string {
  if (status === 0) {
    return 'the cluster could not be reached';
  }
  return `HTTP ${status}`;
}

/** The path with its query string (undefined values left out). */
export function buildPath(req: Pick<HttpRequest, 'path' | 'query'>): string {
  const params = Object.entries(req.query ?? {}).filter(([, v]) => v !== undefined) as Array<[string, string | number | boolean]>;
  if (params.length === 0) {
    return req.path;
  }
  const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `${req.path}${req.path.includes('?') ? '&' : '?'}${qs}`;
}

/** Encodes one path segment (an index name, a pipeline or adapter name, a task id). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Talks to the cluster directly: the page served by the plugin, same origin, the browser's credentials. */
export function fetchAdapter(base: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): HttpAdapter {
  const root = base.replace(/\/+$/, '');
  return {
    async request<T>(req: HttpRequest, signal?: AbortSignal): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json' };
      let body: string | undefined;
      if (req.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(req.body);
      }
      let res: Response;
      try {
        res = await fetchImpl(root + buildPath(req), {
          method: req.method,
          headers,
          body,
          signal,
          credentials: 'same-origin',
        });
      } catch (e) {
        if ((e as Error)?.name === 'AbortError') {
          throw e;
        }
        throw new HttpError(0, undefined, `the cluster could not be reached (${(e as Error)?.message ?? e})`);
      }
      const text = await res.text();
      let parsed: unknown = text;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      } else {
        parsed = {};
      }
      if (!res.ok) {
        throw errorFromBody(res.status, parsed);
      }
      return parsed as T;
    },
  };
}

/**
 * Where the cluster's REST API lives, seen from the page at {@code /_plugins/lloco/ui}: the same origin, under whatever
 * prefix a reverse proxy put in front of it.
 */
export function clusterBase(pathname: string): string {
  const i = pathname.indexOf('/_plugins/lloco/ui');
  return i >= 0 ? pathname.slice(0, i) : '';
}
