import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import QRCode from "qrcode";
import type { GatewayApi, InstanceView } from "../../../core/api.js";
import { err, type SwitchboardError } from "../../../core/errors.js";
import { QR_RENDER } from "../../routes/login.js";
import { answerErrorsAs, ownBudget, type CompatErrorAnswer } from "../kit.js";
import type { CompatDeps, CompatProfile } from "../types.js";
import {
  RYZE_CONNECT_WAIT_MS,
  RYZE_CREATE_ALIAS,
  RYZE_ERRORS,
  RYZE_MESSAGES,
  RYZE_RATE_LIMIT,
  RYZE_ROUTES,
  RYZE_STATUS,
  type RyzeAccess,
  type RyzeRoute,
  type RyzeStatus,
  type RyzeVerb,
} from "./contract.js";

const TAG = "compat: ryze";

/** The platform `create` makes instances of: RyzeAPI is a WhatsApp linked-device API. */
const CREATE_PLATFORM = "whatsapp-web";

const Success = Type.Object({ success: Type.Literal(true), message: Type.String() }, { additionalProperties: true });
const Failure = Type.Object(
  { success: Type.Literal(false), error: Type.Object({ message: Type.String() }) },
  { description: "RyzeAPI's error shape; our stable code is in the X-Switchboard-Error header." },
);
const InstanceParam = Type.Object({ instance: Type.String({ minLength: 1, maxLength: 128, description: "Instance name." }) });
const ConnectQuery = Type.Object({
  number: Type.Optional(Type.String({ pattern: "^\\+?[0-9]{6,20}$", description: "Phone number (digits, country code first): a pairing code instead of a QR." })),
});
const CreateBody = Type.Object(
  {
    name: Type.String({ description: "Instance name (lower case letters, digits, `-`, `_`)." }),
    token: Type.Optional(Type.String({ description: "Not supported: the gateway issues the instance token." })),
  },
  { additionalProperties: true, description: "RyzeAPI's other fields (proxy, webhook, Chatwoot, settings, S3) are not read: configure those through /v1." },
);

type Request = FastifyRequest<{ Params: Partial<Static<typeof InstanceParam>>; Querystring: Static<typeof ConnectQuery>; Body: unknown }>;

/** The success message of each verb (contract.ts). */
const OK = Object.fromEntries(RYZE_ROUTES.map((r) => [r.verb, r.ok])) as Record<RyzeVerb, string>;

/** `{success: true, message, ...rest}`. */
function ok(message: string, rest: Record<string, unknown> = {}): Record<string, unknown> {
  return { success: true, message, ...rest };
}

function failure(status: number, message: string): CompatErrorAnswer {
  return { status, body: { success: false, error: { message } } };
}

/**
 * Our error → the contract's answer: a missing, unknown or not-allowed token is `401 Invalid token`
 * (an instance token never learns whether another name exists); an unknown instance `404`; the
 * budget `429`; bad input `400` with our message; anything the gateway or the platform could not do
 * a `500` with the route's failure message (see {@link RyzeRoute.failure}).
 */
function toAnswer(e: SwitchboardError, request: FastifyRequest): CompatErrorAnswer {
  switch (e.code) {
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
      return failure(RYZE_ERRORS.invalidToken.status, RYZE_ERRORS.invalidToken.message);
    case "INSTANCE_NOT_FOUND":
    case "NOT_FOUND":
      return failure(RYZE_ERRORS.notFound.status, RYZE_ERRORS.notFound.message);
    case "RATE_LIMITED":
      return failure(RYZE_ERRORS.rateLimited.status, RYZE_ERRORS.rateLimited.message);
    case "INSTANCE_EXISTS":
      return failure(RYZE_ERRORS.exists.status, RYZE_ERRORS.exists.message);
    default:
      break;
  }
  if (e.status < 500) return failure(e.status, e.message);
  const route = routeOf(request);
  if (!route) return failure(500, e.message);
  return failure(500, route.failure.withReason ? `${route.failure.message}: ${e.message}` : route.failure.message);
}

function routeOf(request: FastifyRequest): RyzeRoute | undefined {
  const verb = request.routeOptions.config?.ryzeVerb;
  return RYZE_ROUTES.find((r) => r.verb === verb);
}

/**
 * The caller may use `access` on instance `name`: the account token always; an instance token only
 * on its own instance and never for `account` routes. Refusals are `UNAUTHENTICATED` (→ 401
 * `Invalid token`, as RyzeAPI answers a TokenInstance on an account route).
 */
function authorize(request: FastifyRequest, access: RyzeAccess, name: string | undefined): void {
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  if (auth.record.scope === "account") return;
  if (access === "account") throw err("UNAUTHENTICATED", { message: "This route needs the account token." });
  if (name !== auth.instanceName) throw err("UNAUTHENTICATED", { message: "This token is scoped to another instance." });
}

/** The contract's status of an instance. */
function statusOf(view: InstanceView): RyzeStatus {
  if (view.status.state === "awaiting_login" && view.status.method === "pairing_code") return "pairing";
  return RYZE_STATUS[view.status.state];
}

