/**
 * `npm run bench:whatsapp` (compiles to dist-bench/, then runs) — memory per connected WhatsApp Web
 * session: the gateway (`startServer` with the whatsapp-web connector) against bare Baileys sockets,
 * in the same run, both linked to the WhatsApp Web sandbox (see docs/benchmarks.md, "bench/whatsapp").
 *
 * Processes: the sandbox (sandbox-proc.ts) alone; then bare-proc.ts (`--expose-gc`) with N bare
 * sockets; then, after it has exited, gateway-proc.ts (`--expose-gc`) with N gateway instances. Each
 * measured process is measured empty, at N/2 and at N connected sessions; the figure per session is
 * (after − before) / N of heapUsed and rss, and the overhead is gateway / bare − 1 (target ≤ 15%).
 *
 * Linking is done here, as a user would: a sandbox phone per session (POST /sandbox/phones), the QR
 * read from the process (bare: the socket's first QR; gateway: `POST /v1/instances/:name/connect`
 * then `GET …/qr` over the REST API), scanned through the sandbox's control API
 * (`POST /sandbox/phones/:id/scan`), then the login from the saved credentials awaited.
 *
 * Env: BENCH_INSTANCES (N, default 200), BENCH_CONCURRENCY (links at a time, default 10),
 * BENCH_PART ("bare" | "gateway", default both), BENCH_SETTLE_MS (wait after the last link before
 * measuring, default 3000), BENCH_BARE_AUTH (bare keys: "cached" = Baileys' makeCacheableSignalKeyStore over SQLite,
 * the default; "sqlite" without the cache; "memory" in a Map),
 * BENCH_HEAP_SNAPSHOT (a directory: each measured process writes bare/gateway.heapsnapshot there at the end).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Child, spawnChild, stopAll } from "../telegram/ipc.js";
import type { Usage } from "./measure.js";

const N = Number(process.env["BENCH_INSTANCES"] ?? 200);
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 10);
const PART = process.env["BENCH_PART"] ?? "all";
const SETTLE_MS = Number(process.env["BENCH_SETTLE_MS"] ?? 3000);
const SNAPSHOT_DIR = process.env["BENCH_HEAP_SNAPSHOT"];
const OVERHEAD_TARGET = 0.15;
/** The connector's platform id. */
const PLATFORM = "whatsapp-web";
/** The WhatsApp Web version Baileys rc14 announces by default. */
const WA_VERSION = "2.3000.1043857760";

interface SandboxInfo {
  wsUrl: string;
  controlUrl: string;
  rootPublicKey: string;
}

