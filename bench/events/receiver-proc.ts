/**
 * The webhook receiver of bench/events, alone in its process: a plain `node:http` server on
 * 127.0.0.1 answering 204 to every request. For each event (deduplicated on `webhook-id`) it records
 * the latency from the emit time in the event's `data.body` (a `performance.timeOrigin + now()`
 * stamp of the gateway process; both processes read the same system clock) to its arrival.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "../telegram/ipc.js";

const now = (): number => performance.timeOrigin + performance.now();

let seen = new Set<string>();
let latencies: number[] = [];
let first = 0;
let last = 0;
const waiters: Array<() => void> = [];

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const at = now();
    const id = String(req.headers["webhook-id"]);
    if (!seen.has(id)) {
      seen.add(id);
      const emitted = Number((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { body: string } }).data.body);
      latencies.push(at - emitted);
      if (first === 0) first = at;
      last = at;
      for (const w of waiters.splice(0)) w();
    }
    res.statusCode = 204;
    res.end();
  });
});
server.keepAliveTimeout = 60_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

serve(
  {
    start: async () => {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    /** CPU time of this process so far (user + system), µs. */
    cpu: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    reset: () => {
      seen = new Set();
      latencies = [];
      first = 0;
      last = 0;
    },
    /** Waits for `count` distinct events; answers the latency percentiles (ms) and the arrival span. */
    wait: async ({ count, timeoutMs }: { count: number; timeoutMs: number }) => {
      const end = Date.now() + timeoutMs;
      while (seen.size < count) {
        if (Date.now() > end) throw new Error(`only ${seen.size} of ${count} events arrived in ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      return { received: seen.size, first, last, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
    },
  },
  () => new Promise<void>((r) => server.close(() => r())),
);
