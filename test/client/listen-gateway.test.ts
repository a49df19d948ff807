import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Switchboard, SwitchboardError, type ListenError, type SwitchboardEvent } from "../../client/src/index.js";
import { until } from "../support/gateway-harness.js";
import { ACCOUNT_TOKEN, startTestGateway, type TestGateway } from "./gateway.js";

/**
 * `listen` and replay against the real gateway: live events, then a gateway restart on the same
 * data dir and port, and the stream resumes from the last event id with nothing lost and nothing
 * twice — checked against the gateway's own stored history.
 */
let gw: TestGateway;
let sb: Switchboard;
let accountId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  sb = new Switchboard({ url: gw.url, token: ACCOUNT_TOKEN });
  accountId = gw.platform.addTokenAccount("bot-token");
  await sb.createInstance({ name: "bot", platform: "memory" });
  await sb.instance("bot").connect({ login: { method: "token", token: "bot-token" }, wait: "connected" });
});
afterAll(async () => {
  await gw.dispose();
});

/** Every stored event (account-wide replay), oldest first. */
async function stored(): Promise<SwitchboardEvent[]> {
  const all: SwitchboardEvent[] = [];
  for await (const page of sb.replay({ limit: 7 })) all.push(...page.items);
  return all;
}

const FAST = { minDelayMs: 20, maxDelayMs: 200 };

describe("listen against the gateway", () => {
  it("receives events live, and after a gateway restart resumes with no loss and no duplicate", async () => {
    const api = sb.instance("bot");
    const got: SwitchboardEvent[] = [];
    const all: SwitchboardEvent[] = [];
    const errors: ListenError[] = [];
    const stop = api.listen((err, event) => {
      if (err) return void errors.push(err);
      got.push(event);
    }, FAST);
    const stopAll = sb.listen((err, event) => {
      if (!err) all.push(event);
    }, FAST);
    await until(() => stop.connected && stopAll.connected, 5_000, "streams open");

    for (let i = 1; i <= 5; i++) await gw.platform.deliver(accountId, `before ${i}`);
    await until(() => got.filter((e) => e.type === "message.received").length === 5, 5_000, "5 messages");
    const first = got[0]!;
    expect(first.type).toBe("message.received");
    if (first.type === "message.received") expect(first.data.body).toBe("before 1");
    expect(stop.lastEventId).toBe(got.at(-1)!.id);

    await gw.restart();
    // The instance restores by itself (desired running, credentials kept): wait for its session.
    await until(() => gw.platform.sessions.size === 1, 10_000, "the session restored");
    for (let i = 1; i <= 5; i++) await gw.platform.deliver(accountId, `after ${i}`);
    await until(() => got.filter((e) => e.type === "message.received").length === 10, 15_000, "10 messages");
    await until(() => all.filter((e) => e.type === "message.received").length === 10, 15_000, "10 messages account-wide");

    // Exactly the stored events of the instance after the first one received, in order, once each.
    const history = await stored();
    const start = history.findIndex((e) => e.id === first.id);
    expect(start).toBeGreaterThanOrEqual(0);
    const expected = history.slice(start).filter((e) => e.instance === "bot").map((e) => e.id);
    await until(() => got.length >= expected.length, 5_000, "every stored event");
    expect(got.map((e) => e.id)).toEqual(expected);
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    // The restart produced status events while the SDK was away: they were caught up, not lost.
    expect(got.some((e) => e.type === "instance.status" && e.data.status.state === "connected")).toBe(true);
    expect(all.map((e) => e.id)).toEqual(history.slice(history.findIndex((e) => e.id === all[0]!.id)).map((e) => e.id));
    // The gateway said it was going away; the reconnect attempts while it was down were reported too.
    expect(errors.some((e) => e instanceof SwitchboardError && e.code === "SHUTTING_DOWN")).toBe(true);

    stop();
    stopAll();
    await Promise.all([stop.closed, stopAll.closed]);
  }, 30_000);

  it("listen({ after }) replays what was missed, then goes live; types filter", async () => {
    const history = (await stored()).filter((e) => e.instance === "bot");
    const from = history[history.length - 3]!;
    const got: SwitchboardEvent[] = [];
    const stop = sb.instance("bot").listen(
      (err, event) => {
        if (!err) got.push(event);
      },
      { after: from.id, types: ["message.received"] },
    );
    await gw.platform.deliver(accountId, "live one");
    await until(() => got.some((e) => e.type === "message.received" && e.data.body === "live one"), 5_000, "the live message");
    stop();
    const missed = history.slice(-2).filter((e) => e.type === "message.received").map((e) => e.id);
    expect(got.map((e) => e.id).slice(0, missed.length)).toEqual(missed);
    expect(got.every((e) => e.type === "message.received")).toBe(true);
  });

  it("ends with EVENTS_EXPIRED for an unknown resume id, and with 404 for an unknown instance", async () => {
    const errors: ListenError[] = [];
    const stop = sb.instance("bot").listen((err, _event) => void (err && errors.push(err)), { after: "evt_unknown" });
    await stop.closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "EVENTS_EXPIRED", status: 410 });

    const errors2: ListenError[] = [];
    const stop2 = sb.instance("nobody").listen((err, _event) => void (err && errors2.push(err)));
    await stop2.closed;
    expect(errors2[0]).toMatchObject({ code: "INSTANCE_NOT_FOUND", status: 404 });
  });
});

describe("replay", () => {
  it("pages with events({after, limit}) and async iteration; unknown after is EVENTS_EXPIRED", async () => {
    const api = sb.instance("bot");
    const firstPage = await api.events({ limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.next).toBe(firstPage.items[1]!.id);
    const second = await api.events({ after: firstPage.next!, limit: 2 });
    expect(second.items[0]!.id).not.toBe(firstPage.items[1]!.id);

    const ids: string[] = [];
    for await (const page of api.replay({ limit: 3 })) ids.push(...page.items.map((e) => e.id));
    expect(ids.slice(0, 4)).toEqual([...firstPage.items, ...second.items].map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);

    const messages: string[] = [];
    for await (const page of api.replay({ types: ["message.received"], limit: 4 })) {
      for (const e of page.items) if (e.type === "message.received") messages.push(e.data.body);
    }
    expect(messages.slice(0, 3)).toEqual(["before 1", "before 2", "before 3"]);

    await expect(api.events({ after: "evt_nope" })).rejects.toMatchObject({ code: "EVENTS_EXPIRED", status: 410 });

    // The newest ones only: `last`, oldest first, nothing to continue with.
    const newest = await api.events({ last: 2 });
    expect(newest.items.map((e) => e.id)).toEqual(ids.slice(-2));
    expect(newest.next).toBeNull();
    await expect(api.events({ last: 2, limit: 2 })).rejects.toMatchObject({ code: "VALIDATION_FAILED", status: 400 });

    // `replay` pages through everything: it takes no `last`, and one slipped in untyped is not sent.
    const replayed: string[] = [];
    // @ts-expect-error `last` is not a replay option
    for await (const page of api.replay({ last: 2, limit: 3 })) replayed.push(...page.items.map((e) => e.id));
    expect(replayed).toEqual(ids);
    const global: string[] = [];
    // @ts-expect-error `last` is not a replay option
    for await (const page of sb.replay({ instance: "bot", last: 2 })) global.push(...page.items.map((e) => e.id));
    expect(global).toEqual(ids);
  });
});
