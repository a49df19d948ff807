import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { GatewayApi, InstanceView } from "../../../core/api.js";
import { ERROR_CATALOG, SwitchboardError, err, type ErrorCode } from "../../../core/errors.js";
import { CREATED_TOKEN_LABEL } from "../../../core/tokens.js";
import { answerErrorsAs } from "../kit.js";
import type { CompatDeps, CompatProfile } from "../types.js";
import { WWEBJS_ROUTES, WWEBJS_STATE, WWEBJS_WAIT_MS, type WwebjsRoute, type WwebjsState, type WwebjsVerb } from "./contract.js";
import { QR_PAGE_HEADERS, qrPage } from "./qr-page.js";

const TAG = "compat: wwebjs";

/** The platform of the bound instance when `start` creates it. */
const PLATFORM = "whatsapp-web";

const StateSchema = Type.Object({
  state: Type.String({ description: "stopped | starting | qr | pairing | ready | reconnecting | stopping | conflict | failed" }),
  ready: Type.Boolean(),
  qr: Type.Union([Type.String(), Type.Null()], { description: "The raw QR while a QR login is pending (a secret while valid)." }),
  info: Type.Union([Type.Object({ wid: Type.String(), pushname: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
});
const Failure = Type.Object(
  { ok: Type.Literal(false), error: Type.String() },
  { description: "The error, for a person; our stable code is in the X-Switchboard-Error header." },
);
const PairingBody = Type.Object({ phoneNumber: Type.String({ pattern: "^\\+?[0-9]{6,15}$", description: "Digits, country code first (6–15)." }) });

/** `GET /api/state`'s body for an instance (null: it does not exist yet, i.e. stopped). */
function stateOf(view: InstanceView | null): Static<typeof StateSchema> {
  const s = view?.status;
  if (!s) return { state: "stopped", ready: false, qr: null, info: null };
  const state: WwebjsState = s.state === "awaiting_login" && s.method === "pairing_code" ? "pairing" : WWEBJS_STATE[s.state];
  return {
    state,
    ready: s.state === "connected",
    qr: s.state === "awaiting_login" && s.qr !== undefined ? s.qr : null,
    info: s.state === "connected" ? { wid: s.self.id, pushname: s.self.name ?? null } : null,
  };
}

/**
 * The caller holds the account token or the bound instance's own token (as everywhere: `Authorization:
 * Bearer`, `token`, `apikey`, `X-Api-Key`; on `GET /qr` also `?access_token=`). Runs before
 * validation and before any handler, on every route of the profile. `needsAccount`: the instance
 * does not exist yet, and only the account token can make it.
 * @throws `UNAUTHENTICATED` (401), `FORBIDDEN` (403).
 */
function authorize(request: FastifyRequest, instance: string, needsAccount = false): void {
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  if (auth.record.scope === "account") return;
  if (needsAccount) throw err("FORBIDDEN", { message: "Only the account token can create the session's instance." });
  if (auth.instanceName !== instance) throw err("FORBIDDEN", { message: "This token is scoped to another instance." });
}

/** The error for a start that settled without a QR, a code or a session (the status's own catalog code when it has one). */
function settledError(view: InstanceView): SwitchboardError {
  const s = view.status;
  const cause = s.state === "failed" ? s.error : s.state === "conflict" ? s.error : s.state === "reconnecting" ? s.lastError : undefined;
  if (cause && Object.hasOwn(ERROR_CATALOG, cause.code)) return err(cause.code as ErrorCode, { message: cause.message, details: { status: s.state } });
  return err("INVALID_STATE", { message: `The session is ${s.state}.`, details: { status: s.state } });
}

/**
 * Creates the bound instance; its instance token is revoked at once (nobody would ever see it: the
 * account token made it, and `POST /v1/tokens` issues one when wanted). A concurrent create is fine.
 */
async function createBound(gateway: GatewayApi, name: string): Promise<void> {
  try {
    await gateway.createInstance({ name, platform: PLATFORM });
  } catch (e) {
    if (e instanceof SwitchboardError && e.code === "INSTANCE_EXISTS") return;
    throw e;
  }
  for (const t of await gateway.listTokens({ instance: name })) if (t.label === CREATED_TOKEN_LABEL) await gateway.revokeToken(t.id);
}

/** The bound instance, or null when it does not exist. */
async function find(gateway: GatewayApi, name: string): Promise<InstanceView | null> {
  try {
    return await gateway.getInstance(name);
  } catch (e) {
    if (e instanceof SwitchboardError && e.code === "INSTANCE_NOT_FOUND") return null;
    throw e;
  }
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

function handlers(gateway: GatewayApi, name: string): Record<WwebjsVerb, Handler> {
  return {
    async start(request) {
      if (!(await find(gateway, name))) {
        authorize(request, name, true);
        await createBound(gateway, name);
      }
      const view = await gateway.connect(name, { wait: "awaiting_login", timeoutMs: WWEBJS_WAIT_MS });
      const s = view.status;
      if (s.state !== "connected" && s.state !== "awaiting_login") throw settledError(view);
      return { ok: true, ...stateOf(view) };
    },

    async pairingCode(request) {
      const { phoneNumber } = request.body as Static<typeof PairingBody>;
      const digits = phoneNumber.replace(/^\+/, "");
      const view = await find(gateway, name);
      if (!view) throw err("NO_LOGIN_PENDING", { message: "No session yet: POST /api/auth/start first." });
      if (view.hasCredentials || view.status.state === "connected") {
        throw err("INVALID_STATE", { message: "The session is linked already: POST /api/logout first.", details: { status: view.status.state } });
      }
      // A login already waiting gets a fresh code for this number (a code it shows may be for another one).
      if (view.status.state === "awaiting_login") return { ok: true, code: (await gateway.requestPairingCode(name, digits)).code };
      // Starts a pairing-code login, or waits for the QR login just starting and switches it.
      const after = await gateway.connect(name, { login: { method: "pairing_code", input: { phoneNumber: digits } }, wait: "awaiting_login", timeoutMs: WWEBJS_WAIT_MS });
      const s = after.status;
      if (s.state === "awaiting_login" && s.code !== undefined) return { ok: true, code: s.code };
      if (s.state === "awaiting_login") return { ok: true, code: (await gateway.requestPairingCode(name, digits)).code };
      throw settledError(after);
    },

    async qrPage(_request, reply) {
      const html = await qrPage(name, await find(gateway, name));
      return reply.headers(QR_PAGE_HEADERS).send(html);
    },

    async state() {
      return stateOf(await find(gateway, name));
    },

    async logout() {
      // With no instance there is no session and nothing to reset.
      if (await find(gateway, name)) await gateway.logout(name);
      return { ok: true };
    },
  };
}

function schemaOf(route: WwebjsRoute): Record<string, unknown> {
  const ok =
    route.verb === "state"
      ? StateSchema
      : route.verb === "start"
        ? Type.Intersect([Type.Object({ ok: Type.Literal(true) }), StateSchema])
        : route.verb === "pairingCode"
          ? Type.Object({ ok: Type.Literal(true), code: Type.String() })
          : route.verb === "logout"
            ? Type.Object({ ok: Type.Literal(true) })
            : Type.String({ description: "text/html" });
  return {
    tags: [TAG],
    operationId: `wwebjs_${route.verb}`,
    summary: `${route.method} ${route.url}`,
    description: `Here: ${route.does}. Answers ${route.answers}. The account token or the bound instance's token.`,
    ...(route.verb === "pairingCode" ? { body: PairingBody } : {}),
    response: { 200: ok, "4xx": Failure, "5xx": Failure },
  };
}

/** Every route but `/qr` is under this prefix; an unknown path under it is answered in the profile's shape. */
const PREFIX = "/api";

async function register(app: FastifyInstance, deps: CompatDeps): Promise<void> {
  const name = deps.instance;
  if (!name) throw new Error("The wwebjs profile answers for one instance: give it with --compat-instance <name>.");
  const run = handlers(deps.gateway, name);
  /** Adds `routes` to `scope` with the profile's answers and its token check before anything else. */
  const install = (scope: FastifyInstance, routes: readonly WwebjsRoute[], prefix: string): void => {
    answerErrorsAs(scope, (e) => ({ status: e.status, body: { ok: false, error: e.message } }));
    scope.addHook("onRequest", async (request) => {
      if (request.routeOptions.config?.wwebjsVerb !== undefined) authorize(request, name);
    });
    for (const route of routes) {
      scope.route({
        method: route.method,
        url: route.url.slice(prefix.length),
        config: { access: "public", wwebjsVerb: route.verb, ...(route.verb === "qrPage" ? { browserToken: true } : {}) },
        schema: schemaOf(route),
        handler: (request: FastifyRequest, reply: FastifyReply) => run[route.verb](request, reply),
      });
    }
  };
  const underPrefix = WWEBJS_ROUTES.filter((r) => r.url.startsWith(`${PREFIX}/`));
  await app.register(
    async (scope) => {
      install(scope, underPrefix, PREFIX);
      scope.setNotFoundHandler(async () => {
        throw err("NOT_FOUND");
      });
    },
    { prefix: PREFIX },
  );
  await app.register(async (scope) => install(scope, WWEBJS_ROUTES.filter((r) => !underPrefix.includes(r)), ""));
}

/** The single-session API of whatsapp-web.js REST servers (`--compat wwebjs --compat-instance <name>`). */
export const wwebjsProfile: CompatProfile = {
  name: "wwebjs",
  summary: "the single-session API of whatsapp-web.js REST servers (/api/auth/start, /api/state, /qr, /api/logout) for one bound instance",
  tag: TAG,
  register,
};

declare module "fastify" {
  interface FastifyContextConfig {
    /** The wwebjs verb a compat route serves (contract.ts). */
    wwebjsVerb?: WwebjsVerb;
  }
}
