import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { err } from "../../core/errors.js";
import { MAX_CONCURRENCY, MAX_ROTATION_OVERLAP_MS } from "../../events/webhooks/options.js";
import { MAX_EVENT_PATTERNS } from "../../events/webhooks/filter.js";
import type { WebhookCaller } from "../../events/webhooks/types.js";
import { MAX_DESCRIPTION, MAX_HEADERS } from "../../events/webhooks/validate.js";
import { InstanceName, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["webhooks"];

const EpochMs = Type.Integer({ minimum: 0, description: "Epoch milliseconds." });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const WebhookId = Type.String({ minLength: 1, maxLength: 128, description: "Subscription id (`wh_…`)." });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: "http(s) URL the events are POSTed to. Hosts resolving to private addresses are refused unless the operator allows them." });
const Types = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: MAX_EVENT_PATTERNS,
  description: "Event types (`message.received`) or prefixes (`message.*`, `*`); empty or absent: every type.",
});
const Headers = Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
  maxProperties: MAX_HEADERS,
  description: "Custom request headers (e.g. the receiver's API key). Values are secret: stored sealed, never shown again.",
});
const Description = Type.String({ maxLength: MAX_DESCRIPTION });
const Ordered = Type.Boolean({ description: "Strict order per instance: a failing event holds back later events of the same instance (only)." });
const MaxConcurrency = Type.Integer({ minimum: 1, maximum: MAX_CONCURRENCY, description: "Concurrent requests to this endpoint, at most (default 8)." });

const WebhookViewSchema = Type.Object({
  id: Type.String(),
  instance: Nullable(Type.String({ description: "The instance of a per-instance subscription; null: global (every instance)." })),
  url: Type.String(),
  description: Type.String(),
  types: Type.Array(Type.String()),
  headers: Type.Array(Type.String(), { description: "Custom header names (values are never shown)." }),
  ordered: Type.Boolean(),
  maxConcurrency: Type.Integer(),
  enabled: Type.Boolean(),
  disabledAt: Nullable(EpochMs),
  disabledReason: Nullable(Type.String({ description: "`failing` (disabled after persistent failure) or `user`." })),
  failingSince: Nullable(EpochMs),
  previousSecretExpiresAt: Nullable(EpochMs),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});

const WithSecret = Type.Object({
  webhook: WebhookViewSchema,
  secret: Nullable(Type.String({ description: "The signing secret (`whsec_…`), shown once. `null` on an Idempotency-Key replay (secrets are never stored in plain)." })),
});

const CreateBody = Type.Object(
  {
    url: Url,
    instance: Type.Optional(InstanceName),
    types: Type.Optional(Types),
    headers: Type.Optional(Headers),
    description: Type.Optional(Description),
    ordered: Type.Optional(Ordered),
    maxConcurrency: Type.Optional(MaxConcurrency),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    url: Type.Optional(Url),
    types: Type.Optional(Types),
    headers: Type.Optional(Nullable(Headers)),
    description: Type.Optional(Description),
    ordered: Type.Optional(Ordered),
    maxConcurrency: Type.Optional(MaxConcurrency),
    enabled: Type.Optional(Type.Boolean({ description: "`true` re-enables a disabled subscription (its pending deliveries are retried at once)." })),
  },
  { additionalProperties: false },
);

const RotateBody = Type.Object(
  {
    overlapMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_ROTATION_OVERLAP_MS, description: "How long the previous secret keeps signing too, ms (default 24 h; 0: at once)." }),
    ),
  },
  { additionalProperties: false },
);

const RedeliverBody = Type.Union([
  Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
  Type.Object({ from: EpochMs, to: EpochMs }, { additionalProperties: false, description: "Every matching event with from ≤ ts ≤ to (at most 10 000)." }),
]);

const Params = Type.Object({ id: WebhookId });
const ListQuery = Type.Object({ instance: Type.Optional(InstanceName) });
const AttemptsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: "Page size (default 50)." })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: "The `next` of the previous page." })),
  eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "Only the attempts of this event." })),
});
const AttemptSchema = Type.Object({
  id: Type.Integer(),
  eventId: Type.String(),
  attempt: Type.Integer({ description: "1 for the first attempt of the delivery (from 1 again after a redelivery)." }),
  ts: EpochMs,
  status: Nullable(Type.Integer({ description: "The receiver's HTTP status; null when no response came." })),
  latencyMs: Type.Integer(),
  error: Nullable(Type.String()),
  ok: Type.Boolean(),
});

/** The caller as the webhooks API scopes it. */
function callerOf(request: FastifyRequest): WebhookCaller {
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  if (auth.record.scope === "account") return { scope: "account" };
  if (auth.record.instanceId === null) throw err("FORBIDDEN");
  return { scope: "instance", instanceId: auth.record.instanceId };
}

