/**
 * `npm run bench:soak` (compiles to dist-bench/, then runs) — the gateway under steady traffic for a
 * long time: does memory level off, does the event loop stay healthy, is anything lost or doubled?
 * See docs/benchmarks.md, "bench/soak".
 *
  * Processes (only the gateway is measured; paths as spawnChild takes them, from bench/telegram): the WhatsApp Web sandbox (../whatsapp/sandbox-proc.ts),
 * the Telegram Bot API sandbox (../telegram/sandbox-proc.ts, flood limits off), the webhook receiver
 * (receiver-proc.ts), the gateway (gateway-proc.ts) and this driver.
 *
 * Set-up, as a user would: N WhatsApp Web instances, each linked to its own sandbox phone by QR
 * (`POST /v1/instances`, `…/connect`, `GET …/qr`, the phone scans) with one contact; M Telegram
 * instances, each a sandbox bot with one user; one webhook subscription to the receiver for
 * `message.received` and `message.sent`.
 *
 * Traffic, for the duration: every instance gets `rate` messages per second from its contact or user
 * (through the sandbox's control API) and sends `rate` replies per second to them (through
 * `POST /v1/instances/:name/messages`), spread evenly over each second. Every text is unique.
 * Every 15 s the gateway process reports its memory, event-loop delay and open handles.
 *
 * Counting: inbound texts are matched against the receiver's `message.received` events; accepted
 * outbound texts against what the sandboxes recorded (a phone's received messages, a bot's sent
 * log), read every 15 s while the traffic runs (the sandboxes keep a bounded log) and once more at
 * the end; lost = not there, duplicated = there twice (under two platform message ids). The report (JSON and Markdown) goes to
 * `bench-results/soak-<time>.{json,md}` and the Markdown to stdout.
 *
 * Env: BENCH_SOAK_WHATSAPP (N, default 20), BENCH_SOAK_TELEGRAM (M, default 20), BENCH_SOAK_RATE
 * (messages per second per instance and direction, default 1), BENCH_SOAK_MINUTES (default 30),
 * BENCH_SOAK_SAMPLE_S (default 15), BENCH_SOAK_SNAPSHOTS (a directory: heap snapshots of the gateway
 * at a quarter and at the end of the traffic; writing one stops the gateway's event loop for seconds,
 * so a run with snapshots is for finding what grows, not for the loop-delay target),
 * BENCH_SOAK_OUT (default bench-results).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Child, spawnChild, stopAll } from "../telegram/ipc.js";
import type { Tally } from "./receiver-proc.js";
import { type Counts, type Sample, type SoakReport, judge, markdown, secondHalfSlopes } from "./report.js";

const WA = Number(process.env["BENCH_SOAK_WHATSAPP"] ?? 20);
const TG = Number(process.env["BENCH_SOAK_TELEGRAM"] ?? 20);
const RATE = Number(process.env["BENCH_SOAK_RATE"] ?? 1);
const MINUTES = Number(process.env["BENCH_SOAK_MINUTES"] ?? 30);
const SAMPLE_S = Number(process.env["BENCH_SOAK_SAMPLE_S"] ?? 15);
const SNAPSHOTS = process.env["BENCH_SOAK_SNAPSHOTS"];
const OUT = resolve(process.env["BENCH_SOAK_OUT"] ?? "bench-results");
/** The WhatsApp Web version Baileys rc14 announces by default (pinned: no fetch of web.whatsapp.com). */
const WA_VERSION = "2.3000.1043857760";
/** Links at a time while setting up. */
const LINK_CONCURRENCY = 4;

interface Gw {
  url: string;
  token: string;
}

