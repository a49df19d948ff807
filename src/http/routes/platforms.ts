import type { FastifyInstance } from "fastify";
import { PlatformList, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

/** `GET /v1/platforms` (any token) → `{items: PlatformInfo[]}`: the connectors, their config schemas, login methods and actions. */
export function platformRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.get(
    "/v1/platforms",
    {
      config: { access: "token" },
      schema: {
        tags: ["platforms"],
        operationId: "listPlatforms",
        summary: "List platforms",
        description: "The registered connectors as data: config schema, login methods, capabilities and actions.",
        response: { 200: PlatformList, ...errorResponses },
      },
    },
    async () => ({ items: gateway.platforms() }),
  );
}
