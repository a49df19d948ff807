/**
 * A platform is one module (issue 13): the Echo test platform (test/support/echo-platform.ts), named
 * nowhere in the gateway, is given only as an entry of the platform list — and gets sandbox mode
 * (its sandbox started, its URL the config default, `GET /sandbox` with its panel), the `/sandbox/echo`
 * proxy, its connector in `serve`, and the `switchboard sandbox echo` command.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import type { CliIo } from "../../src/cli/context.js";
import { PLATFORMS } from "../../src/platforms/index.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { echoPlatform } from "../support/echo-platform.js";

const TOKEN = "sba_platform-modules-account-token-0123456789";
const platforms = [...PLATFORMS, echoPlatform];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
type Json = any;

describe("a platform registered only through its module list entry", () => {
  let server: RunningServer;
  let dir: string;
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-modules-"));
    // The URL guard stays on: the sandbox's URL passes because it is the config default sandbox mode set.
    server = await startServer({ sandbox: true, allowPrivateUrls: false, platforms, port: 0, dataDir: dir, accountToken: TOKEN, logLevel: "silent" });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets its sandbox, its panel in GET /sandbox, its connector and its config default", async () => {
    const echo = (await api("GET", "/sandbox")).body.items.find((s: Json) => s.name === "echo");
    expect(echo).toMatchObject({ platform: "echo", proxy: "/sandbox/echo", info: { apiRoot: server.sandbox!["echo"]!.url }, panel: { title: "Echo sandbox" } });
    const platformsList = (await api("GET", "/v1/platforms")).body.items.map((p: Json) => p.platform);
    expect(platformsList).toEqual(["telegram", "whatsapp-web", "echo"]);
    const created = await api("POST", "/v1/instances", { name: "echo-one", platform: "echo" });
    expect(created.status).toBe(201);
    expect(created.body.instance.config.apiRoot).toBe(server.sandbox!["echo"]!.url);
  });

  it("is reached through the proxy, connects, and sends to its sandbox", async () => {
    const account = await api("POST", "/sandbox/echo/accounts", { name: "alice" });
    expect(account.status).toBe(201);
    await api("POST", "/v1/instances", { name: "echo-two", platform: "echo" });
    const connected = await api("POST", "/v1/instances/echo-two/connect", { login: { method: "token", token: account.body.token }, wait: "connected", timeoutMs: 5_000 });
    expect(connected.body.status).toMatchObject({ state: "connected", self: { id: account.body.id, name: "alice" } });
    const sent = await api("POST", "/v1/instances/echo-two/messages", { threadId: "bob", body: "hello bob" });
    expect(sent.status).toBe(200);
    const recorded = await api("GET", `/sandbox/echo/accounts/${account.body.id}/sent`);
    expect(recorded.body.messages).toEqual([{ to: "bob", text: "hello bob" }]);
  });

  it("gets the `switchboard sandbox echo` command, with its own flags and report", async () => {
    let out = "";
    let err = "";
    const io: CliIo = { out: (d) => void (out += String(d)), err: (t) => void (err += t), stdinIsTTY: false, stdoutIsTTY: false, prompt: async () => "" };
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const program = buildProgram(io, { platforms, sandboxStopSignal: () => stopped });
    const help = program.commands.find((c) => c.name() === "sandbox")!.commands.map((c) => c.name());
    expect(help).toEqual(["telegram", "whatsapp-web", "echo"]);
    const running = program.parseAsync(["--json", "sandbox", "echo", "--port", "0", "--account", "carol"], { from: "user" });
    const doc = await (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          return JSON.parse(out) as { apiRoot: string; accounts: Array<{ name: string; token: string }> };
        } catch {
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      throw new Error(`no report: ${out} ${err}`);
    })();
    expect(doc.accounts.map((a) => a.name)).toEqual(["carol"]);
    const me = await fetch(`${doc.apiRoot}/api/me?token=${doc.accounts[0]!.token}`);
    expect(await me.json()).toMatchObject({ name: "carol" });
    stop();
    await running;
    await expect(fetch(`${doc.apiRoot}/api/me`)).rejects.toThrow();
  });
});
