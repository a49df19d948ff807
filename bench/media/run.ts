/**
 * bench/media (docs/benchmarks.md): a document of BENCH_MEDIA_MB megabytes (default 20) sent to a
 * Telegram chat through the gateway — uploaded with `POST /v1/instances/:name/media` (multipart,
 * streamed from disk), then sent with `{mediaId}` — against the same bytes sent by a bare grammY
 * `Api` (`sendDocument` with an `InputFile` of the file) to the same sandbox, in the same run,
 * BENCH_MEDIA_RUNS times each (default 3), alternating. Reports the median times, their ratio
 * (bare / gateway: 1 is as fast as the bare client), the gateway's peak memory above its level at
 * the start of each send (RSS, heap used, external), and checks the bytes at the sandbox.
 *
 * The sandbox and the gateway each run in their own process; this process is the bare client.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, openAsBlob, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { Api, InputFile } from "grammy";
import { spawnChild, stopAll, type Child } from "../telegram/ipc.js";

const MB = Number(process.env["BENCH_MEDIA_MB"] ?? 20);
const RUNS = Number(process.env["BENCH_MEDIA_RUNS"] ?? 3);
const OUT = process.env["BENCH_MEDIA_OUT"] ?? "bench-results";

type Mem = { rss: number; heapUsed: number; external: number };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number): string => (b / 2 ** 20).toFixed(1);

async function writeFile(path: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; ) {
    const chunk = randomBytes(Math.min(1 << 20, left));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, "drain");
    left -= chunk.length;
  }
  out.end();
  await once(out, "finish");
  return hash.digest("hex");
}

async function http<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

const children: Child[] = [];
const dir = mkdtempSync(join(tmpdir(), "sb-bench-media-file-"));
try {
  const sandbox = spawnChild("../media/sandbox-proc.js");
  const gateway = spawnChild("../media/gateway-proc.js");
  children.push(sandbox, gateway);
  const apiRoot = await sandbox.call<string>("url");
  const gw = await gateway.call<{ url: string; token: string }>("start");
  const auth = { authorization: `Bearer ${gw.token}` };
  const viaGateway = await sandbox.call<{ id: number; token: string; user: number }>("bot");
  const bare = await sandbox.call<{ id: number; token: string; user: number }>("bot");
  await http(`${gw.url}/v1/instances`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ name: "media", platform: "telegram", config: { apiRoot, pollTimeoutS: 5 } }) });
  await http(`${gw.url}/v1/instances/media/connect`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ login: { method: "token", token: viaGateway.token }, wait: "connected", timeoutMs: 10_000 }),
  });
  const path = join(dir, "report.pdf");
  const sha = await writeFile(path, MB * 2 ** 20);
  const api = new Api(bare.token, { apiRoot });
  const loadBefore = loadavg();
  const times = { gateway: [] as number[], bare: [] as number[] };
  const peaks: Mem[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Bare client: grammY's Api straight to the sandbox.
    let t = performance.now();
    await api.sendDocument(bare.user, new InputFile(path, "report.pdf"));
    times.bare.push(performance.now() - t);
    const bareDoc = await sandbox.call<{ sha256: string; size: number }>("lastDocument", { bot: bare.id });
    if (bareDoc.sha256 !== sha) throw new Error("the bare client's document differs at the sandbox");

    // Through the gateway: upload (multipart, streamed from disk), then send by mediaId.
    const base = await gateway.call<Mem>("resetPeak");
    t = performance.now();
    const form = new FormData();
    form.append("file", await openAsBlob(path, { type: "application/pdf" }), "report.pdf");
    const up = await http<{ mediaId: string }>(`${gw.url}/v1/instances/media/media`, { method: "POST", headers: auth, body: form });
    await http(`${gw.url}/v1/instances/media/messages`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ threadId: String(viaGateway.user), content: { type: "document", media: { mediaId: up.mediaId } } }),
    });
    times.gateway.push(performance.now() - t);
    const peak = await gateway.call<Mem>("peak");
    peaks.push({ rss: peak.rss - base.rss, heapUsed: peak.heapUsed - base.heapUsed, external: peak.external - base.external });
    const gwDoc = await sandbox.call<{ sha256: string; size: number }>("lastDocument", { bot: viaGateway.id });
    if (gwDoc.sha256 !== sha) throw new Error("the gateway's document differs at the sandbox");
  }
  const loadAfter = loadavg();
  const g = median(times.gateway);
  const b = median(times.bare);
  const ratio = b / g;
  const growth = { rss: median(peaks.map((p) => p.rss)), heapUsed: median(peaks.map((p) => p.heapUsed)), external: median(peaks.map((p) => p.external)) };
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    // not a checkout
  }
  const report = {
    commit,
    node: process.version,
    fileMb: MB,
    runs: RUNS,
    loadBefore,
    loadAfter,
    timesMs: times,
    medianMs: { gateway: g, bare: b },
    ratio,
    peakGrowthBytes: peaks,
    medianPeakGrowthBytes: growth,
    targets: { ratio: { want: "≥ 0.7", got: ratio.toFixed(2), ok: ratio >= 0.7 }, memory: { want: `peak growth well under the file (${MB} MB)`, got: `${mb(growth.rss)} MB RSS`, ok: growth.rss < (MB * 2 ** 20) / 2 } },
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `media-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(report, null, 2));
  console.log(
    [
      `### bench/media — a ${MB} MB document, ${RUNS} runs each, commit ${commit}, Node ${process.version}, load ${loadBefore.map((l) => l.toFixed(2)).join("/")} → ${loadAfter.map((l) => l.toFixed(2)).join("/")}`,
      "",
      `| | median | runs |`,
      `|---|---|---|`,
      `| bare grammY sendDocument | ${b.toFixed(0)} ms | ${times.bare.map((x) => x.toFixed(0)).join(", ")} |`,
      `| gateway: upload + send by mediaId | ${g.toFixed(0)} ms | ${times.gateway.map((x) => x.toFixed(0)).join(", ")} |`,
      "",
      `Ratio (bare / gateway): ${ratio.toFixed(2)} (target ≥ 0.7: ${ratio >= 0.7 ? "met" : "**not met**"})`,
      `Gateway peak memory above its level at the start of a send (median): RSS +${mb(growth.rss)} MB, heap used +${mb(growth.heapUsed)} MB, external + array buffers +${mb(growth.external)} MB (the file: ${MB} MB)`,
      `Bytes at the sandbox: equal to the file (SHA-256) for every send`,
    ].join("\n"),
  );
} finally {
  await stopAll(...children);
  rmSync(dir, { recursive: true, force: true });
}
