/**
 * The one connector contract suite (issue 13), in the spirit of the store contract suite: every
 * connector, driven through its own sandbox by a small driver ({@link ContractDriver}), passes the
 * same scenarios against the real core (SQLite store, vault, Gateway). A platform that cannot do a
 * scenario declares the skip with its reason, and the reason is printed with the skipped test.
 *
 * Scenarios: login and restore; inbound messages exactly once across close/connect and across a
 * gateway restart; send; close keeps credentials; logout reports its outcome and the raw database
 * holds no credential afterwards; remote revocation → `logged_out {reason: remote}`; takeover →
 * `conflict` with no reconnect loop; an unreachable platform → `LOGOUT_UNCONFIRMED` unless `force`;
 * a login that runs out → `stopped {reason: login_expired}` with no loop; a process killed during
 * logout finishes it on the next boot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InstanceView } from "../../src/core/api.js";
import type { Connector, Credentials, LoginRequest } from "../../src/core/connector.js";
import { type OutboundContent, TEXT_ONLY } from "../../src/core/messages.js";
import { Gateway } from "../../src/core/gateway.js";
import type { StatusState } from "../../src/core/status.js";
import type { EventEnvelope } from "../../src/events/types.js";
import { UrlGuard } from "../../src/net/url-guard.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { vaultCredentialStore } from "../../src/vault/credential-store.js";
import { vaultSecretSealer } from "../../src/vault/secret-sealer.js";
import { Vault } from "../../src/vault/vault.js";
import { rawFiles } from "../support/raw-files.js";
import { type ChildHandle, spawnContractChild } from "./contract-child-handle.js";

/** The scenarios, by id (the keys of {@link ContractDriver.skips}). */
export type Scenario =
  | "login-restore"
  | "inbound-once"
  | "send"
  | "close-keeps"
  | "logout"
  | "remote-revocation"
  | "takeover"
  | "unreachable"
  | "login-expiry"
  | "kill-during-logout"
  | "content-out"
  | "content-in";

/**
 * What the other side saw the instance do, in the message model's terms (the driver maps its
 * sandbox's records): a message of a content type (with the message it quotes), a reaction, an
 * edit, a deletion.
 */
export type SeenByOtherSide =
  | { type: "text"; text: string; replyTo?: string }
  | { type: "location"; latitude: number; longitude: number; name?: string }
  | { type: "contact"; phone?: string }
  | { type: "reaction"; messageId: string; emoji: string }
  | { type: "edit"; messageId: string; text: string }
  | { type: "delete"; messageId: string };

/** What the other side can send the instance besides text. */
export type OtherSideContent = { type: "location"; latitude: number; longitude: number } | { type: "contact"; phone: string; name: string } | { type: "reply"; text: string; replyTo: string };

/**
 * The verbs a driver needs to log an instance in, over an in-process gateway or a child process's
 * REST API alike.
 */
export interface GatewayHandle {
  connect(name: string, login?: LoginRequest, wait?: "awaiting_login" | "connected"): Promise<InstanceView>;
  /** The pending QR of a QR login. */
  qr(name: string): Promise<string>;
  view(name: string): Promise<InstanceView>;
}

