import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import type { ConnectOptions } from "../../core/api.js";
import {
  ConnectBody,
  ConnectQuery,
  EmptyBody,
  InstanceParams,
  InstanceViewSchema,
  LogoutBody,
  LogoutResponse,
  errorResponses,
} from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["lifecycle"];

type ConnectRoute = {
  Params: Static<typeof InstanceParams>;
  Body: Static<typeof ConnectBody>;
  Querystring: Static<typeof ConnectQuery>;
};

/**
 * Turns the wire shape (`login: {method, ...input}`, `wait`/`timeoutMs` in the body or the query;
 * the body wins) into {@link ConnectOptions} (`login: {method, input}`).
 */
export function connectOptions(body: Static<typeof ConnectBody>, query: Static<typeof ConnectQuery>): ConnectOptions {
  const opts: ConnectOptions = {};
  if (body.login) {
    const { method, ...input } = body.login;
    opts.login = { method, input };
  }
  const wait = body.wait ?? query.wait;
  const timeoutMs = body.timeoutMs ?? query.timeoutMs;
  if (wait !== undefined) opts.wait = wait;
  if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
  return opts;
}

/**
 * Lifecycle verbs (DESIGN §2), each answering after its effect is real. Account token or the
 * instance's own token:
 * - `POST /v1/instances/:name/connect` `{login?, wait?, timeoutMs?}` → the instance;
 * - `POST /v1/instances/:name/close` → the instance (credentials kept);
 * - `POST /v1/instances/:name/restart` (same options as connect) → the instance;
 * - `POST /v1/instances/:name/logout` `{force?}` → `{instance, status: "logged_out", remote,
 *   credentialsWiped: true}`; `LOGOUT_UNCONFIRMED` is 502, or 504 after the platform timeout.
 */
export function lifecycleRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  const connectSchema = (operationId: string, summary: string, description: string) => ({
    tags: TAGS,
    operationId,
    summary,
    description,
    params: InstanceParams,
    querystring: ConnectQuery,
    body: ConnectBody,
    response: { 200: InstanceViewSchema, ...errorResponses },
  });

  app.post<ConnectRoute>(
    "/v1/instances/:name/connect",
    {
      config: { access: "instance", secretFields: ["status.qr", "status.code"] },
      schema: connectSchema(
        "connectInstance",
        "Connect",
        "desired = running. Restores from stored credentials or starts a login (`login: {method, ...input}`). With `wait`, answers once the status reaches that state (or a terminal one), else 504 TIMEOUT after `timeoutMs`.",
      ),
    },
    async (request) => gateway.connect(request.params.name, connectOptions(request.body, request.query)),
  );

  app.post<{ Params: Static<typeof InstanceParams>; Body: Static<typeof EmptyBody> }>(
    "/v1/instances/:name/close",
    {
      config: { access: "instance" },
      schema: {
        tags: TAGS,
        operationId: "closeInstance",
        summary: "Close",
        description: "desired = stopped. Ends the local session only; never logs out at the platform; keeps credentials.",
        params: InstanceParams,
        body: EmptyBody,
        response: { 200: InstanceViewSchema, ...errorResponses },
      },
    },
    async (request) => gateway.close(request.params.name),
  );

  app.post<ConnectRoute>(
    "/v1/instances/:name/restart",
    {
      config: { access: "instance", secretFields: ["status.qr", "status.code"] },
      schema: connectSchema("restartInstance", "Restart", "Close, then connect. Same options as connect."),
    },
    async (request) => gateway.restart(request.params.name, connectOptions(request.body, request.query)),
  );

  app.post<{ Params: Static<typeof InstanceParams>; Body: Static<typeof LogoutBody> }>(
    "/v1/instances/:name/logout",
    {
      config: { access: "instance" },
      schema: {
        tags: TAGS,
        operationId: "logoutInstance",
        summary: "Log out",
        description:
          "Ends the session at the platform where it allows it, then wipes the credentials. If the platform cannot be reached: 502 (or 504) LOGOUT_UNCONFIRMED and the credentials are kept, unless `force: true` (then `remote: unconfirmed`).",
        params: InstanceParams,
        body: LogoutBody,
        response: { 200: LogoutResponse, ...errorResponses },
      },
    },
    async (request) => gateway.logout(request.params.name, { force: request.body.force === true }),
  );
}
