/**
 * `npm run bench:events` (compiles to dist-bench/, then runs) — events per second from connector emit
 * to webhook receipt, the latency of each event, and the CPU time per event, on SQLite and on
 * Postgres, for the gateway and for a bare pipeline doing the same work by hand, in the same run
 * (see docs/benchmarks.md, "bench/events").
 *
 * Four processes per store: the gateway (`gateway-proc.ts`: the real server with a bench connector
 * and one webhook subscription, `maxConcurrency` BENCH_CONCURRENCY), the baseline (`bare-proc.ts`:
 * the same rows inserted with better-sqlite3 or pg, the same body signed with node:crypto and POSTed
 * with undici), the receiver (`receiver-proc.ts`, a plain node:http server on 127.0.0.1) and this
 * driver. Latency = arrival at the receiver − the emit time stamped into the event just before it is
 * handed in. Phases, after a warm-up of each pipeline, BENCH_ROUNDS rounds (default 3) of each, the
 * pipelines one after the other (which goes first alternates), medians reported:
 * 1. max: BENCH_MAX_EVENTS events handed in as fast as they are stored (batches of ≤ 100);
 *    throughput = events / (last arrival − first emit). Target on SQLite: the gateway delivers at
 *    least {@link TARGET_RATIO} × the bare pipeline's events/s;
 * 2. offered 1 000 events/s for BENCH_SECONDS s (target on SQLite: p99 < 100 ms);
 * 3. offered 10 000 events/s for BENCH_SECONDS s.
 * Env: BENCH_STORES (default "sqlite,postgres"), BENCH_DATABASE_URL (a Postgres server where two
 * throwaway databases are created; default postgres://postgres@127.0.0.1:5432/test), BENCH_MAX_EVENTS
 * (default 50 000), BENCH_SECONDS (default 10), BENCH_CONCURRENCY (default 8), BENCH_ROUNDS (default
 * 3), BENCH_CPU_PROF (a directory: the gateway runs with --cpu-prof into it), BENCH_PHASES (default
 * "max,1k,10k").
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
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);
/** The target: at max, the gateway delivers at least this share of the bare pipeline's events/s. */
const TARGET_RATIO = 0.5;

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
  /** CPU time of the emitting process (the gateway, or the bare pipeline) per event (user + system), µs: what the machine's other load changes least. */
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

/** One phase's figures for both pipelines, and the gateway's share of the baseline. */
interface Compared {
  phase: string;
  gateway: Phase;
  bare: Phase;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** The median of every numeric field of `runs` (same phase). */
function medianPhase(runs: Phase[]): Phase {
  const first = runs[0] as Phase;
  const out = { ...first } as Record<string, unknown>;
  for (const [k, v] of Object.entries(first)) if (typeof v === "number") out[k] = fix(median(runs.map((r) => (r as unknown as Record<string, number>)[k] as number)));
  return out as unknown as Phase;
}

const PHASE_SPECS: Record<string, { name: string; rate: number; count: number; batchMax: number }> = {
  max: { name: "max", rate: 0, count: MAX_EVENTS, batchMax: 100 },
  "1k": { name: "1k/s", rate: 1_000, count: 1_000 * SECONDS, batchMax: 100 },
  "10k": { name: "10k/s", rate: 10_000, count: 10_000 * SECONDS, batchMax: 500 },
};

/**
 * One store: the receiver, the gateway and the bare pipeline (each its own process). Every round
 * runs every phase on both pipelines, one after the other (which goes first alternates by round), so
 * the machine's drift hits both alike. Answers the rounds' medians per phase.
 */
async function bench(store: "sqlite" | "postgres", urls: { gateway?: string; bare?: string } = {}): Promise<{ compared: Compared[]; rounds: Record<string, { gateway: Phase[]; bare: Phase[] }> }> {
  const receiver = spawnChild("../events/receiver-proc.js");
  const gateway = spawnChild("../events/gateway-proc.js", PROF ? ["--cpu-prof", "--cpu-prof-dir", PROF] : []);
  const bare = spawnChild("../events/bare-proc.js");
  try {
    const receiverUrl = await receiver.call<string>("start");
    await gateway.call("start", { ...(urls.gateway && { databaseUrl: urls.gateway }), receiverUrl, maxConcurrency: CONCURRENCY });
    await bare.call("start", { ...(urls.bare && { databaseUrl: urls.bare }), receiverUrl, maxConcurrency: CONCURRENCY });
    await phase(gateway, receiver, "warm-up", 0, 5_000, 100);
    await phase(bare, receiver, "warm-up", 0, 5_000, 100);
    const rounds: Record<string, { gateway: Phase[]; bare: Phase[] }> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const key of PHASES) {
        const spec = PHASE_SPECS[key];
        if (!spec) throw new Error(`unknown phase ${key}`);
        const slot = (rounds[spec.name] ??= { gateway: [], bare: [] });
        const order: Array<["gateway" | "bare", Child]> = r % 2 === 0 ? [["gateway", gateway], ["bare", bare]] : [["bare", bare], ["gateway", gateway]];
        for (const [side, child] of order) slot[side].push(await phase(child, receiver, spec.name, spec.rate, spec.count, spec.batchMax));
      }
    }
    const compared = Object.entries(rounds).map(([name, r]) => ({ phase: name, gateway: medianPhase(r.gateway), bare: medianPhase(r.bare) }));
    process.stdout.write(`\n${store}: medians of ${ROUNDS} rounds\n`);
    console.table(
      compared.map((c) => ({
        phase: c.phase,
        "gateway ev/s": c.gateway.deliveredPerSec,
        "bare ev/s": c.bare.deliveredPerSec,
        "ratio ev/s": fix(c.gateway.deliveredPerSec / c.bare.deliveredPerSec, 3),
        "gateway p99 ms": c.gateway.p99Ms,
        "bare p99 ms": c.bare.p99Ms,
        "gateway CPU µs/ev": c.gateway.gatewayCpuUsPerEvent,
        "bare CPU µs/ev": c.bare.gatewayCpuUsPerEvent,
        "CPU ratio bare/gateway": fix(c.bare.gatewayCpuUsPerEvent / c.gateway.gatewayCpuUsPerEvent, 3),
      })),
    );
    return { compared, rounds };
  } finally {
    await Promise.all([gateway.stop(), bare.stop(), receiver.stop()]);
  }
}

const results: Record<string, Awaited<ReturnType<typeof bench>>> = {};
for (const store of STORES) {
  results[store] =
    store === "postgres" ? await withDatabase((gw) => withDatabase((b) => bench("postgres", { gateway: gw, bare: b }))) : await bench("sqlite");
}
const sqlite = results["sqlite"]?.compared;
if (sqlite) {
  const max = sqlite.find((p) => p.phase === "max");
  const at1k = sqlite.find((p) => p.phase === "1k/s");
  const at10k = sqlite.find((p) => p.phase === "10k/s");
  const ratio = max ? max.gateway.deliveredPerSec / max.bare.deliveredPerSec : NaN;
  process.stdout.write(
    `\nSQLite targets: max ${max?.gateway.deliveredPerSec} events/s = ${fix(ratio, 3)} × the bare pipeline's ${max?.bare.deliveredPerSec} (target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? "met" : "MISSED"}); ` +
      `10k/s offered → ${at10k?.gateway.deliveredPerSec} delivered; p99 at 1k/s ${at1k?.gateway.p99Ms} ms (target < 100 ms)\n`,
  );
}
process.stdout.write(`${JSON.stringify({ node: process.version, concurrency: CONCURRENCY, rounds: ROUNDS, results })}\n`);
