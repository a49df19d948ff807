import type { FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { eventSchemas } from "../events/schema.js";
import { ErrorEnvelopeSchema } from "./schemas.js";

/**
 * Security requirement objects meaning "the account or an instance token, as Bearer or in the
 * `token`, `apikey` (Evolution API) or `X-Api-Key` (WAHA) header".
 */
const TOKEN_SECURITY: Array<Record<string, string[]>> = [{ bearer: [] }, { tokenHeader: [] }, { apikeyHeader: [] }, { xApiKeyHeader: [] }];

/** The OpenAPI tags of the compat profiles, with what they are. */
export const COMPAT_TAGS = [
  { name: "compat: ryze", description: "RyzeAPI's hosted instance API (`serve --compat ryze`), answered over our verbs. See docs/compat.md." },
  { name: "compat: wwebjs", description: "The single-session API of whatsapp-web.js REST servers (`serve --compat wwebjs`). See docs/compat.md." },
] as const;

/**
 * Registers OpenAPI generation and the docs UI. Must run before any route is added (the generator
 * collects routes as they are registered).
 * - `GET /openapi.json` (no auth): the OpenAPI 3.1 document. Security schemes `bearer`
 *   (`Authorization: Bearer <token>`), `tokenHeader` (`token: <token>`), `apikeyHeader` and
 *   `xApiKeyHeader` (the same token in `apikey` / `X-Api-Key`), any one required by default;
 *   public routes declare `security: []`. The error envelope is `components.schemas.ErrorEnvelope`;
 *   the event model is `components.schemas.Event` (a union over one `<Type>Event` per event type)
 *   and `EventPage`.
 * - `GET /docs` (no auth): Swagger UI, served from the package's own assets (works offline).
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(ErrorEnvelopeSchema);
  // The event model (`Event`, one `<Type>Event` per type, `EventPage`), published whether or not the event routes are mounted.
  for (const schema of eventSchemas()) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Switchboard REST API",
        version,
        description:
          "One REST API for many messaging accounts. Every error is `{ error: { code, message, details?, retryAfterMs? } }`. " +
          "Requests are rate limited per token (`RateLimit`, `RateLimit-Policy`, `Retry-After` headers). " +
          "POST requests accept an `Idempotency-Key` header (1–255 chars, scoped per token, kept 24 h).",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "Account or instance token." },
          tokenHeader: { type: "apiKey", in: "header", name: "token", description: "Account or instance token." },
          apikeyHeader: { type: "apiKey", in: "header", name: "apikey", description: "Account or instance token (Evolution API's header)." },
          xApiKeyHeader: { type: "apiKey", in: "header", name: "X-Api-Key", description: "Account or instance token (WAHA's header)." },
        },
      },
      security: TOKEN_SECURITY,
      tags: [
        { name: "instances" },
        { name: "lifecycle" },
        { name: "login" },
        { name: "actions" },
        { name: "messages" },
        { name: "platforms" },
        { name: "tokens" },
        { name: "events" },
        { name: "webhooks" },
        { name: "intake" },
        { name: "operations" },
        ...COMPAT_TAGS,
      ],
    },
    // Shared schemas appear under their `$id` in components.schemas (e.g. `ErrorEnvelope`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`),
    },
  });

  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { docExpansion: "list", deepLinking: true },
  });

  app.get(
    "/openapi.json",
    { config: { access: "public" }, schema: { hide: true } },
    async () => app.swagger(),
  );
}
