import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * End to end: `switchboard serve` (the real gateway, SQLite in a temp data dir, a free port) driven
 * by the real CLI in child processes (`node --import tsx src/cli/main.ts …`, no build step).
 *
 * This covers the token banner (first and later starts), tokens, platforms, listing, the wording of
 * a new instance and of a bad login, and the error → exit-code mapping against the real error
 * envelopes. Live sessions are covered by the connectors' own end-to-end tests.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "sb-cli-e2e-"));

/** The child environment: nothing Switchboard-related inherited from the test runner. */
function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith("SWITCHBOARD_") || ["DATABASE_URL", "PORT", "HOST", "LOG_LEVEL"].includes(k)) delete env[k];
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
}

/** Starts `serve --port 0` and resolves once its banner (URL, docs, token box if any) is printed. */
async function serve(): Promise<Served> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--port", "0", "--data", dataDir, "--log-level", "info"], {
    cwd: ROOT,
    env: baseEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), 25_000);
    child.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)\nAPI docs: \S+\n/.exec(err);
      // The banner is one write; wait for the end of the box when there is one.
      if (m && (!err.includes("┌") || err.includes("┘"))) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${err}`));
    });
  });
  return { child, url, stderr: () => err, stdout: () => out };
}

/** SIGTERM, then the exit code. */
async function stop(s: Served): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  const exited = new Promise<number | null>((r) => s.child.once("exit", (code) => r(code)));
  s.child.kill("SIGTERM");
  return exited;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI against `url` with `token` (env, as a user would) and resolves with its exit code and output. */
function cli(url: string, token: string | undefined, args: string[]): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const env = baseEnv({ SWITCHBOARD_URL: url, ...(token !== undefined ? { SWITCHBOARD_TOKEN: token } : {}) });
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code, stdout, stderr }));
  });
}

let server: Served;
let token: string;

beforeAll(async () => {
  server = await serve();
  const m = /Account token \(shown once, store it now\): (\S+)/.exec(server.stderr());
  expect(m, `no token banner in:\n${server.stderr()}`).not.toBeNull();
  token = m![1]!;
}, 60_000);

afterAll(async () => {
  if (server) await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("switchboard CLI against the real gateway", { timeout: 60_000 }, () => {
  it("serve prints the account token once, boxed, with the URL and docs URL, and never logs it", () => {
    const err = server.stderr();
    expect(err).toContain(`API docs: ${server.url}/docs`);
    expect(err.split(token).length - 1).toBe(1);
    expect(err).toMatch(/┌─+┐\n│ Account token \(shown once, store it now\): /);
    expect(server.stdout()).not.toContain(token);
  });

  it("platforms and an empty instance list", async () => {
    const [platforms, platformsJson, list, listJson] = await Promise.all([
      cli(server.url, token, ["platforms"]),
      cli(server.url, token, ["--json", "platforms"]),
      cli(server.url, token, ["instances", "list"]),
      cli(server.url, token, ["instances", "list", "--json"]),
    ]);
    expect(platforms.code).toBe(0);
    expect(Array.isArray((JSON.parse(platformsJson.stdout) as { items: unknown }).items)).toBe(true);
    expect(list).toMatchObject({ code: 0, stdout: "No instances.\n", stderr: "" });
    expect(JSON.parse(listJson.stdout)).toEqual({ items: [], next: null });
  });

  it("a new instance says it was just created; a bad login is explained in words, with the field and the rule for programs", async () => {
    const created = await cli(server.url, token, ["instances", "create", "words", "--platform", "telegram"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("created words (telegram): stopped (just created, not connected yet)\nnext: switchboard instances connect words");

    const missing = await cli(server.url, token, ["instances", "connect", "words", "--login-method", "token", "--login", "{}"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: The login is not valid: login.token is required (The bot token from @BotFather). (VALIDATION_FAILED)");
    expect(missing.stderr).not.toMatch(/Expected required property/);

    const malformed = await cli(server.url, token, ["--json", "instances", "connect", "words", "--login-method", "token", "--login", '{"token":"123:short"}']);
    expect(malformed.code).toBe(1);
    const body = JSON.parse(malformed.stderr || malformed.stdout) as { error: { message: string; details: { issues: unknown[] } } };
    expect(body.error.message).toBe(
      "The login is not valid: login.token must be a bot token as @BotFather gives it: the bot's id, a colon, then 30 or more letters, digits, '_' or '-' (123456789:AAE…).",
    );
    expect(body.error.details.issues).toEqual([{ path: "/login/token", code: "format", message: expect.stringContaining("login.token must be a bot token") }]);
    expect(JSON.stringify(body)).not.toContain("123:short");
    expect((await cli(server.url, token, ["instances", "delete", "words", "--yes"])).code).toBe(0);
  });

  it("maps real API errors to exit codes: unknown platform 1, missing instance 5, bad/no token 4", async () => {
    const [unknown, unknownJson, missing, connectMissing, logoutMissing, deleteMissing, badToken, noToken, invalid] = await Promise.all([
      cli(server.url, token, ["instances", "create", "x", "--platform", "nope"]),
      cli(server.url, token, ["--json", "instances", "create", "x", "--platform", "nope"]),
      cli(server.url, token, ["instances", "get", "missing"]),
      cli(server.url, token, ["instances", "connect", "missing"]),
      cli(server.url, token, ["instances", "logout", "missing"]),
      cli(server.url, token, ["instances", "delete", "missing", "--yes"]),
      cli(server.url, "sba_not-a-real-token", ["instances", "list"]),
      cli(server.url, undefined, ["instances", "list"]),
      cli(server.url, token, ["instances", "create", "Bad Name", "--platform", "x"]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: .+ \(PLATFORM_UNKNOWN\)\n/);
    expect(unknownJson.code).toBe(1);
    expect(JSON.parse(unknownJson.stderr)).toMatchObject({ error: { code: "PLATFORM_UNKNOWN" } });
    expect(unknownJson.stdout).toBe("");
    for (const r of [missing, connectMissing, logoutMissing, deleteMissing]) {
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toContain("(INSTANCE_NOT_FOUND)");
    }
    expect(badToken.code).toBe(4);
    expect(badToken.stderr).toContain("(UNAUTHENTICATED)");
    expect(badToken.stderr).not.toContain("sba_not-a-real-token");
    expect(noToken.code).toBe(4);
    expect(noToken.stderr).toContain("hint: pass --token or set SWITCHBOARD_TOKEN");
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("(VALIDATION_FAILED)");
  });

  it("tokens create / list / revoke; a revoked token gets exit 4", async () => {
    const created = await cli(server.url, token, ["--json", "tokens", "create", "--scope", "account", "--label", "e2e"]);
    expect(created.code, created.stderr).toBe(0);
    const { token: fresh, record } = JSON.parse(created.stdout) as { token: string; record: { id: string; label: string; scope: string } };
    expect(record).toMatchObject({ label: "e2e", scope: "account" });

    const human = await cli(server.url, token, ["tokens", "create", "--scope", "account", "--label", "human"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Account token \(shown once, store it now\): sba_/);

    const list = await cli(server.url, fresh, ["tokens", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(record.id);
    expect(list.stdout).toContain("e2e");
    expect(list.stdout).not.toContain(fresh);

    expect((await cli(server.url, token, ["tokens", "create", "--scope", "instance", "--instance", "missing"])).code).toBe(5);

    const revoked = await cli(server.url, token, ["tokens", "revoke", record.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked token ${record.id}\n` });
    expect((await cli(server.url, fresh, ["instances", "list"])).code).toBe(4);
    expect((await cli(server.url, token, ["tokens", "revoke", record.id])).code).toBe(5);
  });

  it("a second start prints no token but says how to get one; the first one still works; a stopped gateway is exit 3", async () => {
    expect(await stop(server)).toBe(0);
    const url = server.url;
    server = await serve();
    expect(server.stderr()).toContain("listening on");
    expect(server.stderr()).not.toContain(token);
    expect(server.stderr()).not.toContain("┌");
    expect(server.stderr()).toContain("Account token: not shown. This data directory already has one; it was printed once, on its first start.");
    expect(server.stderr()).toContain("SWITCHBOARD_ACCOUNT_TOKEN");
    expect((await cli(server.url, token, ["instances", "list"])).code).toBe(0);

    expect(await stop(server)).toBe(0);
    const down = await cli(server.url, token, ["instances", "list"]);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`cannot reach the gateway at ${server.url}: is \`switchboard serve\` running?`);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
