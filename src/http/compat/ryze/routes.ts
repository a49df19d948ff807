import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import QRCode from "qrcode";
import type { GatewayApi, InstanceView } from "../../../core/api.js";
import { ERROR_CATALOG, SwitchboardError, err, type ErrorCode } from "../../../core/errors.js";
import { QR_RENDER } from "../../routes/login.js";
import { answerErrorsAs, ownBudget, type CompatErrorAnswer } from "../kit.js";
import type { CompatDeps, CompatProfile } from "../types.js";
import {
  RYZE_CONNECT_WAIT_MS,
  RYZE_CREATE_ALIAS,
  RYZE_CREATE_RATE_LIMIT,
  RYZE_ERRORS,
  RYZE_MESSAGES,
  RYZE_PREFIX,
  RYZE_RATE_LIMIT,
  RYZE_ROUTES,
  RYZE_STATUS,
  RYZE_UNSUPPORTED_SWITCHES,
  type RyzeAccess,
  type RyzeRoute,
  type RyzeStatus,
  type RyzeVerb,
} from "./contract.js";

const TAG = "compat: ryze";

/** The platform `create` makes instances of: RyzeAPI is a WhatsApp linked-device API. */
const CREATE_PLATFORM = "whatsapp-web";

/** Phone numbers for a pairing code: digits, country code first (WhatsApp's own rule, 6–15 digits). */
const PHONE_PATTERN = "^\\+?[0-9]{6,15}$";

const Success = Type.Object({ success: Type.Literal(true), message: Type.String() }, { additionalProperties: true });
const Failure = Type.Object(
  { success: Type.Literal(false), error: Type.Object({ message: Type.String() }) },
  { description: "RyzeAPI's error shape; our stable code is in the X-Switchboard-Error header." },
);
const InstanceParam = Type.Object({ instance: Type.String({ minLength: 1, maxLength: 128, description: "Instance name." }) });
const ConnectQuery = Type.Object({
  number: Type.Optional(Type.String({ pattern: PHONE_PATTERN, description: "Phone number (digits, country code first): a pairing code instead of a QR." })),
  history: Type.Optional(Type.String({ description: "Accepted and ignored: the gateway emits live messages only." })),
});
const ListQuery = Type.Object({
  instanceName: Type.Optional(Type.String({ maxLength: 4096, description: "One name, or several separated by commas (account token only)." })),
});
const CreateBody = Type.Object(
  {
    name: Type.String({ description: "Instance name (lower case letters, digits, `-`, `_`)." }),
    token: Type.Optional(Type.String({ description: "Not supported: the gateway issues the instance token." })),
  },
  {
    additionalProperties: true,
    description: "RyzeAPI's settings fields are accepted and not read; switching on an integration (proxyEnabled, webhookEnabled, websocketEnabled, chatwootEnabled, s3Enabled) is refused: configure those through /v1.",
  },
);

type Request = FastifyRequest<{ Params: Partial<Static<typeof InstanceParam>>; Querystring: Static<typeof ConnectQuery> & Static<typeof ListQuery>; Body: unknown }>;

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
 * budget `429`; bad input and wrong states their 4xx with our message; anything the gateway or the
 * platform could not do a `500` with the route's failure message (see {@link RyzeRoute.failure}).
 */
function toAnswer(e: SwitchboardError, request: FastifyRequest): CompatErrorAnswer {
  switch (e.code) {
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
      return failure(RYZE_ERRORS.invalidToken.status, RYZE_ERRORS.invalidToken.message);
    case "INSTANCE_NOT_FOUND":
      return failure(RYZE_ERRORS.notFound.status, RYZE_ERRORS.notFound.message);
    case "NOT_FOUND":
      return failure(RYZE_ERRORS.unknownRoute.status, RYZE_ERRORS.unknownRoute.message);
    case "RATE_LIMITED":
      return failure(RYZE_ERRORS.rateLimited.status, RYZE_ERRORS.rateLimited.message);
    case "INSTANCE_EXISTS":
      return failure(RYZE_ERRORS.exists.status, RYZE_ERRORS.exists.message);
    default:
      break;
  }
  if (e.status < 500) return failure(e.status, e.message);
  const route = RYZE_ROUTES.find((r) => r.verb === request.routeOptions.config?.ryzeVerb);
  if (!route) return failure(500, e.message);
  return failure(500, route.failure.withReason ? `${route.failure.message}: ${e.message}` : route.failure.message);
}

/**
 * The caller may use `access` on instance `name`: the account token always; an instance token only
 * on its own instance and never on `account` routes. Runs before validation, so an unauthenticated
 * caller learns nothing of the input rules either.
 * @throws `UNAUTHENTICATED` (no valid token), `FORBIDDEN` (valid, not allowed here); both are
 *   answered `401 Invalid token`, as RyzeAPI answers a TokenInstance on an account route.
 */
