import type { FastifyInstance } from "fastify";
import { Type } from "@sinclair/typebox";
import { err, isSwitchboardError } from "../../core/errors.js";
import { sendError } from "../errors.js";
import { HealthResponse, ReadyResponse, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["operations"];

/**
 * Operational routes:
 * - `GET /health` (no auth, not rate limited) → `{status: "ok", version}` while the process runs;
 * - `GET /ready` (no auth, not rate limited) → `{status: "ready"}`, or 503 with the envelope when
 *   `deps.ready` rejects (the code of a `SwitchboardError`, else `INTERNAL`; the rejection's own
 *   message is kept only for a `SwitchboardError`, whose messages are secret-free by contract);
 * - `GET /metrics` (account token) → Prometheus text exposition.
 */
export function healthRoutes(app: FastifyInstance, { metrics, ready, version }: RouteDeps): void {
  app.get(
    "/health",
    {
      config: { access: "public", rateLimit: false },
      schema: {
        tags: TAGS,
        operationId: "health",
        summary: "Liveness",
        security: [],
        response: { 200: HealthResponse },
      },
    },
    async () => ({ status: "ok" as const, version }),
  );

  app.get(
    "/ready",
    {
      config: { access: "public", rateLimit: false },
      schema: {
        tags: TAGS,
        operationId: "ready",
        summary: "Readiness",
        description: "200 when the gateway can serve (store reachable, boot finished); 503 with the error envelope otherwise.",
        security: [],
        response: { 200: ReadyResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!ready) return { status: "ready" as const };
      try {
        await ready();
        return { status: "ready" as const };
      } catch (e) {
        request.log.warn({ code: isSwitchboardError(e) ? e.code : "INTERNAL" }, "not ready");
        const notReady = isSwitchboardError(e)
          ? err(e.code, { status: 503, message: e.message, details: e.details, retryAfterMs: e.retryAfterMs })
          : err("INTERNAL", { status: 503, message: "The gateway is not ready." });
        return sendError(reply, notReady);
      }
    },
  );

  app.get(
    "/metrics",
    {
      config: { access: "account" },
      schema: {
        tags: TAGS,
        operationId: "metrics",
        summary: "Prometheus metrics",
        response: {
          200: { description: "Prometheus text exposition format.", content: { "text/plain": { schema: Type.String() } } },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    },
  );
}
