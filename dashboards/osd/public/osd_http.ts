/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { errorFromBody, HttpAdapter, HttpError, HttpRequest } from '../../src/http';
import { PROXY_PATH } from '../common/calls';

/** The part of Dashboards' core.http the pages use. */
export interface OsdHttp {
  post(path: string, options: { body: string; signal?: AbortSignal }): Promise<unknown>;
}

/**
 * Every request goes to the plugin's server route, which forwards it to the cluster as the logged-in user. A failure
 * arrives as Dashboards' HttpFetchError: body {statusCode, error, message, attributes: {error: <OpenSearch's error>}}.
 */
export function osdHttpAdapter(http: OsdHttp): HttpAdapter {
  return {
    async request<T>(req: HttpRequest, signal?: AbortSignal): Promise<T> {
      try {
        return (await http.post(PROXY_PATH, { body: JSON.stringify(req), signal })) as T;
      } catch (e) {
        throw fromOsdError(e);
      }
    },
  };
}

export function fromOsdError(e: unknown): unknown {
  if ((e as Error)?.name === 'AbortError') return e;
  const err = e as { body?: { statusCode?: number; error?: string; message?: string; attributes?: { error?: unknown } }; response?: { status?: number }; message?: string };
  const status = err?.body?.statusCode ?? err?.response?.status;
  if (typeof status !== 'number') {
    return new HttpError(0, undefined, `Dashboards could not be reached (${err?.message ?? String(e)})`);
  }
  const upstream = err.body?.attributes?.error;
  if (upstream !== undefined) return errorFromBody(status, { error: upstream });
  return new HttpError(status, err.body?.error, err.body?.message ?? err.message ?? `HTTP ${status}`, err.body);
}
