import type { FastifyRequest } from "fastify";
import { TOKEN_HEADERS } from "./auth.js";
import type { GateStep } from "./gate.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Also accept the token where browsers can put it (`EventSource` and the browser `WebSocket`
     * cannot set headers): the `access_token` query parameter, or a WebSocket subprotocol
     * `switchboard.token.<token>` next to {@link WS_PROTOCOL}. Headers win when both are present.
     * Default false.
     */
    browserToken?: boolean;
  }
}

/** The WebSocket subprotocol of the event stream; the server selects it when offered. */
export const WS_PROTOCOL = "switchboard.v1";
/** Prefix of the subprotocol that carries a token: `switchboard.token.<token>`. */
export const WS_TOKEN_PROTOCOL_PREFIX = "switchboard.token.";
/** The query parameter that carries a token (RFC 6750 §2.3). */
export const TOKEN_QUERY_PARAM = "access_token";

/**
 * The first step of the request gate (before authentication; synchronous):
 * - on every request, the `access_token` query parameter is cut out of the URL Fastify and the
 *   logger see (`request.url`, `req.url` in log lines), so a token sent that way never reaches a log;
 * - on routes with `config.browserToken`, a token found in `access_token` or in a
 *   `switchboard.token.<token>` WebSocket subprotocol becomes the request's
 *   `Authorization: Bearer` header (which the logger redacts) unless the request already carries
 *   `Authorization` or one of the token headers (`token`, `apikey`, `x-api-key`); authentication then proceeds as usual.
 */
export const browserTokenStep: GateStep = (request) => {
  const fromQuery = scrubQueryToken(request);
  if (request.routeOptions.config?.browserToken && request.headers.authorization === undefined && !TOKEN_HEADERS.some((h) => request.headers[h] !== undefined)) {
    const token = fromQuery ?? protocolToken(request.headers["sec-websocket-protocol"]);
    if (token) request.headers.authorization = `Bearer ${token}`;
  }
};

/** Removes `access_token` from the raw URL; returns its (first, non-empty) value. */
function scrubQueryToken(request: FastifyRequest): string | undefined {
  const url = request.raw.url;
  if (url === undefined || !url.includes(`${TOKEN_QUERY_PARAM}=`)) return undefined;
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  let token: string | undefined;
  const kept = url
    .slice(q + 1)
    .split("&")
    .filter((pair) => {
      const eq = pair.indexOf("=");
      const key = eq < 0 ? pair : pair.slice(0, eq);
      if (safeDecode(key) !== TOKEN_QUERY_PARAM) return true;
      const value = eq < 0 ? "" : safeDecode(pair.slice(eq + 1));
      if (token === undefined && value) token = value;
      return false;
    });
  request.raw.url = url.slice(0, q) + (kept.length > 0 ? `?${kept.join("&")}` : "");
  const query = request.query as Record<string, unknown> | null;
  if (query && typeof query === "object") delete query[TOKEN_QUERY_PARAM];
  return token;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** The token of a `switchboard.token.<token>` entry of `Sec-WebSocket-Protocol`, if any. */
function protocolToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(",") : header;
  if (!value) return undefined;
  for (const p of value.split(",")) {
    const t = p.trim();
    if (t.startsWith(WS_TOKEN_PROTOCOL_PREFIX) && t.length > WS_TOKEN_PROTOCOL_PREFIX.length) return t.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}
