import { Api, GrammyError } from "grammy";
import type { OutboundNet } from "../../core/connector.js";
import type { TelegramConfig } from "./config.js";

/**
 * One grammY {@link Api} per purpose, built from an instance's config. grammY never prints the token
 * (`sensitiveLogs: false`), but its errors may still carry request URLs in `cause`: callers turn
 * every failure into a {@link BotApiFailure} and build their own secret-free messages from it.
 * Requests to a caller-supplied `apiRoot` go through the gateway's SSRF guard (`net.agentFor`, on
 * every connection, redirects included); a refused connection is a `network` failure.
 * @param timeoutSeconds grammY's per-call timeout, s.
 */
export function botApi(token: string, config: Pick<TelegramConfig, "apiRoot" | "environment">, net: OutboundNet, timeoutSeconds = 30): Api {
  const agent = net.agentFor(config.apiRoot);
  return new Api(token, {
    apiRoot: config.apiRoot,
    environment: config.environment === "test" ? "test" : "prod",
    timeoutSeconds,
    sensitiveLogs: false,
    ...(agent ? { baseFetchConfig: { agent, compress: true } } : {}),
  });
}

/** A Bot API failure, classified. `description` is the Bot API's own text (secret-free). */
export type BotApiFailure =
  | { kind: "unauthorized"; status: 401; description: string }
  | { kind: "not_found"; status: 404; description: string }
  | { kind: "bad_request"; status: 400; description: string }
  | { kind: "forbidden"; status: 403; description: string }
  | { kind: "conflict"; status: 409; description: string }
  | { kind: "rate_limited"; status: 429; description: string; retryAfterMs: number }
  | { kind: "server"; status: number; description: string }
  | { kind: "network" };

/**
 * Classifies anything a grammY call throws. Only a 401 means the token is dead; a 404 ("Not Found")
 * is a token the server cannot parse or an `apiRoot` that is not a Bot API server.
 */
export function classify(e: unknown, token?: string): BotApiFailure {
  if (e instanceof GrammyError) {
    const description = scrub(e.description, token);
    const code = e.error_code;
    if (code === 401) return { kind: "unauthorized", status: 401, description };
    if (code === 404) return { kind: "not_found", status: 404, description };
    if (code === 400) return { kind: "bad_request", status: 400, description };
    if (code === 403) return { kind: "forbidden", status: 403, description };
    if (code === 409) return { kind: "conflict", status: 409, description };
    if (code === 429) {
      const s = e.parameters.retry_after;
      return { kind: "rate_limited", status: 429, description, retryAfterMs: (typeof s === "number" && s > 0 ? s : 1) * 1000 };
    }
    return { kind: "server", status: code, description };
  }
  // grammY's HttpError (fetch failed, timed out, aborted, unreadable answer) and anything else.
  return { kind: "network" };
}

/** A short, secret-free description of a failure for status messages. */
export function describe(f: BotApiFailure): string {
  return f.kind === "network" ? "network error" : `${f.status} ${f.description}`;
}

/** Removes the token from a text, should a server ever echo it. */
export function scrub(text: string, token?: string): string {
  if (!token) return text;
  return text.split(token).join("<token>");
}

/** grammY (on Node) types its `signal` parameters with the `abort-controller` polyfill; a native signal works the same. */
export type ApiSignal = Parameters<Api["getMe"]>[0];

/** A native AbortSignal, typed for grammY's `signal` parameters. */
export function apiSignal(signal: AbortSignal): ApiSignal {
  return signal as unknown as ApiSignal;
}
