import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../../src/events/types.js";
import { until } from "../../support/gateway-harness.js";
import { ACCOUNT_TOKEN, getJson, openSse, openWs, testGateway, type TestGateway } from "./clients.js";

const PG_URL = process.env.SWITCHBOARD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const databases: string[] = [];

/** A new empty Postgres database (startServer uses the default schema); dropped after the tests. */
async function freshDatabase(): Promise<string> {
  const name = `sb_events_${randomBytes(5).toString("hex")}`;
  await admin((c) => c.query(`create database "${name}"`));
  databases.push(name);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Every stored event after `after`, by the replay API (the store's truth), oldest first. */
async function storedAfter(g: TestGateway, after: string): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  let cursor: string | null = after;
  while (cursor !== null) {
    const { status, body } = await getJson(`${g.url}/v1/events?limit=1000&after=${cursor}`, ACCOUNT_TOKEN);
    expect(status).toBe(200);
    const page = body as { items: EventEnvelope[]; next: string | null };
    out.push(...page.items);
    cursor = page.next;
  }
  return out;
}

const body = (e: EventEnvelope): string | undefined => (e.type === "message.received" ? (e.data as { body: string }).body : undefined);

/**
 * The client keeps its last event id through a gateway restart: events it missed before the stop,
 * the shutdown's own events, and the boot's events after the start all arrive on reconnect, exactly
 * once and in order — compared with what the store holds.
 */
describe("resume from a last event id across a gateway restart", () => {
  let g: TestGateway | undefined;
  afterEach(async () => {
    await g?.dispose();
    g = undefined;
    for (const name of databases.splice(0)) await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
  });

  it.each([
    ["SQLite", () => testGateway()],
    ["Postgres", async () => testGateway({ databaseUrl: await freshDatabase() })],
  ])("over SSE (Last-Event-ID), %s", async (_engine, make) => {
    g = await make();
    const bot = await g.connected("bot");
    const first = await openSse(`${g.url}/v1/events/stream`, { token: bot.token });
    await g.platform.deliver(bot.accountId, "m1");
    await g.platform.deliver(bot.accountId, "m2");
    await until(() => first.events.some((e) => body(e) === "m2"), 5_000, "m2");
    first.close();
    const lastId = first.events[first.events.length - 1]!.id;

    // Missed while away, then the gateway stops (its shutdown writes status events) and starts again.
    await g.platform.deliver(bot.accountId, "m3");
    await g.restart();
    await until(async () => (await g!.server.gateway.getInstance("bot")).status.state === "connected", 5_000, "reconnected after boot");
    await g.platform.deliver(bot.accountId, "m4");

    const resumed = await openSse(`${g.url}/v1/events/stream`, { token: bot.token, lastEventId: lastId });
    expect(resumed.status).toBe(200);
    await g.platform.deliver(bot.accountId, "m5");
    await until(() => resumed.events.some((e) => body(e) === "m5"), 5_000, "m5");
    const expected = await storedAfter(g, lastId);
    expect(resumed.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(resumed.events.map(body).filter(Boolean)).toEqual(["m3", "m4", "m5"]);
    // The restart in between is visible as the instance's own status events, each once.
    expect(resumed.events.filter((e) => e.type === "instance.status").length).toBeGreaterThan(0);
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(resumed.events.length);
    resumed.close();
  });

  it("over WebSocket (?after=), with the stream open while the gateway stops", async () => {
    g = await testGateway();
    const bot = await g.connected("bot");
    const first = await openWs(`${g.url}/v1/events/stream`, { token: ACCOUNT_TOKEN });
    await g.platform.deliver(bot.accountId, "w1");
    await until(() => first.events.some((e) => body(e) === "w1"), 5_000, "w1");

    await g.stop();
    expect(await first.closed).toEqual({ code: 1001, reason: "SHUTTING_DOWN" });
    const lastId = first.events[first.events.length - 1]!.id;
    await g.start();
    await until(async () => (await g!.server.gateway.getInstance("bot")).status.state === "connected", 5_000, "reconnected after boot");
    await g.platform.deliver(bot.accountId, "w2");

    const resumed = await openWs(`${g.url}/v1/events/stream?after=${lastId}`, { token: ACCOUNT_TOKEN });
    expect(resumed.status).toBe(101);
    await g.platform.deliver(bot.accountId, "w3");
    await until(() => resumed.events.some((e) => body(e) === "w3"), 5_000, "w3");
    const expected = await storedAfter(g, lastId);
    expect(resumed.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(resumed.events.map(body).filter(Boolean)).toEqual(["w2", "w3"]);
    // Nothing the first connection already had comes again.
    const seen = new Set(first.events.map((e) => e.id));
    expect(resumed.events.filter((e) => seen.has(e.id))).toEqual([]);
    resumed.close();
  });
});
