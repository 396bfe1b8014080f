/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import type { HttpRequest, Method } from '../../src/http';

/** The Dashboards server route that forwards the pages' requests to the cluster as the logged-in user. */
export const PROXY_PATH = '/api/lloco/proxy';

const NAME = '[^/_.][^/]*'; // an index (pattern, alias, comma list) or an adapter name
const ID = '[^/]+'; // a pipeline, document or task id

/** The only requests the route forwards: those the pages make (src/api.ts). */
export const ALLOWED: ReadonlyArray<{ methods: Method[]; path: RegExp }> = [
  { methods: ['GET'], path: /^\/_plugins\/lloco(\/_nodes(\/[^/]+)?)?$/ },
  { methods: ['GET'], path: /^\/_plugins\/lloco\/(models|adapters)$/ },
  { methods: ['PUT', 'DELETE'], path: new RegExp(`^/_plugins/lloco/adapters/${NAME}$`) },
  { methods: ['POST'], path: new RegExp(`^/_plugins/lloco/adapters/${NAME}/(_train|_evaluate)$`) },
  { methods: ['POST'], path: new RegExp(`^/${NAME}/_lloco_qa$`) },
  { methods: ['GET'], path: /^\/_cat\/indices$/ },
  { methods: ['GET'], path: /^\/_all\/_settings\/[^/]+$/ },
  { methods: ['PUT'], path: new RegExp(`^/${NAME}/_settings$`) },
  { methods: ['PUT'], path: new RegExp(`^/${NAME}$`) },
  { methods: ['POST'], path: new RegExp(`^/${NAME}/_doc$`) },
  { methods: ['PUT', 'GET'], path: new RegExp(`^/${NAME}/_doc/${ID}$`) },
  { methods: ['POST'], path: new RegExp(`^/${NAME}/(_count|_search)$`) },
  { methods: ['GET'], path: /^\/_ingest\/pipeline$/ },
  { methods: ['PUT', 'DELETE'], path: new RegExp(`^/_ingest/pipeline/${ID}$`) },
  { methods: ['POST'], path: new RegExp(`^/_ingest/pipeline/${ID}/_simulate$`) },
  { methods: ['GET'], path: /^\/_nodes\/stats\/thread_pool$/ },
  { methods: ['GET'], path: new RegExp(`^/_tasks/${ID}$`) },
  { methods: ['POST'], path: new RegExp(`^/_tasks/${ID}/_cancel$`) },
];

const METHODS: Method[] = ['GET', 'POST', 'PUT', 'DELETE'];

export type CheckResult = { ok: true; call: HttpRequest } | { ok: false; error: string };

/** Validates the body of a proxy request: a known method, an allowed path, scalar query values, a JSON body. */
export function checkCall(data: unknown): CheckResult {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { ok: false, error: 'expected {method, path, query?, body?}' };
  const { method, path, query, body, ...rest } = data as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) return { ok: false, error: `unknown field [${unknown[0]}]` };
  if (typeof method !== 'string' || !METHODS.includes(method as Method)) return { ok: false, error: `[method] must be one of ${METHODS.join(', ')}` };
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 2048 || /[?#\s]/.test(path)) {
    return { ok: false, error: '[path] must be an absolute path without query string' };
  }
  for (const segment of path.split('/').slice(1)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, error: `[path] has a malformed segment [${segment}]` };
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) {
      return { ok: false, error: `[path] has a forbidden segment [${segment}]` };
    }
  }
  if (!ALLOWED.some((a) => a.methods.includes(method as Method) && a.path.test(path))) {
    return { ok: false, error: `[${method} ${path}] is not a request the LLoCO pages make` };
  }
  let q: Record<string, string | number | boolean> | undefined;
  if (query !== undefined) {
    if (!query || typeof query !== 'object' || Array.isArray(query)) return { ok: false, error: '[query] must be an object' };
    q = {};
    for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9_.]+$/.test(k)) return { ok: false, error: `[query] has a bad parameter name [${k}]` };
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { ok: false, error: `[query.${k}] must be a scalar` };
      q[k] = v;
    }
  }
  if (body !== undefined && (body === null || typeof body !== 'object')) return { ok: false, error: '[body] must be a JSON object or array' };
  return { ok: true, call: { method: method as Method, path, query: q, body } };
}
