import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { err } from "../../core/errors.js";
import type { SandboxInfo } from "../../sandbox-mode/index.js";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * Longest a proxied request may take, ms. Some control calls wait on purpose: a WhatsApp scan until
 * the client signed (≤ 10 s), a contact's message until every device answered (≤ 10 s each), a
 * Telegram `sent?wait=ms`.
 */
export const SANDBOX_PROXY_TIMEOUT_MS = 65_000;

/** What the proxy needs in sandbox mode; `null` when sandbox mode is off. */
export interface SandboxProxyDeps {
  /** Base URL of each sandbox by name. */
  targets: Readonly<Record<string, string>>;
  info: SandboxInfo;
  /** Default {@link SANDBOX_PROXY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * The sandboxes' control APIs through the gateway, so a browser on the gateway's origin can play the
 * phones and users (account token; not rate-limit exempt; not in the OpenAPI document):
 *
 * - `GET /sandbox` → `{items: SandboxView[]}`: every sandbox with its name, platform, URLs, the
 *   gateway path of its control API (`proxy`) and its dashboard panel (data);
 * - `GET|POST|PUT|PATCH|DELETE /sandbox/<name>[/<path>][?query]` → that sandbox's
 *   `/sandbox[/<path>][?query]`, for every running sandbox (`/sandbox/telegram/…`,
 *   `/sandbox/whatsapp-web/…`). The JSON body is forwarded (nothing else of the request: no token, no
 *   other header); the answer is the sandbox's status, `content-type` and body, unchanged (each
 *   sandbox has its own error shape, see its docs). A path that would leave the sandbox's `/sandbox`
 *   tree (`..`) is 404 `NOT_FOUND`; an unknown sandbox name is 404 `NOT_FOUND`.
 * - Sandbox unreachable: 502 `PLATFORM_UNREACHABLE`; no answer within the timeout: 504 `TIMEOUT`
 *   (`details.sandbox` names it), in the gateway's envelope.
 *
 * With `deps` null (sandbox mode off) the same paths answer 404 `NOT_FOUND` to anyone, exactly like
 * an unknown route (registered anyway, so that a catch-all route such as a dashboard's cannot answer
 * them instead).
 */
export function sandboxProxyRoutes(app: FastifyInstance, deps: SandboxProxyDeps | null): void {
  const off = async (): Promise<never> => {
    throw err("NOT_FOUND");
  };
  const hidden = { hide: true } as const;
  const config = { access: deps ? ("account" as const) : ("public" as const) };
  app.get("/sandbox", { config, schema: hidden }, deps ? async () => ({ items: Object.values(deps.info) }) : off);
  const handler = deps
    ? (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => forward(request.params.name, deps, request, reply)
    : off;
  for (const url of ["/sandbox/:name", "/sandbox/:name/*"]) app.route({ method: [...METHODS], url, config, schema: hidden, handler });
}

async function forward(name: string, deps: SandboxProxyDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const base = Object.hasOwn(deps.targets, name) ? deps.targets[name] : undefined;
  if (base === undefined) throw err("NOT_FOUND", { message: `No sandbox is named '${name}'.`, details: { sandbox: name } });
  // request.url has the `access_token` query parameter cut out already (browser-token.ts).
  // What follows the name's segment, however the client encoded the name.
  const afterPrefix = request.url.slice("/sandbox/".length);
  const end = afterPrefix.search(/[/?]/);
  const rest = end < 0 ? "" : afterPrefix.slice(end);
  const target = new URL(`/sandbox${rest}`, base);
  if (target.pathname !== "/sandbox" && !target.pathname.startsWith("/sandbox/")) throw err("NOT_FOUND");
  const hasBody = request.body !== undefined && request.method !== "GET";
  let res: Response;
  let text: string;
  try {
    res = await fetch(target, {
      method: request.method,
      headers: hasBody ? { "content-type": "application/json", accept: "application/json" } : { accept: "application/json" },
      ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(deps.timeoutMs ?? SANDBOX_PROXY_TIMEOUT_MS),
    });
    text = await res.text();
  } catch (e) {
    const timedOut = (e as Error).name === "TimeoutError";
    throw timedOut
      ? err("TIMEOUT", { message: `The ${name} sandbox did not answer in time.`, details: { sandbox: name } })
      : err("PLATFORM_UNREACHABLE", { message: `The ${name} sandbox could not be reached.`, details: { sandbox: name } });
  }
  // Served on the gateway's origin: never sniffed or rendered as a page.
  return reply
    .code(res.status)
    .type(res.headers.get("content-type") ?? "application/json; charset=utf-8")
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; frame-ancestors 'none'")
    .send(text);
}
