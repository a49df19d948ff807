import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach } from "vitest";
import { createWebhooks, type Webhooks, type WebhookOptions } from "../../../src/events/webhooks/index.js";
import type { EventEnvelope } from "../../../src/events/types.js";
import type { StoredEvent } from "../../../src/store/types.js";
import { Vault } from "../../../src/vault/vault.js";
import { harness, TEST_KEY, type Harness } from "../../support/gateway-harness.js";

/** One request as the receiver saw it. */
export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver did with it. */
  answer: "ok" | "fail" | "hang";
  /** performance.now() at arrival. */
  at: number;
  /** True once the answer was sent (`ok` and `fail`; never for `hang`). */
  answered: boolean;
}

/**
 * A real webhook receiver on 127.0.0.1. `mode` decides the answer: `ok` (204), `fail` (500), `hang`
 * (never answers; the socket is destroyed on `close`). Requests answered `ok` count as accepted;
 * `accepted()` dedupes them on `webhook-id` the way a receiver should.
 */
export class Receiver {
  mode: "ok" | "fail" | "hang" = "ok";
  /** Delay before answering `ok`, ms. */
  delayMs = 0;
  readonly received: Received[] = [];
  private server: Server | null = null;
  private readonly hanging = new Set<ServerResponse>();
  private waiters: Array<() => void> = [];
  url = "";

  async start(path = "/hook"): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const r: Received = { id: String(req.headers["webhook-id"] ?? ""), headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answer: this.mode, at: performance.now(), answered: false };
        this.received.push(r);
        if (r.answer === "hang") {
          this.hanging.add(res);
          res.on("close", () => this.hanging.delete(res));
          return;
        }
        const answer = (): void => {
          res.statusCode = r.answer === "ok" ? 204 : 500;
          res.end();
          r.answered = true;
          for (const w of this.waiters.splice(0)) w();
        };
        if (r.answer === "ok" && this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  /** Distinct event ids answered `ok` (the answer sent), in the order they were first accepted. */
  accepted(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const r of this.received) {
      if (r.answer !== "ok" || !r.answered || seen.has(r.id)) continue;
      seen.add(r.id);
      out.push(r.id);
    }
    return out;
  }

  /** Resolves once `pred` holds (checked after every answer and every 20 ms). */
  async until(pred: () => boolean, ms = 10_000, what = "the receiver"): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${this.accepted().length} accepted, ${this.received.length} received)`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Short schedules and timeouts for tests, loopback allowed. */
export const TEST_OPTIONS: Partial<WebhookOptions> = {
  retryScheduleMs: [20, 40, 80, 80, 80, 80, 80, 80, 80, 80],
  jitter: 0.1,
  attemptTimeoutMs: 300,
  allowPrivateAddresses: true,
  pollIntervalMs: 50,
};

/** A gateway core (SQLite in a temp dir, memory platform) with webhooks started. */
export interface WebhookHarness {
  core: Harness;
  webhooks: Webhooks;
  /** Creates an instance; returns its id. */
  instance(name: string): Promise<string>;
  /** Stores `n` `message.received` events of the instance (like a connector's `host.receive`) and publishes them. */
  emit(name: string, n: number, text?: string): Promise<StoredEvent[]>;
  /** Stops the webhooks and starts new ones on the same store (a restart of the delivery side). */
  restartWebhooks(options?: Partial<WebhookOptions>): Promise<Webhooks>;
  dispose(): Promise<void>;
}

export async function webhookHarness(options: Partial<WebhookOptions> = {}): Promise<WebhookHarness> {
  const core = await harness();
  const make = (o: Partial<WebhookOptions>): Webhooks =>
    createWebhooks({ store: core.store, vault: new Vault(TEST_KEY), bus: core.gateway.bus, logger: pino({ level: "silent" }), options: { ...TEST_OPTIONS, ...o } });
  let webhooks = make(options);
  await webhooks.start();
  let counter = 0;
  const h: WebhookHarness = {
    core,
    get webhooks() {
      return webhooks;
    },
    async instance(name) {
      await core.gateway.createInstance({ name, platform: "memory" });
      return (await core.store.instances.get(name))!.id;
    },
    async emit(name, n, text = "hello") {
      const rec = (await core.store.instances.get(name))!;
      const now = Date.now();
      const envelopes: EventEnvelope[] = Array.from({ length: n }, () => {
        const k = ++counter;
        return {
          id: `evt_${randomUUID()}`,
          type: "message.received",
          instance: name,
          platform: "memory",
          ts: now,
          metadata: {},
          data: { threadId: "t1", senderId: "s1", body: `${text} ${k}`, messageId: `m${k}`, timestamp: now },
        };
      });
      const stored = await core.store.events.append(rec.id, envelopes);
      core.gateway.bus.emit(...stored);
      return stored;
    },
    async restartWebhooks(o = options) {
      await webhooks.stop();
      webhooks = make(o);
      await webhooks.start();
      return webhooks;
    },
    async dispose() {
      await webhooks.stop();
      await core.dispose();
    },
  };
  return h;
}

/** The account caller of the webhooks API. */
export const ACCOUNT = { scope: "account" } as const;

/** What {@link webhookFixture} gives a test file. */
export interface WebhookFixture {
  /** Starts a {@link webhookHarness}; disposed after the test. */
  start(options?: Partial<WebhookOptions>): Promise<WebhookHarness>;
  /** Starts a {@link Receiver}; closed after the test. */
  receiver(): Promise<Receiver>;
}

/**
 * The per-file setup of the webhook tests: registers an `afterEach` that closes the receivers and
 * disposes the harness started in the test. Call once at the top level of a test file.
 */
export function webhookFixture(): WebhookFixture {
  let harnessed: WebhookHarness | null = null;
  let receivers: Receiver[] = [];
  afterEach(async () => {
    for (const r of receivers) await r.close();
    receivers = [];
    await harnessed?.dispose();
    harnessed = null;
  });
  return {
    async start(options) {
      harnessed = await webhookHarness(options);
      return harnessed;
    },
    async receiver() {
      const r = await new Receiver().start();
      receivers.push(r);
      return r;
    },
  };
}
