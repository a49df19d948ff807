import { describe, expect, it } from "vitest";
import { EventBus } from "../../../src/events/bus.js";
import { EventTail } from "../../../src/events/stream/tail.js";
import type { EventQuery, StoredEvent } from "../../../src/store/types.js";

/** An in-memory outbox that counts its reads. */
function outbox(): { rows: StoredEvent[]; queries: number; add(n: number): StoredEvent[]; events: { query(q: EventQuery): Promise<StoredEvent[]>; lastSeq(): Promise<number> } } {
  const o = {
    rows: [] as StoredEvent[],
    queries: 0,
    add(n: number): StoredEvent[] {
      const added = Array.from({ length: n }, (_, i) => {
        const seq = o.rows.length + i + 1;
        return { seq, envelope: { id: `e${seq}`, type: "message.sent", instance: "a", platform: "p", ts: seq, metadata: {}, data: {} } } as unknown as StoredEvent;
      });
      o.rows.push(...added);
      return added;
    },
    events: {
      query: async (q: EventQuery) => {
        o.queries++;
        return o.rows.filter((r) => r.seq > (q.afterSeq ?? 0)).slice(0, q.limit);
      },
      lastSeq: async () => o.rows.length,
    },
  };
  return o;
}

describe("EventTail", () => {
  it("reads the store only while a consumer is registered, and jumps to the head when one comes", async () => {
    const o = outbox();
    const bus = new EventBus();
    const tail = new EventTail({ events: o.events, bus, pollMs: 0 });
    await tail.start();
    bus.emit(...o.add(3));
    await new Promise((r) => setTimeout(r, 10));
    expect(o.queries).toBe(0); // nobody streams: no read per stored batch
    expect(await tail.head()).toBe(3); // a stream starting now begins at the store's head

    const release = tail.retain();
    await tail.wake();
    expect(tail.position).toBe(3);
    expect(tail.since(2)).toBeUndefined(); // jumped: older events come from the store
    bus.emit(...o.add(2));
    await tail.wake();
    expect(tail.since(3)?.map((e) => e.seq)).toEqual([4, 5]);
    const before = o.queries;
    release();
    bus.emit(...o.add(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(o.queries).toBe(before);
    await tail.stop();
  });
});
