/**
 * The HTTP control API (JSON), under /sandbox on the same port as the WebSocket endpoint:
 *
 *   POST /sandbox/phones               {number?, platform?}  → 201 PhoneInfo
 *   GET  /sandbox/phones                          → 200 {phones: PhoneInfo[]} (in creation order)
 *   GET  /sandbox/phones/:id                      → 200 PhoneInfo (with its linked devices)
 *   POST /sandbox/phones/:id/scan      {qr}       → 200 {jid, lid} once the client is linked
 *
 * Errors: `{error: {code, message}}` with the status of the {@link SandboxError} (400 bad JSON or
 * a path parameter that is not valid percent-encoding is `bad_request`, unknown routes 404 `not_found`).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { type CreatePhoneInput, SandboxError, type SandboxState } from "./state.js";
import { messageRoutes } from "./control/messages.js";
import { pairingCodeRoutes } from "./control/pairing-code.js";
import { faultRoutes } from "./control/faults.js";
import { deviceRoutes } from "./control/devices.js";
import { param } from "./control/param.js";

const MAX_BODY = 64 * 1024;

/** One control request as a route module sees it. */
export interface ControlRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The URL path without trailing slashes, e.g. "/sandbox/phones/phone-1/scan". */
  path: string;
  /** The JSON object body ({} when empty). SandboxError 400 `bad_request`, 413 `body_too_large`. */
  body(): Promise<Record<string, unknown>>;
}

/**
 * The routes of one area (`control/<area>.ts`): `[status, body]` for a request it serves, undefined
 * for any other; errors are thrown as {@link SandboxError}.
 */
export type ControlRoutes = (state: SandboxState, req: ControlRequest) => Promise<[number, unknown] | undefined> | [number, unknown] | undefined;

/** The registered route modules, checked in order before the built-in routes. One line per area. */
const CONTROL_ROUTES: ControlRoutes[] = [
  faultRoutes,
  messageRoutes,
  pairingCodeRoutes,
  deviceRoutes,
];

export function controlHandler(state: SandboxState): RequestListener {
  return (req, res) => {
    void route(state, req)
      .then(([status, body]) => send(res, status, body))
      .catch((error: unknown) => {
        const e = error instanceof SandboxError ? error : new SandboxError(500, "internal", (error as Error).message);
        if (res.headersSent) res.destroy();
        else send(res, e.status, { error: { code: e.code, message: e.message } });
      });
  };
}

async function route(state: SandboxState, req: IncomingMessage): Promise<[number, unknown]> {
  const path = new URL(req.url ?? "/", "http://sandbox").pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";
  let body: Promise<Record<string, unknown>> | undefined;
  const request: ControlRequest = { method, path, body: () => (body ??= readJson(req)) };
  for (const routes of CONTROL_ROUTES) {
    const answer = await routes(state, request);
    if (answer) return answer;
  }
  if (path === "/sandbox/phones" && method === "POST") {
    const body = await readJson(req);
    return [201, state.createPhone(body as CreatePhoneInput)];
  }
  if (path === "/sandbox/phones" && method === "GET") return [200, { phones: state.listPhones() }];
  const m = /^\/sandbox\/phones\/([^/]+)(\/scan)?$/.exec(path);
  if (m && !m[2] && method === "GET") return [200, state.phone(param(m[1]!)).info()];
  if (m && m[2] && method === "POST") {
    const body = await readJson(req);
    if (typeof body.qr !== "string") throw new SandboxError(400, "bad_request", "body.qr must be the QR string");
    return [200, await state.scan(param(m[1]!), body.qr)];
  }
  throw new SandboxError(404, "not_found", `no route ${method} ${path}`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new SandboxError(413, "body_too_large", `body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SandboxError(400, "bad_request", "the body must be a JSON object");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
