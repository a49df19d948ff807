import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSwitchboardError } from "../../src/core/errors.js";
import { makeEvent } from "../../src/events/envelope.js";
import { EventFeed, type FeedCaller } from "../../src/events/feed.js";
import { parseDuration, startRetention } from "../../src/events/retention.js";
import { EventBus } from "../../src/events/bus.js";
import { startServer } from "../../src/server.js";
import { openStore } from "../../src/store/open.js";
import type { InstanceRecord, Store } from "../../src/store/types.js";
import { until } from "../support/gateway-harness.js";
import { createInstanceRecord } from "../support/records.js";

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const ACCOUNT: FeedCaller = { scope: "account", instanceId: null, instanceName: null, tokenHash: "unused" };

describe("event retention", () => {
  let dir: string;
  let store: Store;
  let rec: InstanceRecord;
  let n = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-retention-"));
    store = await openStore({ dataDir: dir });
    rec = await createInstanceRecord(store, { name: "keep" });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stores `count` events dated `ageMs` before NOW; returns their ids. */
  async function stored(count: number, ageMs: number): Promise<string[]> {
    const events = Array.from({ length: count }, () =>
      makeEvent("message.sent", { instance: rec.name, platform: rec.platform, metadata: {} }, { threadId: "t", senderId: "me", body: `m${++n}`, messageId: `${n}`, timestamp: n }, NOW - ageMs),
    );
    return (await store.events.append(rec.id, events)).map((e) => e.envelope.id);
  }

  it("deletes events older than the retention, in batches, and keeps the rest", async () => {
    const old = await stored(7, 8 * DAY);
    const young = await stored(3, DAY);
    const r = startRetention({ events: store.events, retentionMs: 7 * DAY, batch: 2, intervalMs: 60_000, now: () => NOW });
    expect(await r.runOnce()).toBe(7);
    expect(await r.runOnce()).toBe(0);
    await r.stop();
    const left = await store.events.query({ limit: 1000 });
    expect(left.map((e) => e.envelope.id)).toEqual(young);
    for (const id of old) expect(await store.events.locate(id)).toBeUndefined();
  });

  it("runs by itself every interval until stopped; 0 keeps events forever", async () => {
    await stored(3, 2 * DAY);
    const forever = startRetention({ events: store.events, retentionMs: 0, intervalMs: 10, now: () => NOW });
    expect(await forever.runOnce()).toBe(0);
    await forever.stop();
    expect(await store.events.query({ limit: 1000 })).toHaveLength(3);

    const runs: unknown[] = [];
    const loop = startRetention({ events: store.events, retentionMs: DAY, intervalMs: 10, now: () => NOW, onRun: (x) => runs.push(x) });
    await until(async () => (await store.events.query({ limit: 1000 })).length === 0, 5_000, "the loop pruned");
    expect(runs).toEqual([{ deleted: 3 }]);
    await loop.stop();
    await stored(2, 2 * DAY);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.events.query({ limit: 1000 })).toHaveLength(2);
    expect(() => startRetention({ events: store.events, retentionMs: -1 })).toThrow(RangeError);
  });

  it("a pruned resume point answers EVENTS_EXPIRED for replay and streams", async () => {
    const [pruned] = await stored(1, 30 * DAY);
    const [kept] = await stored(1, 0);
    const r = startRetention({ events: store.events, retentionMs: 7 * DAY, now: () => NOW });
    await r.runOnce();
    await r.stop();
    const feed = new EventFeed({ store, bus: new EventBus(), pollMs: 0 });
    await feed.start();
    const replay = await feed.replay({ caller: ACCOUNT, instance: null, limit: 10 });
    expect(replay.items.map((e) => e.id)).toEqual([kept]);
    await expect(feed.replay({ caller: ACCOUNT, instance: null, after: pruned!, limit: 10 })).rejects.toSatisfy((e) => isSwitchboardError(e, "EVENTS_EXPIRED"));
    await expect(feed.openStream({ caller: ACCOUNT, instance: null, after: pruned! })).rejects.toSatisfy((e) => isSwitchboardError(e, "EVENTS_EXPIRED"));
    await feed.close();
  });

  it("a position cursor (@seq) behind what retention kept is expired too; one at the edge is not", async () => {
    await stored(3, 30 * DAY);
    const [kept] = await stored(1, 0);
    const keptSeq = (await store.events.locate(kept!))!.seq;
    const r = startRetention({ events: store.events, retentionMs: 7 * DAY, now: () => NOW });
    await r.runOnce();
    await r.stop();
    const feed = new EventFeed({ store, bus: new EventBus(), pollMs: 0 });
    await feed.start();
    // Started before the pruned events: they are gone, so the gap must be reported, not skipped.
    await expect(feed.replay({ caller: ACCOUNT, instance: null, after: `@${keptSeq - 3}`, limit: 10 })).rejects.toSatisfy((e) => isSwitchboardError(e, "EVENTS_EXPIRED"));
    await expect(feed.openStream({ caller: ACCOUNT, instance: null, after: `@${keptSeq - 2}` })).rejects.toSatisfy((e) => isSwitchboardError(e, "EVENTS_EXPIRED"));
    // Right before the oldest kept event: nothing was lost.
    expect((await feed.replay({ caller: ACCOUNT, instance: null, after: `@${keptSeq - 1}`, limit: 10 })).items.map((e) => e.id)).toEqual([kept]);
    await feed.close();
  });

  it("a gateway refuses to start with an event retention shorter than the webhook retry schedule", async () => {
    const data = mkdtempSync(join(tmpdir(), "sb-retention-start-"));
    try {
      await expect(startServer({ dataDir: data, port: 0, secret: "s", logLevel: "silent", eventRetentionMs: 3_600_000 })).rejects.toSatisfy((e) =>
        isSwitchboardError(e, "VALIDATION_FAILED"),
      );
      // A shorter schedule makes the same retention fine.
      const ok = await startServer({ dataDir: data, port: 0, secret: "s", logLevel: "silent", eventRetentionMs: 3_600_000, webhooks: { retryScheduleMs: [1_000, 60_000] } });
      await ok.close();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("parses durations for SWITCHBOARD_EVENT_RETENTION", () => {
    expect(parseDuration("7d")).toBe(7 * DAY);
    expect(parseDuration("36h")).toBe(36 * 3_600_000);
    expect(parseDuration("90m")).toBe(90 * 60_000);
    expect(parseDuration("3600s")).toBe(3_600_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("60000")).toBe(60_000);
    expect(parseDuration("0")).toBe(0);
    for (const bad of ["", "7 days", "-1d", "1.5h", "d", "7w", "99999999999999999999d"]) expect(parseDuration(bad), bad).toBeUndefined();
  });
});
