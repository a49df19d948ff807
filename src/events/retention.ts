import type { EventStore } from "../store/types.js";

/** Default event retention: 7 days, in ms. */
export const DEFAULT_EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Default interval between prune runs, ms. */
const DEFAULT_INTERVAL_MS = 60_000;
/** Default events deleted per store call. */
const DEFAULT_BATCH = 5000;

/** Options of {@link startRetention}. */
export interface RetentionOptions {
  events: Pick<EventStore, "prune"> & Partial<Pick<EventStore, "dropSecrets">>;
  /** Events older than this (by `ts`, ms) are deleted. 0 keeps events forever (expired login secrets are still dropped). */
  retentionMs: number;
  /** Time between prune runs, ms. Default 60 000. The first run is one interval after the start. */
  intervalMs?: number;
  /** Events deleted per store call (each call is one short transaction). Default 5000. */
  batch?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Told about each run that deleted something, and about failures (the loop carries on). */
  onRun?: (result: { deleted: number } | { error: unknown }) => void;
}

/** A running prune loop. */
export interface Retention {
  /** Runs one prune now (in batches until nothing older is left). Resolves with the number deleted. */
  runOnce(): Promise<number>;
  /** Stops the loop and waits for a run in progress. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the event retention loop: every `intervalMs`, drops the sealed login secrets of events
 * whose `expiresAt` has passed (`EventStore.dropSecrets`), and deletes events with `ts` older than
 * `now - retentionMs`, in batches of `batch` (yielding to the event loop between batches), so a
 * large backlog never holds one long transaction. Runs never overlap. Replay and stream resume
 * points that fall out of retention answer `EVENTS_EXPIRED`.
 * @throws RangeError for a negative or non-finite `retentionMs`.
 */
export function startRetention(opts: RetentionOptions): Retention {
  if (!Number.isFinite(opts.retentionMs) || opts.retentionMs < 0) throw new RangeError("retentionMs must be a finite number ≥ 0");
  const now = opts.now ?? Date.now;
  const batch = Math.max(1, opts.batch ?? DEFAULT_BATCH);
  let running: Promise<number> | null = null;
  let stopped = false;

  const prune = async (): Promise<number> => {
    // Login secrets (QR, pairing code) past their expiresAt are dropped whatever the retention.
    await opts.events.dropSecrets?.({ expiredBefore: now() });
    if (opts.retentionMs === 0) return 0;
    const before = now() - opts.retentionMs;
    let total = 0;
    while (!stopped) {
      const n = await opts.events.prune(before, batch);
      total += n;
      if (n < batch) break;
      await new Promise((r) => setImmediate(r));
    }
    return total;
  };

  const runOnce = (): Promise<number> => {
    running ??= prune().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => {
    runOnce().then(
      (deleted) => deleted > 0 && opts.onRun?.({ deleted }),
      (error: unknown) => opts.onRun?.({ error }),
    );
  }, opts.intervalMs ?? DEFAULT_INTERVAL_MS);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

/**
 * Parses a retention duration: a number with a unit, `d` (days), `h`, `m`, `s` or `ms` (`7d`,
 * `36h`, `90m`), or plain digits meaning ms. `0` means keep forever.
 * @returns ms, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "ms") as "ms" | "s" | "m" | "h" | "d"];
  const ms = Number(m[1]) * unit;
  return Number.isSafeInteger(ms) ? ms : undefined;
}
