import { err, isSwitchboardError, type SwitchboardError } from "../../core/errors.js";
import type { EventStore, StoredEvent } from "../../store/types.js";
import type { EventTail } from "./tail.js";

/**
 * What a stream shows. Scoping by token is decided before (see `EventFeed.scope`); here it is only a
 * filter.
 */
export interface StreamFilter {
  /** Only this instance (`id` for store reads, `name` for live events); null: every event. */
  instance: { id: string; name: string } | null;
  /** Only these event types (exact names); null: every type. */
  types: ReadonlySet<string> | null;
}

/** Why a stream ended: an error (sent to the client as the reason), or `gone` (the peer vanished: nothing to send). */
export type StreamEnd = SwitchboardError | "gone";

/** One transport (SSE response, WebSocket) as a session sees it. */
export interface StreamSink {
  /** Writes one event frame. */
  send(event: StoredEvent): void;
  /** Bytes written to the transport and not yet handed to the OS. */
  readonly backlog: number;
  /** Resolves once {@link backlog} has dropped to at most `bytes`, or the transport closed. */
  drained(bytes: number): Promise<void>;
  /** Writes a keep-alive. Returns false when the peer is known dead (WebSocket: no pong since the last ping). */
  heartbeat(): boolean;
  /** Ends the stream (once), telling the client why when the reason is an error. */
  end(reason: StreamEnd): void;
  /** Aborted when the transport closed, from either side. */
  readonly closed: AbortSignal;
}

/** Timings and bounds of a session. */
export interface StreamSettings {
  /** Keep-alive interval, ms (SSE comment, WebSocket ping). Default 15 000. */
  heartbeatMs: number;
  /** How often the caller's token is checked again, ms (a revoked token ends the stream). Default 5 000. */
  recheckMs: number;
  /** Backlog above which the session waits for the transport to drain before sending more, bytes. Default 1 MiB. */
  highWaterBytes: number;
  /** A backlog that does not drain within this many ms ends the stream with `SLOW_CONSUMER`. Default 30 000. */
  stallTimeoutMs: number;
  /** Events per store read while catching up (1–1000). Default 500. */
  pageSize: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  heartbeatMs: 15_000,
  recheckMs: 5_000,
  highWaterBytes: 1024 * 1024,
  stallTimeoutMs: 30_000,
  pageSize: 500,
};

/** Options of {@link StreamSession}. */
export interface SessionOptions {
  events: Pick<EventStore, "query">;
  tail: EventTail;
  filter: StreamFilter;
  /** Events with `seq` up to here are not sent (the resume point; the tail's position for "from now"). */
  startSeq: number;
  sink: StreamSink;
  /** Checks the caller again; resolves with the error to end the stream with (e.g. a revoked token), or null. */
  recheck: () => Promise<SwitchboardError | null>;
  settings: StreamSettings;
  /** Told about unexpected failures (a store read that threw), before the stream ends with them. */
  onError?: (e: unknown) => void;
}

/**
 * One live stream: catches up from the store, then follows the shared {@link EventTail}, without
 * gaps or duplicates, in `seq` order.
 *
 * Two cursors: `lastSeq` (the last event sent) and `covered` (every matching event with a seq up to
 * here has been sent; covered >= lastSeq). While the tail's ring reaches back to `covered`, events
 * come from memory; otherwise (resuming from far back, or a consumer slower than the ring) they are
 * read from the store, a page at a time, `afterSeq: covered`. A page shorter than a full one means
 * every matching event visible when the read started was returned, so `covered` may jump to the
 * tail's position taken before the read.
 *
 * Memory per session is bounded: one page or ring slice, plus the transport's backlog, which is
 * held under `highWaterBytes` by waiting for it to drain; a consumer that stops reading for
 * `stallTimeoutMs` is disconnected (`SLOW_CONSUMER`) and resumes by reconnecting with its last id.
 *
 * Ends with `INSTANCE_NOT_FOUND` right after sending the `instance.deleted` event of the instance it
 * is filtered to, with whatever {@link SessionOptions.recheck} reports, with `SHUTTING_DOWN` on
 * {@link end} by the server, or when the client goes away.
 */
