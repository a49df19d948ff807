import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { GatewayApi } from "../core/api.js";
import type { EventFeed } from "../events/feed.js";
import type { WebhookApi } from "../events/webhooks/types.js";
import type { Metrics } from "../observability/metrics.js";
import type { IdempotencyStore } from "../store/types.js";
import { authenticationStep, authorizationStep } from "./auth.js";
import { browserTokenStep } from "./browser-token.js";
import { installGate } from "./gate.js";
import { frameworkErrorHandler, installErrorHandling } from "./errors.js";
import { installIdempotency } from "./idempotency.js";
import { registerOpenApi } from "./openapi.js";
import { DEFAULT_RATE_LIMIT, rateLimitStep, type RateLimitOptions } from "./rate-limit.js";
import { GatewayLogController, lazyChildLoggerFactory } from "./request-logging.js";
import { installRequestMetrics } from "./request-metrics.js";
import { actionRoutes } from "./routes/actions.js";
import { messageRoutes } from "./routes/messages.js";
import { mediaRoutes } from "./routes/media.js";
import fastifyMultipart from "@fastify/multipart";
import { DEFAULT_MAX_UPLOAD_BYTES } from "../core/gateway.js";
import type { RouteDeps } from "./routes/deps.js";
import { healthRoutes } from "./routes/health.js";
import { instanceRoutes } from "./routes/instances.js";
import { lifecycleRoutes } from "./routes/lifecycle.js";
import { loginRoutes } from "./routes/login.js";
import { platformRoutes } from "./routes/platforms.js";
import { tokenRoutes } from "./routes/tokens.js";
import { eventRoutes } from "./routes/events.js";
import { webhookSubscriptionRoutes } from "./routes/webhook-subscriptions.js";
import { intakeRoutes } from "./routes/intake.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { registerCompat, type CompatOptions } from "./compat/index.js";
import { installBodyParsing, jsonSerializerCompiler, typeboxValidatorCompiler } from "./validation.js";
import "./types.js";

/** What the REST API needs. */
export interface HttpDeps {
  gateway: GatewayApi;
  idempotency: IdempotencyStore;
  metrics: Metrics;
  /** Used as Fastify's logger; must redact `req.headers.authorization` and `req.headers.token` (see `createLogger`). */
  logger: Logger;
  /** Requests per token (or per IP without a valid token) per window. Default 100 per 60 000 ms. */
  rateLimit?: RateLimitOptions;
  /** Resolves when the gateway can serve; rejects (any error) when not → `GET /ready` answers 503. */
  ready?: () => Promise<void>;
  /** The gateway's version, shown by `/health` and in the OpenAPI document. */
  version: string;
  /** Largest accepted request body, bytes. Default 1 MiB. Larger → 413. */
  bodyLimit?: number;
  /** Fastify's `trustProxy` (behind a reverse proxy, so the rate limit keys on the client IP). Default false. */
  trustProxy?: boolean | string | string[];
  /** Replay and live event streams (`/v1/events…`); those routes exist only when set. */
  events?: EventFeed;
  /** Outbound webhook subscriptions (`/v1/webhooks…`); those routes exist only when set. */
  webhooks?: WebhookApi;
  /** Drop-in REST profiles to serve (`src/http/compat`, docs/compat.md). Default: none. */
  compat?: CompatOptions;
}

/** Default {@link HttpDeps.bodyLimit}: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Builds the REST API v1 as a Fastify instance (not listening; call `listen`, or `inject` in tests).
 * Routes are thin handlers over `deps.gateway`; see `routes/*` for the contract of each.
 *
 * Request pipeline, in order: auth resolution → rate limit (429) → access check (401/403) → body
 * parsing (400/413/415) → validation (400) → Idempotency-Key (409/422, or a replay) → handler.
 * Every error leaves as `{ error: { code, message, details?, retryAfterMs? } }` with the catalog's
 * status; bad input never yields a 500.
 *
 * @throws Error when `rateLimit` is invalid (non-positive), or a compat profile lacks its options.
 */
export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    // A pino Logger is a FastifyBaseLogger; typed as the base so the app is a plain FastifyInstance.
    loggerInstance: deps.logger as FastifyBaseLogger,
    childLoggerFactory: lazyChildLoggerFactory,
    logController: new GatewayLogController(),
    bodyLimit,
    trustProxy: deps.trustProxy ?? false,
    routerOptions: { maxParamLength: 512 },
    // Malformed URLs are answered with the envelope too.
    frameworkErrors: frameworkErrorHandler,
  });

  installBodyParsing(app, bodyLimit);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  installErrorHandling(app);
  await registerOpenApi(app, deps.version);

  // The request gate: one onRequest hook running these steps in this order.
  installGate(app, [browserTokenStep, authenticationStep(app, deps.gateway), rateLimitStep(deps.rateLimit ?? DEFAULT_RATE_LIMIT), authorizationStep]);
  installIdempotency(app, deps.idempotency, deps.logger);
  installRequestMetrics(app, deps.metrics);

  const routeDeps: RouteDeps = { gateway: deps.gateway, metrics: deps.metrics, version: deps.version };
  if (deps.ready) routeDeps.ready = deps.ready;
  if (deps.events) routeDeps.events = deps.events;
  if (deps.webhooks) routeDeps.webhooks = deps.webhooks;
  healthRoutes(app, routeDeps);
  instanceRoutes(app, routeDeps);
  lifecycleRoutes(app, routeDeps);
  loginRoutes(app, routeDeps);
  actionRoutes(app, routeDeps);
  messageRoutes(app, routeDeps);
  // multipart/form-data is read by the media upload route only (its own scope: every other route takes JSON alone).
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, { limits: { fileSize: DEFAULT_MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6 }, throwFileSizeLimit: true });
    mediaRoutes(scope, routeDeps);
  });
  platformRoutes(app, routeDeps);
  tokenRoutes(app, routeDeps);
  intakeRoutes(app, routeDeps);
  eventRoutes(app, routeDeps);
  webhookSubscriptionRoutes(app, routeDeps);
  dashboardRoutes(app);
  if (deps.compat) await registerCompat(app, { gateway: deps.gateway }, deps.compat);
  return app;
}
