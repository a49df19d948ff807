import type { Logger } from "pino";
import type { AttemptRecord, DeliveryBatch, DeliveryKey, DeliveryUpdate, WebhookStore } from "../../store/types.js";

interface Pending {
  fanOut: Array<{ webhookId: string; cursor: number; rows: readonly DeliveryKey[] }>;
  updates: DeliveryUpdate[];
  attempts: Array<Omit<AttemptRecord, "id">>;
  streaks: Map<string, { webhookId: string; failingSince: number | null; failureCount: number }>;
  waiters: Array<() => void>;
}

const empty = (): Pending => ({ fanOut: [], updates: [], attempts: [], streaks: new Map(), waiters: [] });

/** Delay before writing again after a failed write, ms: doubles from 100 up to 10 000. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 10_000;

/**
 * Group commit of the dispatcher's writes. Callers enqueue fan-outs, attempt results and failure
 * streaks; whatever accumulated while the previous write ran goes into the next one, as one
 * {@link WebhookStore.writeBatch} transaction. At low load that is one small write per event with no
 * added delay; under load, hundreds per transaction.
 *
 * Order: operations are written in the order they were enqueued (a fan-out row is always written in
 * the same or an earlier transaction than that delivery's result). A failed write is retried with
 * backoff, merged with what came meanwhile; nothing is dropped.
 */
export class DeliveryWriter {
  private queued: Pending = empty();
  private writing = false;
  private closed = false;
  private retryMs = 0;
  /** Cancels the scheduled write; null when none is scheduled. */
  private timer: (() => void) | null = null;

  constructor(
    private readonly store: WebhookStore,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** New pending deliveries of a subscription and its new cursor (the last seq looked at). */
  fanOut(webhookId: string, cursor: number, rows: readonly DeliveryKey[]): void {
    this.queued.fanOut.push({ webhookId, cursor, rows });
    this.kick();
  }

  /** The outcome of one attempt: the delivery's new state and the attempt row. */
  result(update: DeliveryUpdate, attempt: Omit<AttemptRecord, "id">): void {
    this.queued.updates.push(update);
    this.queued.attempts.push(attempt);
    this.kick();
  }

  /** A subscription's failure streak (the last value enqueued wins). */
  streak(webhookId: string, failingSince: number | null, failureCount: number): void {
    this.queued.streaks.set(webhookId, { webhookId, failingSince, failureCount });
    this.kick();
  }

  /** Resolves once everything enqueued before this call is stored. */
  flushed(): Promise<void> {
    const q = this.queued;
    if (!this.writing && q.fanOut.length === 0 && q.updates.length === 0 && q.streaks.size === 0 && this.timer === null) return Promise.resolve();
    return new Promise((resolve) => {
      q.waiters.push(resolve);
      this.kick();
    });
  }

  /** Writes what is queued; operations enqueued afterwards are not written (they are redone after a restart). */
  async close(): Promise<void> {
    await this.flushed();
    this.closed = true;
    this.timer?.();
    this.timer = null;
  }

  private kick(): void {
    if (this.writing || this.timer !== null || this.closed) return;
    const run = (): void => {
      this.timer = null;
      void this.write();
    };
    // setImmediate: the operations of the current turn join this write.
    if (this.retryMs === 0) {
      const h = setImmediate(run);
      this.timer = () => clearImmediate(h);
    } else {
      const h = setTimeout(run, this.retryMs);
      this.timer = () => clearTimeout(h);
    }
  }

  private async write(): Promise<void> {
    if (this.writing) return;
    const batch = this.queued;
    this.queued = empty();
    if (batch.fanOut.length === 0 && batch.updates.length === 0 && batch.streaks.size === 0) {
      for (const w of batch.waiters) w();
      return;
    }
    this.writing = true;
    const data: DeliveryBatch = { now: this.now(), fanOut: batch.fanOut, updates: batch.updates, attempts: batch.attempts, streaks: [...batch.streaks.values()] };
    try {
      await this.store.writeBatch(data);
      this.retryMs = 0;
      for (const w of batch.waiters) w();
    } catch (e) {
      this.retryMs = Math.min(Math.max(this.retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
      this.logger.error({ err: e, retryMs: this.retryMs }, "storing webhook deliveries failed; retrying");
      // Put the batch back in front of what came meanwhile, keeping the order.
      const later = this.queued;
      this.queued = {
        fanOut: [...batch.fanOut, ...later.fanOut],
        updates: [...batch.updates, ...later.updates],
        attempts: [...batch.attempts, ...later.attempts],
        streaks: new Map([...batch.streaks, ...later.streaks]),
        waiters: [...batch.waiters, ...later.waiters],
      };
    } finally {
      this.writing = false;
    }
    const q = this.queued;
    if (q.fanOut.length > 0 || q.updates.length > 0 || q.streaks.size > 0 || q.waiters.length > 0) this.kick();
  }
}
