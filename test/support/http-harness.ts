import { Writable } from "node:stream";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { GatewayOptions } from "../../src/core/gateway.js";
import { issueToken } from "../../src/core/tokens.js";
import { EventFeed } from "../../src/events/feed.js";
import { createWebhooks, type Webhooks, type WebhookOptions } from "../../src/events/webhooks/index.js";
import { buildHttpApp, type HttpDeps } from "../../src/http/app.js";
import { createLogger } from "../../src/observability/logger.js";
import { Vault } from "../../src/vault/vault.js";
import { harness, TEST_KEY, type Harness } from "./gateway-harness.js";
import type { MemoryPlatform } from "./memory-connector.js";

/** A request as tests write it: `token` becomes `Authorization: Bearer <token>`; `body` is sent as JSON. */
export interface Req {
  method?: "GET" | "POST" | "DELETE" | "PUT" | "PATCH" | "HEAD" | "OPTIONS";
  url: string;
  token?: string;
  /** Send the token in the `token` header instead of `Authorization`. */
  tokenHeader?: boolean | "token" | "apikey" | "x-api-key";
  headers?: Record<string, string>;
  /** JSON body (serialised with `content-type: application/json`). */
  body?: unknown;
  /** Raw body, sent as is (set `content-type` in `headers`). */
  payload?: string | Buffer;
}

/**
 * The REST app over a real {@link Gateway} (SQLite store in a temp dir, in-memory platform, see
 * `gateway-harness.ts`), driven with `app.inject` (no socket).
 */