/** The handlers, one per verb (each answers after its effect is real, like the verb it calls). */
function handlers(gateway: GatewayApi): Record<RyzeVerb, (request: Request, name: string) => Promise<Record<string, unknown>>> {
  return {
    async create(request) {
      const body = request.body as Static<typeof CreateBody>;
      if (body.token !== undefined) {
        throw err("VALIDATION_FAILED", { message: "Choosing the instance token is not supported: the gateway issues it (instance.token in the answer)." });
      }
      const { instance, token } = await gateway.createInstance({ name: body.name, platform: CREATE_PLATFORM });
      return ok(OK.create, { instance: { name: instance.name, token, status: statusOf(instance) } });
    },

    async connect(request, name) {
      const number = request.query.number?.replace(/^\+/, "");
      let view = await gateway.getInstance(name);
      if (view.status.state === "connected") {
        return ok(RYZE_MESSAGES.alreadyConnected, { status: "connected", instance: { status: "connected" } });
      }
      if (number !== undefined && !view.hasCredentials) {
        if (view.status.state === "awaiting_login") {
          const { code } = await gateway.requestPairingCode(name, number);
          return ok(RYZE_MESSAGES.pairingCode, { pairingCode: code, status: "pairing", instance: { status: "pairing" } });
        } else {
          view = await gateway.connect(name, { login: { method: "pairing_code", input: { phoneNumber: number } }, wait: "awaiting_login", timeoutMs: RYZE_CONNECT_WAIT_MS });
        }
      } else {
        view = await gateway.connect(name, { wait: "awaiting_login", timeoutMs: RYZE_CONNECT_WAIT_MS });
      }
      const s = view.status;
      if (s.state === "connected") return ok(RYZE_MESSAGES.alreadyConnected, { status: "connected", instance: { status: "connected" } });
      if (s.state === "awaiting_login" && s.code !== undefined) {
        return ok(RYZE_MESSAGES.pairingCode, { pairingCode: s.code, status: "pairing", instance: { status: "pairing" } });
      }
      if (s.state === "awaiting_login" && s.qr !== undefined) {
        const qrCodeBase64 = await QRCode.toDataURL(s.qr, { ...QR_RENDER, type: "image/png" });
        return ok(OK.connect, { qrCode: s.qr, qrCodeBase64, status: "qr", instance: { status: "qr" } });
      }
      const reason = s.state === "failed" || (s.state === "conflict" && s.error) ? (s.error?.message ?? s.state) : `the instance is ${s.state}`;
      throw err("PLATFORM_UNREACHABLE", { message: reason, details: { status: s.state } });
    },

    async status(_request, name) {
      const view = await gateway.getInstance(name);
      const self = view.status.state === "connected" ? view.status.self : null;
      return ok(OK.status, {
        instance: { name: view.name, status: statusOf(view), numberJid: self?.id ?? null, profileName: self?.name ?? null },
      });
    },

    async reconnect(_request, name) {
      const view = await gateway.getInstance(name);
      if (!view.hasCredentials) {
        throw err("VALIDATION_FAILED", { status: RYZE_ERRORS.noSession.status, message: RYZE_ERRORS.noSession.message, details: { status: view.status.state } });
      }
      const after = await gateway.connect(name);
      const status = statusOf(after);
      return ok(OK.reconnect, { status, instance: { status } });
    },

    async logout(_request, name) {
      await gateway.logout(name);
      return ok(OK.logout, { instance: { status: "loggedout" } });
    },

    async delete(_request, name) {
      await gateway.deleteInstance(name);
      return ok(OK.delete, { instance: { status: "deleted" } });
    },
  };
}

/** The OpenAPI schema of a route. */
function schemaOf(route: RyzeRoute, url: string): Record<string, unknown> {
  return {
    tags: [TAG],
    operationId: `ryze_${route.verb}${url === RYZE_CREATE_ALIAS ? "_new" : ""}`,
    summary: `${route.method} ${url}`,
    description: `RyzeAPI's ${route.verb} (${route.access === "account" ? "TokenAccount" : "TokenAccount or TokenInstance"}, in the \`token\` header). Here: ${route.does}. 100 requests per minute per token.`,
    ...(url.includes(":instance") ? { params: InstanceParam } : {}),
    ...(route.verb === "connect" ? { querystring: ConnectQuery } : {}),
    ...(route.verb === "create" ? { body: CreateBody } : {}),
    response: { 200: Success, "4xx": Failure, "5xx": Failure },
  };
}

async function register(app: FastifyInstance, deps: CompatDeps): Promise<void> {
  const run = handlers(deps.gateway);
  await app.register(async (scope) => {
    answerErrorsAs(scope, toAnswer);
    scope.addHook("onRequest", ownBudget(RYZE_RATE_LIMIT, "ryze"));
    for (const route of RYZE_ROUTES) {
      for (const url of route.verb === "create" ? [route.url, RYZE_CREATE_ALIAS] : [route.url]) {
        scope.route({
          method: route.method,
          url,
          config: { access: "public", ownRateLimit: true, ryzeVerb: route.verb, ...(route.verb === "create" ? { secretFields: ["instance.token"] } : {}) },
          schema: schemaOf(route, url),
          handler: async (request: Request) => {
            const name = request.params.instance;
            authorize(request, route.access, name);
            return run[route.verb](request, name ?? "");
          },
        });
      }
    }
  });
}

/** RyzeAPI's hosted instance API (`--compat ryze`). */
export const ryzeProfile: CompatProfile = {
  name: "ryze",
  summary: "RyzeAPI's instance API under /api/instance/… (token header: TokenAccount or TokenInstance)",
  tag: TAG,
  register,
};

declare module "fastify" {
  interface FastifyContextConfig {
    /** The RyzeAPI verb a compat route serves (its failure message; see contract.ts). */
    ryzeVerb?: RyzeVerb;
  }
}
