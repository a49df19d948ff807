import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import { ActionBody, ActionParams, ActionResponse, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

/**
 * Platform actions (account token or the instance's own token):
 * `POST /v1/instances/:name/actions/:action` body = the action input (validated by the gateway
 * against the action's `inputSchema`; no body = `{}`) → `{result}`; unknown action → 404
 * `ACTION_UNKNOWN`. Messages: ./messages.ts.
 */
export function actionRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.post<{ Params: Static<typeof ActionParams>; Body: unknown }>(
    "/v1/instances/:name/actions/:action",
    {
      config: { access: "instance" },
      schema: {
        tags: ["actions"],
        operationId: "runAction",
        summary: "Run a platform action",
        description: "Runs an action the platform declares (see `GET /v1/platforms`), e.g. Telegram `log-out-cloud`.",
        params: ActionParams,
        body: ActionBody,
        response: { 200: ActionResponse, ...errorResponses },
      },
    },
    async (request) => {
      const result = await gateway.runAction(request.params.name, request.params.action, request.body ?? {}, {
        caller: request.auth?.record.scope === "account" ? "account" : "instance",
      });
      return { result: result ?? null };
    },
  );
}
