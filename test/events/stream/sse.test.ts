import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../support/gateway-harness.js";
import { ACCOUNT_TOKEN, getJson, openSse, testGateway, type SseClient, type TestGateway } from "./clients.js";

const bodies = (c: SseClient): string[] => c.events.filter((e) => e.type === "message.received").map((e) => (e.data as { body: string }).body);

describe("live stream over SSE", () => {
  let g: TestGateway;
  let alpha: { token: string; accountId: string };
  let beta: { token: string; accountId: string };
  const open: SseClient[] = [];
  const sse = async (...args: Parameters<typeof openSse>): Promise<SseClient> => {
    const c = await openSse(...args);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    g = await testGateway({ eventStream: { heartbeatMs: 100, recheckMs: 50 } });
    alpha = await g.connected("alpha");
    beta = await g.connected("beta");
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await g.dispose();
  });

  it("delivers new events live as id + data frames, in order", async () => {
    const c = await sse(`${g.url}/v1/events/stream`, { token: ACCOUNT_TOKEN });
    expect(c.status).toBe(200);
    expect(c.headers["content-type"]).toMatch(/^text\/event-stream/);
    await g.platform.deliver(alpha.accountId, "one");
    await g.platform.deliver(beta.accountId, "two");
    await g.platform.deliver(alpha.accountId, "three");
    await until(() => bodies(c).length >= 3, 5_000, "three messages");
    expect(bodies(c)).toEqual(["one", "two", "three"]);
    for (const f of c.frames) expect(f.id).toBe((JSON.parse(f.data) as { id: string }).id);
    // Heartbeats are comment lines.
    await until(() => c.raw.includes(": ping\n\n"), 2_000, "a heartbeat");
    c.close();
  });

  it("starts with a position cursor, so a client that drops before its first event resumes where it started", async () => {
    const first = await sse(`${g.url}/v1/events/stream`, { token: alpha.token });
    await until(() => /id: @\d+\n/.test(first.raw), 2_000, "the start cursor");
    const cursor = /id: (@\d+)\n/.exec(first.raw)![1]!;
    first.close(); // dropped before any event
    await g.platform.deliver(alpha.accountId, "while-away-1");
    await g.platform.deliver(beta.accountId, "not-mine");
    await g.platform.deliver(alpha.accountId, "while-away-2");
    const again = await sse(`${g.url}/v1/events/stream`, { token: alpha.token, lastEventId: cursor });
    await until(() => bodies(again).length >= 2, 5_000, "the missed events");
    expect(bodies(again)).toEqual(["while-away-1", "while-away-2"]);
    again.close();
    // A position beyond the outbox is refused like an unknown id.
    const future = await sse(`${g.url}/v1/events/stream`, { token: alpha.token, lastEventId: "@999999999" });
    expect(future.status).toBe(410);
  });

  it("an instance token sees only its own instance; naming another one is 403", async () => {
    const own = await sse(`${g.url}/v1/events/stream`, { token: alpha.token });
    const all = await sse(`${g.url}/v1/events/stream`, { token: ACCOUNT_TOKEN });
    await g.platform.deliver(beta.accountId, "beta-only");
    await g.platform.deliver(alpha.accountId, "alpha-only");
    await until(() => bodies(all).includes("alpha-only"), 5_000, "the account stream");
    await until(() => bodies(own).includes("alpha-only"), 5_000, "the instance stream");
    expect(bodies(own)).toEqual(["alpha-only"]);
    expect(own.events.every((e) => e.instance === "alpha")).toBe(true);
    expect(bodies(all)).toEqual(["beta-only", "alpha-only"]);

    const other = await sse(`${g.url}/v1/events/stream?instance=beta`, { token: alpha.token });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body)).toMatchObject({ error: { code: "FORBIDDEN" } });
    const none = await sse(`${g.url}/v1/events/stream`);
    expect(none.status).toBe(401);
    own.close();
    all.close();
  });

  it("filters by instance and by type (repeated or comma-separated)", async () => {
    const byInstance = await sse(`${g.url}/v1/events/stream?instance=beta`, { token: ACCOUNT_TOKEN });
    const byType = await sse(`${g.url}/v1/events/stream?type=instance.status&type=message.sent`, { token: ACCOUNT_TOKEN });
    const byList = await sse(`${g.url}/v1/events/stream?type=message.*&instance=alpha`, { token: ACCOUNT_TOKEN });
    await g.platform.deliver(alpha.accountId, "f1");
    await g.platform.deliver(beta.accountId, "f2");
    await g.server.gateway.close("beta");
    await until(() => byType.events.length >= 1 && bodies(byInstance).includes("f2") && bodies(byList).includes("f1"), 5_000, "filtered events");
    await until(() => byInstance.events.some((e) => e.type === "instance.status"), 5_000, "beta's status event");
    expect(bodies(byInstance)).toEqual(["f2"]);
    expect(byInstance.events.every((e) => e.instance === "beta")).toBe(true);
    expect(byType.events.every((e) => e.type === "instance.status")).toBe(true);
    expect(byType.events.map((e) => e.instance)).toContain("beta");
    expect(byList.events.map((e) => e.type)).toEqual(["message.received"]);
    expect(bodies(byList)).toEqual(["f1"]);

    const unknown = await sse(`${g.url}/v1/events/stream?instance=nope`, { token: ACCOUNT_TOKEN });
    expect(unknown.status).toBe(404);
    const malformed = await sse(`${g.url}/v1/events/stream?type=not%20a%20type`, { token: ACCOUNT_TOKEN });
    expect(malformed.status).toBe(400);
    await g.server.gateway.connect("beta", { wait: "connected", timeoutMs: 5_000 });
    for (const c of [byInstance, byType, byList]) c.close();
  });

  it("resumes from ?after= or Last-Event-ID with exactly the missed events; unknown ids are 410", async () => {
    const first = await sse(`${g.url}/v1/events/stream?instance=alpha&type=message.received`, { token: ACCOUNT_TOKEN });
    await g.platform.deliver(alpha.accountId, "r1");
    await until(() => bodies(first).includes("r1"), 5_000, "r1");
    const lastId = first.events[first.events.length - 1]!.id;
    first.close();
    await g.platform.deliver(alpha.accountId, "r2");
    await g.platform.deliver(alpha.accountId, "r3");

    const viaHeader = await sse(`${g.url}/v1/events/stream?instance=alpha&type=message.received`, { token: ACCOUNT_TOKEN, lastEventId: lastId });
    const viaQuery = await sse(`${g.url}/v1/events/stream?instance=alpha&type=message.received&after=${lastId}`, { token: ACCOUNT_TOKEN });
    await g.platform.deliver(alpha.accountId, "r4");
    for (const c of [viaHeader, viaQuery]) {
      await until(() => bodies(c).includes("r4"), 5_000, "r4");
      expect(bodies(c)).toEqual(["r2", "r3", "r4"]);
      c.close();
    }
    // The header wins over the query (EventSource keeps the URL it started with).
    const both = await sse(`${g.url}/v1/events/stream?instance=alpha&type=message.received&after=${lastId}`, {
      token: ACCOUNT_TOKEN,
      lastEventId: viaHeader.events[1]!.id,
    });
    await until(() => bodies(both).length >= 1, 5_000, "r4 again");
    expect(bodies(both)).toEqual(["r4"]);
    both.close();

    const expired = await sse(`${g.url}/v1/events/stream?after=evt_nope`, { token: ACCOUNT_TOKEN });
    expect(expired.status).toBe(410);
    expect(JSON.parse(expired.body)).toMatchObject({ error: { code: "EVENTS_EXPIRED" } });
    // Another instance's event id is unknown to an instance token (no probing).
    const betaEvent = (await getJson(`${g.url}/v1/instances/beta/events?limit=1`, ACCOUNT_TOKEN)).body as { items: { id: string }[] };
    const probe = await sse(`${g.url}/v1/events/stream?after=${betaEvent.items[0]!.id}`, { token: alpha.token });
    expect(probe.status).toBe(410);
  });

  it("a plain GET is 406 (not an endless response)", async () => {
    const res = await fetch(`${g.url}/v1/events/stream`, { headers: { authorization: `Bearer ${ACCOUNT_TOKEN}` } });
    expect(res.status).toBe(406);
    expect(await res.json()).toMatchObject({ error: { code: "VALIDATION_FAILED", details: { reason: "not_acceptable" } } });
  });

  it("accepts the token as ?access_token= for EventSource, and never logs it", async () => {
    const { token } = await g.server.gateway.createToken({ scope: "instance", instance: "alpha", label: "browser" });
    const c = await sse(`${g.url}/v1/events/stream?access_token=${encodeURIComponent(token)}&type=message.received`);
    expect(c.status).toBe(200);
    await g.platform.deliver(beta.accountId, "not-for-alpha");
    await g.platform.deliver(alpha.accountId, "via-query-token");
    await until(() => bodies(c).includes("via-query-token"), 5_000, "delivery");
    expect(bodies(c)).toEqual(["via-query-token"]);
    c.close();
    // A refused and a failing request with the token in the URL: still not in any log line.
    const refused = await sse(`${g.url}/v1/events/stream?access_token=${token}&instance=beta`);
    expect(refused.status).toBe(403);
    const bad = await sse(`${g.url}/v1/events/stream?access_token=${token}&after=evt_gone`);
    expect(bad.status).toBe(410);
    expect(g.logs.length).toBeGreaterThan(0);
    for (const line of g.logs) {
      expect(line.includes(token), line.slice(0, 200)).toBe(false);
      expect(line.includes(ACCOUNT_TOKEN), line.slice(0, 200)).toBe(false);
    }
  });

  it("ends the stream when its token is revoked", async () => {
    const { token, record } = await g.server.gateway.createToken({ scope: "instance", instance: "alpha", label: "to revoke" });
    const c = await sse(`${g.url}/v1/events/stream`, { token });
    expect(c.status).toBe(200);
    await g.server.gateway.revokeToken(record.id);
    await c.ended;
    const end = c.frames.find((f) => f.event === "end");
    expect(JSON.parse(end!.data)).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
  });

  it("ends an instance's stream right after its instance.deleted event", async () => {
    const gamma = await g.connected("gamma");
    const c = await sse(`${g.url}/v1/events/stream`, { token: gamma.token });
    const filtered = await sse(`${g.url}/v1/events/stream?instance=gamma`, { token: ACCOUNT_TOKEN });
    await g.server.gateway.deleteInstance("gamma");
    for (const s of [c, filtered]) {
      await s.ended;
      expect(s.events[s.events.length - 1]).toMatchObject({ type: "instance.deleted", instance: "gamma" });
      const end = s.frames[s.frames.length - 1]!;
      expect(end.event).toBe("end");
      expect(JSON.parse(end.data)).toMatchObject({ error: { code: "INSTANCE_NOT_FOUND" } });
    }
  });

  it("ends open streams with SHUTTING_DOWN when the server closes", async () => {
    const local = await testGateway();
    const c = await openSse(`${local.url}/v1/events/stream`, { token: ACCOUNT_TOKEN });
    expect(c.status).toBe(200);
    await local.stop();
    await c.ended;
    expect(JSON.parse(c.frames[c.frames.length - 1]!.data)).toMatchObject({ error: { code: "SHUTTING_DOWN" } });
    await local.dispose();
  });
});

