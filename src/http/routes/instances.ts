import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import type { InstanceView } from "../../core/api.js";
import { isSwitchboardError } from "../../core/errors.js";
import {
  CreateInstanceBody,
  CreateInstanceResponse,
  DeleteResponse,
  InstancePage,
  InstanceParams,
  InstanceViewSchema,
  ListInstancesQuery,
  errorResponses,
} from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["instances"];

/** Default page size of `GET /v1/instances`. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * Instance CRUD:
 * - `POST /v1/instances` (account token) → 201 `{instance, token}`;
 * - `GET /v1/instances?limit&after&platform` (any token) → `{items, next}`; an instance token sees
 *   at most its own instance (same filters; `next` is always null);
 * - `GET /v1/instances/:name` (account or own instance token) → the instance with its history;
 * - `DELETE /v1/instances/:name` (account token) → `{instance, deleted: true, remote}`.
 */
export function instanceRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.post<{ Body: Static<typeof CreateInstanceBody> }>(
    "/v1/instances",
    {
      config: { access: "account", secretFields: ["token", "instance.status.qr", "instance.status.code"] },
      schema: {
        tags: TAGS,
        operationId: "createInstance",
        summary: "Create an instance",
        description: "Creates the instance and its first instance token (returned once). `start: true` also connects, without waiting.",
        body: CreateInstanceBody,
        response: { 201: CreateInstanceResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await gateway.createInstance(request.body);
      return reply.code(201).send(result);
    },
  );

  app.get<{ Querystring: Static<typeof ListInstancesQuery> }>(
    "/v1/instances",
    {
      config: { access: "token" },
      schema: {
        tags: TAGS,
        operationId: "listInstances",
        summary: "List instances",
        description: "Ascending by name. An instance token sees only its own instance.",
        querystring: ListInstancesQuery,
        response: { 200: InstancePage, ...errorResponses },
      },
    },
    async (request) => {
      const { limit = DEFAULT_PAGE_SIZE, after, platform } = request.query;
      const own = request.auth?.record.scope === "instance" ? request.auth.instanceName : null;
      if (own === null) return gateway.listInstances({ limit, after, platform });
      let view: InstanceView;
      try {
        view = await gateway.getInstance(own);
      } catch (e) {
        if (isSwitchboardError(e, "INSTANCE_NOT_FOUND")) return { items: [], next: null };
        throw e;
      }
      const { history: _history, ...item } = view;
      const visible = (platform === undefined || item.platform === platform) && (after === undefined || item.name > after);
      return { items: visible ? [item] : [], next: null };
    },
  );

  app.get<{ Params: Static<typeof InstanceParams> }>(
    "/v1/instances/:name",
    {
      config: { access: "instance" },
      schema: {
        tags: TAGS,
        operationId: "getInstance",
        summary: "Get an instance",
        description: "Includes the last status transitions (`history`, newest first).",
        params: InstanceParams,
        response: { 200: InstanceViewSchema, ...errorResponses },
      },
    },
    async (request) => gateway.getInstance(request.params.name),
  );

  app.delete<{ Params: Static<typeof InstanceParams> }>(
    "/v1/instances/:name",
    {
      config: { access: "account" },
      schema: {
        tags: TAGS,
        operationId: "deleteInstance",
        summary: "Delete an instance",
        description:
          "Logs out (remote best effort), then purges the record, config, credentials, tokens and history of this instance. Afterwards the name answers 404.",
        params: InstanceParams,
        response: { 200: DeleteResponse, ...errorResponses },
      },
    },
    async (request) => gateway.deleteInstance(request.params.name),
  );
}
