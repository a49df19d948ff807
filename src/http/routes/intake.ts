import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { InstanceParams, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const WebhookAck = Type.Object({ ok: Type.Literal(true) }, { description: "The pushed items are stored." });

/**
 * Platform webhook intake: `POST /v1/intake/:name`. No API token: the platform proves itself to the
 * instance's connector (e.g. Telegram's `X-Telegram-Bot-Api-Secret-Token`, compared in constant
 * time), so this route is also exempt from the per-token rate limit. Answers 200 `{ok: true}` once the
 * items are stored; a non-2xx answer makes the platform deliver again later, so nothing is lost:
 * 401 bad secret, 404 unknown instance, 409 no live session that takes webhooks.
 */
export function intakeRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.post<{ Params: Static<typeof InstanceParams>; Body: unknown }>(
    "/v1/intake/:name",
    {
      config: { access: "public", rateLimit: false },
      schema: {
        tags: ["intake"],
        operationId: "receivePlatformWebhook",
        summary: "Receive a platform webhook",
        description:
          "Where a platform pushes updates for an instance (set by the connector, e.g. Telegram `setWebhook`). Verified by the connector, stored, then answered 200.",
        params: InstanceParams,
        body: Type.Unknown(),
        response: { 200: WebhookAck, ...errorResponses },
      },
    },
    async (request) => {
      await gateway.webhook(request.params.name, { headers: request.headers, body: request.body });
      return { ok: true as const };
    },
  );
}
