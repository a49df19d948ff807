import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeEvent } from "../../../src/events/envelope.js";
import { DEFAULT_STREAM_SETTINGS, StreamSession, type StreamEnd, type StreamFilter, type StreamSink } from "../../../src/events/stream/session.js";
import { EventTail } from "../../../src/events/stream/tail.js";
import { openStore } from "../../../src/store/open.js";
import type { InstanceRecord, Store, StoredEvent } from "../../../src/store/types.js";
import { until } from "../../support/gateway-harness.js";
import { createInstanceRecord } from "../../support/records.js";

/** A bus the test drives by hand (so it can emit out of order, or not at all). */
class ManualBus {
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  subscribe(l: (e: StoredEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(...events: StoredEvent[]): void {
    for (const e of events) for (const l of this.listeners) l(e);
  }
}

/** A transport that records frames; its backlog is whatever the test says. */
class RecordingSink implements StreamSink {
  readonly sent: StoredEvent[] = [];
  ends: StreamEnd[] = [];
  backlog = 0;
  private readonly ac = new AbortController();
  private drainWaiters: (() => void)[] = [];
  readonly closed = this.ac.signal;
  send(e: StoredEvent): void {
    this.sent.push(e);
  }
  drained(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }
  /** The client read everything. */
  drain(): void {
    this.backlog = 0;
    for (const w of this.drainWaiters.splice(0)) w();
  }
  heartbeat(): boolean {
    return true;
  }
  end(reason: StreamEnd): void {
    this.ends.push(reason);
    this.ac.abort();
  }
}

describe("stream session", () => {
  let dir: string;
  let store: Store;
  let bus: ManualBus;
  let tail: EventTail | undefined;
  let a: InstanceRecord;
  let b: InstanceRecord;
  let n = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-session-"));
    store = await openStore({ dataDir: dir });
    bus = new ManualBus();
    a = await createInstanceRecord(store, { name: "a" });
    b = await createInstanceRecord(store, { name: "b" });
  });
  afterEach(async () => {
    await tail?.stop();
    tail = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const message = (rec: InstanceRecord) =>
    makeEvent(
      "message.received",
      { instance: rec.name, platform: rec.platform, metadata: {} },
      { threadId: "t", senderId: "s", body: `m${++n}`, messageId: String(n), timestamp: n },
      Date.now(),
    );
  const append = (rec: InstanceRecord, count = 1) =>
    store.events.append(
      rec.id,
      Array.from({ length: count }, () => message(rec)),
    );

  async function session(opts: { filter?: Partial<StreamFilter>; startSeq?: number; ringSize?: number; pageSize?: number; pollMs?: number; sink?: RecordingSink; highWaterBytes?: number; stallTimeoutMs?: number }) {
    tail = new EventTail({ events: store.events, bus, ringSize: opts.ringSize ?? 4096, pollMs: opts.pollMs ?? 0 });
    await tail.start();
    const sink = opts.sink ?? new RecordingSink();
    const s = new StreamSession({
      events: store.events,
      tail,
      filter: { instance: null, types: null, ...opts.filter },
      startSeq: opts.startSeq ?? tail.position,
      sink,
      recheck: async () => null,
      settings: {
        ...DEFAULT_STREAM_SETTINGS,
        pageSize: opts.pageSize ?? 500,
        highWaterBytes: opts.highWaterBytes ?? DEFAULT_STREAM_SETTINGS.highWaterBytes,
        stallTimeoutMs: opts.stallTimeoutMs ?? DEFAULT_STREAM_SETTINGS.stallTimeoutMs,
      },
    });
    void s.run();
    return { s, sink };
  }

  it("streams in seq order without gaps when bus emits arrive out of order", async () => {
    const { s, sink } = await session({});
    const first = await append(a);
    const second = await append(b, 2);
    const third = await append(a);
    // Concurrent writers may emit in any order; the tail reads the store, not the bus payloads.
    bus.emit(...third, ...first, ...second);
    await until(() => sink.sent.length >= 4, 5_000, "four events");
    expect(sink.sent.map((e) => e.seq)).toEqual([...first, ...second, ...third].map((e) => e.seq));
    s.end("gone");
  });

  it("does not depend on the bus: an event stored without an emit arrives through the poll", async () => {
    const { s, sink } = await session({ pollMs: 20 });
    const stored = await append(a, 3);
    await until(() => sink.sent.length >= 3, 5_000, "polled events");
    expect(sink.sent.map((e) => e.envelope.id)).toEqual(stored.map((e) => e.envelope.id));
    s.end("gone");
  });

  it("catches up across store pages and a ring too small, then follows live events, exactly once", async () => {
    const before = await append(a, 5);
    const start = before[4]!.seq;
    for (let i = 0; i < 20; i++) await append(i % 3 === 0 ? b : a, 2);
    const { s, sink } = await session({ startSeq: start, ringSize: 4, pageSize: 3, filter: { instance: { id: a.id, name: "a" } } });
    // Live traffic while the session is still catching up.
    for (let i = 0; i < 10; i++) bus.emit(...(await append(i % 2 ? a : b, 3)));
    const all = await store.events.query({ afterSeq: start, instanceId: a.id, limit: 1000 });
    await until(() => sink.sent.length >= all.length, 5_000, `${all.length} events`);
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.sent.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    expect(sink.sent.every((e) => e.envelope.instance === "a")).toBe(true);
    s.end("gone");
  });

  it("filters by type in memory and in the store alike", async () => {
    const start = (await append(a, 2))[1]!.seq;
    const status = makeEvent("instance.deleted", { instance: "a", platform: "telegram", metadata: {} }, { remote: "revoked" }, Date.now());
    const [deleted] = await store.events.append(a.id, [status]);
    const { s, sink } = await session({ startSeq: start, filter: { types: new Set(["instance.deleted"]) } });
    await until(() => sink.sent.length >= 1, 5_000, "the stored one");
    expect(sink.sent.map((e) => e.seq)).toEqual([deleted!.seq]);
    s.end("gone");
  });

  it("waits for a backlog to drain, and ends a consumer that stops reading with SLOW_CONSUMER", async () => {
    const slow = new RecordingSink();
    slow.backlog = 10;
    const { sink } = await session({ sink: slow, highWaterBytes: 1, stallTimeoutMs: 50 });
    bus.emit(...(await append(a, 5)));
    await until(() => sink.ends.length > 0, 5_000, "the end");
    // It sent one event, then waited on the backlog instead of queueing the rest in memory.
    expect(sink.sent).toHaveLength(1);
    expect(sink.ends[0]).toMatchObject({ code: "SLOW_CONSUMER" });
  });

  it("carries on once a slow consumer drains in time", async () => {
    const slow = new RecordingSink();
    slow.backlog = 10;
    const { s, sink } = await session({ sink: slow, highWaterBytes: 1, stallTimeoutMs: 5_000 });
    const stored = await append(a, 3);
    bus.emit(...stored);
    await until(() => sink.sent.length === 1, 5_000, "the first event");
    slow.drain();
    await until(() => sink.sent.length === 3, 5_000, "the rest");
    expect(sink.ends).toEqual([]);
    s.end("gone");
  });

  it("ends after the instance.deleted event of the instance it is filtered to", async () => {
    const { sink } = await session({ filter: { instance: { id: a.id, name: "a" } } });
    const farewell = makeEvent("instance.deleted", { instance: "a", platform: "telegram", metadata: {} }, { remote: "revoked" }, Date.now());
    bus.emit(...(await store.events.append(a.id, [farewell])));
    bus.emit(...(await append(b)));
    await until(() => sink.ends.length > 0, 5_000, "the end");
    expect(sink.sent.map((e) => e.envelope.type)).toEqual(["instance.deleted"]);
    expect(sink.ends[0]).toMatchObject({ code: "INSTANCE_NOT_FOUND" });
  });
});