function authorize(request: FastifyRequest, access: RyzeAccess, name: string | undefined): void {
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  if (auth.record.scope === "account") return;
  if (access === "account") throw err("FORBIDDEN", { message: "This route needs the account token." });
  if (name !== undefined && name !== auth.instanceName) throw err("FORBIDDEN", { message: "This token is scoped to another instance." });
}

/** The contract's status of an instance. */
function statusOf(view: InstanceView): RyzeStatus {
  if (view.status.state === "awaiting_login" && view.status.method === "pairing_code") return "pairing";
  return RYZE_STATUS[view.status.state];
}

/**
 * The error for a connect that settled without a QR, a code or a session: the status's own error
 * when it carries a catalog code (e.g. `URL_REFUSED`, `PLATFORM_UNREACHABLE`), else `INVALID_STATE`.
 */
function settledError(view: InstanceView): SwitchboardError {
  const s = view.status;
  const cause = s.state === "failed" ? s.error : s.state === "conflict" ? s.error : s.state === "reconnecting" ? s.lastError : undefined;
  if (cause && Object.hasOwn(ERROR_CATALOG, cause.code)) {
    return err(cause.code as ErrorCode, { message: cause.message, details: { status: s.state } });
  }
  return err("INVALID_STATE", { message: `No QR came: the instance is ${s.state}.`, details: { status: s.state } });
}

/** The contract's view of one instance in `list` (RyzeAPI's `connection` and `profile` blocks). */
function listItem(view: InstanceView): Record<string, unknown> {
  const self = view.status.state === "connected" ? view.status.self : null;
  const state = statusOf(view);
  return {
    name: view.name,
    status: state,
    connection: { state, numberJid: self?.id ?? null },
    profile: { name: self?.name ?? null },
  };
}

