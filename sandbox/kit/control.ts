/**
 * The control API router every sandbox uses: its routes under `/sandbox`, declared as data (method,
 * path, one line of documentation, a handler), `GET /sandbox` describing them, JSON bodies read with
 * a size limit, and the sandbox's own answer envelope (each platform's sandbox answers in the shape
 * its docs give: Telegram's `{ok, result}` / `{ok: false, error_code, description}`, WhatsApp's plain
 * JSON / `{error: {code, message}}`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** A refused control call: HTTP `status`, a stable `code`, a message for the developer. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ControlError";
  }
}

/** An answer with a status other than 200 (e.g. 201 Created). */
export class ControlAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** `new ControlAnswer(status, body)`. */
export function answer(status: number, body: unknown): ControlAnswer {
  return new ControlAnswer(status, body);
}

/** What a route handler gets. */
export interface ControlContext {
  req: IncomingMessage;
  /** The request path (decoded as given), e.g. `/sandbox/phones/phone-1/scan`. */
  path: string;
  query: URLSearchParams;
  /** `:name` parameters of a string path, percent-decoded. */
  params: Record<string, string>;
  /** The groups of a RegExp path (`match[1]`…), as matched (not decoded). */
  match: RegExpExecArray;
  /** The JSON object body, `{}` when empty. @throws {ControlError} 400 `bad_request`, 413 `body_too_large`. */
  body(): Promise<Record<string, unknown>>;
}

/** One control route. */
export interface ControlRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * A path under `/sandbox` with `:name` parameters (`/phones/:id/scan`), or a RegExp over the whole
   * request path (for families of paths, such as Telegram's `/sandbox[/test]/bots`).
   */
  path: string | RegExp;
  /** One line: `METHOD /sandbox/… {body} — what it does`. */
  doc: string;
  /** The result (answered with 200 through the envelope), or a {@link ControlAnswer}. Throws {@link ControlError}. */
  run(ctx: ControlContext): unknown;
}

/** How a sandbox shapes its answers. */
export interface ControlEnvelope {
  /** The body of a successful answer. */
  ok(result: unknown): unknown;
  /** The status and body of a failure: a {@link ControlError}, or anything a handler threw (`[500, …]`). */
  error(e: unknown): [status: number, body: unknown];
}

/** Options of {@link controlRouter}. */
export interface ControlRouterOptions {
  routes: readonly ControlRoute[];
  envelope: ControlEnvelope;
  /** What `GET /sandbox` answers besides the routes' docs (e.g. the sandbox's URLs); merged in. */
  describe?(): Record<string, unknown>;
  /** Largest JSON body, bytes. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** A compiled route. */
interface Compiled {
  route: ControlRoute;
  re: RegExp;
  names: string[];
}

function compile(route: ControlRoute): Compiled {
  if (route.path instanceof RegExp) return { route, re: route.path, names: [] };
  const names: string[] = [];
  const source = route.path
    .split("/")
    .map((seg) => {
      if (!seg.startsWith(":")) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(seg.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { route, re: new RegExp(`^/sandbox${source}$`), names };
}

/** Decodes a path parameter. @throws {ControlError} 400 `bad_request` for bad percent-encoding. */
export function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ControlError(400, "bad_request", `path parameter ${JSON.stringify(raw)} is not valid percent-encoding`);
  }
}

/**
 * Reads a JSON object body (`{}` when empty).
 * @throws {ControlError} 413 `body_too_large` over `maxBytes`; 400 `bad_request` when it is not a JSON object.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new ControlError(413, "body_too_large", `body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ControlError(400, "bad_request", "the body must be a JSON object");
}

/**
 * A request handler for paths under `/sandbox`: the first route whose path and method match runs;
 * a path that matches with another method is 405 `method_not_allowed`, any other 404 `not_found`;
 * `GET /sandbox` answers `{routes: [docs], …describe()}`. Never rejects.
 */
export function controlRouter(opts: ControlRouterOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const compiled = opts.routes.map(compile);
  const max = opts.maxBodyBytes ?? 64 * 1024;
  return async (req, res) => {
    let status = 200;
    let body: unknown;
    try {
      const url = new URL(req.url ?? "/", "http://sandbox");
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
      const method = req.method ?? "GET";
      if (path === "/sandbox" && method === "GET") {
        body = opts.envelope.ok({ ...opts.describe?.(), routes: opts.routes.map((r) => r.doc) });
      } else {
        let matchedPath = false;
        let hit: { c: Compiled; m: RegExpExecArray } | undefined;
        for (const c of compiled) {
          const m = c.re.exec(path);
          if (!m) continue;
          matchedPath = true;
          if (c.route.method === method) {
            hit = { c, m };
            break;
          }
        }
        if (!hit) {
          req.resume();
          if (matchedPath) throw new ControlError(405, "method_not_allowed", `method ${method} not allowed here`);
          throw new ControlError(404, "not_found", `no control route ${method} ${path}; GET /sandbox lists them`);
        }
        const params: Record<string, string> = {};
        hit.c.names.forEach((n, i) => (params[n] = decodeParam(hit.m[i + 1] as string)));
        let read: Promise<Record<string, unknown>> | undefined;
        const result = await hit.c.route.run({ req, path, query: url.searchParams, params, match: hit.m, body: () => (read ??= readJsonBody(req, max)) });
        if (result instanceof ControlAnswer) {
          status = result.status;
          body = opts.envelope.ok(result.body);
        } else {
          body = opts.envelope.ok(result);
        }
      }
    } catch (e) {
      [status, body] = opts.envelope.error(e);
    }
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
}