export class StreamSession {
  private readonly stop = new AbortController();
  private ended = false;
  private lastSeq: number;
  private covered: number;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: SessionOptions) {
    this.lastSeq = this.covered = opts.startSeq;
    opts.sink.closed.addEventListener("abort", () => this.end("gone"));
  }

  /** True once the stream ended. */
  get done(): boolean {
    return this.ended;
  }

  /** Runs until the stream ends. Never rejects. */
  async run(): Promise<void> {
    const { settings, sink } = this.opts;
    if (sink.closed.aborted) return this.end("gone");
    this.every(settings.heartbeatMs, () => {
      if (!sink.heartbeat()) this.end("gone");
    });
    this.every(settings.recheckMs, () => {
      this.opts.recheck().then(
        (e) => e && this.end(e),
        () => {}, // the store hiccupped: check again next time
      );
    });
    const release = this.opts.tail.retain(); // the tail reads the store while a session runs
    try {
      await this.pump();
    } catch (e) {
      if (!this.ended) this.opts.onError?.(e);
      this.end(isSwitchboardError(e) ? e : err("INTERNAL"));
    } finally {
      release();
    }
  }

  /** Ends the stream (once): stops timers and the pump, and closes the transport with `reason`. */
  end(reason: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearInterval(t);
    this.stop.abort();
    this.opts.sink.end(reason);
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private async pump(): Promise<void> {
    const { tail, events, filter, settings } = this.opts;
    const types = filter.types ? [...filter.types] : undefined;
    while (!this.ended) {
      if (tail.isStopped) return this.end(err("SHUTTING_DOWN"));
      const recent = tail.since(this.covered);
      if (recent) {
        if (recent.length === 0) {
          await tail.waitBeyond(this.covered, this.stop.signal);
          continue;
        }
        for (const e of recent) {
          if (this.ended) return;
          if (this.matches(e)) await this.deliver(e);
          this.covered = e.seq;
        }
        continue;
      }
      const head = tail.position;
      const page = await events.query({
        afterSeq: this.covered,
        ...(filter.instance && { instanceId: filter.instance.id }),
        ...(types && { types }),
        limit: settings.pageSize,
      });
      for (const e of page) {
        if (this.ended) return;
        await this.deliver(e);
      }
      this.covered = Math.max(this.covered, this.lastSeq, page.length < settings.pageSize ? head : 0);
    }
  }

  private matches(e: StoredEvent): boolean {
    const { instance, types } = this.opts.filter;
    if (instance && e.envelope.instance !== instance.name) return false;
    return !types || types.has(e.envelope.type);
  }

  private async deliver(e: StoredEvent): Promise<void> {
    const { sink, filter, settings } = this.opts;
    if (this.ended || e.seq <= this.lastSeq) return;
    sink.send(e);
    this.lastSeq = e.seq;
    if (filter.instance && e.envelope.type === "instance.deleted" && e.envelope.instance === filter.instance.name) {
      return this.end(err("INSTANCE_NOT_FOUND", { message: "The instance was deleted.", details: { name: filter.instance.name } }));
    }
    if (sink.backlog > settings.highWaterBytes) await this.drain();
  }

  /** Waits for the backlog to halve; ends the stream with `SLOW_CONSUMER` when it does not in time. */
  private async drain(): Promise<void> {
    const { sink, settings } = this.opts;
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    const stalled = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), settings.stallTimeoutMs);
    });
    const stopped = new Promise<boolean>((resolve) => {
      onStop = () => resolve(false);
      this.stop.signal.addEventListener("abort", onStop, { once: true });
    });
    try {
      const timedOut = await Promise.race([sink.drained(settings.highWaterBytes / 2).then(() => false), stalled, stopped]);
      if (timedOut) this.end(err("SLOW_CONSUMER", { details: { backlogBytes: sink.backlog, stallTimeoutMs: settings.stallTimeoutMs } }));
    } finally {
      clearTimeout(timer);
      if (onStop) this.stop.signal.removeEventListener("abort", onStop);
    }
  }
}
