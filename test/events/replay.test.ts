import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_DATA_SCHEMAS, eventSchemaId, eventSchemas } from "../../src/events/schema.js";
import type { EventEnvelope } from "../../src/events/types.js";
import { errorCode, httpHarness, type HttpHarness } from "../support/http-harness.js";

interface Page {
  items: EventEnvelope[];
  next: string | null;
}

describe("event replay", () => {
  let h: HttpHarness;
  let alphaToken: string;
  let betaToken: string;
  let alphaAccount: string;
  let betaAccount: string;

  const get = async (url: string, token = h.accountToken) => h.request({ url, token });
  const page = async (url: string, token = h.accountToken): Promise<Page> => {
    const res = await get(url, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Page;
  };
  /** Follows `next` until null; returns every item. */
  const all = async (base: string, token = h.accountToken): Promise<EventEnvelope[]> => {
    const out: EventEnvelope[] = [];
    let url = base;
    for (let i = 0; i < 100; i++) {
      const p = await page(url, token);
      out.push(...p.items);
      if (p.next === null) return out;
      url = `${base}${base.includes("?") ? "&" : "?"}after=${p.next}`;
    }
    throw new Error("did not end");
  };
  const bodies = (events: EventEnvelope[]): string[] => events.filter((e) => e.type === "message.received").map((e) => (e.data as { body: string }).body);

  beforeAll(async () => {
    h = await httpHarness({ gateway: { policy: { debounceMs: 0 } } });
    alphaToken = await h.connectedInstance("alpha");
    betaToken = await h.connectedInstance("beta");
    alphaAccount = h.platform.state.tokens["bot-alpha-1"]!;
    betaAccount = h.platform.state.tokens["bot-beta-2"]!;
    for (let i = 1; i <= 5; i++) {
      await h.platform.deliver(alphaAccount, `a${i}`);
      await h.platform.deliver(betaAccount, `b${i}`);
    }
  });
  afterAll(async () => {
    await h.dispose();
  });

  it("pages oldest first; `next` continues and is null once caught up", async () => {
    const first = await page("/v1/instances/alpha/events?limit=2");
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1]!.id);
    const events = await all("/v1/instances/alpha/events?limit=2");
    expect(events.every((e) => e.instance === "alpha")).toBe(true);
    expect(bodies(events)).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(events.map((e) => e.type)).toContain("instance.status");
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // The same in one page, and nothing after the last one.
    const one = await page("/v1/instances/alpha/events?limit=1000");
    expect(one.items.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(one.next).toBeNull();
    expect(await page(`/v1/instances/alpha/events?after=${events[events.length - 1]!.id}`)).toEqual({ items: [], next: null });
  });

  it("`last=N` answers the newest N matching events, oldest first, with `next` null", async () => {
    const everything = await all("/v1/instances/alpha/events?limit=1000");
    const newest = await page("/v1/instances/alpha/events?last=3");
    expect(newest.items.map((e) => e.id)).toEqual(everything.slice(-3).map((e) => e.id));
    expect(newest.next).toBeNull();
    expect(bodies((await page("/v1/instances/alpha/events?last=2&type=message.received")).items)).toEqual(["a4", "a5"]);
    expect(bodies((await page("/v1/events?last=3&type=message.received")).items)).toEqual(["b4", "a5", "b5"]);
    expect(bodies((await page("/v1/events?instance=beta&last=1&type=message.*")).items)).toEqual(["b5"]);
    // After `after`: at most what follows it.
    const a4 = everything.find((e) => e.type === "message.received" && (e.data as { body: string }).body === "a4")!;
    expect(bodies((await page(`/v1/instances/alpha/events?after=${a4.id}&last=1000`)).items)).toEqual(["a5"]);
    expect((await page("/v1/instances/alpha/events?last=1000", alphaToken)).items.map((e) => e.id)).toEqual(everything.map((e) => e.id));
  });

  it("`limit` and `last` together: 400 VALIDATION_FAILED with an issue at query.last (even for limit's default value)", async () => {
    for (const url of ["/v1/instances/alpha/events?last=5&limit=5", "/v1/events?limit=100&last=2"]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect((res.json() as { error: { code: string; details: unknown } }).error, url).toMatchObject({
        code: "VALIDATION_FAILED",
        details: { issues: [{ path: "query.last", message: "Give either limit or last, not both" }] },
      });
    }
  });

  it("documents limit's default (100) in OpenAPI, and a replay without limit or last pages by it", async () => {
    const doc = (await h.request({ url: "/openapi.json" })).json() as {
      paths: Record<string, { get: { parameters: { name: string; in: string; schema: { default?: unknown } }[] } }>;
    };
    for (const path of ["/v1/events", "/v1/instances/{name}/events"]) {
      const limit = doc.paths[path]!.get.parameters.find((p) => p.in === "query" && p.name === "limit");
      expect(limit?.schema.default, path).toBe(100);
    }
    const everything = await all("/v1/events?limit=1000");
    expect(everything.length).toBeLessThan(100); // one default page holds them all
    const defaultPage = await page("/v1/events");
    expect(defaultPage.items.map((e) => e.id)).toEqual(everything.map((e) => e.id));
  });

  it("the global feed interleaves instances in arrival order and filters by instance and type", async () => {
    const msgs = await all("/v1/events?type=message.received&limit=3");
    expect(bodies(msgs)).toEqual(["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4", "a5", "b5"]);
    const beta = await all("/v1/events?instance=beta&type=message.received");
    expect(bodies(beta)).toEqual(["b1", "b2", "b3", "b4", "b5"]);
    const repeated = await page("/v1/events?type=instance.status&type=message.received&limit=1000");
    const listed = await page("/v1/events?type=instance.status,message.received&limit=1000");
    expect(repeated.items.map((e) => e.id)).toEqual(listed.items.map((e) => e.id));
    expect(new Set(listed.items.map((e) => e.type))).toEqual(new Set(["instance.status", "message.received"]));
    expect((await page("/v1/events?type=no.such_type")).items).toEqual([]);
    // Patterns, as for webhook subscriptions: `prefix.*` and `*`.
    const prefixed = await all("/v1/events?type=message.*&limit=4");
    expect(prefixed.map((e) => e.id)).toEqual(msgs.map((e) => e.id));
    const everything = await page("/v1/events?limit=1000");
    expect((await page("/v1/events?type=*&limit=1000")).items).toEqual(everything.items);
    expect((await page("/v1/events?type=instance.*,message.*&limit=1000")).items).toEqual(everything.items);
    expect((await page("/v1/events?type=nothing.*")).items).toEqual([]);
  });

  it("scopes by token: an instance token reads only its own instance and never the global feed", async () => {
    const own = await all("/v1/instances/alpha/events", alphaToken);
    expect(bodies(own)).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect((await get("/v1/instances/beta/events", alphaToken)).statusCode).toBe(403);
    expect((await get("/v1/instances/nope/events", alphaToken)).statusCode).toBe(403);
    expect((await get("/v1/events", alphaToken)).statusCode).toBe(403);
    expect((await get("/v1/events?instance=alpha", alphaToken)).statusCode).toBe(403);
    const res = await h.request({ url: "/v1/events" });
    expect(res.statusCode).toBe(401);
    // Another instance's event id is no resume point for an instance token (410, like an unknown id).
    const betaEvent = (await page("/v1/instances/beta/events?limit=1", betaToken)).items[0]!;
    const probe = await get(`/v1/instances/alpha/events?after=${betaEvent.id}`, alphaToken);
    expect(probe.statusCode).toBe(410);
    expect(errorCode(probe)).toBe("EVENTS_EXPIRED");
    // The account token may use any event as a position.
    expect((await get(`/v1/instances/alpha/events?after=${betaEvent.id}`)).statusCode).toBe(200);
  });

  it("answers bad input with 4xx envelopes", async () => {
    const cases: [string, number, string][] = [
      ["/v1/instances/alpha/events?after=evt_unknown", 410, "EVENTS_EXPIRED"],
      ["/v1/events?after=evt_unknown", 410, "EVENTS_EXPIRED"],
      ["/v1/events?instance=nope", 404, "INSTANCE_NOT_FOUND"],
      ["/v1/instances/nope/events", 404, "INSTANCE_NOT_FOUND"],
      ["/v1/events?limit=0", 400, "VALIDATION_FAILED"],
      ["/v1/events?limit=1001", 400, "VALIDATION_FAILED"],
      ["/v1/events?limit=abc", 400, "VALIDATION_FAILED"],
      ["/v1/events?last=0", 400, "VALIDATION_FAILED"],
      ["/v1/events?last=1001", 400, "VALIDATION_FAILED"],
      ["/v1/instances/alpha/events?last=5&limit=5", 400, "VALIDATION_FAILED"],
      ["/v1/events?type=Message", 400, "VALIDATION_FAILED"],
      ["/v1/events?type=message.*.x", 400, "VALIDATION_FAILED"],
      ["/v1/events?type=message.received,", 400, "VALIDATION_FAILED"],
      ["/v1/events?after=", 400, "VALIDATION_FAILED"],
      [`/v1/events?after=${"x".repeat(300)}`, 400, "VALIDATION_FAILED"],
    ];
    for (const [url, status, code] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(status);
      expect(errorCode(res), url).toBe(code);
    }
  });

  it("keeps the instance.deleted event after the instance is gone (global feed)", async () => {
    const token = await h.connectedInstance("gone");
    expect((await get("/v1/instances/gone/events", token)).statusCode).toBe(200);
    expect((await h.request({ method: "DELETE", url: "/v1/instances/gone", token: h.accountToken })).statusCode).toBe(200);
    expect((await get("/v1/instances/gone/events")).statusCode).toBe(404);
    const feed = await page("/v1/events?type=instance.deleted&limit=1000");
    expect(feed.items).toEqual([expect.objectContaining({ type: "instance.deleted", instance: "gone", data: { remote: expect.any(String) } })]);
  });

  it("every event the gateway produced conforms to its published JSON Schema", async () => {
    const schemas = new Map<string, TSchema>(eventSchemas().map((s) => [String(s.$id), s]));
    const events = (await page("/v1/events?limit=1000")).items;
    const types = new Set(events.map((e) => e.type));
    expect(types.size).toBeGreaterThanOrEqual(3);
    for (const e of events) {
      const schema = schemas.get(eventSchemaId(e.type));
      expect(schema, e.type).toBeDefined();
      expect([...Value.Errors(schema!, e)].map((x) => `${x.path}: ${x.message}`), e.type).toEqual([]);
    }
    // And a wrong payload is refused by it (the check is not vacuous).
    const sample = events.find((e) => e.type === "message.received")!;
    expect(Value.Check(schemas.get(eventSchemaId("message.received"))!, { ...sample, data: { body: 1 } })).toBe(false);
  });
});

