import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { InstanceParams, PlatformId, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const AppParams = Type.Object({
  platform: PlatformId,
  app: Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._-]+$", description: "The platform's app id (e.g. a Meta app id)." }),
});

const AppWebhookAck = Type.Object(
  {
    ok: Type.Literal(true),
    stored: Type.Integer({ description: "Entries stored as events of their instance." }),
    unknown: Type.Integer({ description: "Entries naming no instance of this app: acknowledged, not stored." }),
    ignored: Type.Integer({ description: "Entries of an instance without credentials, or not signed with its own app secret: acknowledged, not stored." }),
  },
  { description: "Every entry of the request is stored or accounted for." },
);

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

  // App-level callbacks read the body as the exact bytes (signatures are over them): their own
  // encapsulated context, with one parser that keeps any body as a Buffer.
  void app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    const handler = async (request: FastifyRequest<{ Params: Static<typeof AppParams> }>, reply: FastifyReply): Promise<unknown> => {
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.query as Record<string, unknown>)) if (typeof v === "string") query[k] = v;
      const answer = await gateway.appWebhook(request.params.platform, {
        method: request.method === "GET" ? "GET" : "POST",
        app: request.params.app,
        query,
        headers: request.headers,
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      if (answer.kind === "challenge") return reply.type("text/plain; charset=utf-8").send(answer.body);
      return { ok: true as const, stored: answer.stored, unknown: answer.unknown, ignored: answer.ignored };
    };
    const schema = {
      tags: ["intake"],
      params: AppParams,
      response: { 200: Type.Union([AppWebhookAck, Type.String({ description: "The handshake's challenge, echoed (text/plain)." })]), ...errorResponses },
    };
    raw.get("/v1/intake/:platform/:app", {
      config: { access: "public", rateLimit: false },
      schema: {
        ...schema,
        operationId: "verifyAppWebhook",
        summary: "A platform app's webhook handshake",
        description:
          "The verification handshake of an app-level callback (Meta: `hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`): answers the challenge as text when the verify token is one of the app's instances', 403 otherwise.",
      },
    }, handler);
    raw.post("/v1/intake/:platform/:app", {
      config: { access: "public", rateLimit: false },
      schema: {
        ...schema,
        operationId: "receiveAppWebhook",
        summary: "Receive a platform app's webhook",
        description:
          "Where a platform pushes for a whole app (Meta: one callback per app, entries for many phone numbers or pages). The signature is checked over the exact body (`X-Hub-Signature-256`), each entry is resolved to its instance and stored, then 200. Entries for no known instance are acknowledged and counted.",
      },
    }, handler);
  });
}
