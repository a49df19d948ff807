import { describe, expect, it } from "vitest";
import { createManualClock, createSystemClock } from "../../../sandbox/telegram/index.js";

describe("sandbox clocks", () => {
  it("a manual clock stands still and fires timers in time order when advanced", () => {
    const clock = createManualClock(1_000);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push("c"));
    clock.setTimer(100, () => {
      fired.push("a");
      // A timer added while firing that is already due fires in the same advance.
      clock.setTimer(50, () => fired.push("a+50"));
    });
    const cancelled = clock.setTimer(200, () => fired.push("cancelled"));
    clock.clearTimer(cancelled);
    expect(clock.now()).toBe(1_000);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(251);
    expect(fired).toEqual(["a", "a+50", "c"]);
    expect(clock.now()).toBe(1_350);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it("a timer due now fires on the next tick, even on a manual clock", async () => {
    const clock = createManualClock();
    let fired = false;
    clock.setTimer(0, () => (fired = true));
    expect(fired).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(fired).toBe(true);
  });

  it("the system clock follows wall time, and advance adds an offset that fires timers", async () => {
    const clock = createSystemClock();
    const before = Date.now();
    expect(Math.abs(clock.now() - before)).toBeLessThan(50);
    let fired = false;
    clock.setTimer(60_000, () => (fired = true));
    clock.advance(60_000);
    expect(fired).toBe(true);
    expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(59_950);
    let real = false;
    clock.setTimer(10, () => (real = true));
    await new Promise((r) => setTimeout(r, 40));
    expect(real).toBe(true);
  });
});
