import { describe, expect, it } from "vitest";
import { DEFAULT_WEBHOOK_OPTIONS, retryDelay } from "../../../src/events/webhooks/options.js";

const HOUR = 3_600_000;

describe("webhook retry schedule", () => {
  const total = (random: number): number => {
    let sum = 0;
    for (let n = 1; ; n++) {
      const d = retryDelay(DEFAULT_WEBHOOK_OPTIONS, n, random);
      if (d === null) return sum;
      sum += d;
    }
  };

  it("spans at least 24 hours whatever the jitter draws, and gives up after the last delay", () => {
    expect(total(0)).toBeGreaterThanOrEqual(24 * HOUR);
    expect(total(0)).toBe(DEFAULT_WEBHOOK_OPTIONS.retryScheduleMs.reduce((a, b) => a + b, 0));
    expect(total(0.999)).toBeLessThanOrEqual(total(0) * 1.2);
    expect(retryDelay(DEFAULT_WEBHOOK_OPTIONS, DEFAULT_WEBHOOK_OPTIONS.retryScheduleMs.length + 1, 0.5)).toBeNull();
  });

  it("jitter only lengthens a delay", () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const d = retryDelay({ retryScheduleMs: [1000], jitter: 0.2 }, 1, r)!;
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(1200);
    }
  });
});