/** How a platform is driven from the outside (its sandbox's control API and the like). */
export interface ContractDriver {
  /** The platform id, printed in the suite's name. */
  platform: string;
  /** Starts the platform (its sandbox), once for the suite. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A fresh connector pointed at the platform (one per gateway). */
  connector(): Connector;
  /** The config of a new instance (pointing at the sandbox). */
  config(): Record<string, unknown>;
  /** The config of the instance of one scenario, when it differs (e.g. short QR codes for login-expiry). */
  configFor?(scenario: Scenario): Record<string, unknown> | undefined;
  /** Makes an account at the platform and logs `name` in until it is connected (QR scan, token, …). */
  login(gw: GatewayHandle, name: string): Promise<void>;
  /**
   * The other side writes `text` to the account of `name` (a user, a contact). Resolves once the
   * platform took it; `whileClosed`: the instance has no session now (the platform keeps it).
   */
  inbound(name: string, text: string, whileClosed: boolean): Promise<void>;
  /** Where the instance replies to the other side (a `threadId`). */
  thread(name: string): string;
  /** What the other side saw the instance send, react, edit and delete, oldest first (content scenarios). */
  seen?(name: string): Promise<SeenByOtherSide[]>;
  /** The other side sends `content` (content scenarios). */
  inboundContent?(name: string, content: OtherSideContent): Promise<void>;
  /** The texts the other side received from the instance so far. */
  delivered(name: string): Promise<string[]>;
  /** What `logout` answers as `remote` for a logged-in instance. */
  remoteLogout: "revoked" | "not_supported";
  /** Whether, after `logout`, the platform no longer lets the old session in (an unlink, a revocation). */
  endedAtPlatform?(name: string): Promise<boolean>;
  /** Strings of the instance's credentials that must not rest anywhere once it logged out. */
  secrets(name: string): string[];
  /** The platform ends the session (device removed, token revoked). */
  revoke?(name: string): Promise<void>;
  /** Another client takes the session over with the instance's `credentials`; returns a function that ends that client. */
  takeOver?(name: string, credentials: Credentials): Promise<() => Promise<void>>;
  /** The platform stops answering (`true`) or answers again (`false`). */
  unreachable?(on: boolean): Promise<void>;
  /** Starts a login on `name` that will run out without being completed (a short QR schedule…). */
  expiringLogin?(gw: GatewayHandle, name: string): Promise<void>;
  /** What the child gateway of the kill scenario needs: its driver module and environment. */
  child?(): { driverModule: string; env: Record<string, string> };
  /** Scenarios this platform cannot do, with the reason (printed). */
  skips: Partial<Record<Scenario, string>>;
}

const VAULT_KEY = Buffer.alloc(32, 7);

/** A gateway over a SQLite store in `dir`, as `serve` builds it, with a fast backoff. */
async function openGateway(dir: string, connector: Connector): Promise<{ gateway: Gateway; store: Store; events: EventEnvelope[] }> {
  const store = await openStore({ dataDir: dir });
  const vault = new Vault(VAULT_KEY);
  store.useSealer(vaultSecretSealer(vault));
  const events: EventEnvelope[] = [];
  const gateway = new Gateway({
    store,
    credentials: vaultCredentialStore(store.secrets, vault),
    connectors: [connector],
    urlGuard: new UrlGuard({ allowPrivate: true }), // the sandboxes listen on 127.0.0.1
    policy: { baseMs: 50, capMs: 200, debounceMs: 0, maxAttempts: 1000 },
    timeouts: { platformCallMs: 3_000, closeMs: 3_000, shutdownMs: 5_000 },
  });
  gateway.bus.subscribe((e) => events.push(e.envelope));
  await gateway.start();
  return { gateway, store, events };
}

/** The in-process handle. */
function handleOf(gateway: () => Gateway): GatewayHandle {
  return {
    connect: (name, login, wait) => gateway().connect(name, { ...(login ? { login } : {}), ...(wait ? { wait, timeoutMs: 20_000 } : {}) }),
    qr: async (name) => (await gateway().qr(name)).qr,
    view: (name) => gateway().getInstance(name),
  };
}

/** Whether what the other side saw (`got`) is the expected item `want` (numbers to 4 decimals). */
function matches(got: SeenByOtherSide, want: SeenByOtherSide): boolean {
  if (got.type !== want.type) return false;
  if (want.type === "location" && got.type === "location") return Math.abs(got.latitude - want.latitude) < 1e-4 && Math.abs(got.longitude - want.longitude) < 1e-4;
  return Object.entries(want).every(([k, v]) => (got as Record<string, unknown>)[k] === v);
}

/** Polls `fn` until it answers a truthy value, or fails after `ms`. */
export async function until<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs the contract on `driver`. Every scenario works on its own instance in a fresh data
 * directory; skipped scenarios print the platform's reason in their name.
 */
