/**
 * The HTTP side: routing `/bot<token>/<method>` and `/bot<token>/test/<method>` (tdlib/telegram-bot-api
 * `HttpConnection::handle`), reading parameters (params.ts), and the Bot API envelope — `{ok: true,
 * result, description?}` or `{ok: false, error_code, description, parameters?}` with the HTTP status
 * equal to error_code and `Retry-After` on 429 (`HttpConnection::send_response`). `/sandbox…` is the
 * control API (control.ts, on the kit's router), which also takes the kit's HTTP fault rules
 * (`/sandbox/faults`: the Bot API unreachable, failing with a status, or slow).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Faults } from "../kit/faults.js";
import { startSandboxServer } from "../kit/http.js";
import { type Control, controlHandler } from "./control.js";
import type { TelegramEngine } from "./engine.js";
import { ApiError, apiError } from "./errors.js";
import { dispatch } from "./methods/index.js";
import { BodyError, parseParams } from "./params.js";

/** Largest request body read (the cloud accepts uploads of up to 50 MB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface HttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, retryAfter?: number): void {
  if (res.writableEnded || res.destroyed) return;
  const json = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  };
  if (retryAfter !== undefined && retryAfter > 0) headers["retry-after"] = retryAfter;
  res.writeHead(status, headers);
  res.end(json);
}

function sendError(res: ServerResponse, e: ApiError): void {
  const body: Record<string, unknown> = { ok: false, error_code: e.code, description: e.description };
  if (e.parameters && Object.keys(e.parameters).length > 0) body.parameters = e.parameters;
  send(res, e.code, body, e.code === 429 ? e.parameters?.retry_after : undefined);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `Request Entity Too Large: content length is ${size}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** URL-decodes the path like td's urldecode (no '+' → ' ', bad escapes kept). */
function decodePath(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** `/bot<token>[/test]/<method>` → parts, or null for "Not Found". */
export function parseBotPath(path: string): { token: string; test: boolean; method: string } | null {
  if (!path.startsWith("/bot")) return null;
  const rest = path.slice(4);
  const slash = rest.indexOf("/");
  if (slash < 0) return null;
  const token = rest.slice(0, slash);
  let tail = rest.slice(slash);
  let test = false;
  if (tail.startsWith("/test")) {
    test = true;
    tail = tail.slice(5);
  }
  if (!tail.startsWith("/")) return null;
  return { token, test, method: tail.slice(1) };
}

async function handleApi(engine: TelegramEngine, req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
  if (req.method !== "GET" && req.method !== "POST") {
    sendError(res, apiError("notImplemented"));
    return;
  }
  const route = parseBotPath(path);
  if (!route) {
    req.resume();
    sendError(res, apiError("notFound"));
    return;
  }
  const body = await readBody(req);
  const params = parseParams(search, req.headers["content-type"], body);
  const method = route.method !== "" ? route.method : params.arg("method");
  const aborters: Array<() => void> = [];
  res.on("close", () => {
    if (!res.writableEnded) for (const fn of aborters) fn();
  });
  const answer = await dispatch(engine, engine.world(route.test), route.token, method, params, (fn) => aborters.push(fn));
  const out: Record<string, unknown> = { ok: true, result: answer.result };
  if (answer.description !== undefined) out.description = answer.description;
  send(res, 200, out);
}

/**
 * `GET /file/bot<token>[/test]/<file_path>`: the bytes of a file the bot has (Bot API docs, getFile:
 * "https://api.telegram.org/file/bot<token>/<file_path>"); anything else is 404 "Not Found". A file
 * the bot sent by URL has no bytes here: 404 saying that the sandbox does not fetch URLs.
 */
async function handleFileDownload(engine: TelegramEngine, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  req.resume();
  const rest = path.slice("/file/bot".length);
  const slash = rest.indexOf("/");
  const token = slash < 0 ? "" : rest.slice(0, slash);
  let filePath = slash < 0 ? "" : rest.slice(slash + 1);
  let test = false;
  if (filePath.startsWith("test/")) {
    test = true;
    filePath = filePath.slice(5);
  }
  const bot = req.method === "GET" || req.method === "HEAD" ? engine.world(test).botByToken(token) : undefined;
  const file = bot?.session === "active" ? engine.files.atPath(filePath, bot.id) : undefined;
  if (!file) return sendError(res, apiError("notFound"));
  if (!file.data) return sendError(res, new ApiError(404, `Not Found: ${file.url ?? "this file"} was sent by URL, and the sandbox does not fetch URLs`));
  res.writeHead(200, { "content-type": file.mime_type ?? "application/octet-stream", "content-length": file.data.length });
  res.end(req.method === "HEAD" ? undefined : file.data);
}

/**
 * Starts the sandbox's HTTP server (the kit's, with its HTTP fault rules on the Bot API): the Bot API
 * under `/bot…`, the control API under `/sandbox`.
 */
export async function startHttpServer(
  engine: TelegramEngine,
  control: Control,
  options: { host: string; port: number; log?: (line: string) => void },
): Promise<HttpServer> {
  let apiRoot = "";
  const faults = new Faults();
  const handleControl = controlHandler(control, () => apiRoot, faults);
  const running = await startSandboxServer({
    host: options.host,
    port: options.port,
    faults,
    onRequest: (req, res) => {
      const raw = req.url ?? "/";
      const q = raw.indexOf("?");
      const path = decodePath(q < 0 ? raw : raw.slice(0, q));
      const search = q < 0 ? "" : raw.slice(q + 1);
      const work =
        path === "/sandbox" || path.startsWith("/sandbox/")
          ? handleControl(req, res)
          : path.startsWith("/file/bot")
            ? handleFileDownload(engine, req, res, path)
            : handleApi(engine, req, res, path, search);
      work.catch((e: unknown) => {
        if (e instanceof ApiError) return sendError(res, e);
        if (e instanceof BodyError) return sendError(res, new ApiError(400, e.message));
        options.log?.(`sandbox/telegram: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        sendError(res, new ApiError(500, "Internal Server Error"));
      });
    },
  });
  apiRoot = running.url;
  return {
    server: running.server,
    url: apiRoot,
    close: async () => {
      faults.close();
      await running.close();
    },
  };
}
