import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GatewayTimeoutError,
  GatewayUnreachableError,
  Switchboard,
  SwitchboardError,
  TransportError,
  isSwitchboardError,
} from "../../client/src/index.js";
import { until } from "../support/gateway-harness.js";
import { ACCOUNT_TOKEN, startTestGateway, type TestGateway } from "./gateway.js";

/** The SDK against a real gateway (REST on loopback, SQLite, the in-memory platform). */
let gw: TestGateway;
let sb: Switchboard;

beforeAll(async () => {
  gw = await startTestGateway();
  sb = new Switchboard({ url: gw.url, token: ACCOUNT_TOKEN });
});
afterAll(async () => {
  await gw.dispose();
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe("instances and lifecycle verbs", () => {
  it("create → connect with a token login (wait connected) → send → logout → delete", async () => {
    const accountId = gw.platform.addTokenAccount("bot-token-1", "Support bot");
    const created = await sb.createInstance({ name: "support-bot", platform: "memory", metadata: { team: "support" } });
    expect(created.instance).toMatchObject({ name: "support-bot", platform: "memory", desired: "stopped", hasCredentials: false });
    expect(created.token).toMatch(/\S{16,}/);

    const api = sb.instance("support-bot");
    const view = await api.connect({ login: { method: "token", token: "bot-token-1" }, wait: "connected", timeoutMs: 5_000 });
    expect(view.status).toMatchObject({ state: "connected", self: { id: accountId, name: "Support bot" } });

    const sent = await api.sendMessage({ threadId: "chat-9", body: "hello" });
    expect(sent).toMatchObject({ threadId: "chat-9", messageId: expect.any(String) as string });

    expect(await api.action("ping", { n: 3 })).toEqual({ pong: { n: 3 } });

    const closed = await api.close();
    expect(closed.desired).toBe("stopped");
    expect(closed.hasCredentials).toBe(true);
    const restarted = await api.restart({ wait: "connected" });
    expect(restarted.status.state).toBe("connected");

    const { remote, credentialsWiped } = await api.logout();
    expect(remote).toBe("revoked");
    expect(credentialsWiped).toBe(true);
    expect((await api.get()).hasCredentials).toBe(false);

    // The instance's own token works on its instance.
    const own = new Switchboard({ url: gw.url, token: created.token! }).instance("support-bot");
    expect((await own.get()).name).toBe("support-bot");

    expect(await api.delete()).toMatchObject({ instance: "support-bot", deleted: true });
    const gone = await rejection(api.get());
    expect(gone).toBeInstanceOf(SwitchboardError);
    expect(gone).toMatchObject({ code: "INSTANCE_NOT_FOUND", status: 404 });
  });

  it("QR login: qr(), qrImage(), pairing code, and listing with async iteration", async () => {
    await sb.createInstance({ name: "qr-bot", platform: "memory" });
    const api = sb.instance("qr-bot");
    const view = await api.connect({ wait: "awaiting_login" });
    expect(view.status).toMatchObject({ state: "awaiting_login", method: "qr", attempt: 1 });
    const qr = await api.qr();
    expect(qr.qr).toMatch(/^mem-qr-/);
    const png = await api.qrImage("png");
    expect([...png.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const svg = new TextDecoder().decode(await api.qrImage("svg"));
    expect(svg).toContain("<svg");
    const code = await api.requestPairingCode("+4915123456789");
    expect(code.code).toBe("XXXX6789");

    gw.platform.scan(qr.qr);
    await until(async () => (await api.get()).status.state === "connected", 5_000, "connected after the scan");

    const names: string[] = [];
    for await (const i of sb.instances({ limit: 1 })) names.push(i.name);
    expect(names).toEqual(["qr-bot"]);
    expect((await sb.platforms()).map((p) => p.platform)).toEqual(["memory"]);
    await api.delete();
  });
});

describe("typed errors", () => {
  it("404 INSTANCE_NOT_FOUND on every verb of an unknown instance", async () => {
    const api = sb.instance("nobody");
    for (const call of [api.get(), api.connect(), api.logout(), api.sendMessage({ threadId: "t", body: "b" })]) {
      const e = await rejection(call);
      expect(e).toBeInstanceOf(SwitchboardError);
      expect(isSwitchboardError(e, "INSTANCE_NOT_FOUND")).toBe(true);
      expect(e).toMatchObject({ status: 404, details: { name: "nobody" } });
    }
  });

  it("401 UNAUTHENTICATED for a bad token, and the token is in no message", async () => {
    const bad = new Switchboard({ url: gw.url, token: "sbk_wrong_token_value" });
    const e = await rejection(bad.listInstances());
    expect(e).toBeInstanceOf(SwitchboardError);
    expect(e).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    expect(JSON.stringify((e as SwitchboardError).toEnvelope())).not.toContain("sbk_wrong_token_value");
  });

  it("LOGOUT_UNCONFIRMED keeps the credentials; force: true wipes them with remote: unconfirmed", async () => {
    gw.platform.addTokenAccount("bot-token-2");
    await sb.createInstance({ name: "flaky", platform: "memory" });
    const api = sb.instance("flaky");
    await api.connect({ login: { method: "token", token: "bot-token-2" }, wait: "connected" });
    gw.platform.unreachable = true;
    try {
      const e = await rejection(api.logout());
      expect(e).toBeInstanceOf(SwitchboardError);
      expect((e as SwitchboardError).code).toBe("LOGOUT_UNCONFIRMED");
      expect([502, 504]).toContain((e as SwitchboardError).status);
      expect((await api.get()).hasCredentials).toBe(true);
      expect(await api.logout({ force: true })).toMatchObject({ remote: "unconfirmed", credentialsWiped: true });
    } finally {
      gw.platform.unreachable = false;
    }
    await api.delete();
  });

  it("VALIDATION_FAILED carries the issues; INSTANCE_EXISTS is 409", async () => {
    const e = await rejection(sb.createInstance({ name: "Bad Name!", platform: "memory" }));
    expect(e).toMatchObject({ code: "VALIDATION_FAILED", status: 400 });
    expect(Array.isArray((e as SwitchboardError).details?.issues)).toBe(true);
    await sb.createInstance({ name: "twice", platform: "memory" });
    expect(await rejection(sb.createInstance({ name: "twice", platform: "memory" }))).toMatchObject({ code: "INSTANCE_EXISTS", status: 409 });
    await sb.instance("twice").delete();
  });

  it("429 RATE_LIMITED with retryAfterMs", async () => {
    const limited = await startTestGateway({ rateLimitPerMinute: 2 });
    try {
      const c = new Switchboard({ url: limited.url, token: ACCOUNT_TOKEN });
      await c.platforms();
      await c.platforms();
      const e = await rejection(c.platforms());
      expect(e).toBeInstanceOf(SwitchboardError);
      const se = e as SwitchboardError;
      expect(se).toMatchObject({ code: "RATE_LIMITED", status: 429 });
      expect(se.retryAfterMs).toBeGreaterThan(0);
      expect(se.retryAfterMs).toBeLessThanOrEqual(60_000);
    } finally {
      await limited.dispose();
    }
  });

  it("transport errors are not SwitchboardErrors: unreachable and timeout", async () => {
    const down = await startTestGateway();
    const url = down.url;
    await down.dispose();
    const e = await rejection(new Switchboard({ url, token: ACCOUNT_TOKEN }).platforms());
    expect(e).toBeInstanceOf(GatewayUnreachableError);
    expect(e).toBeInstanceOf(TransportError);
    expect(e).not.toBeInstanceOf(SwitchboardError);
    expect((e as GatewayUnreachableError).causeCode).toBe("ECONNREFUSED");
    expect((e as Error).message).not.toContain(ACCOUNT_TOKEN);

    // A connect that waits longer than the client's own limit.
    await sb.createInstance({ name: "slow", platform: "memory" });
    const t = await rejection(sb.instance("slow").connect({ wait: "connected", timeoutMs: 10_000 }, { timeoutMs: 200 }));
    expect(t).toBeInstanceOf(GatewayTimeoutError);
    expect((t as GatewayTimeoutError).timeoutMs).toBe(200);
    await sb.instance("slow").delete();
  });

  it("a caller's AbortSignal rejects with its own reason", async () => {
    await sb.createInstance({ name: "aborted", platform: "memory" });
    const ctl = new AbortController();
    const p = sb.instance("aborted").connect({ wait: "connected", timeoutMs: 10_000 }, { signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error("user gave up")), 50);
    expect(await rejection(p)).toMatchObject({ message: "user gave up" });
    await sb.instance("aborted").delete();
  });
});