/** The handlers, one per verb (each answers after its effect is real, like the verb it calls). */
function handlers(gateway: GatewayApi): Record<RyzeVerb, (request: Request, name: string) => Promise<Record<string, unknown>>> {
  const pairing = (code: string): Record<string, unknown> => ok(RYZE_MESSAGES.pairingCode, { pairingCode: code, status: "pairing", instance: { status: "pairing" } });
  const connected = (): Record<string, unknown> => ok(RYZE_MESSAGES.alreadyConnected, { status: "connected", instance: { status: "connected" } });
  return {
    async create(request) {
      const body = request.body as Static<typeof CreateBody> & Record<string, unknown>;
      if (body.token !== undefined) {
        throw err("VALIDATION_FAILED", { message: "Choosing the instance token is not supported: the gateway issues it (instance.token in the answer)." });
      }
      const on = RYZE_UNSUPPORTED_SWITCHES.filter((k) => body[k] === true);
      if (on.length > 0) {
        throw err("VALIDATION_FAILED", {
          message: `${on.join(", ")}: this profile does not configure integrations; create the instance without them and configure webhooks and settings through /v1.`,
          details: { fields: on },
        });
      }
      const { instance, token } = await gateway.createInstance({ name: body.name, platform: CREATE_PLATFORM });
      return ok(OK.create, { instance: { name: instance.name, token, status: statusOf(instance) } });
    },

    async list(request) {
      const own = request.auth?.record.scope === "instance" ? request.auth.instanceName : null;
      const names = own !== null ? [own] : (request.query.instanceName?.split(",").map((n) => n.trim()).filter((n) => n !== "") ?? null);
      let views: InstanceView[];
      if (names === null) {
        views = [];
        let after: string | undefined;
        do {
          const page = await gateway.listInstances({ limit: 500, ...(after !== undefined ? { after } : {}) });
          views.push(...page.items);
          after = page.next ?? undefined;
        } while (after !== undefined);
      } else {
        const found = await Promise.all(names.map((n) => gateway.getInstance(n).catch((e: unknown) => (e instanceof SwitchboardError && e.code === "INSTANCE_NOT_FOUND" ? null : Promise.reject(e)))));
        views = found.filter((v): v is InstanceView => v !== null);
        // RyzeAPI: unknown names are skipped, except a single one, which is 404.
        if (names.length === 1 && views.length === 0) throw err("INSTANCE_NOT_FOUND", { details: { name: names[0] } });
      }
      return ok(views.length === 1 ? "1 Instance found" : `${views.length} Instances found`, { instances: views.map(listItem) });
    },

    async connect(request, name) {
      const number = request.query.number?.replace(/^\+/, "");
      const before = await gateway.getInstance(name);
      if (before.status.state === "connected") return connected();
      // A login already waiting gets a fresh code for this number (a code it shows may be for another one).
      if (number !== undefined && !before.hasCredentials && before.status.state === "awaiting_login") {
        return pairing((await gateway.requestPairingCode(name, number)).code);
      }
      const login = number !== undefined && !before.hasCredentials ? { method: "pairing_code" as const, input: { phoneNumber: number } } : undefined;
      // Waits for the QR (or the code) of the login started here or already running, or the session.
      const view = await gateway.connect(name, { ...(login ? { login } : {}), wait: "awaiting_login", timeoutMs: RYZE_CONNECT_WAIT_MS });
      const s = view.status;
      if (s.state === "connected") return connected();
      if (s.state === "awaiting_login") {
        if (s.code !== undefined) return pairing(s.code);
        // A QR login was already running: switch it to a pairing code for that number.
        if (number !== undefined) return pairing((await gateway.requestPairingCode(name, number)).code);
        if (s.qr !== undefined) {
          const qrCodeBase64 = await QRCode.toDataURL(s.qr, { ...QR_RENDER, type: "image/png" });
          return ok(OK.connect, { qrCode: s.qr, qrCodeBase64, status: "qr", instance: { status: "qr" } });
        }
      }
      throw settledError(view);
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
      if (!view.hasCredentials) throw noSession(view);
      // RyzeAPI's reconnect re-creates the client: a live session is restarted from its credentials.
      const after = view.status.state === "connected" ? await gateway.restart(name) : await gateway.connect(name);
      if (!after.hasCredentials && after.status.state === "awaiting_login") {
        // A logout finished in between: no login was asked for here.
        await gateway.close(name);
        throw noSession(after);
      }
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

function noSession(view: InstanceView): SwitchboardError {
  return err("INVALID_STATE", { status: RYZE_ERRORS.noSession.status, message: RYZE_ERRORS.noSession.message, details: { status: view.status.state } });
}

/** The OpenAPI schema of a route. */
function schemaOf(route: RyzeRoute, url: string): Record<string, unknown> {
  const budget = route.verb === "create" ? "20 requests per minute per token (and 100 in all)" : "100 requests per minute per token";
  return {
    tags: [TAG],
    operationId: `ryze_${route.verb}${url === RYZE_CREATE_ALIAS ? "_alias" : ""}`,
    summary: `${route.method} ${url}`,
    description: `RyzeAPI's ${route.verb} (${route.access === "account" ? "TokenAccount" : "TokenAccount or TokenInstance"}, in the \`token\` header). Here: ${route.does}. ${budget}. \`Idempotency-Key\` is not read here.`,
    ...(url.includes(":instance") ? { params: InstanceParam } : {}),
    ...(route.verb === "connect" ? { querystring: ConnectQuery } : route.verb === "list" ? { querystring: ListQuery } : {}),
    ...(route.verb === "create" ? { body: CreateBody } : {}),
    response: { 200: Success, "4xx": Failure, "5xx": Failure },
  };
}

async function register(app: FastifyInstance, deps: CompatDeps): Promise<void> {
  const run = handlers(deps.gateway);
  const budget = ownBudget(RYZE_RATE_LIMIT, "ryze");
  const createBudget = ownBudget(RYZE_CREATE_RATE_LIMIT, "ryze-create");
  await app.register(
    async (scope) => {
      answerErrorsAs(scope, toAnswer);
      scope.setNotFoundHandler(async () => {
        throw err("NOT_FOUND");
      });
      // Budget first (a garbage token spends its IP's budget), then the token, then validation.
      scope.addHook("onRequest", budget);
      scope.addHook("onRequest", async (request, reply) => {
        const verb = request.routeOptions.config?.ryzeVerb;
        const route = RYZE_ROUTES.find((r) => r.verb === verb);
        if (!route) return; // not found: answered by the handler above
        if (route.verb === "create") await createBudget(request, reply);
        authorize(request, route.access, (request.params as { instance?: string } | undefined)?.instance);
      });
      for (const route of RYZE_ROUTES) {
        for (const url of route.verb === "create" ? [route.url, RYZE_CREATE_ALIAS] : [route.url]) {
          scope.route({
            method: route.method,
            url: url.slice(RYZE_PREFIX.length),
            config: { access: "public", ownRateLimit: true, ryzeVerb: route.verb },
            schema: schemaOf(route, url),
            handler: async (request: Request) => run[route.verb](request, request.params.instance ?? ""),
          });
        }
      }
    },
    { prefix: RYZE_PREFIX },
  );
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
    /** The RyzeAPI verb a compat route serves (its access and failure message; see contract.ts). */
    ryzeVerb?: RyzeVerb;
  }
}
