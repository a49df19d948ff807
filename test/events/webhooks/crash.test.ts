import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MEMORY_WEBHOOK_SECRET, MemoryPlatform } from "../../support/memory-connector.js";
import { Receiver } from "./support.js";

/**
 * A real gateway process, killed with SIGKILL in the middle of a burst of inbound messages whose
 * webhook deliveries lag behind; restarted on the same data directory, it must deliver every event
 * it acknowledged (and every event in its outbox), in order.
 */
const CHILD_TOKEN = "sba_webhook-crash-test-account-token-0123456789";
const BOT_TOKEN = "memory-bot-token-webhook-crash";
const entry = fileURLToPath(new URL("./child-gateway.ts", import.meta.url));

interface Child {
  proc: ChildProcess;
  url: string;
  exited: Promise<number | string>;
  stderr: () => string;
}

let children: Child[] = [];
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  for (const f of cleanup) await f();
  children = [];
  cleanup = [];
});

async function spawnGateway(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", entry], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no READY; stderr: ${err.slice(-2000)}`)), 20_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`child exited; stderr: ${err.slice(-2000)}`)));
  });
  const child = { proc, url, exited, stderr: () => err };
  children.push(child);
  return child;
}

async function api(c: Child, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(c.url + path, {
    method,
    headers: { authorization: `Bearer ${CHILD_TOKEN}`, ...(body !== undefined && { "content-type": "application/json" }) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("webhooks across a SIGKILL", () => {
  it("a gateway killed during a burst delivers every acknowledged event after the restart, in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-wh-crash-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const platformFile = join(dir, "platform.json");
    const platform = new MemoryPlatform(platformFile);
    const accountId = platform.addTokenAccount(BOT_TOKEN);
    const env = { SB_DATA: join(dir, "data"), SB_PLATFORM_FILE: platformFile };
    const receiver = await new Receiver().start();
    cleanup.push(() => receiver.close());
    receiver.delayMs = 3; // deliveries lag behind the intake

    const first = await spawnGateway(env);
    expect((await api(first, "POST", "/v1/instances", { name: "bot", platform: "memory" })).status).toBe(201);
    const connected = await api(first, "POST", "/v1/instances/bot/connect?wait=connected&timeoutMs=5000", { login: { method: "token", token: BOT_TOKEN } });
    expect(connected.body.status?.state).toBe("connected");
    const created = await api(first, "POST", "/v1/webhooks", { url: receiver.url, instance: "bot", types: ["message.received"], ordered: true });
    expect(created.status).toBe(201);

    // The burst: 4 concurrent senders; a 200 means the event is stored (acknowledged to the platform).
    const acked: number[] = [];
    let next = 0;
    let killed = false;
    const sender = async (): Promise<void> => {
      while (!killed) {
        const seq = ++next;
        try {
          const res = await fetch(`${first.url}/v1/intake/bot`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-memory-secret": MEMORY_WEBHOOK_SECRET },
            body: JSON.stringify({ seq, body: `message ${seq}` }),
          });
          if (res.status === 200 || res.status === 204) acked.push(seq);
          await res.arrayBuffer();
        } catch {
          return; // the gateway is gone
        }
      }
    };
    const senders = Array.from({ length: 4 }, () => sender());
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 5));
    first.proc.kill("SIGKILL");
    killed = true;
    expect(await first.exited).toBe("SIGKILL");
    await Promise.all(senders);
    const deliveredBeforeRestart = receiver.accepted().length;
    expect(deliveredBeforeRestart).toBeLessThan(acked.length); // the kill really left deliveries behind

    const second = await spawnGateway(env);
    const idOf = (seq: number): string => `mem:${accountId}:${seq}`;
    await receiver.until(() => acked.every((seq) => receiver.accepted().includes(idOf(seq))), 30_000, "every acknowledged event");

    // Every event in the outbox was delivered, each accepted once after dedupe, in stored order.
    const stored: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await api(second, "GET", `/v1/instances/bot/events?limit=1000&type=message.received${after ? `&after=${encodeURIComponent(after)}` : ""}`);
      expect(page.status).toBe(200);
      stored.push(...(page.body.items as Array<{ id: string }>).map((e) => e.id));
      if (!page.body.next) break;
      after = page.body.next as string;
    }
    expect(stored.length).toBeGreaterThanOrEqual(acked.length);
    await receiver.until(() => stored.every((id) => receiver.accepted().includes(id)), 30_000, "every stored event");
    expect(receiver.accepted()).toEqual(stored);
    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 90_000);
});