export interface HttpHarness {
  core: Harness;
  platform: MemoryPlatform;
  app: FastifyInstance;
  /** A plain account token. */
  accountToken: string;
  /** Every log line the app wrote (JSON strings). */
  logs: string[];
  /** The webhooks API and its (not started) dispatcher. */
  webhooks: Webhooks;
  request(req: Req): Promise<LightMyRequestResponse>;
  /** Creates an instance through the gateway; returns its instance token. */
  createInstance(name: string, opts?: { start?: boolean }): Promise<string>;
  /** Creates an instance and starts a QR login (status `awaiting_login` with a QR). Returns its token. */
  instanceAwaitingQr(name: string): Promise<string>;
  /** Creates an instance logged in by token login (status `connected`, credentials stored). Returns its token. */
  connectedInstance(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export interface HttpHarnessOptions {
  rateLimit?: HttpDeps["rateLimit"];
  ready?: HttpDeps["ready"];
  bodyLimit?: number;
  gateway?: Partial<GatewayOptions>;
  /** Compat profiles to serve (default none). */
  compat?: HttpDeps["compat"];
  /** Webhook options (default: loopback allowed). The dispatcher is not started: nothing is delivered. */
  webhooks?: Partial<WebhookOptions>;
}

/** Builds a gateway and its REST app. Call `dispose()` after the test. */
export async function httpHarness(opts: HttpHarnessOptions = {}): Promise<HttpHarness> {
  const core = await harness(opts.gateway ?? {});
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  const { token: accountToken } = await issueToken(core.store.tokens, {
    scope: "account",
    instanceId: null,
    label: "test",
    now: Date.now(),
  });
  const deps: HttpDeps = {
    gateway: core.gateway,
    idempotency: core.store.idempotency,
    metrics: core.gateway.metrics,
    logger,
    version: "0.0.0-test",
    rateLimit: opts.rateLimit ?? { points: 100_000, durationMs: 60_000 },
  };
  const events = new EventFeed({ store: core.store, bus: core.gateway.bus });
  await events.start();
  deps.events = events;
  const webhooks = createWebhooks({ store: core.store, vault: new Vault(TEST_KEY), bus: core.gateway.bus, logger, options: { allowPrivateAddresses: true, ...opts.webhooks } });
  deps.webhooks = webhooks.api;
  if (opts.ready) deps.ready = opts.ready;
  if (opts.bodyLimit !== undefined) deps.bodyLimit = opts.bodyLimit;
  if (opts.compat) deps.compat = opts.compat;
  const app = await buildHttpApp(deps);
  await app.ready();
  let bots = 0;

  const h: HttpHarness = {
    core,
    platform: core.platform,
    app,
    accountToken,
    logs,
    webhooks,
    request(req) {
      const headers: Record<string, string> = { ...req.headers };
      if (req.token !== undefined) {
        if (req.tokenHeader) headers[req.tokenHeader === true ? "token" : req.tokenHeader] = req.token;
        else headers["authorization"] = `Bearer ${req.token}`;
      }
      let payload: string | Buffer | undefined = req.payload;
      if (req.body !== undefined) {
        payload = JSON.stringify(req.body);
        headers["content-type"] ??= "application/json";
      }
      return app.inject({ method: req.method ?? "GET", url: req.url, headers, ...(payload !== undefined && { payload }) });
    },
    async createInstance(name, o = {}) {
      const { token } = await core.gateway.createInstance({ name, platform: "memory", ...(o.start && { start: true }) });
      return token;
    },
    async instanceAwaitingQr(name) {
      const token = await h.createInstance(name);
      await core.gateway.connect(name, { wait: "awaiting_login", timeoutMs: 5_000 });
      return token;
    },
    async connectedInstance(name) {
      const token = await h.createInstance(name);
      const botToken = `bot-${name}-${++bots}`;
      core.platform.addTokenAccount(botToken, name);
      await core.gateway.connect(name, { login: { method: "token", input: { token: botToken } }, wait: "connected", timeoutMs: 5_000 });
      return token;
    },
    async dispose() {
      await app.close();
      await events.close();
      await webhooks.stop();
      await core.dispose();
    },
  };
  return h;
}

/** Parses a JSON error envelope and returns `error.code` (undefined when the body is not an envelope). */
export function errorCode(res: LightMyRequestResponse): string | undefined {
  try {
    const body = res.json() as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === "string" && typeof body.error.message === "string" ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

/** Who calls: the five token situations of the scope matrix. */
export type Caller = "account" | "own" | "other" | "none" | "garbage";

/**
 * Every route of REST API v1 (method and Fastify URL pattern) with what it needs, shared by the scope
 * matrix and the OpenAPI test so neither can forget a route.
 * - `setup`: the state of the `:name` instance before the call;
 * - `allowed`: the callers that pass auth, with the status they get on valid input;
 * - `body`/`query`: valid input (a function of the row's names).
 */
export interface RouteCase {
  method: "GET" | "POST" | "DELETE" | "PATCH";
  pattern: string;
  setup: "stopped" | "qr" | "connected";
  body?: (ctx: { name: string; unique: string; tokenId: string }) => unknown;
  query?: string;
  /** Status per caller; callers not listed get the default for the route's access. */
  expect: Record<Caller, number>;
  /** Documented in OpenAPI (false for the docs UI). */
  inOpenApi?: boolean;
}

const ANY_TOKEN = { account: 200, own: 200, other: 200, none: 401, garbage: 401 };
const INSTANCE = { account: 200, own: 200, other: 403, none: 401, garbage: 401 };
const ACCOUNT = (ok: number) => ({ account: ok, own: 403, other: 403, none: 401, garbage: 401 });
const NO_SUCH_WEBHOOK = { account: 404, own: 404, other: 404, none: 401, garbage: 401 };
const PUBLIC = { account: 200, own: 200, other: 200, none: 200, garbage: 200 };

export const ROUTES: readonly RouteCase[] = [
  { method: "POST", pattern: "/v1/instances", setup: "stopped", body: ({ unique }) => ({ name: unique, platform: "memory" }), expect: ACCOUNT(201) },
  { method: "GET", pattern: "/v1/instances", setup: "stopped", query: "?limit=10", expect: ANY_TOKEN },
  { method: "GET", pattern: "/v1/instances/:name", setup: "stopped", expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/connect", setup: "stopped", body: () => ({ wait: "awaiting_login", timeoutMs: 5000 }), expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/close", setup: "qr", expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/restart", setup: "qr", body: () => ({}), expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/logout", setup: "connected", body: () => ({}), expect: INSTANCE },
  { method: "DELETE", pattern: "/v1/instances/:name", setup: "stopped", expect: ACCOUNT(200) },
  { method: "GET", pattern: "/v1/instances/:name/qr", setup: "qr", expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/pairing-code", setup: "qr", body: () => ({ phoneNumber: "4915123456789" }), expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/actions/:action", setup: "stopped", body: () => ({ n: 1 }), expect: INSTANCE },
  { method: "POST", pattern: "/v1/instances/:name/messages", setup: "connected", body: () => ({ threadId: "t1", body: "hello" }), expect: INSTANCE },
  // The memory platform has no edit or delete: the callers allowed get 422 NOT_SUPPORTED.
  { method: "PATCH", pattern: "/v1/instances/:name/messages/:messageId", setup: "connected", body: () => ({ threadId: "t1", text: "new" }), expect: { ...INSTANCE, account: 422, own: 422 } },
  { method: "DELETE", pattern: "/v1/instances/:name/messages/:messageId", setup: "connected", query: "?threadId=t1", expect: { ...INSTANCE, account: 422, own: 422 } },
  // The memory platform cannot fetch received media: 422 for the callers allowed.
  { method: "GET", pattern: "/v1/instances/:name/media/:mediaId", setup: "connected", expect: { ...INSTANCE, account: 422, own: 422 } },
  // A JSON body where a multipart upload is expected: 415 for the callers allowed.
  { method: "POST", pattern: "/v1/instances/:name/media", setup: "connected", body: () => ({}), expect: { ...INSTANCE, account: 415, own: 415 } },
  { method: "GET", pattern: "/v1/platforms", setup: "stopped", expect: ANY_TOKEN },
  { method: "GET", pattern: "/v1/tokens", setup: "stopped", expect: ACCOUNT(200) },
  { method: "POST", pattern: "/v1/tokens", setup: "stopped", body: ({ name }) => ({ scope: "instance", instance: name, label: "matrix" }), expect: ACCOUNT(201) },
  { method: "DELETE", pattern: "/v1/tokens/:id", setup: "stopped", expect: ACCOUNT(200) },
  { method: "GET", pattern: "/metrics", setup: "stopped", expect: ACCOUNT(200) },
  { method: "GET", pattern: "/v1/instances/:name/events", setup: "stopped", query: "?limit=10", expect: INSTANCE },
  { method: "GET", pattern: "/v1/events", setup: "stopped", query: "?limit=10", expect: ACCOUNT(200) },
  // Neither a WebSocket upgrade nor `Accept: text/event-stream`: 406 once authenticated (the streams are tested in test/events/stream).
  { method: "GET", pattern: "/v1/events/stream", setup: "stopped", expect: { account: 406, own: 406, other: 406, none: 401, garbage: 401 } },
  { method: "POST", pattern: "/v1/webhooks", setup: "stopped", body: ({ name }) => ({ url: "http://127.0.0.1:9/hook", instance: name }), expect: { account: 201, own: 201, other: 403, none: 401, garbage: 401 } },
  { method: "GET", pattern: "/v1/webhooks", setup: "stopped", expect: ANY_TOKEN },
  // `:id` is filled with a token id, which no subscription has (access is checked per subscription in test/events/webhooks/api.test.ts).
  ...(["GET", "PATCH", "DELETE"] as const).map((method) => ({ method, pattern: "/v1/webhooks/:id", setup: "stopped" as const, body: method === "PATCH" ? () => ({ description: "x" }) : undefined, expect: NO_SUCH_WEBHOOK })),
  { method: "POST", pattern: "/v1/webhooks/:id/rotate-secret", setup: "stopped", body: () => ({}), expect: NO_SUCH_WEBHOOK },
  { method: "GET", pattern: "/v1/webhooks/:id/attempts", setup: "stopped", expect: NO_SUCH_WEBHOOK },
  { method: "POST", pattern: "/v1/webhooks/:id/redeliver", setup: "stopped", body: () => ({ eventId: "evt_x" }), expect: NO_SUCH_WEBHOOK },
  // The platform's secret, not an API token, opens the webhook route: without it, 401 for everyone.
  { method: "POST", pattern: "/v1/intake/:name", setup: "connected", body: () => ({ seq: 1, body: "hi" }), expect: { account: 401, own: 401, other: 401, none: 401, garbage: 401 } },
  // App-level callbacks: no token either; the memory platform takes none (404 for everyone; see test/http/app-intake.test.ts).
  ...(["GET", "POST"] as const).map((method) => ({
    method,
    pattern: "/v1/intake/:platform/:app",
    setup: "stopped" as const,
    body: method === "POST" ? () => ({ entry: [] }) : undefined,
    expect: { account: 404, own: 404, other: 404, none: 404, garbage: 404 },
  })),
  { method: "GET", pattern: "/health", setup: "stopped", expect: PUBLIC },
  { method: "GET", pattern: "/ready", setup: "stopped", expect: PUBLIC },
  { method: "GET", pattern: "/openapi.json", setup: "stopped", expect: PUBLIC, inOpenApi: false },
  { method: "GET", pattern: "/docs", setup: "stopped", expect: PUBLIC, inOpenApi: false },
];

/** Fills a route pattern: `:name` → `name`, `:action` → `ping` (a memory-platform action), `:id` → `tokenId`. */
export function fillPattern(pattern: string, v: { name: string; tokenId: string }): string {
  return pattern.replace(":name", v.name).replace(":action", "ping").replace(":id", v.tokenId).replace(":platform", "memory").replace(":app", "app-1");
}