export function connectorContract(driver: ContractDriver): void {
  describe(`connector contract: ${driver.platform}`, () => {
    let dir: string;
    let gw: { gateway: Gateway; store: Store; events: EventEnvelope[] };
    const cleanups: Array<() => Promise<void>> = [];
    const handle = handleOf(() => gw.gateway);
    let seq = 0;

    beforeAll(() => driver.start(), 60_000);
    afterAll(() => driver.stop(), 30_000);
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    });

    /** A fresh gateway in a fresh data directory, and a new instance `name` on it. */
    async function fresh(prefix: string, scenario?: Scenario): Promise<string> {
      dir = mkdtempSync(join(tmpdir(), `sb-contract-${driver.platform}-`));
      gw = await openGateway(dir, driver.connector());
      const d = dir;
      const g = gw;
      cleanups.push(async () => {
        await g.gateway.shutdown();
        await g.store.close();
        rmSync(d, { recursive: true, force: true });
      });
      const name = `${prefix}-${++seq}`;
      const config = (scenario && driver.configFor?.(scenario)) ?? driver.config();
      await gw.gateway.createInstance({ name, platform: driver.platform, config });
      return name;
    }
    /** Closes the gateway and opens a new one on the same store file (a restart). */
    async function restart(): Promise<void> {
      await gw.gateway.shutdown();
      await gw.store.close();
      gw = await openGateway(dir, driver.connector());
      const g = gw;
      cleanups.push(async () => {
        await g.gateway.shutdown();
        await g.store.close();
      });
    }
    const state = async (name: string): Promise<StatusState> => (await gw.gateway.getInstance(name)).status.state;
    const received = (name: string, text: string): EventEnvelope[] =>
      gw.events.filter((e) => e.instance === name && e.type === "message.received" && (e.data as { body?: string }).body === text);
    const storedReceived = async (name: string, text: string): Promise<number> => {
      const all = await gw.store.events.list((await gw.store.instances.get(name))!.id, { limit: 1000 });
      return all.filter((e) => e.envelope.type === "message.received" && (e.envelope.data as { body?: string }).body === text).length;
    };
    const idOf = async (name: string): Promise<string> => (await gw.store.instances.get(name))!.id;

    const scenario = (id: Scenario, title: string, fn: () => Promise<void>, timeoutMs = 60_000): void => {
      const reason = driver.skips[id];
      if (reason !== undefined) it.skip(`${title} — skipped: ${reason}`, () => {});
      else it(title, fn, timeoutMs);
    };

    scenario("login-restore", "login, then close and connect again: restored from the stored credentials, no login asked", async () => {
      const name = await fresh("restore");
      await driver.login(handle, name);
      expect((await gw.gateway.getInstance(name)).hasCredentials).toBe(true);
      await gw.gateway.close(name);
      const view = await gw.gateway.connect(name, { wait: "connected", timeoutMs: 20_000 });
      expect(view.status.state).toBe("connected");
      expect(gw.events.filter((e) => e.instance === name && e.type === "instance.qr" && e.ts > view.updatedAt)).toEqual([]);
    });

    scenario("inbound-once", "inbound messages arrive exactly once: while connected, sent while closed, and across a gateway restart", async () => {
      const name = await fresh("inbound");
      await driver.login(handle, name);
      await driver.inbound(name, "one", false);
      await until(() => received(name, "one").length > 0, 10_000, "message one");
      await gw.gateway.close(name);
      await driver.inbound(name, "two", true);
      await gw.gateway.connect(name, { wait: "connected", timeoutMs: 20_000 });
      await until(() => received(name, "two").length > 0, 10_000, "message two, sent while closed");
      await restart();
      await gw.gateway.connect(name, { wait: "connected", timeoutMs: 20_000 });
      await driver.inbound(name, "three", false);
      await until(async () => (await storedReceived(name, "three")) > 0, 10_000, "message three after the restart");
      await new Promise((r) => setTimeout(r, 300));
      expect([await storedReceived(name, "one"), await storedReceived(name, "two"), await storedReceived(name, "three")]).toEqual([1, 1, 1]);
    });

    scenario("send", "send: the other side receives the text, and a message.sent event is stored", async () => {
      const name = await fresh("send");
      await driver.login(handle, name);
      await driver.inbound(name, "hello", false); // the other side is known to the account
      await until(() => received(name, "hello").length > 0, 10_000, "the first message");
      const sent = await gw.gateway.send(name, { threadId: driver.thread(name), content: { type: "text", text: "reply from the contract" } });
      expect(sent.messageId).not.toBe("");
      await until(async () => (await driver.delivered(name)).includes("reply from the contract"), 10_000, "the reply at the platform");
      expect(gw.events.some((e) => e.instance === name && e.type === "message.sent" && (e.data as { messageId?: string }).messageId === sent.messageId)).toBe(true);
    });

    scenario("content-out", "contents and operations: each declared content type, a reply, a reaction, an edit and a delete reach the other side", async () => {
      const name = await fresh("content-out");
      const support = gw.gateway.platforms().find((p) => p.platform === driver.platform)?.capabilities.messages ?? TEXT_ONLY;
      await driver.login(handle, name);
      await driver.inbound(name, "say something", false);
      const theirs = await until(() => received(name, "say something")[0], 10_000, "the first message");
      const theirId = (theirs.data as { messageId: string }).messageId;
      const threadId = driver.thread(name);
      const expected: SeenByOtherSide[] = [];
      const send = (content: OutboundContent, replyTo?: string) => gw.gateway.send(name, { threadId, content, ...(replyTo ? { replyTo } : {}) });
      const first = await send({ type: "text", text: "content scenario" });
      expected.push({ type: "text", text: "content scenario" });
      if (support.send.includes("location")) {
        await send({ type: "location", latitude: 48.8584, longitude: 2.2945 });
        expected.push({ type: "location", latitude: 48.8584, longitude: 2.2945 });
      }
      if (support.send.includes("contact")) {
        await send({ type: "contact", vcard: "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada Lovelace\r\nTEL:+15550001111\r\nEND:VCARD", displayName: "Ada Lovelace" });
        expected.push({ type: "contact", phone: "+15550001111" });
      }
      if (support.operations.includes("reply")) {
        await send({ type: "text", text: "a reply" }, theirId);
        expected.push({ type: "text", text: "a reply", replyTo: theirId });
      }
      if (support.send.includes("reaction")) {
        await send({ type: "reaction", messageId: theirId, emoji: "👍" });
        expected.push({ type: "reaction", messageId: theirId, emoji: "👍" });
      }
      if (support.operations.includes("edit")) {
        await gw.gateway.editMessage(name, { threadId, messageId: first.messageId, text: "content scenario, edited" });
        expected.push({ type: "edit", messageId: first.messageId, text: "content scenario, edited" });
      }
      if (support.operations.includes("delete")) {
        await gw.gateway.deleteMessage(name, { threadId, messageId: first.messageId });
        expected.push({ type: "delete", messageId: first.messageId });
      }
      const seen = await until(async () => {
        const s = await driver.seen!(name);
        return expected.every((x) => s.some((y) => matches(y, x))) ? s : null;
      }, 15_000, `the other side seeing ${JSON.stringify(expected)}`);
      expect(seen.length).toBeGreaterThanOrEqual(expected.length);
      // What the platform lacks is refused before anything is sent, naming the platform.
      const missing = (["location", "contact", "reaction"] as const).find((t) => !support.send.includes(t));
      if (missing) await expect(send(missing === "reaction" ? { type: "reaction", messageId: theirId, emoji: "👍" } : { type: "location", latitude: 1, longitude: 2 })).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
      await expect(send({ type: "image", media: { url: "https://example.com/a.jpg" } })).rejects.toMatchObject({ code: "NOT_SUPPORTED", details: { contentType: "image" } });
      const events = gw.events.filter((e) => e.instance === name);
      if (support.operations.includes("edit")) expect(events.some((e) => e.type === "message.edited")).toBe(true);
      if (support.operations.includes("delete")) expect(events.some((e) => e.type === "message.deleted")).toBe(true);
    });

    scenario("content-in", "contents from the other side: a location, a contact and a reply arrive with their content", async () => {
      const name = await fresh("content-in");
      await driver.login(handle, name);
      await driver.inbound(name, "first", false);
      const firstEvent = await until(() => received(name, "first")[0], 10_000, "the first message");
      const firstId = (firstEvent.data as { messageId: string }).messageId;
      await driver.inboundContent!(name, { type: "location", latitude: 52.52, longitude: 13.405 });
      await driver.inboundContent!(name, { type: "contact", phone: "+15550002222", name: "Grace Hopper" });
      await driver.inboundContent!(name, { type: "reply", text: "replying", replyTo: firstId });
      const contents = () =>
        gw.events.filter((e) => e.instance === name && e.type === "message.received").map((e) => e.data as { content?: { type: string; latitude?: number; vcard?: string }; replyTo?: { messageId: string }; body: string });
      await until(() => contents().length >= 4, 10_000, "the three messages");
      const all = contents();
      expect(all.find((d) => d.content?.type === "location")?.content).toMatchObject({ latitude: 52.52, longitude: 13.405 });
      expect(all.find((d) => d.content?.type === "contact")?.content?.vcard).toContain("+15550002222");
      expect(all.find((d) => d.body === "replying")?.replyTo).toEqual({ messageId: firstId });
      expect(all.find((d) => d.body === "first")?.content).toEqual({ type: "text", text: "first" });
    });

    scenario("close-keeps", "close ends the local session only: credentials kept, status stopped, nothing ended at the platform", async () => {
      const name = await fresh("close");
      await driver.login(handle, name);
      const closed = await gw.gateway.close(name);
      expect(closed.status).toMatchObject({ state: "stopped", reason: "user" });
      expect(closed.hasCredentials).toBe(true);
      expect(await gw.store.secrets.count(await idOf(name))).toBeGreaterThan(0);
      if (driver.endedAtPlatform) expect(await driver.endedAtPlatform(name)).toBe(false);
    });

    scenario("logout", `logout answers remote: ${driver.remoteLogout}, wipes the credentials, and the raw database holds none of them`, async () => {
      const name = await fresh("logout");
      await driver.login(handle, name);
      const secrets = driver.secrets(name);
      const out = await gw.gateway.logout(name);
      expect(out).toEqual({ instance: name, status: "logged_out", remote: driver.remoteLogout, credentialsWiped: true });
      expect((await gw.gateway.getInstance(name)).hasCredentials).toBe(false);
      expect(await gw.store.secrets.count(await idOf(name))).toBe(0);
      if (driver.endedAtPlatform) expect(await driver.endedAtPlatform(name)).toBe(true);
      const again = await gw.gateway.logout(name);
      expect(again.remote).toBe(driver.remoteLogout);
      const disk = rawFiles(dir);
      for (const s of secrets) expect(disk.includes(s), "a credential rests on disk after logout").toBe(false);
    });

    scenario("remote-revocation", "the platform ends the session: logged_out {reason: remote}, credentials wiped, no reconnect", async () => {
      const name = await fresh("revoked");
      await driver.login(handle, name);
      await driver.revoke!(name);
      const view = await until(async () => {
        const v = await gw.gateway.getInstance(name);
        return v.status.state === "logged_out" ? v : null;
      }, 15_000, "logged_out");
      expect(view.status).toMatchObject({ state: "logged_out", reason: "remote" });
      expect(view.hasCredentials).toBe(false);
      expect(await gw.store.secrets.count(await idOf(name))).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(await state(name)).toBe("logged_out");
    });

    scenario("takeover", "another client takes the session: conflict, credentials kept, no reconnect loop", async () => {
      const name = await fresh("takeover");
      await driver.login(handle, name);
      const creds = await vaultCredentialStore(gw.store.secrets, new Vault(VAULT_KEY)).get(await idOf(name));
      const endOther = await driver.takeOver!(name, creds!);
      cleanups.push(endOther);
      await until(async () => (await state(name)) === "conflict", 15_000, "conflict");
      const statuses = gw.events.filter((e) => e.instance === name && e.type === "instance.status").length;
      await new Promise((r) => setTimeout(r, 1_500)); // several times the backoff cap
      expect(await state(name)).toBe("conflict");
      expect(gw.events.filter((e) => e.instance === name && e.type === "instance.status")).toHaveLength(statuses);
      expect((await gw.gateway.getInstance(name)).hasCredentials).toBe(true);
    });

    scenario("unreachable", "an unreachable platform: logout fails LOGOUT_UNCONFIRMED and keeps the credentials; force wipes them (unconfirmed)", async () => {
      const name = await fresh("unreachable");
      await driver.login(handle, name);
      await driver.unreachable!(true);
      cleanups.push(() => driver.unreachable!(false));
      await expect(gw.gateway.logout(name)).rejects.toMatchObject({ code: "LOGOUT_UNCONFIRMED" });
      expect((await gw.gateway.getInstance(name)).hasCredentials).toBe(true);
      const forced = await gw.gateway.logout(name, { force: true });
      expect(forced).toMatchObject({ remote: "unconfirmed", credentialsWiped: true });
      expect(await gw.store.secrets.count(await idOf(name))).toBe(0);
    });

    scenario("login-expiry", "a login that runs out: stopped {reason: login_expired}, no new login started by itself", async () => {
      const name = await fresh("expiry", "login-expiry");
      await driver.expiringLogin!(handle, name);
      const view = await until(async () => {
        const v = await gw.gateway.getInstance(name);
        return v.status.state === "stopped" ? v : null;
      }, 60_000, "stopped");
      expect(view.status).toMatchObject({ state: "stopped", reason: "login_expired" });
      expect(view.desired).toBe("stopped");
      const qrs = gw.events.filter((e) => e.instance === name && e.type === "instance.qr").length;
      await new Promise((r) => setTimeout(r, 1_000));
      expect(gw.events.filter((e) => e.instance === name && e.type === "instance.qr")).toHaveLength(qrs);
      expect(await state(name)).toBe("stopped");
    }, 90_000);

    scenario("kill-during-logout", "a process killed during logout (after the intent is stored) finishes it on the next boot", async () => {
      const spec = driver.child!();
      const data = mkdtempSync(join(tmpdir(), `sb-contract-kill-${driver.platform}-`));
      cleanups.push(async () => rmSync(data, { recursive: true, force: true }));
      const name = `kill-${++seq}`;
      let child: ChildHandle = await spawnContractChild(data, spec, "intent_stored");
      cleanups.push(() => child.stop());
      expect((await child.api("POST", "/v1/instances", { name, platform: driver.platform, config: driver.config() })).status).toBe(201);
      await driver.login(child.handle, name);
      const secrets = driver.secrets(name);
      void child.api("POST", `/v1/instances/${name}/logout`, {}).catch(() => {});
      await child.waitFor("PAUSED");
      await child.kill();
      child = await spawnContractChild(data, spec, undefined);
      const view = await until(async () => {
        const v = await child.handle.view(name);
        return v.status.state === "logged_out" && !v.logoutPending ? v : null;
      }, 20_000, "the logout finished on boot");
      expect(view.hasCredentials).toBe(false);
      if (driver.endedAtPlatform) expect(await driver.endedAtPlatform(name)).toBe(true);
      await child.stop();
      const disk = rawFiles(data);
      for (const s of secrets) expect(disk.includes(s), "a credential rests on disk after the resumed logout").toBe(false);
    }, 90_000);
  });
}
