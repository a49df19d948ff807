import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { GatewayApi, InstanceView } from "../../../core/api.js";
import { SwitchboardError, err } from "../../../core/errors.js";
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
const PairingBody = Type.Object({ phoneNumber: Type.String({ pattern: "^\\+?[0-9]{6,20}$", description: "Digits, country code first." }) });

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
 * Bearer`, `token`, `apikey`, `X-Api-Key`; on `GET /qr` also `?access_token=`). `create`: the
 * instance does not exist yet, only the account token can make it.
 * @throws `UNAUTHENTICATED` (401), `FORBIDDEN` (403).
 */
function authorize(request: FastifyRequest, instance: string, needsAccount = false): void {
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  if (auth.record.scope === "account") return;
  if (needsAccount) throw err("FORBIDDEN", { message: "Only the account token can create the session's instance." });
  if (auth.instanceName !== instance) throw err("FORBIDDEN", { message: "This token is scoped to another instance." });
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
      let view = await find(gateway, name);
      if (!view) {
        authorize(request, name, true);
        view = (await gateway.createInstance({ name, platform: PLATFORM })).instance;
      }
      view = await gateway.connect(name, { wait: "awaiting_login", timeoutMs: WWEBJS_WAIT_MS });
      return { ok: true, ...stateOf(view) };
    },

    async pairingCode(request) {
      const { phoneNumber } = request.body as Static<typeof PairingBody>;
      const digits = phoneNumber.replace(/^\+/, "");
      const view = await find(gateway, name);
      if (!view) throw err("NO_LOGIN_PENDING", { message: "No session yet: POST /api/auth/start first." });
      if (view.status.state === "awaiting_login") return { ok: true, code: (await gateway.requestPairingCode(name, digits)).code };
      if (view.hasCredentials || view.status.state === "connected") {
        throw err("INVALID_STATE", { message: "The session is linked already: POST /api/logout first.", details: { status: view.status.state } });
      }
      const after = await gateway.connect(name, { login: { method: "pairing_code", input: { phoneNumber: digits } }, wait: "awaiting_login", timeoutMs: WWEBJS_WAIT_MS });
      if (after.status.state === "awaiting_login" && after.status.code !== undefined) return { ok: true, code: after.status.code };
      throw err("PLATFORM_UNREACHABLE", { message: `No pairing code came (the session is ${after.status.state}).`, details: { status: after.status.state } });
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

async function register(app: FastifyInstance, deps: CompatDeps): Promise<void> {
  const name = deps.instance;
  if (!name) throw new Error("The wwebjs profile answers for one instance: give it with --compat-instance <name>.");
  const run = handlers(deps.gateway, name);
  await app.register(async (scope) => {
    answerErrorsAs(scope, (e) => ({ status: e.status, body: { ok: false, error: e.message } }));
    for (const route of WWEBJS_ROUTES) {
      scope.route({
        method: route.method,
        url: route.url,
        config: { access: "public", ...(route.verb === "qrPage" ? { browserToken: true } : {}), ...(route.verb === "start" ? { secretFields: ["qr"] } : {}) },
        schema: schemaOf(route),
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          if (route.verb !== "start") authorize(request, name);
          return run[route.verb](request, reply);
        },
      });
    }
  });
}

/** The single-session API of whatsapp-web.js REST servers (`--compat wwebjs --compat-instance <name>`). */
export const wwebjsProfile: CompatProfile = {
  name: "wwebjs",
  summary: "the single-session API of whatsapp-web.js REST servers (/api/auth/start, /api/state, /qr, /api/logout) for one bound instance",
  tag: TAG,
  register,
};
