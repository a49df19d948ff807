import type { FastifyInstance, FastifyRequest } from "fastify";
import type { GateStep } from "./gate.js";
import type { GatewayApi } from "../core/api.js";
import { err } from "../core/errors.js";
import type { Access, AuthContext } from "./types.js";

/** Tokens longer than this are rejected without a lookup (no real token is this long). */
const MAX_TOKEN_LENGTH = 512;

/**
 * The headers that carry a token as their whole value, in the order they are read: `token` (ours,
 * RyzeAPI's), `apikey` (Evolution API's) and `x-api-key` (WAHA's), so that a client written for
 * those gateways authenticates unchanged. Lower case, as Node presents header names.
 */
export const TOKEN_HEADERS: readonly string[] = ["token", "apikey", "x-api-key"];

/**
 * The token presented by a request: `Authorization: Bearer <token>` (scheme case-insensitive), else
 * the first of {@link TOKEN_HEADERS} with a non-empty value. Returns undefined when none carries
 * one. The value is never logged (the logger redacts every one of these headers).
 */
export function presentedToken(request: FastifyRequest): string | undefined {
  const authz = request.headers.authorization;
  if (typeof authz === "string") {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authz);
    if (m?.[1]) return m[1];
  }
  for (const name of TOKEN_HEADERS) {
    const header = request.headers[name];
    const value = Array.isArray(header) ? header[0] : header;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}


/**
 * Resolves a token string to the caller, or null when it is unknown (or its instance is gone).
 * Never throws for bad input; rejects only when the gateway fails.
 */
export async function resolveCaller(gateway: GatewayApi, token: string): Promise<AuthContext | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const record = await gateway.authenticate(token);
  if (!record) return null;
  if (record.scope === "account") return { record, instanceName: null };
  const instanceName = record.instanceId === null ? undefined : await gateway.instanceNameOf(record.instanceId);
  if (instanceName === undefined) return null;
  return { record, instanceName };
}

/** The route's access level (see {@link Access}); unknown routes and plugin routes are `public`. */
export function accessOf(request: FastifyRequest): Access {
  return request.routeOptions.config?.access ?? "public";
}

/** True for routes exempt from auth resolution and rate limiting (`/health`, `/ready`). */
export function isExempt(request: FastifyRequest): boolean {
  return request.routeOptions.config?.rateLimit === false;
}

/**
 * The `request.auth` resolution step of the request gate (see `installGate`; declares
 * `request.auth`). Runs for every request except the exempt probes; a presented token is resolved
 * even on public routes so that the rate limiter keys on it. Synchronous for a token the gateway
 * has cached (nearly every request). Does not reject anything: see {@link authorizationStep}.
 */
export function authenticationStep(app: FastifyInstance, gateway: GatewayApi): GateStep {
  app.decorateRequest("auth", null);
  return (request) => {
    if (isExempt(request)) return;
    const token = presentedToken(request);
    if (token === undefined) {
      request.auth = null;
      return;
    }
    const cached = cachedCaller(gateway, token);
    if (cached !== undefined) {
      request.auth = cached;
      return;
    }
    return resolveCaller(gateway, token).then((caller) => {
      request.auth = caller;
    });
  };
}

/**
 * {@link resolveCaller} answered from the gateway's token cache without waiting: the caller, null
 * (known to be invalid), or undefined when the cache cannot tell (then ask {@link resolveCaller}).
 */
function cachedCaller(gateway: GatewayApi, token: string): AuthContext | null | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const record = gateway.cachedToken(token);
  if (record === undefined) return undefined;
  if (record.scope === "account") return { record, instanceName: null };
  const instanceName = record.instanceId === null ? undefined : gateway.cachedInstanceName(record.instanceId);
  return instanceName === undefined ? undefined : { record, instanceName };
}

/**
 * The step of the request gate that enforces the route's {@link Access} (after authentication and
 * rate limiting; synchronous):
 * - `public`: anyone;
 * - no valid token: 401 `UNAUTHENTICATED`;
 * - `account`: instance tokens get 403 `FORBIDDEN`;
 * - `instance`: an instance token must name its own instance in `:name`, else 403 `FORBIDDEN`
 *   (also when that other instance does not exist: names do not leak to instance tokens);
 * - `token`: any valid token (handlers filter what an instance token sees).
 */
export const authorizationStep: GateStep = (request) => authorize(request);

function authorize(request: FastifyRequest): void {
  const access = accessOf(request);
  if (access === "public") return;
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  if (auth.record.scope === "account" || access === "token") return;
  if (access === "account") throw err("FORBIDDEN", { message: "This route needs the account token." });
  const name = (request.params as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string" || name !== auth.instanceName) {
    throw err("FORBIDDEN", { message: "This token is scoped to another instance." });
  }
}