/**
 * Outbound webhook subscriptions (any token; an instance token reaches its own instance's only, see
 * `WebhookService`). Registered only when `deps.webhooks` is set.
 * - `POST /v1/webhooks` → 201 `{webhook, secret}`; `GET /v1/webhooks?instance=` → `{items}`;
 * - `GET|PATCH|DELETE /v1/webhooks/:id`; `POST /v1/webhooks/:id/rotate-secret` → `{webhook, secret}`;
 * - `GET /v1/webhooks/:id/attempts?limit&before&eventId` → `{items, next}`;
 * - `POST /v1/webhooks/:id/redeliver` `{eventId}` or `{from, to}` → `{queued}`.
 * Secrets in answers are listed in `secretFields`, so Idempotency-Key replays answer them as null.
 */
export function webhookSubscriptionRoutes(app: FastifyInstance, { webhooks }: RouteDeps): void {
  if (!webhooks) return;

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v1/webhooks",
    {
      config: { access: "token", secretFields: ["secret"] },
      schema: {
        tags: TAGS,
        operationId: "createWebhook",
        summary: "Create a webhook subscription",
        description:
          "Per instance (`instance`, or an instance token's own instance) or global (account token, no `instance`). The signing secret is in this answer only. Delivery starts with the events stored after this call.",
        body: CreateBody,
        response: { 201: WithSecret, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.create(callerOf(request), request.body)),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/v1/webhooks",
    {
      config: { access: "token" },
      schema: {
        tags: TAGS,
        operationId: "listWebhooks",
        summary: "List webhook subscriptions",
        description: "Oldest first. An instance token sees its own instance's subscriptions only.",
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(WebhookViewSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await webhooks.list(callerOf(request), request.query.instance !== undefined ? { instance: request.query.instance } : {}) }),
  );

  app.get<{ Params: Static<typeof Params> }>(
    "/v1/webhooks/:id",
    {
      config: { access: "token" },
      schema: { tags: TAGS, operationId: "getWebhook", summary: "Get a webhook subscription", params: Params, response: { 200: WebhookViewSchema, ...errorResponses } },
    },
    async (request) => webhooks.get(callerOf(request), request.params.id),
  );

  app.patch<{ Params: Static<typeof Params>; Body: Static<typeof UpdateBody> }>(
    "/v1/webhooks/:id",
    {
      config: { access: "token" },
      schema: {
        tags: TAGS,
        operationId: "updateWebhook",
        summary: "Change a webhook subscription",
        description: "`enabled: true` re-enables a disabled subscription; `headers` replaces every custom header (`null` removes them).",
        params: Params,
        body: UpdateBody,
        response: { 200: WebhookViewSchema, ...errorResponses },
      },
    },
    async (request) => webhooks.update(callerOf(request), request.params.id, request.body),
  );

  app.delete<{ Params: Static<typeof Params> }>(
    "/v1/webhooks/:id",
    {
      config: { access: "token" },
      schema: {
        tags: TAGS,
        operationId: "deleteWebhook",
        summary: "Delete a webhook subscription",
        description: "Also deletes its pending deliveries and recorded attempts.",
        params: Params,
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Literal(true) }), ...errorResponses },
      },
    },
    async (request) => {
      await webhooks.remove(callerOf(request), request.params.id);
      return { id: request.params.id, deleted: true as const };
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof RotateBody> | undefined }>(
    "/v1/webhooks/:id/rotate-secret",
    {
      config: { access: "token", secretFields: ["secret"] },
      schema: {
        tags: TAGS,
        operationId: "rotateWebhookSecret",
        summary: "Rotate a webhook's signing secret",
        description: "The new secret is in this answer only. During the overlap every request carries two signatures (new and previous secret).",
        params: Params,
        body: RotateBody,
        response: { 200: WithSecret, ...errorResponses },
      },
    },
    async (request) => webhooks.rotateSecret(callerOf(request), request.params.id, request.body?.overlapMs !== undefined ? { overlapMs: request.body.overlapMs } : {}),
  );

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof AttemptsQuery> }>(
    "/v1/webhooks/:id/attempts",
    {
      config: { access: "token" },
      schema: {
        tags: TAGS,
        operationId: "listWebhookAttempts",
        summary: "List delivery attempts",
        description: "Newest first; page with `before` = the previous page's `next`.",
        params: Params,
        querystring: AttemptsQuery,
        response: { 200: Type.Object({ items: Type.Array(AttemptSchema), next: Nullable(Type.Integer()) }), ...errorResponses },
      },
    },
    async (request) => webhooks.attempts(callerOf(request), request.params.id, request.query),
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof RedeliverBody> }>(
    "/v1/webhooks/:id/redeliver",
    {
      config: { access: "token" },
      schema: {
        tags: TAGS,
        operationId: "redeliverWebhook",
        summary: "Redeliver events",
        description: "One event (`eventId`) or every event of a time range that the subscription's filters match, from scratch (receivers dedupe on `webhook-id`).",
        params: Params,
        body: RedeliverBody,
        response: { 200: Type.Object({ queued: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => webhooks.redeliver(callerOf(request), request.params.id, request.body),
  );
}
