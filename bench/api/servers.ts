/**
 * The two servers of the API benchmark, in one child process so the load generator has the other core:
 * - the gateway (`startServer`: SQLite in a temp dir, auth, rate limiter, idempotency hooks, metrics,
 *   logging at `warn`), with one instance `bench` of the in-memory test platform;
 * - a bare Fastify 5 server answering the same route with a constant body of the same shape.
 * Prints one JSON line `{gateway, bare, token}` once both listen. Answers the IPC message "cpu" with
 * this process's CPU time so far (user + system, µs), so the driver can charge each round's CPU to
 * the server it loaded (only one of the two has traffic at a time).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { startServer } from "../../src/server.js";
import { MemoryPlatform, memoryConnector } from "../../test/support/memory-connector.js";

const TOKEN = "sba_bench-account-token-0000000000000000000000";
const gateway = await startServer({
  dataDir: mkdtempSync(join(tmpdir(), "sb-bench-")),
  port: 0,
  secret: "bench",
  accountToken: TOKEN,
  logLevel: "warn",
  rateLimitPerMinute: 1_000_000_000,
  connectors: [memoryConnector(new MemoryPlatform())],
});
const { instance } = await gateway.gateway.createInstance({ name: "bench", platform: "memory", metadata: { team: "bench" } });

const bare = Fastify({ logger: false });
bare.get("/v1/instances/:name", async () => instance);
const bareUrl = await bare.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(JSON.stringify({ gateway: gateway.url, bare: bareUrl, token: TOKEN }) + "\n");

process.on("message", (m: unknown) => {
  if (m !== "cpu") return;
  const u = process.cpuUsage();
  process.send?.({ cpu: u.user + u.system });
});