describe("event model in the OpenAPI document", () => {
  let h: HttpHarness;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, Record<string, unknown>> } };
  beforeAll(async () => {
    h = await httpHarness();
    doc = (await h.request({ url: "/openapi.json" })).json();
  });
  afterAll(async () => {
    await h.dispose();
  });

  it("publishes one envelope schema per event type, their discriminated union, and the replay page", () => {
    const types = Object.keys(EVENT_DATA_SCHEMAS);
    expect(types).toEqual(expect.arrayContaining(["instance.status", "message.received", "message.sent", "message.status", "instance.deleted"]));
    for (const t of types) {
      const s = doc.components.schemas[eventSchemaId(t)] as { properties: { type: { enum: string[] }; data: unknown }; required: string[] };
      expect(s, t).toBeDefined();
      expect(s.properties.type.enum).toEqual([t]);
      expect(s.required).toEqual(expect.arrayContaining(["id", "type", "instance", "platform", "ts", "metadata", "data"]));
    }
    const union = doc.components.schemas["Event"] as { oneOf: { $ref: string }[]; discriminator: { propertyName: string; mapping: Record<string, string> } };
    expect(union.oneOf.map((r) => r.$ref).sort()).toEqual(types.map((t) => `#/components/schemas/${eventSchemaId(t)}`).sort());
    expect(union.discriminator.propertyName).toBe("type");
    expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...types].sort());
    const status = doc.components.schemas["MessageStatusEvent"] as { properties: { data: { properties: { status: unknown } } } };
    expect(JSON.stringify(status.properties.data.properties.status)).toContain("delivered");
    expect(JSON.stringify(doc.components.schemas["EventPage"])).toContain("#/components/schemas/Event");
  });

  it("references them from the replay and stream routes", () => {
    for (const path of ["/v1/events", "/v1/instances/{name}/events"]) {
      expect(JSON.stringify(doc.paths[path]?.["get"]?.responses["200"]), path).toContain("#/components/schemas/EventPage");
    }
    const stream = doc.paths["/v1/events/stream"]?.["get"]?.responses ?? {};
    expect(Object.keys(stream)).toEqual(expect.arrayContaining(["101", "200"]));
    expect(JSON.stringify(stream["101"])).toContain("#/components/schemas/Event");
  });
});