async function http<T>(url: string, method: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function ok<T>(url: string, method: string, body?: unknown, token?: string): Promise<T> {
  const r = await http<T>(url, method, body, token);
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** One instance under traffic: how to write to it and where its replies go. */
interface Target {
  name: string;
  platform: "whatsapp-web" | "telegram";
  /** The thread the gateway replies to (a contact's JID, a user's chat id). */
  threadId: string;
  /** Writes `text` to the instance from its contact or user; resolves once the sandbox took it. */
  write(text: string): Promise<void>;
}

async function linkWhatsApp(gw: Gw, wa: { wsUrl: string; controlUrl: string }, i: number): Promise<Target & { phone: string }> {
  const name = `wa-${String(i).padStart(3, "0")}`;
  const phone = await ok<{ id: string }>(`${wa.controlUrl}/sandbox/phones`, "POST", {});
  const contact = await ok<{ id: string; jid: string }>(`${wa.controlUrl}/sandbox/phones/${phone.id}/contacts`, "POST", { name: `Contact ${i}` });
  await ok(`${gw.url}/v1/instances`, "POST", { name, platform: "whatsapp-web", config: { websocketUrl: wa.wsUrl, version: WA_VERSION } }, gw.token);
  await ok(`${gw.url}/v1/instances/${name}/connect`, "POST", { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 30_000 }, gw.token);
  const { qr } = await ok<{ qr: string }>(`${gw.url}/v1/instances/${name}/qr`, "GET", undefined, gw.token);
  await ok(`${wa.controlUrl}/sandbox/phones/${phone.id}/scan`, "POST", { qr });
  await untilConnected(gw, name);
  return {
    name,
    platform: "whatsapp-web",
    phone: phone.id,
    threadId: contact.jid,
    write: async (text) => {
      await ok(`${wa.controlUrl}/sandbox/phones/${phone.id}/contacts/${contact.id}/messages`, "POST", { text });
    },
  };
}

async function linkTelegram(gw: Gw, tgUrl: string, i: number): Promise<Target & { bot: number }> {
  const name = `tg-${String(i).padStart(3, "0")}`;
  const bot = (await ok<{ result: { id: number; token: string } }>(`${tgUrl}/sandbox/bots`, "POST", { username: `soak_${i}_bot` })).result;
  const user = (await ok<{ result: { id: number } }>(`${tgUrl}/sandbox/users`, "POST", { first_name: `User ${i}` })).result;
  await ok(`${gw.url}/v1/instances`, "POST", { name, platform: "telegram", config: { apiRoot: tgUrl } }, gw.token);
  await ok(`${gw.url}/v1/instances/${name}/connect`, "POST", { login: { method: "token", token: bot.token }, wait: "connected", timeoutMs: 30_000 }, gw.token);
  return {
    name,
    platform: "telegram",
    bot: bot.id,
    threadId: String(user.id),
    write: async (text) => {
      await ok(`${tgUrl}/sandbox/messages`, "POST", { bot: bot.id, from: user.id, text });
    },
  };
}

async function untilConnected(gw: Gw, name: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const v = await ok<{ status: { state: string } }>(`${gw.url}/v1/instances/${name}`, "GET", undefined, gw.token);
    if (v.status.state === "connected") return;
    if (Date.now() > end) throw new Error(`${name} is ${JSON.stringify(v.status)} after 30 s`);
    await sleep(100);
  }
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

// ---------------------------------------------------------------------------- main

const children: Child[] = [];
const spawn = (file: string, argv: string[] = []): Child => {
  const c = spawnChild(file, argv);
  children.push(c);
  return c;
};
try {
  const waSandbox = spawn("../whatsapp/sandbox-proc.js");
  const tgSandbox = spawn("../telegram/sandbox-proc.js");
  const receiver = spawn("../soak/receiver-proc.js");
  const gateway = spawn("../soak/gateway-proc.js", ["--expose-gc"]);
  const wa = await waSandbox.call<{ wsUrl: string; controlUrl: string; rootPublicKey: string }>("info");
  const tgUrl = await tgSandbox.call<string>("url");
  const gw = await gateway.call<Gw>("start", { rootPublicKey: wa.rootPublicKey });
  const hook = await receiver.call<string>("url");
  await ok(`${gw.url}/v1/webhooks`, "POST", { url: hook, types: ["message.received", "message.sent"] }, gw.token);

  const t0 = Date.now();
  const waTargets = await pool([...Array(WA).keys()], LINK_CONCURRENCY, (i) => linkWhatsApp(gw, wa, i));
  const tgTargets = await pool([...Array(TG).keys()], LINK_CONCURRENCY, (i) => linkTelegram(gw, tgUrl, i));
  const targets: Target[] = [...waTargets, ...tgTargets];
  console.error(`set up ${WA} WhatsApp Web and ${TG} Telegram instances in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(5_000); // the links' own traffic (prekeys, app state) settles

  const setupLoop = { ...(await gateway.call<{ p99Ms: number; maxMs: number }>("mark")), seconds: (Date.now() - t0) / 1000 };
  const loadBefore = loadavg();
  const samples: Sample[] = [];
  const counts: Counts = {
    inSent: 0,
    inReceived: 0,
    inLost: 0,
    inDuplicated: 0,
    outAccepted: 0,
    outFailed: 0,
    outDelivered: 0,
    outLost: 0,
    outDuplicated: 0,
    webhookRedeliveries: 0,
  };
  const inTexts = new Set<string>();
  const outTexts = new Map<string, Set<string>>(); // instance → accepted texts
  const failures = new Map<string, number>();
  /** What the sandboxes recorded of each instance's outbound texts: text → the sandbox's message ids (WhatsApp) or seqs (Telegram). */
  const delivered = new Map<string, Map<string, Set<string>>>();
  const tgCursor = new Map<number, number>();
  const record = (name: string, text: string | undefined, id: string): void => {
    if (text === undefined) return;
    const byText = delivered.get(name) ?? new Map<string, Set<string>>();
    const ids = byText.get(text) ?? new Set<string>();
    ids.add(id);
    byText.set(text, ids);
    delivered.set(name, byText);
  };
  const collectOut = async (): Promise<void> => {
    for (const t of waTargets) {
      const sent = await ok<{ messages: Array<{ id: string; text?: string }> }>(`${wa.controlUrl}/sandbox/phones/${t.phone}/sent`, "GET");
      for (const m of sent.messages) record(t.name, m.text, m.id);
    }
    for (const t of tgTargets) {
      const after = tgCursor.get(t.bot) ?? 0;
      const sent = await ok<{ result: Array<{ seq: number; message?: { message_id: number; text?: string } }> }>(`${tgUrl}/sandbox/bots/${t.bot}/sent?after=${after}`, "GET");
      for (const r of sent.result) {
        record(t.name, r.message?.text, String(r.message?.message_id ?? r.seq));
        tgCursor.set(t.bot, Math.max(tgCursor.get(t.bot) ?? 0, r.seq));
      }
    }
  };
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const fail = (what: string): void => {
    failures.set(what, (failures.get(what) ?? 0) + 1);
  };

  const startedAt = new Date().toISOString();
  const durationMs = MINUTES * 60_000;
  const trafficStart = Date.now();
  let seq = 0;
  // One tick per message slot: `2 × rate × instances` sends per second, spread evenly.
  const slots = targets.length * RATE;
  const slotMs = 1000 / slots;
  const samplesDone = (async () => {
    for (;;) {
      await sleep(SAMPLE_S * 1000);
      const s = await gateway.call<Sample>("sample");
      samples.push(s);
      await collectOut();
      const el = (Date.now() - trafficStart) / 1000;
      console.error(
        `${el.toFixed(0)} s: rss ${(s.rss / 2 ** 20).toFixed(0)} MB, heap ${(s.heapUsed / 2 ** 20).toFixed(0)}/${(s.heapTotal / 2 ** 20).toFixed(0)} MB, ` +
          `loop p99 ${s.loopP99Ms.toFixed(1)} ms, in ${counts.inSent}, out ${counts.outAccepted} (+${counts.outFailed} failed), in flight ${inFlight.size}`,
      );
      if (Date.now() - trafficStart >= durationMs) return;
      if (SNAPSHOTS && samples.length === Math.round(durationMs / 4 / (SAMPLE_S * 1000))) {
        mkdirSync(SNAPSHOTS, { recursive: true });
        await gateway.call("snapshot", { path: join(SNAPSHOTS, "soak-quarter.heapsnapshot") });
      }
    }
  })();
  for (let tick = 0; Date.now() - trafficStart < durationMs; tick++) {
    const due = trafficStart + tick * slotMs;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const target = targets[tick % targets.length] as Target;
    const n = ++seq;
    const inText = `in ${target.name} ${n}`;
    track(
      target.write(inText).then(
        () => {
          counts.inSent++;
          inTexts.add(inText);
        },
        () => fail(`write to ${target.platform}`),
      ),
    );
    const outText = `out ${target.name} ${n}`;
    track(
      http<{ messageId?: string; error?: { code: string } }>(`${gw.url}/v1/instances/${target.name}/messages`, "POST", { threadId: target.threadId, body: outText }, gw.token).then(
        (r) => {
          if (r.status < 300) {
            counts.outAccepted++;
            const set = outTexts.get(target.name) ?? new Set<string>();
            set.add(outText);
            outTexts.set(target.name, set);
          } else {
            counts.outFailed++;
            fail(`send ${target.platform}: ${r.status} ${r.body.error?.code ?? ""}`);
          }
        },
        () => {
          counts.outFailed++;
          fail(`send ${target.platform}: no answer`);
        },
      ),
    );
  }
  await samplesDone;
  await Promise.all([...inFlight]);
  const trafficEnd = Date.now();
  await sleep(10_000); // webhooks and deliveries drain
  const loadAfter = loadavg();
  // Read before the end snapshot: writing one stops the gateway's event loop for many seconds.
  const views = await ok<{ items: Array<{ status: { state: string } }> }>(`${gw.url}/v1/instances?limit=500`, "GET", undefined, gw.token);
  const connectedAtEnd = views.items.filter((v) => v.status.state === "connected").length;
  if (SNAPSHOTS) await gateway.call("snapshot", { path: join(SNAPSHOTS, "soak-end.heapsnapshot") });

  // ------------------------------------------------------------------ counting
  const tally = await receiver.call<Tally>("tally");
  const received = new Set(tally.receivedTexts);
  counts.inReceived = [...inTexts].filter((t) => received.has(t)).length;
  counts.inLost = inTexts.size - counts.inReceived;
  counts.inDuplicated = tally.received.duplicated;
  counts.webhookRedeliveries = tally.redeliveries;
  await collectOut();
  for (const t of targets) {
    const accepted = outTexts.get(t.name) ?? new Set<string>();
    const seen = delivered.get(t.name) ?? new Map<string, Set<string>>();
    const arrived = [...accepted].filter((text) => seen.has(text));
    counts.outDelivered += arrived.length;
    counts.outLost += accepted.size - arrived.length;
    counts.outDuplicated += arrived.filter((text) => (seen.get(text)?.size ?? 0) > 1).length;
  }
  const settled = await gateway.call<SoakReport["settled"]>("settled");

  const fromS = samples[0] ? samples[0].atS - SAMPLE_S : 0;
  const toS = samples.at(-1)?.atS ?? 0;
  const base = {
    commit: commit(),
    node: process.version,
    startedAt,
    durationS: Math.round((trafficEnd - trafficStart) / 1000),
    whatsapp: WA,
    telegram: TG,
    ratePerInstance: RATE,
    loadBefore,
    loadAfter,
    setupLoop,
    samples,
    slopesMbPerMin: secondHalfSlopes(samples, fromS, toS),
    loopP99MaxMs: Math.max(0, ...samples.map((s) => s.loopP99Ms)),
    counts,
    connectedAtEnd,
    instances: targets.length,
    settled,
  };
  const report: SoakReport = { ...base, targets: judge(base) };
  mkdirSync(OUT, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  writeFileSync(join(OUT, `soak-${stamp}.json`), JSON.stringify({ ...report, failures: Object.fromEntries(failures) }, null, 2));
  const md = markdown(report) + (failures.size ? `\nFailures: ${[...failures].map(([k, n]) => `${k} × ${n}`).join(", ")}` : "");
  writeFileSync(join(OUT, `soak-${stamp}.md`), md + "\n");
  console.log(md);
} finally {
  // The gateway first (it is spawned last): with the sandboxes gone first, its sessions would log their ends.
  await stopAll(...children.slice(-1));
  await stopAll(...children.slice(0, -1));
}
