import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryPlatform } from "../support/memory-connector.js";
import { spawnGateway, type Child } from "../support/child.js";

/**
 * Real processes, real SIGKILL / SIGTERM: a gateway child is killed at each step of a logout and
 * restarted on the same data directory; the logout must be finished on boot.
 */
const BOT_TOKEN = "memory-bot-token-PLAINTEXT-MARKER-4242";

let dirs: string[] = [];
let children: Child[] = [];
afterEach(() => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  children = [];
});

function setup(): { data: string; platformFile: string; platform: MemoryPlatform; accountId: string } {
  const dir = mkdtempSync(join(tmpdir(), "sb-crash-"));
  dirs.push(dir);
  const platformFile = join(dir, "platform.json");
  const platform = new MemoryPlatform(platformFile);
  const accountId = platform.addTokenAccount(BOT_TOKEN);
  return { data: join(dir, "data"), platformFile, platform, accountId };
}

async function start(data: string, platformFile: string, pauseAt?: string): Promise<Child> {
  const c = await spawnGateway({ SB_DATA: data, SB_PLATFORM_FILE: platformFile, ...(pauseAt ? { SB_PAUSE_AT: pauseAt } : {}) });
  children.push(c);
  return c;
}

/** Every byte of every file in the data directory (database, WAL, shared memory, lock). */
function rawFiles(data: string): Buffer {
  return Buffer.concat(readdirSync(data).map((f) => readFileSync(join(data, f))));
}

function secretRows(data: string): number {
  const db = new Database(join(data, "switchboard.db"), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("select count(*) as n from secrets").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function connectBot(c: Child): Promise<void> {
  expect((await c.api("POST", "/v1/instances", { name: "bot", platform: "memory" })).status).toBe(201);
  const r = await c.api("POST", "/v1/instances/bot/connect?wait=connected&timeoutMs=5000", { login: { method: "token", token: BOT_TOKEN } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.status.state).toBe("connected");
}

describe("crash recovery (child processes)", () => {
  it.each(["intent_stored", "remote_done", "session_closed", "wiped"])(
    "a logout killed with SIGKILL at %s is finished on the next boot",
    async (step) => {
      const { data, platformFile, platform, accountId } = setup();
      const first = await start(data, platformFile, step);
      await connectBot(first);
      expect(secretRows(data)).toBeGreaterThan(0);
      expect(rawFiles(data).includes(Buffer.from(BOT_TOKEN))).toBe(false); // never plaintext at rest
      void first.api("POST", "/v1/instances/bot/logout", {}).catch(() => undefined);
      await first.waitFor(`PAUSED ${step}`);
      first.proc.kill("SIGKILL");
      expect(await first.exited).toBe("SIGKILL");

      const second = await start(data, platformFile);
      const v = await second.api("GET", "/v1/instances/bot");
      expect(v.status).toBe(200);
      expect(v.body).toMatchObject({ hasCredentials: false, logoutPending: false, desired: "stopped", status: { state: "logged_out", reason: "user" } });
      expect(["revoked", "already_revoked"]).toContain(v.body.status.remote);
      expect(platform.isRevoked(accountId)).toBe(true);
      expect(secretRows(data)).toBe(0);
      // Logging out again answers the same, and connect starts a fresh login.
      const again = await second.api("POST", "/v1/instances/bot/logout", {});
      expect(again.body).toMatchObject({ status: "logged_out", credentialsWiped: true, remote: v.body.status.remote });
      second.proc.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    },
    60_000,
  );

  it("a delete killed mid-logout is purged on the next boot", async () => {
    const { data, platformFile } = setup();
    const first = await start(data, platformFile, "session_closed");
    await connectBot(first);
    void first.api("DELETE", "/v1/instances/bot").catch(() => undefined);
    await first.waitFor("PAUSED session_closed");
    first.proc.kill("SIGKILL");
    await first.exited;
    const second = await start(data, platformFile);
    expect((await second.api("GET", "/v1/instances/bot")).body.error.code).toBe("INSTANCE_NOT_FOUND");
    expect(secretRows(data)).toBe(0);
  }, 60_000);

  it("SIGTERM closes sessions, keeps credentials, and the next start restores the session", async () => {
    const { data, platformFile, platform } = setup();
    const first = await start(data, platformFile);
    await connectBot(first);
    const t0 = Date.now();
    first.proc.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(secretRows(data)).toBeGreaterThan(0);
    expect(platform.state.logoutCalls).toBe(0);

    const second = await start(data, platformFile);
    let state = "";
    for (let i = 0; i < 100 && state !== "connected"; i++) {
      state = (await second.api("GET", "/v1/instances/bot")).body.status.state;
      if (state !== "connected") await new Promise((r) => setTimeout(r, 20));
    }
    expect(state).toBe("connected");
    expect(platform.state.logoutCalls).toBe(0);
  }, 60_000);

  it("a second gateway on the same data directory refuses to start", async () => {
    const { data, platformFile } = setup();
    await start(data, platformFile);
    const second = await spawnGateway({ SB_DATA: data, SB_PLATFORM_FILE: platformFile }, false);
    children.push(second);
    expect(await second.exited).not.toBe(0);
    expect(second.stderr()).toMatch(/already using the data directory/);
  }, 60_000);
});
