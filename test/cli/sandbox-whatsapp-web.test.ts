import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { Agent } from "node:https";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { memoryAuth, restoreWhatsAppRoot, startClient, trustSandboxRoot } from "../sandbox/whatsapp-web/helpers/baileys-client.js";

/**
 * `switchboard sandbox whatsapp-web`: the real CLI in a child process (`node --import tsx
 * src/cli/main.ts`, as test/sandbox/telegram/cli.test.ts does), used by the real Baileys client
 * through what it prints, and stopped by a signal.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");

interface Banner {
  wsUrl: string;
  controlUrl: string;
  rootPublicKey: string;
  tlsCert?: string;
  phones: { id: string; number: string }[];
}

afterAll(() => restoreWhatsAppRoot());

function run(args: string[]): { child: ChildProcessWithoutNullStreams; exited: Promise<number | null>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

async function until(pred: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("switchboard sandbox whatsapp-web", () => {
  it("prints wss URL, control URL, root key, certificate and phones (--json --tls); Baileys links through them; stops on SIGTERM", async () => {
    const proc = run(["--json", "sandbox", "whatsapp-web", "--port", "0", "--tls", "--phone", "15550007777"]);
    let doc: Banner | undefined;
    await until(
      () => {
        try {
          doc = JSON.parse(proc.stdout()) as Banner;
          return true;
        } catch {
          return false;
        }
      },
      () => `no banner: ${proc.stdout()} ${proc.stderr()}`,
    );
    const banner = doc!;
    expect(banner.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
    expect(banner.controlUrl).toBe(banner.wsUrl.replace("wss:", "https:").replace("/ws/chat", "/sandbox"));
    expect(Buffer.from(banner.rootPublicKey, "base64")).toHaveLength(32);
    expect(banner.phones).toEqual([{ id: "phone-1", number: "15550007777" }]);

    // The real client, given only what the command printed, shows a QR that the phone scans.
    trustSandboxRoot(Buffer.from(banner.rootPublicKey, "base64"));
    const agent = new Agent({ ca: banner.tlsCert });
    const client = startClient(banner.wsUrl, memoryAuth(), { agent });
    try {
      const { qr } = await client.waitFor((u) => typeof u.qr === "string", 10_000);
      // The control API is served over the same TLS certificate.
      const linked = await postWithCa(`${banner.controlUrl}/phones/phone-1/scan`, { qr }, banner.tlsCert!);
      expect(linked.status).toBe(200);
      expect(linked.json.jid).toBe("15550007777:1@s.whatsapp.net");
      await client.waitFor((u) => u.isNewLogin === true);
    } finally {
      client.end();
      agent.destroy();
    }
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 30_000);

  it("prints the URLs as text without --json and stops on SIGINT", async () => {
    const proc = run(["sandbox", "whatsapp-web", "--port", "0"]);
    await until(() => proc.stdout().includes("Ctrl-C"), () => `no banner: ${proc.stdout()} ${proc.stderr()}`);
    expect(proc.stdout()).toMatch(/^waWebSocketUrl: +ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/m);
    expect(proc.stdout()).toMatch(/^control API: +http:\/\/127\.0\.0\.1:\d+\/sandbox$/m);
    expect(proc.stdout()).toMatch(/^root public key: [A-Za-z0-9+/]{43}= /m);
    expect(proc.stdout()).not.toContain("CERTIFICATE");
    // Protocol errors are visible: a wrong intro header is logged on stderr.
    const wsUrl = /^waWebSocketUrl: +(\S+)$/m.exec(proc.stdout())![1]!;
    const ws = new WebSocket(wsUrl);
    await new Promise((r) => ws.on("open", r));
    ws.send(Uint8Array.of(0x57, 0x41, 5, 2, 0, 0, 0));
    await until(() => proc.stderr().includes("bad intro header"), () => `stderr: ${proc.stderr()}`);
    ws.terminate();
    proc.child.kill("SIGINT");
    expect(await proc.exited).toBe(0);
  }, 20_000);
});

/** POST JSON over https trusting `ca` (node:https; fetch has no per-request CA). */
async function postWithCa(url: string, body: unknown, ca: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const { request } = await import("node:https");
  const text = JSON.stringify(body);
  return new Promise((resolveRes, reject) => {
    const req = request(url, { method: "POST", ca, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } }, (res) => {
      let data = "";
      res.on("data", (c: Buffer) => (data += c.toString()));
      res.on("end", () => resolveRes({ status: res.statusCode ?? 0, json: JSON.parse(data) as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end(text);
  });
}
