import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer, type ServeOptions } from "../../src/server.js";
import { MemoryPlatform, memoryConnector } from "../support/memory-connector.js";

/** The account token every test gateway is started with. */
export const ACCOUNT_TOKEN = "sbk_sdk_test_account_token_0123456789";

/**
 * A real gateway (REST API on loopback, SQLite in a temp dir) with the in-memory platform, for SDK
 * and CLI tests. `restart()` stops it and starts it again on the same data dir and the same port.
 */
export interface TestGateway {
  url: string;
  port: number;
  dataDir: string;
  platform: MemoryPlatform;
  server: RunningServer;
  /** Graceful stop, then a new process-equivalent on the same data dir and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startTestGateway(opts: { rateLimitPerMinute?: number; webhooks?: ServeOptions["webhooks"] } = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "sb-sdk-"));
  const platform = new MemoryPlatform();
  const boot = (port: number) =>
    startServer({
      port,
      dataDir,
      accountToken: ACCOUNT_TOKEN,
      rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000,
      logLevel: "silent",
      connectors: [memoryConnector(platform)],
      ...(opts.webhooks && { webhooks: opts.webhooks }),
      gateway: { policy: { baseMs: 20, capMs: 100, debounceMs: 0 }, timeouts: { platformCallMs: 500, closeMs: 500, shutdownMs: 2_000 } },
    });
  let server = await boot(0);
  const port = Number(new URL(server.url).port);
  let running = true;
  const g: TestGateway = {
    url: server.url,
    port,
    dataDir,
    platform,
    get server() {
      return server;
    },
    async stop() {
      if (!running) return;
      running = false;
      await server.close();
    },
    async start() {
      if (running) return;
      server = await boot(port);
      running = true;
    },
    async restart() {
      await g.stop();
      await g.start();
    },
    async dispose() {
      await g.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return g;
}
