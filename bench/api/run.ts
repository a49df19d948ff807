/**
 * `npm run bench:api` (compiles to dist-bench/, then runs) — `GET /v1/instances/:name` (auth, rate
 * limit, access check, validation, the view, metrics) on the gateway against a bare Fastify route
 * answering the same body, in the same run, as ratios:
 * - requests per second (target: ≥ 0.5), with autocannon as the load;
 * - CPU time per request of the server process (user + system, µs; both servers live in one child
 *   process and only one has traffic at a time), which depends less on what else the machine runs
 *   and on how much of the second core the load generator takes.
 *
 * The servers run in one child process; autocannon (10 connections, pipelining 1) runs here. Rounds
 * alternate bare/gateway (which goes first alternates too) so drift hits both alike; the reported
 * figures are the medians of the rounds. Env: BENCH_SECONDS (per round, default 5), BENCH_ROUNDS
 * (default 5), BENCH_PIN (default on where `taskset` and two CPUs exist; 0 turns it off).
 */
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5);
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5);

// Compiled JavaScript (`tsc -p bench/tsconfig.json`), as in production: no loader, no transform.
// The servers on CPU 1 and this process (autocannon) on CPU 0 (`taskset`, when there are two CPUs
// and BENCH_PIN is not 0), so the two never share a core and the scheduler does not move them.
const pin = process.env["BENCH_PIN"] !== "0" && availableParallelism() >= 2 && spawnSync("taskset", ["-V"]).status === 0;
const serversJs = fileURLToPath(new URL("./servers.js", import.meta.url));
const child = pin
  ? spawn("taskset", ["-c", "1", process.execPath, serversJs], { stdio: ["ignore", "pipe", "inherit", "ipc"] })
  : spawn(process.execPath, [serversJs], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
if (pin) spawn("taskset", ["-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
const info = await new Promise<{ gateway: string; bare: string; token: string }>((resolve, reject) => {
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    const line = buf.split("\n").find((l) => l.startsWith("{"));
    if (line) resolve(JSON.parse(line) as { gateway: string; bare: string; token: string });
  });
  child.on("exit", (code) => reject(new Error(`bench servers exited with ${code}`)));
});

/** The server process's CPU time so far, µs. */
function serverCpu(): Promise<number> {
  return new Promise((resolve) => {
    child.once("message", (m: { cpu: number }) => resolve(m.cpu));
    child.send("cpu");
  });
}

interface Round {
  rps: number;
  cpuUsPerRequest: number;
}

async function measure(url: string, headers: Record<string, string>): Promise<Round> {
  const cpu0 = await serverCpu();
  const r = await autocannon({ url: `${url}/v1/instances/bench`, connections: 10, pipelining: 1, duration: seconds, headers });
  const cpu1 = await serverCpu();
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: r.requests.average, cpuUsPerRequest: (cpu1 - cpu0) / r.requests.total };
}

const load0 = loadavg()[0] ?? 0;
const bare: Round[] = [];
const gw: Round[] = [];
const bareRun = (): Promise<Round> => measure(info.bare, {});
const gwRun = (): Promise<Round> => measure(info.gateway, { authorization: `Bearer ${info.token}` });
await bareRun(); // warm-up, not counted
await gwRun();
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    bare.push(await bareRun());
    gw.push(await gwRun());
  } else {
    gw.push(await gwRun());
    bare.push(await bareRun());
  }
}
child.kill("SIGTERM");

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const result = {
  route: "GET /v1/instances/:name",
  seconds,
  rounds,
  bareFastifyRps: Math.round(median(bare.map((r) => r.rps))),
  gatewayRps: Math.round(median(gw.map((r) => r.rps))),
  ratio: Number((median(gw.map((r) => r.rps)) / median(bare.map((r) => r.rps))).toFixed(3)),
  bareCpuUsPerRequest: Number(median(bare.map((r) => r.cpuUsPerRequest)).toFixed(1)),
  gatewayCpuUsPerRequest: Number(median(gw.map((r) => r.cpuUsPerRequest)).toFixed(1)),
  cpuRatio: Number((median(bare.map((r) => r.cpuUsPerRequest)) / median(gw.map((r) => r.cpuUsPerRequest))).toFixed(3)),
  roundsRps: { bare: bare.map((r) => Math.round(r.rps)), gateway: gw.map((r) => Math.round(r.rps)) },
  load: { start: Number(load0.toFixed(2)), end: Number((loadavg()[0] ?? 0).toFixed(2)) },
  pinned: pin,
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
console.log(result.ratio >= 0.5 ? "target met: gateway ≥ 50% of bare Fastify" : "target MISSED: gateway < 50% of bare Fastify");
