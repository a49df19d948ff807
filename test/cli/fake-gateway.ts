import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CliIo } from "../../src/cli/context.js";

/**
 * A tiny stand-in for the gateway that speaks the REST wire format (JSON bodies, the error
 * envelope), for the CLI's own client-side tests. It is NOT the gateway: routes answer whatever the
 * test scripts. The end-to-end test (`e2e.test.ts`) runs against the real one.
 */
export interface FakeRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none (or it was not JSON). */
  body: unknown;
  /** The body's bytes as received. */
  raw: Buffer;
}

export interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Delay before answering, ms. */
  delayMs?: number;
}

export type FakeHandler = (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeGateway {
  url: string;
  requests: FakeRequest[];
  /** Sets the answer of `METHOD /path` (query ignored). Unrouted requests get a 404 NOT_FOUND envelope. */
  on(method: string, path: string, handler: FakeHandler | FakeAnswer): void;
  close(): Promise<void>;
}

/** The REST error envelope. */
export function envelope(code: string, message: string, extra: { details?: Record<string, unknown>; retryAfterMs?: number } = {}) {
  return { error: { code, message, ...extra } };
}

export async function startFakeGateway(): Promise<FakeGateway> {
  const routes = new Map<string, FakeHandler>();
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const bytes = Buffer.concat(chunks);
        const raw = String(req.headers["content-type"] ?? "").includes("multipart/") ? "" : bytes.toString("utf8");
        const u = new URL(req.url ?? "/", "http://x");
        const fr: FakeRequest = {
          method: req.method ?? "GET",
          url: req.url ?? "/",
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          body: raw === "" ? undefined : (JSON.parse(raw) as unknown),
          raw: bytes,
        };
        requests.push(fr);
        const handler = routes.get(`${fr.method} ${fr.path}`);
        const answer: FakeAnswer = handler
          ? await handler(fr)
          : { status: 404, body: envelope("NOT_FOUND", "No such route or resource.", { details: { method: fr.method } }) };
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        const headers: Record<string, string> = { ...answer.headers };
        let payload: string | Buffer = "";
        if (Buffer.isBuffer(answer.body) || typeof answer.body === "string") {
          payload = answer.body;
        } else if (answer.body !== undefined) {
          payload = JSON.stringify(answer.body);
          headers["content-type"] ??= "application/json; charset=utf-8";
        }
        res.writeHead(answer.status ?? 200, headers);
        res.end(payload);
      })().catch((e: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, handler) {
      routes.set(`${method} ${path}`, typeof handler === "function" ? handler : () => handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A {@link CliIo} that records stdout and stderr; `answers` feed `prompt` in order. */
export function captureIo(opts: { stdinIsTTY?: boolean; stdoutIsTTY?: boolean; answers?: string[] } = {}) {
  const out: (string | Uint8Array)[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const answers = [...(opts.answers ?? [])];
  const io: CliIo = {
    out: (d) => void out.push(d),
    err: (t) => void err.push(t),
    stdinIsTTY: opts.stdinIsTTY ?? false,
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    prompt: async (q) => {
      prompts.push(q);
      return answers.shift() ?? "";
    },
  };
  return {
    io,
    prompts,
    stdout: () => out.map((d) => (typeof d === "string" ? d : Buffer.from(d).toString("utf8"))).join(""),
    stdoutBytes: () => Buffer.concat(out.map((d) => (typeof d === "string" ? Buffer.from(d) : Buffer.from(d)))),
    stderr: () => err.join(""),
  };
}
