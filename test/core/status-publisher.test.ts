import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import type { InstanceStatus } from "../../src/core/status.js";
import { StatusPublisher } from "../../src/core/status-publisher.js";

const connected = (since: number): InstanceStatus => ({ state: "connected", since, self: { id: "me" } });
const reconnecting = (attempt: number): InstanceStatus => ({ state: "reconnecting", attempt, retryAt: 0, lastError: { code: "E", message: "x" } });

describe("StatusPublisher (transient flaps are debounced)", () => {
  let published: string[];
  let pub: StatusPublisher;
  beforeEach(() => {
    vi.useFakeTimers();
    published = [];
    pub = new StatusPublisher(connected(1), systemClock, 3_000, (s, prev) => published.push(`${prev.state}->${s.state}`));
  });
  afterEach(() => vi.useRealTimers());

  it("publishes nothing for a flap that recovers within the window", () => {
    pub.update(reconnecting(1));
    pub.update({ state: "starting" });
    vi.advanceTimersByTime(2_000);
    pub.update(connected(2));
    vi.advanceTimersByTime(10_000);
    expect(published).toEqual([]);
  });

  it("publishes the latest status when the window closes", () => {
    pub.update(reconnecting(1));
    pub.update({ state: "starting" });
    pub.update(reconnecting(2));
    vi.advanceTimersByTime(2_999);
    expect(published).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(published).toEqual(["connected->reconnecting"]);
    pub.update(connected(3));
    expect(published).toEqual(["connected->reconnecting", "reconnecting->connected"]);
  });

  it("never holds back a terminal status", () => {
    pub.update(reconnecting(1));
    pub.update({ state: "failed", error: { code: "E", message: "x" } });
    expect(published).toEqual(["connected->failed"]);
    vi.advanceTimersByTime(5_000);
    expect(published).toHaveLength(1);
  });

  it("publishes every other change at once", () => {
    pub.update({ state: "stopped", reason: "user" });
    pub.update({ state: "starting" });
    pub.update({ state: "awaiting_login", method: "qr", attempt: 1 });
    expect(published).toEqual(["connected->stopped", "stopped->starting", "starting->awaiting_login"]);
  });

  it("flush publishes what is held", () => {
    pub.update(reconnecting(1));
    const held = pub.flush();
    expect(held && `${held.previous.state}->${held.status.state}`).toBe("connected->reconnecting");
    expect(pub.flush()).toBeNull();
    vi.advanceTimersByTime(10_000);
    expect(published).toEqual([]);
  });
});
