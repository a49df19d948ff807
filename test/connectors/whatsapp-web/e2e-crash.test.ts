/**
 * A WhatsApp Web logout interrupted by SIGKILL is finished on the next boot (issue 6, "What must be
 * shown" 6): a real gateway process (child-gateway.ts) with a linked instance is killed while its
 * logout is paused at a core step; a new process on the same data directory must unlink the device at
 * the sandbox phone (with the stored creds, when the kill came before the unlink) and wipe every
 * credential and key row. The sandbox lives in the test process and outlives both gateways.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type WhatsAppWebSandbox, startWhatsAppWebSandbox } from "../../../sandbox/whatsapp-web/index.js";
import { type Json, PLATFORM, SandboxControl, WA_VERSION, type WaChild, instanceId, poll, secretRows, spawnWaGateway } from "./harness.js";

let sandbox: WhatsAppWebSandbox;
let phones: SandboxControl;
let dirs: string[] = [];
let children: WaChild[] = [];
beforeAll(async () => {
  sandbox = await startWhatsAppWebSandbox({ port: 0 });
  phones = new SandboxControl(sandbox);
});
afterEach(() => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  children = [];
});
afterAll(async () => {
  await sandbox?.close();
});

async function start(data: string, pauseAt?: string): Promise<WaChild> {
  const c = await spawnWaGateway(data, sandbox, pauseAt);
  children.push(c);
  return c;
}

async function view(c: WaChild, name: string): Promise<Json> {
  const r = await c.api("GET", `/v1/instances/${name}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Creates `name` in the child, links it by QR with `phoneId`, waits until connected. */
async function linked(c: WaChild, name: string, phoneId: string): Promise<void> {
  const created = await c.api("POST", "/v1/instances", { name, platform: PLATFORM, config: { websocketUrl: sandbox.wsUrl, version: WA_VERSION } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const conn = await c.api("POST", `/v1/instances/${name}/connect`, { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
  expect(conn.status, JSON.stringify(conn.body)).toBe(200);
  const qr = await c.api("GET", `/v1/instances/${name}/qr`);
  await phones.scan(phoneId, qr.body.qr as string);
  const v = await poll(() => view(c, name), (x) => x.status.state === "connected", 10_000);
  expect(v.status.state).toBe("connected");
}

describe("whatsapp-web: SIGKILL during logout (child processes)", () => {
  it.each(["intent_stored", "remote_done", "session_closed"])(
    "a logout killed at %s is finished on the next boot: device unlinked at the phone, no secrets row",
    async (step) => {
      const dir = mkdtempSync(join(tmpdir(), "sb-wa-crash-"));
      dirs.push(dir);
      const data = join(dir, "data");
      const phone = await phones.phone();
      const first = await start(data, step);
      await linked(first, "wa", phone.id);
      const id = instanceId(data, "wa");
      expect(secretRows(data, id)).toBeGreaterThan(1);
      expect(await phones.devices(phone.id)).toHaveLength(1);

      void first.api("POST", "/v1/instances/wa/logout", {}).catch(() => undefined);
      await first.waitFor(`PAUSED ${step}`);
      first.proc.kill("SIGKILL");
      expect(await first.exited).toBe("SIGKILL");
      // Killed before the unlink: the device is still linked; after it: already gone.
      expect(await phones.devices(phone.id)).toHaveLength(step === "intent_stored" ? 1 : 0);

      const second = await start(data);
      const v = await poll(() => view(second, "wa"), (x) => x.status.state === "logged_out", 10_000);
      expect(v).toMatchObject({ hasCredentials: false, logoutPending: false, desired: "stopped", status: { state: "logged_out", reason: "user" } });
      expect(["revoked", "already_revoked"]).toContain(v.status.remote);
      expect(await poll(() => phones.devices(phone.id), (d) => d.length === 0)).toEqual([]);
      expect(secretRows(data, id)).toBe(0);
      expect(phones.loggedInTo(phone.number)).toBe(0);

      // And the instance can log in again: a new QR.
      const again = await second.api("POST", "/v1/instances/wa/connect", { login: { method: "qr" }, wait: "awaiting_login", timeoutMs: 10_000 });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect((await second.api("GET", "/v1/instances/wa/qr")).body.qr).toMatch(/2@/);
      second.proc.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    },
    60_000,
  );
});
