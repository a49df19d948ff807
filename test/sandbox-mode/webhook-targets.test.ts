/**
 * Sandbox mode allows webhook subscriptions to private addresses (a try-out's receiver runs on
 * 127.0.0.1) unless `webhooks.allowPrivateAddresses` is false; without sandbox mode the SSRF guard
 * refuses them (docs/sandbox-mode.md, docs/events.md#ssrf-guard).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, type ServeOptions, startServer } from "../../src/server.js";

const TOKEN = "sba_sandbox-webhook-targets-token-0123456789abcdef";

const running: { server: RunningServer; dir: string }[] = [];
afterEach(async () => {
  for (const { server, dir } of running.splice(0)) {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts a gateway with `opts` and asks it for a subscription to a loopback URL; answers the status and error code. */
async function subscribeLoopback(opts: ServeOptions): Promise<{ status: number; code: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), "sb-sandbox-hooks-"));
  const server = await startServer({ port: 0, dataDir: dir, accountToken: TOKEN, logLevel: "silent", ...opts });
  running.push({ server, dir });
  const res = await fetch(`${server.url}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }),
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
}

describe("webhook targets in sandbox mode", () => {
  it("accepts a 127.0.0.1 receiver in sandbox mode", async () => {
    expect(await subscribeLoopback({ sandbox: true })).toEqual({ status: 201, code: undefined });
  });

  it("keeps the SSRF guard when sandbox mode is off, or when allowPrivateAddresses is false", async () => {
    expect(await subscribeLoopback({})).toEqual({ status: 400, code: "WEBHOOK_URL_REFUSED" });
    expect(await subscribeLoopback({ sandbox: true, webhooks: { allowPrivateAddresses: false } })).toEqual({ status: 400, code: "WEBHOOK_URL_REFUSED" });
  });
});