async function control<T>(info: SandboxInfo, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(info.controlUrl + path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `read` until it answers `want`. */
async function untilCount(what: string, read: () => Promise<number>, want: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const n = await read();
    if (n === want) return;
    if (Date.now() > end) throw new Error(`${what}: ${n}, expected ${want} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** One measured process: links session `i` with `phoneId`, counts its connected sessions. */
interface Side {
  name: "bare" | "gateway";
  child: Child;
  /** Starts session `i` and answers its first QR. */
  qr(i: number): Promise<string>;
  /** After the scan: resolves once session `i` is connected from its saved credentials. */
  connected(i: number): Promise<void>;
  /** Sessions connected now, as the process sees them. */
  count(): Promise<number>;
}

interface SideResult {
  sessions: number;
  linkMs: number;
  before: Usage;
  half: Usage;
  after: Usage;
  heapUsedKbPerSession: number;
  rssKbPerSession: number;
  /** (after − half) / (N − N/2): one more session, without one-off costs. */
  marginalHeapUsedKb: number;
  marginalRssKb: number;
}

async function run(side: Side, sandbox: Child, info: SandboxInfo, phones: string[]): Promise<SideResult> {
  const half = Math.floor(N / 2);
  await sleep(500);
  const before = await side.child.call<Usage>("measure");
  const t0 = Date.now();
  const link = async (from: number, to: number): Promise<Usage> => {
    let next = from;
    const worker = async (): Promise<void> => {
      while (next < to) {
        const i = next++;
        const qr = await side.qr(i);
        await control(info, "POST", `/sandbox/phones/${phones[i]}/scan`, { qr });
        await side.connected(i);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await untilCount(`${side.name} sessions logged in at the sandbox`, () => sandbox.call<number>("loggedIn"), to, 30_000);
    await sleep(SETTLE_MS); // prekey uploads, digests and the connect bursts' timers settle
    await untilCount(`${side.name} sessions connected`, () => side.count(), to, 10_000);
    await untilCount(`${side.name} sessions logged in at the sandbox`, () => sandbox.call<number>("loggedIn"), to, 10_000);
    return side.child.call<Usage>("measure");
  };
  const mid = await link(0, half);
  const after = await link(half, N);
  if (SNAPSHOT_DIR) await side.child.call("snapshot", { dir: SNAPSHOT_DIR });
  const kb = (bytes: number, n: number): number => Number((bytes / 1024 / n).toFixed(1));
  return {
    sessions: N,
    linkMs: Date.now() - t0,
    before,
    half: mid,
    after,
    heapUsedKbPerSession: kb(after.heapUsed - before.heapUsed, N),
    rssKbPerSession: kb(after.rss - before.rss, N),
    marginalHeapUsedKb: kb(after.heapUsed - mid.heapUsed, N - half),
    marginalRssKb: kb(after.rss - mid.rss, N - half),
  };
}

function bareSide(info: SandboxInfo): Side & { start(): Promise<unknown> } {
  const child = spawnChild("../whatsapp/bare-proc.js", ["--expose-gc"]);
  return {
    name: "bare",
    child,
    start: () => child.call("start", info),
    qr: (i) => child.call<string>("qr", { index: i }),
    connected: async (i) => {
      await child.call("open", { index: i });
    },
    count: () => child.call<number>("open_count"),
  };
}

/** The gateway's REST API, as a user drives it. */
async function rest<T>(gw: { url: string; token: string }, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(gw.url + path, {
    method,
    headers: { authorization: `Bearer ${gw.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface View {
  name: string;
  status: { state: string };
}

function gatewaySide(info: SandboxInfo): Side & { start(): Promise<unknown> } {
  const child = spawnChild("../whatsapp/gateway-proc.js", ["--expose-gc"]);
  let gw = { url: "", token: "" };
  const name = (i: number): string => `wa-${String(i).padStart(4, "0")}`;
  return {
    name: "gateway",
    child,
    async start() {
      gw = await child.call<{ url: string; token: string }>("start", info);
      return { url: gw.url };
    },
    async qr(i) {
      // The pinned version in the config: no fetch of web.whatsapp.com from the bench.
      await rest(gw, "POST", "/v1/instances", { name: name(i), platform: PLATFORM, config: { websocketUrl: info.wsUrl, version: WA_VERSION } });
      await rest(gw, "POST", `/v1/instances/${name(i)}/connect`, { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 20_000 });
      return (await rest<{ qr: string }>(gw, "GET", `/v1/instances/${name(i)}/qr`)).qr;
    },
    async connected(i) {
      const end = Date.now() + 30_000;
      for (;;) {
        const v = await rest<View>(gw, "GET", `/v1/instances/${name(i)}`);
        if (v.status.state === "connected") return;
        if (Date.now() > end) throw new Error(`${name(i)} is ${JSON.stringify(v.status)} after 30 s`);
        await sleep(50);
      }
    },
    async count() {
      const page = await rest<{ items: View[] }>(gw, "GET", "/v1/instances?limit=500");
      return page.items.filter((v) => v.status.state === "connected").length;
    },
  };
}

// ---------------------------------------------------------------------------- main

const started = Date.now();
const sandbox = spawnChild("../whatsapp/sandbox-proc.js");
const summary: Record<string, unknown> = { node: process.version, sessions: N, concurrency: CONCURRENCY };
const lines: string[] = [];
try {
  const info = await sandbox.call<SandboxInfo>("info");
  const phones: string[] = [];
  for (let i = 0; i < N; i++) phones.push((await control<{ id: string }>(info, "POST", "/sandbox/phones", {})).id);
  const results: Partial<Record<Side["name"], SideResult>> = {};
  for (const [name, make] of [["bare", bareSide], ["gateway", gatewaySide]] as const) {
    if (PART !== "all" && PART !== name) continue;
    const side = make(info);
    try {
      summary[`${side.name}Start`] = await side.start();
      results[side.name] = await run(side, sandbox, info, phones);
      summary[side.name] = results[side.name];
    } finally {
      await stopAll(side.child);
    }
    await untilCount("sessions logged in at the sandbox after the process ended", () => sandbox.call<number>("loggedIn"), 0, 10_000);
  }
  const { bare, gateway } = results;
  if (bare && gateway) {
    for (const what of ["heapUsed", "rss"] as const) {
      const b = what === "heapUsed" ? bare.heapUsedKbPerSession : bare.rssKbPerSession;
      const g = what === "heapUsed" ? gateway.heapUsedKbPerSession : gateway.rssKbPerSession;
      const overhead = g / b - 1;
      summary[`${what}Overhead`] = Number(overhead.toFixed(3));
      const pct = `${(overhead * 100).toFixed(1)}%`;
      lines.push(
        overhead <= OVERHEAD_TARGET
          ? `target met: gateway ${g} KB ${what} per connected session, ${pct} over bare Baileys ${b} KB (≤ ${OVERHEAD_TARGET * 100}%)`
          : `target MISSED: gateway ${g} KB ${what} per connected session, ${pct} over bare Baileys ${b} KB (> ${OVERHEAD_TARGET * 100}%)`,
      );
    }
  } else if (bare) {
    lines.push(`bare Baileys: ${bare.heapUsedKbPerSession} KB heapUsed, ${bare.rssKbPerSession} KB rss per connected socket`);
  } else if (gateway) {
    lines.push(`gateway: ${gateway.heapUsedKbPerSession} KB heapUsed, ${gateway.rssKbPerSession} KB rss per connected instance`);
  }
} finally {
  await stopAll(sandbox);
}
summary["seconds"] = Math.round((Date.now() - started) / 1000);
console.log(JSON.stringify(summary, null, 2));
for (const l of lines) console.log(l);
