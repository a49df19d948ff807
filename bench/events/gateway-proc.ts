/**
 * The gateway of bench/events: the real server (`startServer`: SQLite in a temp dir or Postgres,
 * vault, core, REST API, webhooks, logging at `warn`) with one instance of the bench connector,
 * connected, and one webhook subscription to the receiver process. `run` emits events through the
 * session's `host.receive` (awaited, as a connector does) at an offered rate, each stamped with its
 * emit time (`performance.timeOrigin + now()`, ms) in `data.body`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startServer, type RunningServer } from "../../src/server.js";
import { serve } from "../telegram/ipc.js";
import { emitLoop, now } from "./emit-loop.js";
import { benchConnector, sessions } from "./connector.js";


let server: RunningServer | null = null;
let dataDir: string | null = null;

serve(
  {
    start: async ({ databaseUrl, receiverUrl, maxConcurrency }: { databaseUrl?: string; receiverUrl: string; maxConcurrency: number }) => {
      dataDir = mkdtempSync(join(tmpdir(), "sb-bench-events-"));
      server = await startServer({
        dataDir,
        ...(databaseUrl && { databaseUrl }),
        port: 0,
        secret: "bench",
        logLevel: "warn",
        connectors: [benchConnector()],
        webhooks: { allowPrivateAddresses: true },
      });
      await server.gateway.createInstance({ name: "bench", platform: "bench", start: true });
      for (let i = 0; (await server.gateway.getInstance("bench")).status.state !== "connected"; i++) {
        if (i > 500) throw new Error("the bench instance did not connect");
        await sleep(10);
      }
      await server.webhooks.api.create({ scope: "account" }, { url: receiverUrl, instance: "bench", types: ["message.received"], maxConcurrency });
      return { store: server.store.kind };
    },
    /** CPU time of this process so far (user + system), µs. */
    cpu: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    /** Emits `count` events at `rate` per second through the session (see emit-loop.ts). */
    run: async ({ rate, count, batchMax }: { rate: number; count: number; batchMax: number }) => {
      const session = sessions.get("bench");
      if (!session) throw new Error("no bench session");
      return emitLoop(rate, count, batchMax, (n) => session.emit(n, String(now())));
    },
  },
  async () => {
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
