/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { errorFromBody } from '../../src/http';
import { checkCall, PROXY_PATH } from '../common/calls';
import type { HttpRequest } from '../../src/http';

/** The slices of Dashboards' server API the route uses (typed here: no @osd/* package exists outside a Dashboards checkout). */
interface ValidationFactory {
  ok<T>(value: T): { value: T };
  badRequest(error: string, path?: string[]): { error: unknown };
}
interface ResponseFactory {
  ok(options: { body: unknown }): unknown;
  customError(options: { statusCode: number; body: { message: string; attributes?: Record<string, unknown> } }): unknown;
}
interface RequestContext {
  core: { opensearch: { client: { asCurrentUser: { transport: { request(params: Record<string, unknown>): Promise<{ body: unknown }> } } } } };
}
export interface RouterLike {
  post(
    route: { path: string; validate: { body: (data: unknown, f: ValidationFactory) => unknown } },
    handler: (context: RequestContext, request: { body: HttpRequest }, response: ResponseFactory) => Promise<unknown>
  ): void;
}

/** Validates the proxied request (osd/common/calls.ts). */
export function validateBody(data: unknown, f: ValidationFactory) {
  const r = checkCall(data);
  return r.ok ? f.ok(r.call) : f.badRequest(r.error, ['body']);
}

/** POST /api/lloco/proxy {method, path, query, body}: the request, to the cluster, as the logged-in user. */
export function registerRoutes(router: RouterLike): void {
  router.post({ path: PROXY_PATH, validate: { body: validateBody } }, async (context, request, response) => {
    const call = request.body;
    try {
      const res = await context.core.opensearch.client.asCurrentUser.transport.request({
        method: call.method,
        path: call.path,
        querystring: call.query,
        body: call.body,
      });
      return response.ok({ body: res.body ?? {} });
    } catch (e) {
      const err = e as { meta?: { statusCode?: number; body?: unknown }; statusCode?: number; body?: unknown };
      const status = err?.meta?.statusCode ?? err?.statusCode;
      if (typeof status === 'number' && status >= 400 && status < 600) {
        const body = err.meta?.body ?? err.body;
        const parsed = errorFromBody(status, body);
        const upstream = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : parsed.reason;
        return response.customError({ statusCode: status, body: { message: parsed.reason, attributes: { error: upstream } } });
      }
      throw e;
    }
  });
}

class LlocoDashboardsServerPlugin {
  setup(core: { http: { createRouter(): RouterLike } }) {
    registerRoutes(core.http.createRouter());
    return {};
  }

  start() {
    return {};
  }

  stop() {}
}

/** Dashboards' server entry point. */
export function plugin() {
  return new LlocoDashboardsServerPlugin();
}
