/**
 * The two consumers of the throughput benchmark, in one process (only one of them has work at a
 * time; the other waits in an idle long poll):
 * - "grammy": a bare grammY `Bot` long polling bot A, counting `message` updates in `bot.on("message")`;
 * - "gateway": the real gateway (`startServer`: SQLite in a temp dir, vault, core, REST API, logging
 *   at `warn`) with one telegram instance connected with bot B's token, counting the
 *   `message.received` events on the bus — each published only after the batch and its offset were
 *   stored in SQLite.
 * Driven over IPC by run.ts; `wait` answers the wall-clock time at which the N-th update was handled.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "grammy";
import { telegramConnector } from "../../src/connectors/telegram/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { serve } from "./ipc.js";

type Who = "grammy" | "gateway";

interface Counter {
  target: number;
  count: number;
  doneAt: number | null;
  done: Promise<void>;
  resolve: () => void;
}

const counters: Record<Who, Counter | null> = { grammy: null, gateway: null };
function tick(who: Who): void {
  const c = counters[who];
  if (!c) return;
  c.count++;
  if (c.count === c.target) {
    c.doneAt = Date.now();
    c.resolve();
  }
}

let bot: Bot | null = null;
let server: RunningServer | null = null;
let dataDir: string | null = null;

serve(
  {
    /** Starts both consumers; resolves once both are connected (the parent then waits for their long polls). */
    start: async ({ apiRoot, tokenA, tokenB }: { apiRoot: string; tokenA: string; tokenB: string }) => {
      bot = new Bot(tokenA, { client: { apiRoot } });
      bot.on("message", () => tick("grammy"));
      bot.catch((e) => process.stderr.write(`grammY: ${String(e.error)}\n`));
      await bot.init();
      void bot.start({ timeout: 30 });

      dataDir = mkdtempSync(join(tmpdir(), "sb-bench-tg-"));
      server = await startServer({ dataDir, port: 0, allowPrivateUrls: true, secret: "bench", logLevel: "warn", connectors: [telegramConnector()] });
      const gw = server.gateway;
      gw.bus.subscribe(({ envelope: e }) => {
        if (e.type === "message.received" && e.instance === "b") tick("gateway");
      });
      await gw.createInstance({ name: "b", platform: "telegram", config: { apiRoot, pollTimeoutS: 30 } });
      const view = await gw.connect("b", { login: { method: "token", input: { token: tokenB } }, wait: "connected", timeoutMs: 10_000 });
      if (view.status.state !== "connected") throw new Error(`gateway instance is ${view.status.state}`);
      return true;
    },
    /** Arms the counter of `who` for `n` updates. */
    arm: ({ who, n }: { who: Who; n: number }) => {
      let resolve = (): void => {};
      const done = new Promise<void>((r) => (resolve = r));
      counters[who] = { target: n, count: 0, doneAt: null, done, resolve };
      return true;
    },
    /** Resolves when the armed counter of `who` is reached: `{doneAt}` (epoch ms). */
    wait: async ({ who, timeoutMs }: { who: Who; timeoutMs: number }) => {
      const c = counters[who];
      if (!c) throw new Error(`${who} not armed`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        c.done,
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${who}: ${c.count}/${c.target} updates after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      return { doneAt: c.doneAt, count: c.count };
    },
    /** How many were counted since arming (to check that nothing arrives twice). */
    count: ({ who }: { who: Who }) => counters[who]?.count ?? 0,
  },
  async () => {
    await bot?.stop();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
