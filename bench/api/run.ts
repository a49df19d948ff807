/**
 * `npm run bench:api` (compiles to dist-bench/, then runs) — requests per second of `GET /v1/instances/:name` (auth + store read) on the
 * gateway against a bare Fastify route in the same run, as a ratio (target: ≥ 0.5).
 *
 * The servers run in one child process; autocannon (10 connections, pipelining 1) runs here. Rounds
 * alternate bare/gateway so drift hits both alike; the reported figure is the median of the rounds.
 * Env: BENCH_SECONDS (per round, default 5), BENCH_ROUNDS (default 3).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5);
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3);

// Compiled JavaScript (`tsc -p bench/tsconfig.json`), as in production: no loader, no transform.
const child = spawn(process.execPath, [fileURLToPath(new URL("./servers.js", import.meta.url))], {
  stdio: ["ignore", "pipe", "inherit"],
});
const info = await new Promise<{ gateway: string; bare: string; token: string }>((resolve, reject) => {
  let buf = "";
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    const line = buf.split("\n").find((l) => l.startsWith("{"));
    if (line) resolve(JSON.parse(line) as { gateway: string; bare: string; token: string });
  });
  child.on("exit", (code) => reject(new Error(`bench servers exited with ${code}`)));
});

async function measure(url: string, headers: Record<string, string>): Promise<number> {
  const r = await autocannon({ url: `${url}/v1/instances/bench`, connections: 10, pipelining: 1, duration: seconds, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r.requests.average;
}

const bare: number[] = [];
const gw: number[] = [];
await measure(info.bare, {}); // warm-up, not counted
await measure(info.gateway, { authorization: `Bearer ${info.token}` });
for (let i = 0; i < rounds; i++) {
  bare.push(await measure(info.bare, {}));
  gw.push(await measure(info.gateway, { authorization: `Bearer ${info.token}` }));
}
child.kill("SIGTERM");

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const result = {
  route: "GET /v1/instances/:name",
  seconds,
  rounds,
  bareFastifyRps: Math.round(median(bare)),
  gatewayRps: Math.round(median(gw)),
  ratio: Number((median(gw) / median(bare)).toFixed(3)),
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
console.log(result.ratio >= 0.5 ? "target met: gateway ≥ 50% of bare Fastify" : "target MISSED: gateway < 50% of bare Fastify");
