/**
 * `npm run bench:events` (compiles to dist-bench/, then runs) — events per second from connector emit
 * to webhook receipt, and the latency of each event, on SQLite and on Postgres (see
 * docs/benchmarks.md, "bench/events").
 *
 * Two processes per store: the gateway (`gateway-proc.ts`: the real server with a bench connector and
 * one webhook subscription, `maxConcurrency` BENCH_CONCURRENCY) and the receiver (`receiver-proc.ts`,
 * a plain node:http server on 127.0.0.1). Latency = arrival at the receiver − the emit time stamped
 * into the event by the gateway process just before `host.receive`. Phases, after a warm-up:
 * 1. max: BENCH_MAX_EVENTS events emitted as fast as the store takes them (batches of ≤ 100);
 *    throughput = events / (last arrival − first emit);
 * 2. offered 1 000 events/s for BENCH_SECONDS s (target on SQLite: p99 < 100 ms);
 * 3. offered 10 000 events/s for BENCH_SECONDS s (target on SQLite: ≥ 10 000 events/s sustained,
 *    i.e. the receiver gets them at the offered rate).
 * Env: BENCH_STORES (default "sqlite,postgres"), BENCH_DATABASE_URL (a Postgres server where a
 * throwaway database is created; default postgres://postgres@127.0.0.1:5432/test), BENCH_MAX_EVENTS
 * (default 50 000), BENCH_SECONDS (default 10), BENCH_CONCURRENCY (default 8), BENCH_CPU_PROF (a
 * directory: the gateway runs with --cpu-prof into it), BENCH_PHASES (default "max,1k,10k").
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Child, spawnChild } from "../telegram/ipc.js";

const STORES = (process.env["BENCH_STORES"] ?? "sqlite,postgres").split(",").map((s) => s.trim()) as Array<"sqlite" | "postgres">;
const PG_URL = process.env["BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const MAX_EVENTS = Number(process.env["BENCH_MAX_EVENTS"] ?? 50_000);
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10);
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 8);
const PROF = process.env["BENCH_CPU_PROF"];
const PHASES = (process.env["BENCH_PHASES"] ?? "max,1k,10k").split(",").map((s) => s.trim());

interface Emit {
  start: number;
  end: number;
  batches: number;
}
interface Arrivals {
  received: number;
  first: number;
  last: number;
  p50: number;
  p99: number;
  max: number;
}
interface Phase {
  phase: string;
  offered: string;
  events: number;
  emittedPerSec: number;
  deliveredPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time of the gateway process per event (user + system), µs: what the machine's other load cannot change. */
  gatewayCpuUsPerEvent: number;
  receiverCpuUsPerEvent: number;
}

const fix = (n: number, d = 1): number => Number(n.toFixed(d));

async function phase(gateway: Child, receiver: Child, name: string, rate: number, count: number, batchMax: number): Promise<Phase> {
  await receiver.call("reset");
  const [gCpu0, rCpu0] = [await gateway.call<number>("cpu"), await receiver.call<number>("cpu")];
  const emit = await gateway.call<Emit>("run", { rate, count, batchMax });
  const got = await receiver.call<Arrivals>("wait", { count, timeoutMs: 300_000 });
  const [gCpu1, rCpu1] = [await gateway.call<number>("cpu"), await receiver.call<number>("cpu")];
  return {
    phase: name,
    offered: rate > 0 ? `${rate}/s` : "max",
    events: count,
    emittedPerSec: Math.round(count / ((emit.end - emit.start) / 1000)),
    deliveredPerSec: Math.round(count / ((got.last - emit.start) / 1000)),
    p50Ms: fix(got.p50),
    p99Ms: fix(got.p99),
    maxMs: fix(got.max),
    gatewayCpuUsPerEvent: fix((gCpu1 - gCpu0) / count),
    receiverCpuUsPerEvent: fix((rCpu1 - rCpu0) / count),
  };
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `sb_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}

async function bench(store: "sqlite" | "postgres", databaseUrl?: string): Promise<Phase[]> {
  const receiver = spawnChild("../events/receiver-proc.js");
  const gateway = spawnChild("../events/gateway-proc.js", PROF ? ["--cpu-prof", "--cpu-prof-dir", PROF] : []);
  try {
    const receiverUrl = await receiver.call<string>("start");
    await gateway.call("start", { ...(databaseUrl && { databaseUrl }), receiverUrl, maxConcurrency: CONCURRENCY });
    await phase(gateway, receiver, "warm-up", 0, 5_000, 100);
    const out: Phase[] = [];
    if (PHASES.includes("max")) out.push(await phase(gateway, receiver, "max", 0, MAX_EVENTS, 100));
    if (PHASES.includes("1k")) out.push(await phase(gateway, receiver, "1k/s", 1_000, 1_000 * SECONDS, 100));
    if (PHASES.includes("10k")) out.push(await phase(gateway, receiver, "10k/s", 10_000, 10_000 * SECONDS, 500));
    process.stdout.write(`\n${store}\n`);
    console.table(out);
    return out;
  } finally {
    await Promise.all([gateway.stop(), receiver.stop()]);
  }
}

const results: Record<string, Phase[]> = {};
for (const store of STORES) {
  results[store] = store === "postgres" ? await withDatabase((url) => bench("postgres", url)) : await bench("sqlite");
}
const sqlite = results["sqlite"];
if (sqlite) {
  const at1k = sqlite.find((p) => p.phase === "1k/s");
  const at10k = sqlite.find((p) => p.phase === "10k/s");
  const max = sqlite.find((p) => p.phase === "max");
  process.stdout.write(
    `\nSQLite targets: max ${max?.deliveredPerSec} events/s, 10k/s offered → ${at10k?.deliveredPerSec} events/s delivered (target ≥ 10 000); ` +
      `p99 at 1k/s ${at1k?.p99Ms} ms (target < 100 ms)\n`,
  );
}
process.stdout.write(`${JSON.stringify({ node: process.version, concurrency: CONCURRENCY, results })}\n`);
