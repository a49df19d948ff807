import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import { err } from "../../core/errors.js";
import {
  CreateTokenBody,
  CreateTokenResponse,
  ListTokensQuery,
  RevokeTokenResponse,
  TokenList,
  TokenParams,
  errorResponses,
} from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["tokens"];

/**
 * Token management (account token only):
 * - `GET /v1/tokens?instance=` → `{items: TokenView[]}` (never the tokens themselves);
 * - `POST /v1/tokens` `{scope, instance?, label?}` → 201 `{token, record}` (the token is shown once;
 *   `instance` is required with, and only allowed with, `scope: "instance"`);
 * - `DELETE /v1/tokens/:id` → `{id, revoked: true}`; unknown id → 404 `TOKEN_NOT_FOUND`.
 */
export function tokenRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.get<{ Querystring: Static<typeof ListTokensQuery> }>(
    "/v1/tokens",
    {
      config: { access: "account" },
      schema: {
        tags: TAGS,
        operationId: "listTokens",
        summary: "List tokens",
        querystring: ListTokensQuery,
        response: { 200: TokenList, ...errorResponses },
      },
    },
    async (request) => ({ items: await gateway.listTokens(request.query.instance ? { instance: request.query.instance } : {}) }),
  );

  app.post<{ Body: Static<typeof CreateTokenBody> }>(
    "/v1/tokens",
    {
      config: { access: "account", secretFields: ["token"] },
      schema: {
        tags: TAGS,
        operationId: "createToken",
        summary: "Issue a token",
        description: "The plain token is in this answer only; it is stored hashed.",
        body: CreateTokenBody,
        response: { 201: CreateTokenResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { scope, instance, label } = request.body;
      if (scope === "instance" && instance === undefined) {
        throw err("VALIDATION_FAILED", {
          message: "An instance token needs `instance`.",
          details: { issues: [{ path: "body.instance", message: "Expected required property" }] },
        });
      }
      if (scope === "account" && instance !== undefined) {
        throw err("VALIDATION_FAILED", {
          message: "An account token has no `instance`.",
          details: { issues: [{ path: "body.instance", message: "Not allowed with scope account" }] },
        });
      }
      const created = await gateway.createToken({ scope, ...(instance !== undefined && { instance }), ...(label !== undefined && { label }) });
      return reply.code(201).send(created);
    },
  );

  app.delete<{ Params: Static<typeof TokenParams> }>(
    "/v1/tokens/:id",
    {
      config: { access: "account" },
      schema: {
        tags: TAGS,
        operationId: "revokeToken",
        summary: "Revoke a token",
        params: TokenParams,
        response: { 200: RevokeTokenResponse, ...errorResponses },
      },
    },
    async (request) => {
      await gateway.revokeToken(request.params.id);
      return { id: request.params.id, revoked: true as const };
    },
  );
}
