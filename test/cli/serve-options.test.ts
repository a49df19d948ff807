import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `switchboard serve` option mapping, through the real CLI in a child process (`node --import tsx
 * src/cli/main.ts serve …`, as e2e.test.ts does) and the real gateway: whether
 * `SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE` (unset, 0, false, 1) and `--sandbox` let a webhook
 * subscription target 127.0.0.1 (sandbox mode allows it unless the variable says 0/false; without
 * sandbox mode the SSRF guard refuses it unless the variable says 1). docs/sandbox-mode.md.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const TOKEN = "sba_cli-serve-options-token-0123456789abcdef";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The child's environment: nothing Switchboard-related inherited, the account token preset, `extra` added. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const out = { ...process.env };
  for (const k of Object.keys(out)) {
    if (k.startsWith("SWITCHBOARD_") || ["DATABASE_URL", "PORT", "HOST", "LOG_LEVEL"].includes(k)) delete out[k];
  }
  return { ...out, NO_COLOR: "1", SWITCHBOARD_ACCOUNT_TOKEN: TOKEN, ...extra };
}

/**
 * Runs `serve --port 0 <args>` with `extra` in its environment, asks it for a subscription to
 * `http://127.0.0.1:9/hook` and stops it (SIGTERM).
 * @returns the HTTP status and error code of the create answer.
 */
async function subscribeLoopback(args: string[], extra: Record<string, string>): Promise<{ status: number; code: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), "sb-cli-serve-"));
  dirs.push(dir);
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--port", "0", "--data", dir, "--log-level", "silent", ...args], {
    cwd: ROOT,
    env: env(extra),
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    let err = "";
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), 30_000);
      child.stderr.on("data", (c: Buffer) => {
        err += c.toString();
        const m = /listening on (http:\/\/\S+)\n/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}:\n${err}`));
      });
    });
    const res = await fetch(`${url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }),
    });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  }
}

const ACCEPTED = { status: 201, code: undefined };
const REFUSED = { status: 400, code: "WEBHOOK_URL_REFUSED" };

describe("serve: SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE", { timeout: 60_000 }, () => {
  it("with --sandbox: unset allows private targets; 0 and false keep the SSRF guard on", async () => {
    expect(await subscribeLoopback(["--sandbox"], {})).toEqual(ACCEPTED);
    expect(await subscribeLoopback(["--sandbox"], { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: "0" })).toEqual(REFUSED);
    expect(await subscribeLoopback(["--sandbox"], { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: "false" })).toEqual(REFUSED);
  });

  it("with --sandbox, 1 allows them; without it, unset refuses them and 1 allows them", async () => {
    expect(await subscribeLoopback(["--sandbox"], { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: "1" })).toEqual(ACCEPTED);
    expect(await subscribeLoopback([], {})).toEqual(REFUSED);
    expect(await subscribeLoopback([], { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: "1" })).toEqual(ACCEPTED);
  });
});

/** Runs `serve --port 0 <args>`: resolves with its stderr and exit code once it exits, or with its URL once it listens (then `stop()` ends it). */
async function serveWith(args: string[], extra: Record<string, string> = {}): Promise<{ url?: string; stderr: string; code?: number | null; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "sb-cli-serve-"));
  dirs.push(dir);
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--port", "0", "--data", dir, "--log-level", "silent", ...args], {
    cwd: ROOT,
    env: env(extra),
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  let stderr = "";
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve neither started nor exited:\n${stderr}`)), 30_000);
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      // The banner is one write; its last part is the account token line.
      const m = /listening on (http:\/\/\S+)\n/.exec(stderr);
      if (m && /Account token/.test(stderr)) {
        clearTimeout(timer);
        resolveRun({ url: m[1]!, stderr, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      resolveRun({ stderr, code, stop });
    });
  });
}

describe("serve: --compat", { timeout: 60_000 }, () => {
  it("an unknown profile, or wwebjs without --compat-instance, is a usage error (exit 2) naming what to give", async () => {
    const unknown = await serveWith(["--compat", "ryze,evolution"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown compat profile 'evolution': choose from ryze, wwebjs/);
    const unbound = await serveWith([], { SWITCHBOARD_COMPAT: "wwebjs" });
    expect(unbound.code).toBe(2);
    expect(unbound.stderr).toMatch(/--compat-instance <name>/);
    const stray = await serveWith(["--compat", "ryze", "--compat-instance", "session"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--compat-instance is for the wwebjs profile/);
  });

  it("serves the named profiles and says so in the banner", async () => {
    const run = await serveWith(["--compat", "ryze,wwebjs", "--compat-instance", "session"]);
    try {
      expect(run.url, run.stderr).toBeDefined();
      expect(run.stderr).toContain(`Compat profile ryze: ${run.url}/api/instance/…`);
      expect(run.stderr).toContain(`Compat profile wwebjs for instance 'session'`);
      const ryze = await fetch(`${run.url}/api/instance/logout/nobody`, { method: "DELETE", headers: { token: TOKEN } });
      expect(ryze.status).toBe(404);
      expect(await ryze.json()).toEqual({ success: false, error: { message: "Instance not found" } });
      const state = await fetch(`${run.url}/api/state`, { headers: { "x-api-key": TOKEN } });
      expect(await state.json()).toEqual({ state: "stopped", ready: false, qr: null, info: null });
    } finally {
      await run.stop();
    }
  });
});
