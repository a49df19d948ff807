/**
 * A failed platform call says why in the log: the `request failed` line of a send the Telegram Bot
 * API never answers (the sandbox cuts the connection) carries our code and message and, under
 * `causes`, the class names and codes of the errors underneath (grammY's HttpError, the fetch
 * error's ECONNRESET), and nowhere the bot token, whose URL those errors were about.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server.js";

const TOKEN = "sba_failure-logs-account-token-0123456789abcdef";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- log lines and answers are read field by field
type Json = any;

let server: RunningServer;
let dir: string;
const lines: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : null };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-failure-logs-"));
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split("\n").filter((l) => l !== ""));
      cb();
    },
  });
  server = await startServer({ sandbox: true, port: 0, dataDir: dir, accountToken: TOKEN, logLevel: "info", logDestination: destination });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the log line of a failed platform call", () => {
  it("names the underlying error classes and codes, and carries no token", async () => {
    const bot = (await api("POST", "/sandbox/telegram/bots", { username: "cut_bot" })).body.result as { id: number; token: string };
    const user = (await api("POST", "/sandbox/telegram/users", {})).body.result as { id: number };
    expect((await api("POST", "/v1/instances", { name: "cut", platform: "telegram" })).status).toBe(201);
    const connected = await api("POST", "/v1/instances/cut/connect?wait=connected", { login: { method: "token", token: bot.token } });
    expect(connected.body.status.state).toBe("connected");
    expect((await api("POST", "/sandbox/telegram/faults", { kind: "unreachable", path: `/bot${bot.token}/sendMessage` })).status).toBe(201);

    const sent = await api("POST", "/v1/instances/cut/messages", { threadId: String(user.id), body: "never arrives" });
    expect(sent.status).toBe(502);
    expect(sent.body.error.code).toBe("PLATFORM_UNREACHABLE");

    const failed = lines.map((l) => JSON.parse(l) as Json).find((l) => l.msg === "request failed" && l.code === "PLATFORM_UNREACHABLE");
    expect(failed, lines.join("\n")).toBeDefined();
    expect(failed.reason).toMatch(/may or may not have been sent/);
    expect(failed.causes[0]).toEqual({ name: "HttpError" });
    expect(failed.causes.some((c: { code?: string }) => c.code === "ECONNRESET")).toBe(true);
    for (const c of failed.causes) expect(Object.keys(c).every((k) => ["name", "code", "status"].includes(k))).toBe(true);
    expect(lines.join("\n")).not.toContain(bot.token);
  });
});
