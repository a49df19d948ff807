/**
 * `GET /metrics` of a running gateway: the process's memory and event-loop figures (prom-client's
 * defaults, prefixed `switchboard_`), the ArrayBuffer memory, and the per-platform session counts,
 * as an operator's Prometheus reads them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";

const TOKEN = "sba_metrics-account-token-0123456789abcdef";
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-metrics-"));
  server = await startServer({ port: 0, dataDir: dir, accountToken: TOKEN, logLevel: "silent" });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /metrics", () => {
  it("has the process's memory and event loop, and sessions per platform and status", async () => {
    for (const [name, platform] of [["tg-1", "telegram"], ["tg-2", "telegram"], ["wa-1", "whatsapp-web"]] as const) {
      const res = await fetch(`${server.url}/v1/instances`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name, platform }),
      });
      expect(res.status).toBe(201);
    }
    const body = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    for (const name of [
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_heap_size_total_bytes",
      "nodejs_external_memory_bytes",
      "process_array_buffers_bytes",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_active_handles_total",
    ]) {
      expect(body, name).toMatch(new RegExp(`^switchboard_${name}(\\{[^}]*\\})? [0-9.e+-]+$`, "m"));
    }
    expect(body).toMatch(/^switchboard_sessions\{platform="telegram",status="stopped"\} 2$/m);
    expect(body).toMatch(/^switchboard_sessions\{platform="whatsapp-web",status="stopped"\} 1$/m);
  });
});
