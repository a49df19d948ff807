import { afterEach, describe, expect, it } from "vitest";
import { isSwitchboardError } from "../../src/core/errors.js";
import type { Gateway } from "../../src/core/gateway.js";
import { vaultCredentialStore } from "../../src/vault/credential-store.js";
import { Vault } from "../../src/vault/vault.js";
import { harness, until, type Harness } from "../support/gateway-harness.js";
import { MEMORY_WEBHOOK_SECRET } from "../support/memory-connector.js";

let h: Harness;
afterEach(async () => {
  await h?.dispose();
});

async function linked(g: Gateway, name = "a", create = true): Promise<string> {
  if (create) await g.createInstance({ name, platform: "memory" });
  const v = await g.connect(name, { wait: "awaiting_login", timeoutMs: 2_000 });
  expect(v.status.state).toBe("awaiting_login");
  const { qr } = await g.qr(name);
  h.platform.scan(qr);
  const c = await until(async () => {
    const s = (await g.getInstance(name)).status;
    return s.state === "connected" ? s : null;
  });
  return c.self.id;
}

async function rejects(p: Promise<unknown>, code: string, status?: number): Promise<void> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(isSwitchboardError(e), `expected a SwitchboardError ${code}, got ${String(e)}`).toBe(true);
  if (!isSwitchboardError(e)) return;
  expect(e.code).toBe(code);
  if (status) expect(e.status).toBe(status);
}

