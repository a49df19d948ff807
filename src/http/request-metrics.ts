import type { FastifyInstance } from "fastify";
import type { Metrics } from "../observability/metrics.js";

/** Route label of requests that matched no route (keeps the label set bounded). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Counts every answered request in `switchboard_http_requests_total{method, route, status}`, with
 * the route *pattern* (`/v1/instances/:name`), never the raw URL.
 */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    done();
  });
}
