/**
 * The measured process of the soak (bench/soak/run.ts): the real gateway (`startServer`: SQLite in a
 * temp dir, vault, core, REST API, webhooks, logging at `warn`) with the whatsapp-web connector
 * trusting the out-of-process sandbox's root key and the telegram connector. Nothing else runs here:
 * the sandboxes, the webhook receiver and the traffic driver are other processes.
 *
 * IPC: `start({rootPublicKey})` → `{url, token}`; `sample()` → one {@link Sample} (no forced GC:
 * the figures an operator's scraper would see, plus the event-loop delay since the previous sample);
 * `mark()` → the event-loop delay since the process started (the set-up: linking every instance), then resets it,
 * so the first sample covers steady traffic only; `settled()` → memory after a full GC (once, at the end); `snapshot({path})` → a heap snapshot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";
import { writeHeapSnapshot } from "node:v8";
import { telegramConnector } from "../../src/connectors/telegram/index.js";
import { whatsappWebConnector } from "../../src/connectors/whatsapp-web/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { serve } from "../telegram/ipc.js";
import type { Sample } from "./report.js";

/** The account token run.ts uses against this gateway's REST API. */
const ACCOUNT_TOKEN = "sba_bench-soak-account-token-0123456789abcdef";

let server: RunningServer | null = null;
let dataDir: string | null = null;
const started = Date.now();
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

/** Open handles by kind (`TCPSocketWrap`, `Timeout`, …), as `process.getActiveResourcesInfo()` lists them. */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

serve(
  {
    start: async ({ rootPublicKey }: { rootPublicKey: string }) => {
      dataDir = mkdtempSync(join(tmpdir(), "sb-bench-soak-"));
      server = await startServer({
        dataDir,
        port: 0,
        allowPrivateUrls: true, // the sandboxes listen on 127.0.0.1
        webhooks: { allowPrivateAddresses: true }, // so does the receiver
        secret: "bench",
        accountToken: ACCOUNT_TOKEN,
        rateLimitPerMinute: 1_000_000_000,
        logLevel: process.env["BENCH_LOG_LEVEL"] ?? "warn",
        connectors: [
          whatsappWebConnector({ trustRootPublicKey: Buffer.from(rootPublicKey, "base64"), fetchLatestVersion: false }),
          telegramConnector(),
        ],
      });
      return { url: server.url, token: ACCOUNT_TOKEN };
    },
    sample: (): Sample => {
      const m = process.memoryUsage();
      const s: Sample = {
        atS: Math.round((Date.now() - started) / 1000),
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        loopP50Ms: delay.percentile(50) / 1e6,
        loopP99Ms: delay.percentile(99) / 1e6,
        loopMaxMs: delay.max / 1e6,
        handles: handles(),
      };
      delay.reset();
      return s;
    },
    mark: (): { p99Ms: number; maxMs: number } => {
      const out = { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 };
      delay.reset();
      return out;
    },
    settled: async () => {
      const gc = globalThis.gc;
      if (!gc) throw new Error("settled() needs --expose-gc");
      for (let i = 0; i < 4; i++) {
        gc();
        await turn();
      }
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    },
    snapshot: ({ path }: { path: string }) => writeHeapSnapshot(path),
  },
  async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