describe("gateway lifecycle", () => {
  it("create → connect → QR → scan → connected, with events and stored credentials", async () => {
    h = await harness();
    const { instance, token } = await h.gateway.createInstance({ name: "a", platform: "memory", metadata: { team: "x" } });
    expect(token).toMatch(/^sbi_/);
    expect(instance).toMatchObject({ name: "a", desired: "stopped", status: { state: "stopped" }, hasCredentials: false });
    const accountId = await linked(h.gateway, "a", false);
    const v = await h.gateway.getInstance("a");
    expect(v).toMatchObject({ desired: "running", hasCredentials: true, status: { state: "connected", self: { id: accountId } } });
    expect(v.history?.map((e) => e.to)).toEqual(["connected", "awaiting_login", "starting"]);
    const types = h.events.map((e) => e.type);
    expect(types).toContain("instance.qr");
    expect(h.events.filter((e) => e.type === "instance.status").map((e) => (e.data as { status: { state: string } }).status.state)).toEqual([
      "starting",
      "awaiting_login",
      "connected",
    ]);
    expect(h.events.every((e) => e.instance === "a" && e.platform === "memory" && e.metadata["team"] === "x")).toBe(true);
  });

  it("concurrent connects share one session (single-flight)", async () => {
    h = await harness();
    await h.gateway.createInstance({ name: "a", platform: "memory" });
    const views = await Promise.all(Array.from({ length: 10 }, () => h.gateway.connect("a", { wait: "awaiting_login", timeoutMs: 2_000 })));
    expect(views.every((v) => v.status.state === "awaiting_login")).toBe(true);
    expect(h.platform.connectCalls).toBe(1);
    expect(h.platform.sessions.size).toBe(1);
  });

  it("stores every lifecycle event in the outbox, each status event with the desired state of its moment", async () => {
    h = await harness();
    await linked(h.gateway);
    await h.gateway.close("a");
    await h.gateway.connect("a", { wait: "connected", timeoutMs: 2_000 });
    await h.gateway.logout("a");
    const id = (await h.store.instances.get("a"))!.id;
    const stored = (await h.store.events.list(id, { limit: 100 })).map((e) => e.envelope);
    expect(stored.map((e) => e.id)).toEqual(h.events.filter((e) => e.instance === "a").map((e) => e.id));
    const statuses = stored.flatMap((e) => (e.type === "instance.status" ? [e.data as { status: { state: string }; desired: string }] : []));
    const line = statuses.map((d) => `${d.status.state}/${d.desired}`);
    expect(line).toContain("stopped/stopped");
    expect(line).toContain("starting/running");
    expect(line.filter((l) => l.startsWith("connected/")).every((l) => l === "connected/running")).toBe(true);
    expect(line.at(-1)).toBe("logged_out/stopped");
    expect(stored.filter((e) => e.type === "instance.qr").length).toBeGreaterThan(0);
    expect(stored.at(-1)).toMatchObject({ type: "instance.logged_out", data: { reason: "user", credentialsWiped: true } });
  });

  it("a connect waiting for a status settles as soon as the instance is deleted", async () => {
    h = await harness();
    await h.gateway.createInstance({ name: "a", platform: "memory" });
    const waiting = h.gateway.connect("a", { wait: "connected", timeoutMs: 60_000 }).catch((e: unknown) => e);
    await until(() => h.events.some((e) => e.type === "instance.qr"), 2_000, "the QR");
    const started = Date.now();
    await h.gateway.deleteInstance("a");
    // Settled by the delete's logout (logged_out), or ended by the purge: never left to its timeout.
    const settled = await waiting;
    expect(settled).toSatisfy((v: unknown) => (v as { code?: string }).code === "INSTANCE_NOT_FOUND" || (v as { status?: { state: string } }).status?.state === "logged_out");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("close keeps credentials and connect restores without a QR", async () => {
    h = await harness();
    await linked(h.gateway);
    const closed = await h.gateway.close("a");
    expect(closed).toMatchObject({ desired: "stopped", status: { state: "stopped", reason: "user" }, hasCredentials: true });
    expect(h.platform.sessions.size).toBe(0);
    expect((await h.gateway.close("a")).status.state).toBe("stopped"); // idempotent
    const qrsBefore = h.events.filter((e) => e.type === "instance.qr").length;
    const v = await h.gateway.connect("a", { wait: "connected", timeoutMs: 2_000 });
    expect(v.status.state).toBe("connected");
    expect(h.events.filter((e) => e.type === "instance.qr").length).toBe(qrsBefore);
    expect(h.platform.state.logoutCalls).toBe(0);
  });

  it("logout revokes at the platform, wipes, is idempotent, and the next connect shows a new QR", async () => {
    h = await harness();
    const accountId = await linked(h.gateway);
    const r = await h.gateway.logout("a");
    expect(r).toEqual({ instance: "a", status: "logged_out", remote: "revoked", credentialsWiped: true });
    expect(h.platform.lastLogoutHadSession).toBe(true); // the connector could unlink through the live session
    expect(h.platform.isRevoked(accountId)).toBe(true);
    expect(await h.store.secrets.count((await h.store.instances.get("a"))!.id)).toBe(0);
    const v = await h.gateway.getInstance("a");
    expect(v).toMatchObject({ desired: "stopped", hasCredentials: false, logoutPending: false, status: { state: "logged_out", reason: "user", remote: "revoked" } });
    expect(await h.gateway.logout("a")).toEqual(r);
    expect(h.platform.state.logoutCalls).toBe(1);
    const logged = h.events.filter((e) => e.type === "instance.logged_out");
    expect(logged.map((e) => e.data)).toEqual([{ reason: "user", remote: "revoked", credentialsWiped: true }]);
    const again = await h.gateway.connect("a", { wait: "awaiting_login", timeoutMs: 2_000 });
    expect(again.status).toMatchObject({ state: "awaiting_login", method: "qr", attempt: 1 });
  });

  it("logout of a platform that cannot be reached keeps everything, unless forced", async () => {
    h = await harness();
    const accountId = await linked(h.gateway);
    h.platform.unreachable = true;
    await rejects(h.gateway.logout("a"), "LOGOUT_UNCONFIRMED", 502);
    const v = await h.gateway.getInstance("a");
    expect(v).toMatchObject({ hasCredentials: true, desired: "running", logoutPending: false, status: { state: "connected" } });
    const forced = await h.gateway.logout("a", { force: true });
    expect(forced).toEqual({ instance: "a", status: "logged_out", remote: "unconfirmed", credentialsWiped: true });
    expect((await h.gateway.getInstance("a")).hasCredentials).toBe(false);
    expect(h.platform.isRevoked(accountId)).toBe(false); // truthfully unconfirmed
  });

  it("a platform that does not answer in time fails the logout with 504", async () => {
    h = await harness({ timeouts: { platformCallMs: 100 } });
    await linked(h.gateway);
    h.platform.logoutDelayMs = 5_000;
    const t0 = Date.now();
    await rejects(h.gateway.logout("a"), "LOGOUT_UNCONFIRMED", 504);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await h.gateway.getInstance("a")).hasCredentials).toBe(true);
  });

  it("a remote end of the session wipes and reports logged_out (remote)", async () => {
    h = await harness();
    const accountId = await linked(h.gateway);
    h.platform.revoke(accountId);
    await until(async () => (await h.gateway.getInstance("a")).status.state === "logged_out");
    const v = await h.gateway.getInstance("a");
    expect(v).toMatchObject({ desired: "stopped", hasCredentials: false, status: { state: "logged_out", reason: "remote" } });
    await until(() => h.events.some((e) => e.type === "instance.logged_out"));
    expect(h.events.find((e) => e.type === "instance.logged_out")?.data).toMatchObject({ reason: "remote", credentialsWiped: true });
    const calls = h.platform.connectCalls;
    await new Promise((r) => setTimeout(r, 100));
    expect(h.platform.connectCalls).toBe(calls); // no reconnect with dead credentials
  });

  it("a takeover is a conflict, with no reconnect loop", async () => {
    h = await harness();
    const accountId = await linked(h.gateway);
    const calls = h.platform.connectCalls;
    h.platform.takeover(accountId);
    await until(async () => (await h.gateway.getInstance("a")).status.state === "conflict");
    await new Promise((r) => setTimeout(r, 150));
    expect(h.platform.connectCalls).toBe(calls);
    expect(await h.gateway.getInstance("a")).toMatchObject({ desired: "stopped", hasCredentials: true });
  });

  it("transient drops reconnect with backoff, then fail after maxAttempts", async () => {
    h = await harness({ policy: { baseMs: 10, capMs: 20, maxAttempts: 3, debounceMs: 0 } });
    await linked(h.gateway);
    h.platform.dropAll();
    await until(async () => (await h.gateway.getInstance("a")).status.state === "connected" && h.platform.connectCalls === 2);
    h.platform.unreachable = true;
    h.platform.dropAll();
    const failed = await until(async () => {
      const s = (await h.gateway.getInstance("a")).status;
      return s.state === "failed" ? s : null;
    });
    expect(failed.error.code).toBe("UNREACHABLE");
    expect(h.platform.connectCalls).toBe(2 + 3); // three retries after the drop, then stop
    const states = h.events.filter((e) => e.type === "instance.status").map((e) => (e.data as { status: { state: string } }).status.state);
    expect(states).toContain("reconnecting");
    expect((await h.gateway.getInstance("a")).hasCredentials).toBe(true);
  });

  it("a flap shorter than the debounce window produces no status event", async () => {
    h = await harness({ policy: { baseMs: 10, capMs: 20, debounceMs: 1_000 } });
    await linked(h.gateway);
    const before = h.events.filter((e) => e.type === "instance.status").length;
    h.platform.dropAll();
    await until(() => h.platform.connectCalls === 2 && h.platform.sessions.size === 1);
    await until(async () => (await h.gateway.getInstance("a")).status.state === "connected");
    await new Promise((r) => setTimeout(r, 50));
    expect(h.events.filter((e) => e.type === "instance.status").length).toBe(before);
    const hist = (await h.gateway.getInstance("a")).history?.map((e) => e.to) ?? [];
    expect(hist.slice(0, 3)).toEqual(["connected", "starting", "reconnecting"]); // the truth is still recorded
  });

  it("QR codes that run out end as login_expired, without a loop", async () => {
    h = await harness({ qrIntervalMs: 20 });
    h.platform.qrLimit = 3;
    await h.gateway.createInstance({ name: "a", platform: "memory" });
    await h.gateway.connect("a");
    const s = await until(async () => {
      const st = (await h.gateway.getInstance("a")).status;
      return st.state === "stopped" ? st : null;
    });
    expect(s).toEqual({ state: "stopped", reason: "login_expired" });
    expect(h.events.filter((e) => e.type === "instance.qr").map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.platform.connectCalls).toBe(1);
    expect((await h.gateway.getInstance("a")).desired).toBe("stopped");
  });

  it("restart_required after pairing reconnects once at once", async () => {
    h = await harness();
    h.platform.restartAfterPairing = true;
    await linked(h.gateway);
    expect(h.platform.connectCalls).toBe(2);
  });

  it("token login, send, actions and pairing code", async () => {
    h = await harness();
    h.platform.addTokenAccount("secret-token-1");
    await h.gateway.createInstance({ name: "bot", platform: "memory" });
    await rejects(h.gateway.connect("bot", { login: { method: "token", input: {} } }), "VALIDATION_FAILED");
    const v = await h.gateway.connect("bot", { login: { method: "token", input: { token: "secret-token-1" } }, wait: "connected", timeoutMs: 2_000 });
    expect(v.status.state).toBe("connected");
    await rejects(h.gateway.connect("bot", { login: { method: "token", input: { token: "other" } } }), "INVALID_STATE");
    expect(await h.gateway.send("bot", { threadId: "t1", content: { type: "text", text: "hi" } })).toMatchObject({ messageId: "m1", threadId: "t1" });
    expect(await h.gateway.runAction("bot", "ping", { n: 3 })).toEqual({ pong: { n: 3 } });
    await rejects(h.gateway.runAction("bot", "ping", { n: "x" }), "VALIDATION_FAILED");
    await rejects(h.gateway.runAction("bot", "nope", {}), "ACTION_UNKNOWN");
    expect(await h.gateway.runAction("bot", "whoami", {})).toMatchObject({ accountId: expect.stringMatching(/^acc_/) });
    await h.gateway.close("bot");
    await rejects(h.gateway.runAction("bot", "whoami", {}), "INVALID_STATE");
    await rejects(h.gateway.send("bot", { threadId: "t", content: { type: "text", text: "x" } }), "INVALID_STATE");
    await rejects(h.gateway.qr("bot"), "NO_LOGIN_PENDING");

    await h.gateway.createInstance({ name: "phone", platform: "memory" });
    await rejects(h.gateway.requestPairingCode("phone", "4915112345678"), "NO_LOGIN_PENDING");
    await h.gateway.connect("phone", { wait: "awaiting_login" });
    await rejects(h.gateway.requestPairingCode("phone", "+49 151"), "VALIDATION_FAILED");
    expect(await h.gateway.requestPairingCode("phone", "4915112345678")).toEqual({ code: "XXXX5678", expiresAt: null });
    const st = await until(async () => {
      const s = (await h.gateway.getInstance("phone")).status;
      return s.state === "awaiting_login" && s.method === "pairing_code" ? s : null;
    });
    expect(st).toMatchObject({ code: "XXXX5678" });
  });

  it("validates names, platforms and config", async () => {
    h = await harness();
    await rejects(h.gateway.createInstance({ name: "Has Space", platform: "memory" }), "VALIDATION_FAILED");
    await rejects(h.gateway.createInstance({ name: "x".repeat(64), platform: "memory" }), "VALIDATION_FAILED");
    await rejects(h.gateway.createInstance({ name: "ok", platform: "nope" }), "PLATFORM_UNKNOWN");
    await rejects(h.gateway.createInstance({ name: "ok", platform: "memory", config: { greeting: 5 } }), "VALIDATION_FAILED");
    await rejects(h.gateway.createInstance({ name: "ok", platform: "memory", config: { extra: true } }), "VALIDATION_FAILED");
    await h.gateway.createInstance({ name: "ok", platform: "memory", config: { greeting: "hi" } });
    await rejects(h.gateway.createInstance({ name: "ok", platform: "memory" }), "INSTANCE_EXISTS", 409);
    await rejects(h.gateway.getInstance("missing"), "INSTANCE_NOT_FOUND", 404);
  });

  it("wait times out with the current status", async () => {
    h = await harness();
    await h.gateway.createInstance({ name: "a", platform: "memory" });
    const e = await h.gateway.connect("a", { wait: "connected", timeoutMs: 50 }).catch((x: unknown) => x);
    expect(isSwitchboardError(e, "TIMEOUT")).toBe(true);
    expect((e as { details: unknown }).details).toEqual({ status: "awaiting_login" });
  });

  it("delete logs out, purges only that instance, and 404s afterwards", async () => {
    h = await harness();
    const accountId = await linked(h.gateway, "a");
    await linked(h.gateway, "b");
    const idA = (await h.store.instances.get("a"))!.id;
    expect(await h.gateway.deleteInstance("a")).toEqual({ instance: "a", deleted: true, remote: "revoked" });
    expect(h.platform.isRevoked(accountId)).toBe(true);
    await rejects(h.gateway.getInstance("a"), "INSTANCE_NOT_FOUND");
    await rejects(h.gateway.deleteInstance("a"), "INSTANCE_NOT_FOUND");
    expect(await h.store.secrets.count(idA)).toBe(0);
    expect(await h.store.tokens.list({ instanceId: idA })).toEqual([]);
    expect((await h.gateway.getInstance("b")).status.state).toBe("connected");
    expect(h.events.some((e) => e.type === "instance.deleted" && e.instance === "a")).toBe(true);
  });

  it("shutdown closes sessions, keeps credentials, and the next boot restores only running instances with credentials", async () => {
    h = await harness();
    await linked(h.gateway, "a");
    await linked(h.gateway, "b");
    await h.gateway.close("b");
    await h.gateway.createInstance({ name: "c", platform: "memory" });
    await h.gateway.connect("c", { wait: "awaiting_login" }); // desired running, no credentials
    await h.gateway.shutdown();
    expect(h.platform.sessions.size).toBe(0);
    expect(h.platform.state.logoutCalls).toBe(0);
    await rejects(h.gateway.connect("a"), "SHUTTING_DOWN", 503);
    const calls = h.platform.connectCalls;
    const g2 = await h.reopen();
    await until(async () => (await g2.getInstance("a")).status.state === "connected");
    expect(await g2.getInstance("a")).toMatchObject({ desired: "running", hasCredentials: true });
    expect(await g2.getInstance("b")).toMatchObject({ desired: "stopped", status: { state: "stopped", reason: "user" } });
    expect(await g2.getInstance("c")).toMatchObject({ desired: "running", status: { state: "stopped", reason: "shutdown" } });
    expect(h.platform.connectCalls).toBe(calls + 1);
  });

  it("tokens: issue, authenticate, list, revoke", async () => {
    h = await harness();
    await h.gateway.createInstance({ name: "a", platform: "memory" });
    const acc = await h.gateway.createToken({ scope: "account", label: "ops" });
    expect(acc.token).toMatch(/^sba_[A-Za-z0-9_-]{43}$/);
    expect(await h.gateway.authenticate(acc.token)).toMatchObject({ scope: "account", label: "ops" });
    expect(await h.gateway.authenticate(acc.token + "x")).toBeUndefined();
    expect(await h.gateway.authenticate("")).toBeUndefined();
    const inst = await h.gateway.createToken({ scope: "instance", instance: "a" });
    expect(inst.record).toMatchObject({ scope: "instance", instance: "a" });
    await rejects(h.gateway.createToken({ scope: "instance" }), "VALIDATION_FAILED");
    await rejects(h.gateway.createToken({ scope: "instance", instance: "zz" }), "INSTANCE_NOT_FOUND");
    expect((await h.gateway.listTokens({ instance: "a" })).length).toBe(2);
    await h.gateway.revokeToken(inst.record.id);
    expect(await h.gateway.authenticate(inst.token)).toBeUndefined();
    await rejects(h.gateway.revokeToken(inst.record.id), "TOKEN_NOT_FOUND");
  });

  it("credentials that cannot be decrypted fail that instance only; the boot goes on and a forced logout cleans up", async () => {
    h = await harness();
    await linked(h.gateway, "a");
    await h.gateway.createInstance({ name: "b", platform: "memory" });
    await h.gateway.shutdown();
    const g2 = await h.reopen({ credentials: vaultCredentialStore(h.store.secrets, new Vault(Buffer.alloc(32, 9))) });
    const failed = await until(async () => {
      const s = (await g2.getInstance("a")).status;
      return s.state === "failed" ? s : null;
    });
    expect(failed.error.code).toBe("STORAGE_FAILED");
    expect(failed.error.message).not.toMatch(/[0-9a-f]{32}/); // no key material in the message
    expect((await g2.getInstance("b")).status.state).toBe("stopped");
    await rejects(g2.logout("a"), "STORAGE_FAILED"); // the platform was never asked: not "unconfirmed"
    expect(await g2.logout("a", { force: true })).toMatchObject({ remote: "unconfirmed", credentialsWiped: true });
    expect((await g2.getInstance("a")).hasCredentials).toBe(false);
  });

  it("instances of a platform whose connector is not loaded can be read and deleted, nothing else", async () => {
    h = await harness();
    await linked(h.gateway, "a");
    const { token } = await h.gateway.createToken({ scope: "instance", instance: "a" });
    await h.gateway.shutdown();
    const g2 = await h.reopen({ connectors: [] });
    expect(await g2.getInstance("a")).toMatchObject({ platform: "memory", desired: "running", hasCredentials: true });
    expect((await g2.listInstances({ limit: 10 })).items.map((i) => i.name)).toEqual(["a"]);
    await rejects(g2.connect("a"), "PLATFORM_UNKNOWN");
    await rejects(g2.logout("a"), "PLATFORM_UNKNOWN");
    await rejects(g2.createInstance({ name: "a", platform: "memory" }), "PLATFORM_UNKNOWN");
    expect(await g2.authenticate(token)).toMatchObject({ scope: "instance" });
    expect(await g2.instanceNameOf((await g2.authenticate(token))!.instanceId!)).toBe("a");
    expect(await g2.deleteInstance("a")).toEqual({ instance: "a", deleted: true, remote: "unconfirmed" });
    await rejects(g2.getInstance("a"), "INSTANCE_NOT_FOUND");
    expect(await g2.authenticate(token)).toBeUndefined();
  });

  it("start: true connects at once", async () => {
    h = await harness();
    const { instance } = await h.gateway.createInstance({ name: "a", platform: "memory", start: true });
    expect(instance.desired).toBe("running");
    await until(async () => (await h.gateway.getInstance("a")).status.state === "awaiting_login");
  });

  it("metrics: instances by status, verb latencies, reconnects", async () => {
    h = await harness({ policy: { baseMs: 10, capMs: 20, debounceMs: 0 } });
    await linked(h.gateway, "a");
    await h.gateway.createInstance({ name: "b", platform: "memory" });
    h.platform.dropAll();
    await until(async () => (await h.gateway.getInstance("a")).status.state === "connected" && h.platform.connectCalls === 2);
    await h.gateway.logout("b");
    const { body } = await h.gateway.metrics.render();
    expect(body).toMatch(/^switchboard_instances\{status="connected"\} 1$/m);
    expect(body).toMatch(/^switchboard_instances\{status="logged_out"\} 1$/m);
    expect(body).toMatch(/^switchboard_instances\{status="failed"\} 0$/m);
    expect(body).toMatch(/^switchboard_sessions\{platform="memory",status="connected"\} 1$/m);
    expect(body).toMatch(/^switchboard_sessions\{platform="memory",status="logged_out"\} 1$/m);
    expect(body).toMatch(/^switchboard_verb_duration_seconds_count\{verb="connect",outcome="ok"\} 1$/m);
    expect(body).toMatch(/^switchboard_verb_duration_seconds_count\{verb="logout",outcome="ok"\} 1$/m);
    expect(body).toMatch(/^switchboard_reconnects_total\{platform="memory",kind="transient"\} 1$/m);
  });

  it("inbound messages are stored with the connector cursor, once, published, and the cursor is handed back on connect", async () => {
    h = await harness();
    const accountId = await linked(h.gateway, "a");
    const id = (await h.store.instances.get("a"))!.id;
    await h.platform.deliver(accountId, "hello", 1);
    await h.platform.deliver(accountId, "hello again", 1); // the platform redelivers update 1
    await h.platform.deliver(accountId, "second", 2);
    const received = h.events.filter((e) => e.type === "message.received");
    expect(received.map((e) => (e.data as { body: string }).body)).toEqual(["hello", "second"]);
    expect(received[0]).toMatchObject({ id: `mem:${accountId}:1`, instance: "a", platform: "memory", data: { threadId: "contact-1", senderId: "contact-1", messageId: "in-1" } });
    const stored = (await h.store.events.list(id, { limit: 100 })).map((e) => e.envelope);
    expect(stored.filter((e) => e.type === "message.received").map((e) => e.id)).toEqual([`mem:${accountId}:1`, `mem:${accountId}:2`]);
    // The bus carried exactly what the outbox holds, in the same order.
    expect(h.events.filter((e) => e.instance === "a").map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(await h.store.events.state(id)).toEqual({ cursor: 2 });

    await h.gateway.close("a");
    await h.gateway.connect("a", { wait: "connected", timeoutMs: 2_000 });
    expect(h.platform.openedWithState.at(-1)).toEqual({ cursor: 2 });

    const sent = await h.gateway.send("a", { threadId: "contact-1", content: { type: "text", text: "reply" } });
    const sentEvent = h.events.find((e) => e.type === "message.sent");
    expect(sentEvent?.data).toEqual({ threadId: "contact-1", senderId: accountId, body: "reply", messageId: sent.messageId, timestamp: sent.timestamp, content: { type: "text", text: "reply" } });

    await h.gateway.logout("a");
    expect(await h.store.events.state(id)).toEqual({}); // the cursor went with the session
    const messages = async (): Promise<number> => (await h.store.events.list(id, { limit: 100 })).filter((e) => e.envelope.type.startsWith("message.")).length;
    expect(await messages()).toBe(3); // events stay: they are the record of what happened
    await h.gateway.deleteInstance("a");
    // Only the farewell outlives the instance.
    expect((await h.store.events.list(id, { limit: 100 })).map((e) => e.envelope.type)).toEqual(["instance.deleted"]);
  });

  it("a closed session cannot hand in events", async () => {
    h = await harness();
    const accountId = await linked(h.gateway, "a");
    const session = [...h.platform.sessions].find((s) => s.accountId === accountId)!;
    await h.gateway.close("a");
    await expect(session.receive(9, "late")).rejects.toMatchObject({ code: "INVALID_STATE" });
    expect(h.events.some((e) => e.type === "message.received")).toBe(false);
  });

  it("an action's config patch is validated, stored, and restarts the live session", async () => {
    h = await harness();
    await linked(h.gateway, "a");
    const calls = h.platform.connectCalls;
    expect(await h.gateway.runAction("a", "set-greeting", { greeting: "hi" })).toEqual({ ok: true });
    expect((await h.gateway.getInstance("a")).config).toEqual({ greeting: "hi" });
    expect((await h.store.instances.get("a"))!.config).toEqual({ greeting: "hi" });
    await until(async () => (await h.gateway.getInstance("a")).status.state === "connected" && h.platform.connectCalls === calls + 1);
    await rejects(h.gateway.runAction("a", "set-greeting", { greeting: "x".repeat(101) }), "VALIDATION_FAILED");
    expect((await h.gateway.getInstance("a")).config).toEqual({ greeting: "hi" });
  });

  it("webhooks reach the live session, which verifies and stores them", async () => {
    h = await harness({ publicUrl: "https://gw.example.com/" });
    const accountId = await linked(h.gateway, "a");
    expect(h.platform.lastWebhookUrl).toBe("https://gw.example.com/v1/intake/a");
    await rejects(h.gateway.webhook("a", { headers: { "x-memory-secret": "wrong" }, body: { seq: 1, body: "x" } }), "UNAUTHENTICATED");
    await h.gateway.webhook("a", { headers: { "x-memory-secret": MEMORY_WEBHOOK_SECRET }, body: { seq: 7, body: "pushed" } });
    expect(h.events.find((e) => e.type === "message.received")).toMatchObject({ id: `mem:${accountId}:7`, data: { body: "pushed" } });
    await h.gateway.close("a");
    await rejects(h.gateway.webhook("a", { headers: { "x-memory-secret": MEMORY_WEBHOOK_SECRET }, body: { seq: 8, body: "late" } }), "INVALID_STATE");
    await rejects(h.gateway.webhook("zz", { headers: {}, body: {} }), "INSTANCE_NOT_FOUND");
  });
});
