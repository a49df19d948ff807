import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { until } from "../../support/gateway-harness.js";
import { ACCOUNT_TOKEN, openWs, testGateway, type TestGateway, type WsClient } from "./clients.js";

const bodies = (c: WsClient): string[] => c.events.filter((e) => e.type === "message.received").map((e) => (e.data as { body: string }).body);

describe("live stream over WebSocket", () => {
  let g: TestGateway;
  let alpha: { token: string; accountId: string };
  let beta: { token: string; accountId: string };
  const open: WsClient[] = [];
  const ws = async (...args: Parameters<typeof openWs>): Promise<WsClient> => {
    const c = await openWs(...args);
    open.push(c);
    return c;
  };
  const streamUrl = (q = ""): string => `${g.url}/v1/events/stream${q}`;

  beforeAll(async () => {
    g = await testGateway({ eventStream: { heartbeatMs: 100, recheckMs: 50 } });
    alpha = await g.connected("alpha");
    beta = await g.connected("beta");
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await g.dispose();
  });

  it("delivers one text message per event, in order, and pings", async () => {
    const c = await ws(streamUrl(), { token: ACCOUNT_TOKEN });
    expect(c.status).toBe(101);
    let pings = 0;
    c.socket.on("ping", () => pings++);
    await g.platform.deliver(alpha.accountId, "w1");
    await g.platform.deliver(beta.accountId, "w2");
    await until(() => bodies(c).length >= 2, 5_000, "two messages");
    expect(bodies(c)).toEqual(["w1", "w2"]);
    expect(c.events[0]).toMatchObject({ type: "message.received", instance: "alpha", platform: "memory" });
    await until(() => pings > 0, 2_000, "a ping");
    c.close();
  });

  it("scopes by token and filters by instance and type", async () => {
    const own = await ws(streamUrl("?type=message.received"), { token: beta.token });
    const filtered = await ws(streamUrl("?instance=alpha&type=message.received"), { token: ACCOUNT_TOKEN });
    await g.platform.deliver(alpha.accountId, "s1");
    await g.platform.deliver(beta.accountId, "s2");
    await until(() => bodies(own).includes("s2") && bodies(filtered).includes("s1"), 5_000, "deliveries");
    expect(bodies(own)).toEqual(["s2"]);
    expect(bodies(filtered)).toEqual(["s1"]);
    // Refused tokens are plain HTTP answers to the handshake; refusals of what a valid token asks
    // for close the socket with 4000 + status (browsers can read close codes, not handshake statuses).
    const anonymous = await ws(streamUrl());
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    const forbidden = await ws(streamUrl("?instance=alpha"), { token: beta.token });
    expect(await forbidden.closed).toEqual({ code: 4403, reason: "FORBIDDEN" });
    const malformed = await ws(streamUrl("?type=Not.A.Type"), { token: ACCOUNT_TOKEN });
    expect(malformed.status).toBe(400);
    const unknown = await ws(streamUrl("?instance=nope"), { token: ACCOUNT_TOKEN });
    expect(await unknown.closed).toEqual({ code: 4404, reason: "INSTANCE_NOT_FOUND" });
    own.close();
    filtered.close();
  });

  it("browsers: the token as a subprotocol next to switchboard.v1, which the server selects", async () => {
    const c = await ws(streamUrl("?type=message.received"), { protocols: ["switchboard.v1", `switchboard.token.${alpha.token}`] });
    expect(c.status).toBe(101);
    expect(c.socket.protocol).toBe("switchboard.v1");
    await g.platform.deliver(beta.accountId, "p0");
    await g.platform.deliver(alpha.accountId, "p1");
    await until(() => bodies(c).includes("p1"), 5_000, "delivery");
    expect(bodies(c)).toEqual(["p1"]);
    c.close();
    const bad = await ws(streamUrl(), { protocols: ["switchboard.v1", "switchboard.token.sba_not-a-token-000000000000000"] });
    expect(bad.status).toBe(401);
    for (const line of g.logs) expect(line.includes(alpha.token), line.slice(0, 200)).toBe(false);
    // Wherever a request's headers are logged, the subprotocol header is redacted.
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream });
    logger.info({ req: { headers: { "sec-websocket-protocol": `switchboard.v1, switchboard.token.${alpha.token}` } } }, "probe");
    expect(lines[0]).toContain("[redacted]");
    expect(lines[0]).not.toContain(alpha.token);
  });

  it("resumes after ?after= without gaps or duplicates; an unknown id closes with 4410", async () => {
    const first = await ws(streamUrl("?type=message.received"), { token: ACCOUNT_TOKEN });
    await g.platform.deliver(alpha.accountId, "x1");
    await until(() => bodies(first).includes("x1"), 5_000, "x1");
    const last = first.events[first.events.length - 1]!.id;
    first.close();
    await g.platform.deliver(beta.accountId, "x2");
    await g.platform.deliver(alpha.accountId, "x3");
    const resumed = await ws(streamUrl(`?type=message.received&after=${last}`), { token: ACCOUNT_TOKEN });
    await g.platform.deliver(alpha.accountId, "x4");
    await until(() => bodies(resumed).includes("x4"), 5_000, "x4");
    expect(bodies(resumed)).toEqual(["x2", "x3", "x4"]);
    resumed.close();

    const expired = await ws(streamUrl("?after=evt_unknown"), { token: ACCOUNT_TOKEN });
    expect(expired.status).toBe(101);
    expect(await expired.closed).toEqual({ code: 4410, reason: "EVENTS_EXPIRED" });
  });

  it("closes with 4401 when the token is revoked, 4404 after the instance's deletion, 1001 on shutdown", async () => {
    const { token, record } = await g.server.gateway.createToken({ scope: "instance", instance: "alpha", label: "ws revoke" });
    const revoked = await ws(streamUrl(), { token });
    await g.server.gateway.revokeToken(record.id);
    expect(await revoked.closed).toEqual({ code: 4401, reason: "UNAUTHENTICATED" });

    const gamma = await g.connected("gamma");
    const deleted = await ws(streamUrl(), { token: gamma.token });
    await g.server.gateway.deleteInstance("gamma");
    expect(await deleted.closed).toEqual({ code: 4404, reason: "INSTANCE_NOT_FOUND" });
    expect(deleted.events[deleted.events.length - 1]).toMatchObject({ type: "instance.deleted", instance: "gamma" });

    const local = await testGateway();
    const c = await openWs(`${local.url}/v1/events/stream`, { token: ACCOUNT_TOKEN });
    await local.stop();
    expect(await c.closed).toEqual({ code: 1001, reason: "SHUTTING_DOWN" });
    await local.dispose();
  });
});
