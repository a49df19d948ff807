/**
 * Real stream clients for tests: an SSE reader over `node:http` and a WebSocket client (`ws`), both
 * collecting what they receive, plus a small test gateway (startServer over a temp dir with the
 * in-memory platform) that can be restarted on the same data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import WebSocket from "ws";
import type { EventEnvelope } from "../../../src/events/types.js";
import { startServer, type RunningServer, type ServeOptions } from "../../../src/server.js";
import { MemoryPlatform, memoryConnector } from "../../support/memory-connector.js";

/** One SSE frame as dispatched (`event` is "message" when absent). */
export interface SseFrame {
  id: string | undefined;
  event: string;
  data: string;
}

/** An open SSE response (or the refusal, when `status` is not 200). */
export interface SseClient {
  status: number;
  headers: IncomingMessage["headers"];
  /** Event frames (type `message`), parsed. */
  events: EventEnvelope[];
  /** Every frame, including `end`. */
  frames: SseFrame[];
  /** Raw text received (comments included). */
  raw: string;
  /** Resolves when the server ended the response (or it failed). */
  ended: Promise<void>;
  /** The body of a refusal (status ≠ 200). */
  body: string;
  close(): void;
  /** Stops reading from the socket (the server's writes back up). */
  pause(): void;
}

/** Opens `GET url` with `Accept: text/event-stream`. */
export function openSse(url: string, opts: { token?: string; lastEventId?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
  const headers: Record<string, string> = { accept: "text/event-stream", ...opts.headers };
  if (opts.token) headers["authorization"] = `Bearer ${opts.token}`;
  if (opts.lastEventId) headers["last-event-id"] = opts.lastEventId;
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    req = httpRequest(url, { headers }, (res) => {
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events: [],
        frames: [],
        raw: "",
        body: "",
        ended: new Promise((r) => {
          res.on("end", r);
          res.on("close", r);
          res.on("error", r);
        }),
        close: () => req?.destroy(),
        pause: () => res.pause(),
      };
      res.setEncoding("utf8");
      let buffer = "";
      let data: string[] = [];
      let event = "";
      let id: string | undefined;
      res.on("data", (chunk: string) => {
        client.raw += chunk;
        if (client.status !== 200) {
          client.body += chunk;
          return;
        }
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === "") {
            if (data.length > 0) {
              const frame = { id, event: event || "message", data: data.join("\n") };
              client.frames.push(frame);
              if (frame.event === "message") client.events.push(JSON.parse(frame.data) as EventEnvelope);
            }
            data = [];
            event = "";
            continue;
          }
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") data.push(value);
          else if (field === "event") event = value;
          else if (field === "id") id = value;
        }
      });
      resolve(client);
    });
    req.on("error", reject);
    req.end();
  });
}

/** An open WebSocket (or the refusal of the handshake). */
export interface WsClient {
  socket: WebSocket;
  /** HTTP status of a refused handshake; 101 when upgraded. */
  status: number;
  body: string;
  events: EventEnvelope[];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket to `url` (`http://` is turned into `ws://`). */
export function openWs(url: string, opts: { token?: string; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<WsClient> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers["authorization"] = `Bearer ${opts.token}`;
  const socket = new WebSocket(url.replace(/^http/, "ws"), opts.protocols ?? [], { headers });
  const client: WsClient = {
    socket,
    status: 0,
    body: "",
    events: [],
    closed: new Promise((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }))),
    close: () => socket.close(),
  };
  socket.on("message", (data: Buffer) => client.events.push(JSON.parse(data.toString()) as EventEnvelope));
  socket.on("error", () => {});
  return new Promise((resolve) => {
    socket.on("open", () => {
      client.status = 101;
      resolve(client);
    });
    socket.on("unexpected-response", (_req, res) => {
      client.status = res.statusCode ?? 0;
      res.setEncoding("utf8");
      res.on("data", (c: string) => (client.body += c));
      res.on("end", () => resolve(client));
    });
  });
}

/** The account token every {@link TestGateway} is started with. */
export const ACCOUNT_TOKEN = "sba_events-test-account-token-0123456789";

/** A real gateway (startServer) over a temp data dir with the in-memory platform; restartable. */
export interface TestGateway {
  server: RunningServer;
  platform: MemoryPlatform;
  url: string;
  /** Every log line written (JSON). */
  logs: string[];
  /** Creates an instance logged in by token (status `connected`); returns its token and platform account id. */
  connected(name: string): Promise<{ token: string; accountId: string }>;
  /** Stops the server (graceful) and starts a new one on the same data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function testGateway(extra: Partial<ServeOptions> = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), "sb-events-"));
  const platform = new MemoryPlatform();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const opts: ServeOptions = {
    dataDir: dir,
    port: 0,
    secret: "events-test-secret",
    accountToken: ACCOUNT_TOKEN,
    logLevel: "debug",
    logDestination: destination,
    rateLimitPerMinute: 100_000,
    connectors: [memoryConnector(platform)],
    gateway: { policy: { baseMs: 20, capMs: 100, debounceMs: 0 }, timeouts: { platformCallMs: 500, closeMs: 500, shutdownMs: 2_000 } },
    ...extra,
  };
  let server: RunningServer | null = await startServer(opts);
  let bots = 0;
  const g: TestGateway = {
    get server() {
      if (!server) throw new Error("stopped");
      return server;
    },
    platform,
    get url() {
      return g.server.url;
    },
    logs,
    async connected(name) {
      const { token } = await g.server.gateway.createInstance({ name, platform: "memory" });
      const botToken = `bot-${name}-${++bots}`;
      const accountId = platform.addTokenAccount(botToken, name);
      await g.server.gateway.connect(name, { login: { method: "token", input: { token: botToken } }, wait: "connected", timeoutMs: 5_000 });
      return { token, accountId };
    },
    async stop() {
      await server?.close();
      server = null;
    },
    async start() {
      server = await startServer(opts);
    },
    async restart() {
      await g.stop();
      await g.start();
    },
    async dispose() {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return g;
}

/** GET JSON with a token. */
export async function getJson(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}
