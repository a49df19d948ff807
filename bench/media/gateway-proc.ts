/**
 * bench/media's measured process: the real gateway (`startServer`, SQLite and the media store in a
 * temp dir, the Telegram connector) with a sampler of its memory every 20 ms (RSS, heap used,
 * external + array buffers), reset on request, so that the peak during one send can be read.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { telegramConnector } from "../../src/connectors/telegram/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { serve } from "../telegram/ipc.js";

const ACCOUNT_TOKEN = "sba_bench-media-account-token-0123456789abcdef";
let server: RunningServer | null = null;
let dataDir: string | null = null;
let peak = { rss: 0, heapUsed: 0, external: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed), external: Math.max(peak.external, m.external + m.arrayBuffers) };
}, 20);
sampler.unref();

serve(
  {
    start: async () => {
      dataDir = mkdtempSync(join(tmpdir(), "sb-bench-media-"));
      server = await startServer({
        dataDir,
        port: 0,
        allowPrivateUrls: true,
        secret: "bench",
        accountToken: ACCOUNT_TOKEN,
        rateLimitPerMinute: 1_000_000,
        logLevel: "warn",
        connectors: [telegramConnector({ maxSendWaitMs: 600_000 })],
        gateway: { timeouts: { platformCallMs: 600_000 } },
      });
      return { url: server.url, token: ACCOUNT_TOKEN };
    },
    /** Resets the peak to the current figures and answers them (bytes). */
    resetPeak: () => {
      const m = process.memoryUsage();
      peak = { rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers };
      return peak;
    },
    peak: () => peak,
  },
  async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
