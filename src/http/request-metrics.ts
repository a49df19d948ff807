import type { FastifyInstance } from "fastify";
import type { Metrics } from "../observability/metrics.js";

/** Route label of requests that matched no route (keeps the label set bounded). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Counts every answered request in `switchboard_http_requests_total{method, route, status}`, with
 * the route *pattern* (`/v1/instances/:name`), never the raw URL.
 */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  // One labelled child per (method, route pattern, status): a bounded set, and prom-client then
  // skips hashing the label object on every request.
  const children = new Map<string, { inc(): void }>();
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.httpRequests.labels({ method: request.method, route, status: String(reply.statusCode) });
      children.set(key, child);
    }
    child.inc();
    done();
  });
}
