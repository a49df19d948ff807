import type { EventStore, StoredEvent } from "../../store/types.js";

/** Where live events come from: the in-process bus (`EventBus`), which carries only stored events. */
export interface LiveSource {
  /** Subscribes; returns the function that unsubscribes. */
  subscribe(listener: (event: StoredEvent) => void): () => void;
}

/** Options of {@link EventTail}. */
export interface TailOptions {
  events: Pick<EventStore, "query" | "lastSeq">;
  bus: LiveSource;
  /** At least this many recent events (at most twice as many) are kept in memory for live sessions. Default 4096. */
  ringSize?: number;
  /** Events per store read. Default 1000 (the store's maximum). */
  pageSize?: number;
  /**
   * Safety net: the store is also read every this many ms even without a bus wake-up, so an event
   * stored without being emitted is still streamed. Default 2000; 0 disables.
   */
  pollMs?: number;
  /** Called with a failed store read (the tail retries on the next wake-up or poll). */
  onError?: (e: unknown) => void;
}

const DEFAULT_RING = 4096;
const DEFAULT_PAGE = 1000;
const DEFAULT_POLL_MS = 2000;

/**
 * The one reader of the outbox's head, shared by every live stream of the process. The bus only
 * wakes it; it reads the events themselves from the store (unfiltered, by `seq`), so what it hands
 * on is gap-free and in order even when bus emits interleave: the store guarantees that no event
 * with a lower seq becomes visible after a higher one.
 *
 * Invariants: every stored event with `seq <= position` was visible when the tail read up to
 * `position`; the ring holds every event in `(ringBase, position]`, oldest first.
 *
 * It reads only while someone consumes it ({@link retain}): with no stream open it only notes that
 * the head moved, and the first read after that jumps to the store's head with an empty ring (a
 * session needing older events reads them from the store, as for any ring miss).
 */
export class EventTail {
  private ring: StoredEvent[] = [];
  private ringBase = 0;
  private pos = 0;
  private reading: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private waiters = new Set<() => void>();
  /** Open consumers (streams); the tail reads the store only while there are any. */
  private consumers = 0;
  /** The store's head may have moved while nobody consumed: jump on the next read. */
  private stale = false;
  private readonly ringSize: number;
  private readonly pageSize: number;

  constructor(private readonly opts: TailOptions) {
    this.ringSize = Math.max(1, opts.ringSize ?? DEFAULT_RING);
    this.pageSize = Math.max(1, opts.pageSize ?? DEFAULT_PAGE);
  }

  /** True once {@link stop} was called: nothing more will arrive. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** The highest seq read so far: every event up to it is visible (and was handed on). */
  get position(): number {
    return this.pos;
  }

  /**
   * Starts at the store's current head (older events are read by sessions from the store) and
   * subscribes to the bus. @throws `STORAGE_FAILED`.
   */
  async start(): Promise<void> {
    this.pos = this.ringBase = await this.opts.events.lastSeq();
    this.unsubscribe = this.opts.bus.subscribe((e) => {
      if (e.seq > this.pos) this.nudge();
    });
    const pollMs = this.opts.pollMs ?? DEFAULT_POLL_MS;
    if (pollMs > 0) {
      this.timer = setInterval(() => this.nudge(), pollMs);
      this.timer.unref();
    }
  }

  /** Unsubscribes, stops polling and releases every waiter. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.notify();
    await this.reading;
  }

  /**
   * The events after `seq` that the tail has read, oldest first (a copy); `[]` when `seq` is at or
   * beyond {@link position}; undefined when the ring no longer reaches back to `seq` (read the store).
   */
  since(seq: number): StoredEvent[] | undefined {
    if (seq >= this.pos) return [];
    if (seq < this.ringBase) return undefined;
    // First index with e.seq > seq (binary search; the ring is ascending).
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ring[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.ring.slice(lo);
  }

  /** Resolves once {@link position} passes `seq`, the tail stops, or `signal` aborts. */
  waitBeyond(seq: number, signal: AbortSignal): Promise<void> {
    if (this.pos > seq || this.stopped || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.pos <= seq && !this.stopped && !signal.aborted) return;
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener("abort", done);
    });
  }

  /**
   * Registers a consumer (an open stream): the tail reads while any is registered.
   * @returns the release function (idempotent).
   */
  retain(): () => void {
    this.consumers++;
    if (this.consumers === 1 && this.stale) void this.wake();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.consumers--;
    };
  }

  /**
   * Where a stream that starts "now" begins: {@link position} while the tail is live, else the
   * store's head. @throws `STORAGE_FAILED`.
   */
  async head(): Promise<number> {
    if (this.consumers > 0 && !this.stale) return this.pos;
    return Math.max(this.pos, await this.opts.events.lastSeq());
  }

  /** A wake-up from the bus or the poll: a read when someone consumes, else a note for later. */
  private nudge(): void {
    if (this.consumers > 0) void this.wake();
    else this.stale = true;
  }

  /** Reads the store now (coalesced with a read in progress). Resolves when the read is done. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reading) {
      this.dirty = true;
      return this.reading;
    }
    this.reading = this.readAll().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async readAll(): Promise<void> {
    if (this.stale) {
      this.stale = false;
      let head: number;
      try {
        head = await this.opts.events.lastSeq();
      } catch (e) {
        this.stale = true;
        this.opts.onError?.(e);
        return;
      }
      if (head > this.pos) {
        this.pos = this.ringBase = head;
        this.ring = [];
        this.notify();
      }
    }
    do {
      this.dirty = false;
      for (;;) {
        let page: StoredEvent[];
        try {
          page = await this.opts.events.query({ afterSeq: this.pos, limit: this.pageSize });
        } catch (e) {
          this.opts.onError?.(e);
          return;
        }
        if (this.stopped) return;
        if (page.length > 0) this.append(page);
        if (page.length < this.pageSize) break;
      }
    } while (this.dirty && !this.stopped);
  }

  private append(page: readonly StoredEvent[]): void {
    for (const e of page) this.ring.push(e);
    this.pos = page[page.length - 1]!.seq;
    // Trimmed in bulk (amortised): the ring holds between ringSize and 2 × ringSize events.
    if (this.ring.length > 2 * this.ringSize) {
      const excess = this.ring.length - this.ringSize;
      this.ringBase = this.ring[excess - 1]!.seq;
      this.ring = this.ring.slice(excess);
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
