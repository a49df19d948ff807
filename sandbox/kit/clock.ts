/**
 * The sandbox clock, shared by every sandbox: each time rule (Telegram: logOut lockout, `close`
 * window, 24-hour update retention, long-poll timeouts, flood windows, webhook retry backoff;
 * WhatsApp: QR ref lifetimes) reads {@link Clock.now} and schedules with {@link Clock.setTimer},
 * never `Date.now()`/`setTimeout`.
 *
 * Two implementations: a system clock (wall time plus an offset that `advance` moves forward) and
 * a manual clock (time moves only through `advance`). Both fire their timers in time order when
 * `advance` passes them, so a test can jump over a 10-minute lockout in a millisecond.
 */

export type TimerId = number;

export interface Clock {
  /** Milliseconds since the Unix epoch, as the sandbox sees it. */
  now(): number;
  /** Calls `fn` once the clock reaches `now() + delayMs` (a delay ≤ 0 fires on the next tick). */
  setTimer(delayMs: number, fn: () => void): TimerId;
  clearTimer(id: TimerId): void;
  /**
   * Moves the clock forward by `ms` and fires, in order, every timer that became due — each with
   * `now()` at its due time, so timers it sets are timed from there.
   */
  advance(ms: number): void;
}

interface Timer {
  id: TimerId;
  at: number;
  fn: () => void;
}

/** The largest delay `setTimeout` accepts (about 24.8 days). */
const MAX_REAL_DELAY = 2_147_483_647;

class SandboxClock implements Clock {
  private offset = 0;
  private nextId = 1;
  private readonly timers = new Map<TimerId, Timer>();
  private realTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private firing = false;

  constructor(
    private readonly mode: "system" | "manual",
    private readonly baseTime: number,
  ) {}

  now(): number {
    return this.base() + this.offset;
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.now() + Math.max(0, delayMs), fn });
    this.arm();
    return id;
  }

  clearTimer(id: TimerId): void {
    this.timers.delete(id);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("the clock only moves forward (ms must be ≥ 0)");
    const target = this.offset + ms;
    if (this.firing) {
      this.offset = target;
      return;
    }
    // Step through the due timers: each fires with now() at its own due time (never backwards), so
    // what it schedules is timed from then — like fake timers' tick.
    this.firing = true;
    try {
      for (;;) {
        const next = this.earliestDue(this.base() + target);
        if (next === undefined) break;
        this.offset = Math.max(this.offset, next.at - this.base());
        this.fire(next);
      }
    } finally {
      this.firing = false;
    }
    this.offset = target;
    this.fireDue();
  }

  /** Removes `timer` and runs it; a timer callback never breaks the clock. */
  private fire(timer: Timer): void {
    this.timers.delete(timer.id);
    try {
      timer.fn();
    } catch {
      // The callback's failure is its own.
    }
  }

  private base(): number {
    return this.mode === "system" ? Date.now() : this.baseTime;
  }

  private earliestDue(limit: number): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.timers.values()) {
      if (t.at <= limit && (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
    }
    return next;
  }

  /** Fires the timers due now, in (time, creation) order; timers they add that are already due fire too. */
  private fireDue(): void {
    if (this.firing) return;
    this.firing = true;
    try {
      for (let next = this.earliestDue(this.now()); next !== undefined; next = this.earliestDue(this.now())) this.fire(next);
    } finally {
      this.firing = false;
    }
    this.arm();
  }

  /** Schedules the next real wake-up: a tick for due timers; a real timeout for the system clock. */
  private arm(): void {
    if (this.realTimer !== undefined) {
      clearTimeout(this.realTimer);
      this.realTimer = undefined;
    }
    let earliest = Infinity;
    for (const t of this.timers.values()) earliest = Math.min(earliest, t.at);
    if (earliest === Infinity) return;
    const delay = earliest - this.now();
    if (delay <= 0) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.fireDue();
      });
      return;
    }
    if (this.mode === "system") {
      this.realTimer = setTimeout(() => {
        this.realTimer = undefined;
        this.fireDue();
      }, Math.min(delay, MAX_REAL_DELAY));
      this.realTimer.unref();
    }
  }
}

/** Wall-clock time; `advance(ms)` adds a permanent offset (used to skip lockouts by hand). */
export function createSystemClock(): Clock {
  return new SandboxClock("system", 0);
}

/** Time stands still at `startMs` (default: the current wall time) until `advance` moves it. */
export function createManualClock(startMs: number = Date.now()): Clock {
  return new SandboxClock("manual", startMs);
}
