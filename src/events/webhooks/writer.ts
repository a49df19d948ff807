import type { Logger } from "pino";
import type { AttemptRecord, DeliveryBatch, DeliveryKey, DeliveryUpdate, WebhookStore } from "../../store/types.js";

/** A fan-out row while it waits to be written; an attempt result may be merged into it. */
type FanOutRow = DeliveryKey & { result?: Omit<DeliveryUpdate, "webhookId" | "eventSeq"> };

/** Operations queued for one transaction. */
interface Batch {
  kind: "batch";
  fanOut: Array<{ webhookId: string; cursor: number; rows: FanOutRow[] }>;
  /** The rows of `fanOut` by `webhookId \0 eventSeq`. */
  rows: Map<string, FanOutRow>;
  updates: DeliveryUpdate[];
  attempts: Array<Omit<AttemptRecord, "id">>;
  streaks: Map<string, { webhookId: string; failingSince: number | null; failureCount: number }>;
  waiters: Array<() => void>;
}

/** A store operation that must run after everything queued before it and before everything after. */
interface Barrier {
  kind: "barrier";
  run: () => Promise<void>;
}

const newBatch = (): Batch => ({ kind: "batch", fanOut: [], rows: new Map(), updates: [], attempts: [], streaks: new Map(), waiters: [] });
const isEmpty = (q: Batch): boolean => q.fanOut.length === 0 && q.updates.length === 0 && q.attempts.length === 0 && q.streaks.size === 0;
const keyOf = (webhookId: string, seq: number): string => `${webhookId}\0${seq}`;

/** Delay before writing again after a failed write, ms: doubles from 100 up to 10 000. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 10_000;
/** Writes start at most this often, ms (see {@link DeliveryWriter}). */
export const DEFAULT_WRITE_INTERVAL_MS = 25;

/**
 * Group commit of the dispatcher's writes. Callers enqueue fan-outs, attempt results and failure
 * streaks; one {@link WebhookStore.writeBatch} transaction at a time writes everything queued. A
 * write starts at once when the previous one started at least `intervalMs` ago, else at that point:
 * at low load one small transaction per event with no delay, under load at most one transaction
 * every few milliseconds carrying hundreds of rows. Nothing waits for these writes but
 * {@link flushed} and {@link barrier} (deliveries are sent before their rows are stored; the store
 * catches up).
 *
 * Order: operations are written in the order they were enqueued. The result of an attempt whose
 * fan-out row has not been written yet is merged into that row (one insert instead of an insert and
 * an update). A failed write is retried with backoff, merged with what came meanwhile; nothing is
 * dropped.
 */
export class DeliveryWriter {
  /** Queued work in order; the last element is always the batch that takes new operations. */
  private readonly queue: Array<Batch | Barrier> = [newBatch()];
  private writing = false;
  private closed = false;
  private retryMs = 0;
  private lastStart = -Infinity;
  /** Cancels the scheduled write; null when none is scheduled. */
  private timer: (() => void) | null = null;

  constructor(
    private readonly store: WebhookStore,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly intervalMs = DEFAULT_WRITE_INTERVAL_MS,
  ) {}

  private get active(): Batch {
    return this.queue[this.queue.length - 1] as Batch;
  }

  /** New pending deliveries of a subscription and its new cursor (the last seq looked at). */
  fanOut(webhookId: string, cursor: number, rows: readonly DeliveryKey[]): void {
    const b = this.active;
    const copies = rows.map((r) => ({ ...r }));
    for (const r of copies) b.rows.set(keyOf(r.webhookId, r.eventSeq), r);
    b.fanOut.push({ webhookId, cursor, rows: copies });
    this.kick();
  }

  /** The outcome of one attempt: the delivery's new state and the attempt row. */
  result(update: DeliveryUpdate, attempt: Omit<AttemptRecord, "id">): void {
    const b = this.active;
    const row = b.rows.get(keyOf(update.webhookId, update.eventSeq));
    if (row) row.result = { state: update.state, attempts: update.attempts, nextAttemptAt: update.nextAttemptAt };
    else b.updates.push(update);
    b.attempts.push(attempt);
    this.kick();
  }

  /** A subscription's failure streak (the last value enqueued wins). */
  streak(webhookId: string, failingSince: number | null, failureCount: number): void {
    this.active.streaks.set(webhookId, { webhookId, failingSince, failureCount });
    this.kick();
  }

  /** Resolves once everything enqueued before this call is stored. */
  flushed(): Promise<void> {
    if (!this.writing && this.timer === null && this.queue.length === 1 && isEmpty(this.active)) return Promise.resolve();
    const b = this.active;
    return new Promise((resolve) => {
      b.waiters.push(resolve);
      this.kick();
    });
  }

  /**
   * Runs `op` (a store write of its own) after everything enqueued before this call is stored and
   * before anything enqueued afterwards is. Rejects with `op`'s error.
   */
  barrier(op: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: "barrier", run: () => op().then(resolve, (e: unknown) => reject(e as Error)) }, newBatch());
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
    const wait = this.retryMs > 0 ? this.retryMs : this.lastStart + this.intervalMs - performance.now();
    // setImmediate at least: the operations of the current turn join this write.
    if (wait <= 0) {
      const h = setImmediate(run);
      this.timer = () => clearImmediate(h);
    } else {
      const h = setTimeout(run, wait);
      this.timer = () => clearTimeout(h);
    }
  }

  private async write(): Promise<void> {
    if (this.writing) return;
    const head = this.queue[0]!;
    if (head.kind === "barrier") {
      this.writing = true;
      this.queue.shift();
      await head.run().catch(() => {}); // its caller gets the error
      this.writing = false;
      this.kick();
      return;
    }
    // The head batch is taken out; the active one is replaced when it is the head.
    this.queue.shift();
    if (this.queue.length === 0) this.queue.push(newBatch());
    if (isEmpty(head)) {
      for (const w of head.waiters) w();
      if (this.queue.length > 1 || !isEmpty(this.active) || this.active.waiters.length > 0) this.kick();
      return;
    }
    this.writing = true;
    this.lastStart = performance.now();
    const data: DeliveryBatch = { now: this.now(), fanOut: head.fanOut, updates: head.updates, attempts: head.attempts, streaks: [...head.streaks.values()] };
    try {
      await this.store.writeBatch(data);
      this.retryMs = 0;
      for (const w of head.waiters) w();
    } catch (e) {
      this.retryMs = Math.min(Math.max(this.retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
      this.logger.error({ err: e, retryMs: this.retryMs }, "storing webhook deliveries failed; retrying");
      // Back in front. Results that came meanwhile for its rows were queued as updates (the rows had
      // left the active batch), so they still follow the inserts.
      this.queue.unshift(head);
    } finally {
      this.writing = false;
    }
    if (this.queue.length > 1 || !isEmpty(this.active) || this.active.waiters.length > 0) this.kick();
  }
}
