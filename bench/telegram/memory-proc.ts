/**
 * The gateway process of the memory benchmark (spawned with `--expose-gc`): the real gateway
 * (`startServer`: SQLite in a temp dir, vault, core, REST API, logging at `warn`) to which run.ts adds
 * telegram instances that connect and then sit idle in a long poll (`pollTimeoutS` 50). `measure`
 * collects garbage fully, then answers `process.memoryUsage()` and the open TCP sockets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as turn } from "node:timers/promises";
import { telegramConnector } from "../../src/connectors/telegram/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { serve } from "./ipc.js";

const runGc = globalThis.gc;
if (!runGc) throw new Error("memory-proc needs --expose-gc");

let server: RunningServer | null = null;
let dataDir: string | null = null;

serve(
  {
    start: async () => {
      dataDir = mkdtempSync(join(tmpdir(), "sb-bench-tgmem-"));
      server = await startServer({ dataDir, port: 0, allowPrivateUrls: true, secret: "bench", logLevel: "warn", connectors: [telegramConnector()] });
      return true;
    },
    /** Creates instances `name = prefix + i` for `tokens` and connects them (`concurrency` at a time). */
    connect: async ({ apiRoot, tokens, from, concurrency }: { apiRoot: string; tokens: string[]; from: number; concurrency: number }) => {
      const gw = server?.gateway;
      if (!gw) throw new Error("not started");
      const t0 = Date.now();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < tokens.length) {
          const i = next++;
          const name = `bot-${String(from + i).padStart(4, "0")}`;
          await gw.createInstance({ name, platform: "telegram", config: { apiRoot, pollTimeoutS: 50 } });
          const view = await gw.connect(name, { login: { method: "token", input: { token: tokens[i] as string } }, wait: "connected", timeoutMs: 60_000 });
          if (view.status.state !== "connected") throw new Error(`${name} is ${view.status.state}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return { ms: Date.now() - t0 };
    },
    measure: async () => {
      for (let i = 0; i < 4; i++) {
        runGc();
        await turn();
      }
      const m = process.memoryUsage();
      const sockets = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
      return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, sockets };
    },
  },
  async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
