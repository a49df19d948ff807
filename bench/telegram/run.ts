/**
 * `npm run bench:telegram` (compiles to dist-bench/, then runs) — the Telegram connector against the
 * Bot API sandbox, in two parts (see docs/benchmarks.md, "bench/telegram"):
 *
 * 1. Throughput: updates per second handled by the gateway (telegram instance → SQLite with the
 *    offset → `message.received` on the bus) against a bare grammY `Bot` on the same sandbox, in the
 *    same run (target: ≥ 0.8 × grammY). Each round pre-queues N updates in one burst while the
 *    consumer waits in getUpdates; the clock runs from the last update queued to the N-th handled.
 * 2. Memory per idle long-polling instance: a gateway process (`--expose-gc`) with 1 000 telegram
 *    instances connected and waiting in getUpdates (pollTimeoutS 50); (after − before) / 1 000 of
 *    heapUsed and rss after a full GC (target: ≤ 200 KB each).
 *
 * The sandbox (flood limits off) runs in its own child process; each measured side in another.
 * Env: BENCH_UPDATES (N, default 5000), BENCH_ROUNDS (default 7), BENCH_INSTANCES (default 1000),
 * BENCH_PART ("throughput" | "memory", default both), BENCH_CPU_PROF (a directory: the throughput
 * consumers and the memory gateway run with `--cpu-prof` into it).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Child, spawnChild, stopAll } from "./ipc.js";

const N = Number(process.env["BENCH_UPDATES"] ?? 5000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 7);
const INSTANCES = Number(process.env["BENCH_INSTANCES"] ?? 1000);
const PART = process.env["BENCH_PART"] ?? "all";
const PROF = process.env["BENCH_CPU_PROF"];
const profArgs = PROF ? ["--cpu-prof", "--cpu-prof-dir", PROF] : [];

const THROUGHPUT_TARGET = 0.8;
const MEMORY_TARGET_KB = 200;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Waits until `count` of `bots` have a getUpdates waiting at the sandbox. */
async function untilPolling(sandbox: Child, bots: number[], count: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const n = await sandbox.call<number>("polling", { bots });
    if (n >= count) return;
    if (Date.now() > end) throw new Error(`only ${n} of ${count} bots are long polling after ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------- throughput

interface ThroughputResult {
  updatesPerRound: number;
  rounds: number;
  method: string;
  grammyUpdatesPerSec: number;
  gatewayUpdatesPerSec: number;
  ratio: number;
  grammyRoundsMs: number[];
  gatewayRoundsMs: number[];
}

async function throughput(sandbox: Child, apiRoot: string): Promise<ThroughputResult> {
  const [a, b] = await sandbox.call<Array<{ id: number; token: string }>>("bots", { n: 2 });
  if (!a || !b) throw new Error("no bots");
  const consumers = spawnChild("./throughput-proc.js", profArgs);
  try {
    await consumers.call("start", { apiRoot, tokenA: a.token, tokenB: b.token });
    const round = async (who: "grammy" | "gateway", bot: number): Promise<number> => {
      await untilPolling(sandbox, [bot], 1, 10_000); // idle in getUpdates, the previous batch confirmed
      await consumers.call("arm", { who, n: N });
      const { queuedAt } = await sandbox.call<{ queuedAt: number }>("write", { bot, n: N });
      const { doneAt } = await consumers.call<{ doneAt: number }>("wait", { who, timeoutMs: 60_000 });
      await untilPolling(sandbox, [bot], 1, 10_000);
      const extra = (await consumers.call<number>("count", { who })) - N;
      if (extra !== 0) throw new Error(`${who}: ${extra} updates more than written`);
      const pending = await sandbox.call<number>("pending", { bot });
      if (pending !== 0) throw new Error(`${who}: ${pending} updates left unconfirmed`);
      return doneAt - queuedAt;
    };
    await round("grammy", a.id); // warm-up, not counted
    await round("gateway", b.id);
    const g: number[] = [];
    const gw: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which side goes first, so drift hits both alike.
      if (i % 2 === 0) {
        g.push(await round("grammy", a.id));
        gw.push(await round("gateway", b.id));
      } else {
        gw.push(await round("gateway", b.id));
        g.push(await round("grammy", a.id));
      }
    }
    const grammyRate = (N * 1000) / median(g);
    const gatewayRate = (N * 1000) / median(gw);
    return {
      updatesPerRound: N,
      rounds: ROUNDS,
      method: "pre-queued burst, consumer idle in getUpdates; from last update queued to N-th handled",
      grammyUpdatesPerSec: Math.round(grammyRate),
      gatewayUpdatesPerSec: Math.round(gatewayRate),
      ratio: Number((gatewayRate / grammyRate).toFixed(3)),
      grammyRoundsMs: g,
      gatewayRoundsMs: gw,
    };
  } finally {
    await stopAll(consumers);
  }
}

// ---------------------------------------------------------------------------- memory

interface Usage {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  sockets: number;
}

interface MemoryResult {
  instances: number;
  connectMs: number;
  before: Usage;
  half: Usage;
  after: Usage;
  heapUsedKbPerInstance: number;
  rssKbPerInstance: number;
  /** (after − half) / (instances − half): the cost of one more instance, without one-off costs. */
  marginalHeapUsedKb: number;
  marginalRssKb: number;
}

async function memory(sandbox: Child, apiRoot: string): Promise<MemoryResult> {
  const bots = await sandbox.call<Array<{ id: number; token: string }>>("bots", { n: INSTANCES });
  const ids = bots.map((b) => b.id);
  const half = Math.floor(INSTANCES / 2);
  const gw = spawnChild("./memory-proc.js", ["--expose-gc", ...profArgs]);
  try {
    await gw.call("start");
    await sleep(500);
    const before = await gw.call<Usage>("measure");
    const t0 = Date.now();
    const connectHalf = async (from: number, to: number): Promise<Usage> => {
      await gw.call("connect", { apiRoot, tokens: bots.slice(from, to).map((b) => b.token), from, concurrency: 20 });
      await untilPolling(sandbox, ids.slice(0, to), to, 60_000);
      await sleep(1000); // let the connect bursts' timers and free sockets settle
      await untilPolling(sandbox, ids.slice(0, to), to, 10_000);
      return gw.call<Usage>("measure");
    };
    const mid = await connectHalf(0, half);
    const after = await connectHalf(half, INSTANCES);
    const connectMs = Date.now() - t0;
    const kb = (bytes: number, n: number): number => Number((bytes / 1024 / n).toFixed(1));
    return {
      instances: INSTANCES,
      connectMs,
      before,
      half: mid,
      after,
      heapUsedKbPerInstance: kb(after.heapUsed - before.heapUsed, INSTANCES),
      rssKbPerInstance: kb(after.rss - before.rss, INSTANCES),
      marginalHeapUsedKb: kb(after.heapUsed - mid.heapUsed, INSTANCES - half),
      marginalRssKb: kb(after.rss - mid.rss, INSTANCES - half),
    };
  } finally {
    await stopAll(gw);
  }
}

// ---------------------------------------------------------------------------- main

const started = Date.now();
const sandbox = spawnChild("./sandbox-proc.js");
const lines: string[] = [];
const summary: Record<string, unknown> = { node: process.version };
try {
  const apiRoot = await sandbox.call<string>("url");
  if (PART === "all" || PART === "throughput") {
    const t = await throughput(sandbox, apiRoot);
    summary["throughput"] = t;
    lines.push(
      t.ratio >= THROUGHPUT_TARGET
        ? `target met: gateway ${t.gatewayUpdatesPerSec} updates/s ≥ ${THROUGHPUT_TARGET} × bare grammY ${t.grammyUpdatesPerSec} (ratio ${t.ratio})`
        : `target MISSED: gateway ${t.gatewayUpdatesPerSec} updates/s < ${THROUGHPUT_TARGET} × bare grammY ${t.grammyUpdatesPerSec} (ratio ${t.ratio})`,
    );
  }
  if (PART === "all" || PART === "memory") {
    const m = await memory(sandbox, apiRoot);
    summary["memory"] = m;
    for (const [what, v] of [
      ["heapUsed", m.heapUsedKbPerInstance],
      ["rss", m.rssKbPerInstance],
    ] as const) {
      lines.push(
        v <= MEMORY_TARGET_KB
          ? `target met: ${v} KB ${what} per idle long-polling instance ≤ ${MEMORY_TARGET_KB} KB`
          : `target MISSED: ${v} KB ${what} per idle long-polling instance > ${MEMORY_TARGET_KB} KB`,
      );
    }
  }
} finally {
  await stopAll(sandbox);
}
summary["seconds"] = Math.round((Date.now() - started) / 1000);
console.log(JSON.stringify(summary, null, 2));
for (const l of lines) console.log(l);
