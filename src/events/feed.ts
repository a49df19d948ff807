import { err, type SwitchboardError } from "../core/errors.js";
import type { Store } from "../store/types.js";
import { EVENT_DATA_SCHEMAS } from "./schema.js";
import type { EventEnvelope } from "./types.js";
import { compileEventFilter } from "./webhooks/filter.js";
import { DEFAULT_STREAM_SETTINGS, StreamSession, type StreamFilter, type StreamSettings, type StreamSink } from "./stream/session.js";
import { EventTail, type LiveSource } from "./stream/tail.js";

/** Who reads events: the authenticated token, reduced to what scoping needs. Never the token itself. */
export interface FeedCaller {
  scope: "account" | "instance";
  /** The token's instance (instance tokens). */
  instanceId: string | null;
  /** The token's instance name (instance tokens). */
  instanceName: string | null;
  /** SHA-256 hex of the token, to check it again while a stream is open (revocation). */
  tokenHash: string;
}

/** A replay request. `instance` comes from {@link EventFeed.scope}. */
export interface ReplayQuery {
  caller: FeedCaller;
  instance: { id: string; name: string } | null;
  /** Only events after this event id (exclusive). Absent: from the oldest stored event. */
  after?: string;
  /** Only these types: exact names or `prefix.*` patterns, `*` for all (see `normaliseEventFilter`). Empty or absent: every type. */
  types?: readonly string[];
  /** Page size, 1–1000. */
  limit: number;
  /**
   * Only the newest `limit` matching events (after `after`), still oldest first. The page then ends
   * at the newest stored event, so its `next` is null. Default false: the oldest `limit`.
   */
  newest?: boolean;
}

/** A replay page: oldest first; `next` is the id to pass as `after` for the next page, null when this page reached the newest event. */
export interface EventPage {
  items: EventEnvelope[];
  next: string | null;
}

/** A stream request. `instance` comes from {@link EventFeed.scope}. */
export interface StreamRequest {
  caller: FeedCaller;
  instance: { id: string; name: string } | null;
  /** Resume after this event id. Absent: only events stored from now on. */
  after?: string;
  /** As {@link ReplayQuery.types}. */
  types?: readonly string[];
}

/** Options of {@link EventFeed}. */
export interface EventFeedOptions {
  store: Pick<Store, "events" | "instances" | "tokens">;
  /** The in-process bus (stored events only). */
  bus: LiveSource;
  /** Stream timings and bounds; see {@link StreamSettings}. */
  stream?: Partial<StreamSettings>;
  /** Events the shared tail keeps in memory. Default 4096. */
  ringSize?: number;
  /** See `TailOptions.pollMs`. Default 2000 ms. */
  pollMs?: number;
  /** Told about failed store reads and failed streams (secret-free errors). */
  onError?: (e: unknown, where: string) => void;
}

/**
 * Replay and live streams over the outbox (`store.events`), for the HTTP routes (and any other
 * transport): scoping by token, resume points, one shared {@link EventTail}, and every open
 * {@link StreamSession} (ended on {@link close}).
 *
 * Life: `new EventFeed(opts)` → `await start()` → … → `await close()`.
 */
export class EventFeed {
  readonly settings: StreamSettings;
  private readonly tail: EventTail;
  private readonly sessions = new Set<StreamSession>();
  private closed = false;

  constructor(private readonly opts: EventFeedOptions) {
    this.settings = { ...DEFAULT_STREAM_SETTINGS, ...opts.stream };
    this.tail = new EventTail({
      events: opts.store.events,
      bus: opts.bus,
      ...(opts.ringSize !== undefined && { ringSize: opts.ringSize }),
      ...(opts.pollMs !== undefined && { pollMs: opts.pollMs }),
      onError: (e) => opts.onError?.(e, "tail"),
    });
  }

  /** Starts following the outbox head. @throws `STORAGE_FAILED`. */
  start(): Promise<void> {
    return this.tail.start();
  }

  /** Ends every open stream with `SHUTTING_DOWN` (clients resume elsewhere or later). Idempotent. */
  endStreams(): void {
    for (const s of this.sessions) s.end(err("SHUTTING_DOWN"));
  }

  /** Ends every stream and stops the tail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.endStreams();
    await this.tail.stop();
  }

  /**
   * The instance a caller's read is limited to: an instance token always reads its own instance
   * (naming another one is `FORBIDDEN`); an account token reads the named instance, or everything
   * when none is named.
   * @throws `FORBIDDEN`, `INSTANCE_NOT_FOUND`, `STORAGE_FAILED`.
   */
  async scope(caller: FeedCaller, name?: string): Promise<{ id: string; name: string } | null> {
    if (caller.scope === "instance") {
      if (caller.instanceId === null || caller.instanceName === null) throw err("UNAUTHENTICATED");
      if (name !== undefined && name !== caller.instanceName) throw err("FORBIDDEN", { message: "This token is scoped to another instance." });
      return { id: caller.instanceId, name: caller.instanceName };
    }
    if (name === undefined) return null;
    const rec = await this.opts.store.instances.get(name);
    if (!rec) throw err("INSTANCE_NOT_FOUND", { details: { name } });
    return { id: rec.id, name: rec.name };
  }

  /**
   * One page of stored events, oldest first: the oldest `limit` after `after`, or with `newest` the
   * newest `limit` (then `next` is null).
   * @throws `EVENTS_EXPIRED` when `after` is unknown, pruned, or (for an instance token) another
   *   instance's event; `STORAGE_FAILED`.
   */
  async replay(q: ReplayQuery): Promise<EventPage> {
    const afterSeq = q.after === undefined ? 0 : await this.cursor(q.caller, q.after);
    const types = expandEventTypes(q.types ?? []);
    const page = await this.opts.store.events.query({
      afterSeq,
      ...(q.instance && { instanceId: q.instance.id }),
      ...(types && { types }),
      limit: q.limit,
      ...(q.newest === true && { newest: true }),
    });
    const items = page.map((e) => e.envelope);
    const full = q.newest !== true && page.length >= q.limit;
    return { items, next: full ? (items[items.length - 1]?.id ?? null) : null };
  }

  /**
   * Prepares a live stream: checks the resume point, then returns the function that starts the
   * stream on a transport and runs it in the background — first the stored events after `after` (if
   * given), then live ones, in order, without gaps or duplicates.
   * @throws `EVENTS_EXPIRED` (see {@link replay}), `SHUTTING_DOWN` once closed, `STORAGE_FAILED`.
   */
  async openStream(req: StreamRequest): Promise<StreamOpener> {
    if (this.closed) throw err("SHUTTING_DOWN");
    const startSeq = req.after === undefined ? await this.tail.head() : await this.cursor(req.caller, req.after);
    const types = expandEventTypes(req.types ?? []);
    const filter: StreamFilter = { instance: req.instance, types: types ? new Set(types) : null };
    const attach = (sink: StreamSink): StreamSession => {
      const session = new StreamSession({
        events: this.opts.store.events,
        tail: this.tail,
        filter,
        startSeq,
        sink,
        recheck: () => this.recheck(req.caller),
        settings: this.settings,
        onError: (e) => this.opts.onError?.(e, "stream"),
      });
      if (this.closed) {
        session.end(err("SHUTTING_DOWN"));
        return session;
      }
      this.sessions.add(session);
      void session.run().finally(() => this.sessions.delete(session));
      return session;
    };
    return Object.assign(attach, { startCursor: `${POSITION_PREFIX}${startSeq}` });
  }

  /** The seq of a resume point. See {@link replay} for the errors. */
  private async cursor(caller: FeedCaller, eventId: string): Promise<number> {
    const position = POSITION_CURSOR.exec(eventId);
    if (position) {
      // Beyond the newest event, or behind the oldest one kept (retention removed what follows it).
      const seq = Number(position[1]);
      const [oldest] = await this.opts.store.events.query({ afterSeq: 0, limit: 1 });
      if (seq > (await this.opts.store.events.lastSeq()) || (oldest !== undefined && seq < oldest.seq - 1)) {
        throw err("EVENTS_EXPIRED", { details: { after: eventId } });
      }
      return seq;
    }
    const at = await this.opts.store.events.locate(eventId);
    // Another instance's event is reported like an unknown one: an instance token learns nothing.
    if (!at || (caller.scope === "instance" && at.instanceId !== caller.instanceId)) {
      throw err("EVENTS_EXPIRED", { details: { after: eventId } });
    }
    return at.seq;
  }

  private async recheck(caller: FeedCaller): Promise<SwitchboardError | null> {
    const rec = await this.opts.store.tokens.findByHash(caller.tokenHash);
    return rec ? null : err("UNAUTHENTICATED", { message: "The token was revoked." });
  }
}


/**
 * A stream position that is not an event id: `@<seq>`, sent by a stream as its first SSE `id:` so a
 * client that reconnects before its first event resumes from where it started instead of "now".
 * Accepted wherever an event id is (`after`, `Last-Event-ID`); reveals only the outbox's length.
 */
export const POSITION_PREFIX = "@";
const POSITION_CURSOR = /^@(\d{1,15})$/;

/** What {@link EventFeed.openStream} returns: starts the stream on a transport. */
export type StreamOpener = ((sink: StreamSink) => StreamSession) & {
  /** The stream's start position as a resume cursor (`@<seq>`). */
  startCursor: string;
};

/** Every event type this gateway stores. */
const KNOWN_TYPES: readonly string[] = Object.keys(EVENT_DATA_SCHEMAS);

/**
 * Turns type patterns into the exact names the store filters on: each `prefix.*` becomes the known
 * types under it; exact names are kept (unknown ones match nothing), and so are the patterns
 * themselves (no event has such a type), so a pattern that matches no known type yields a filter that
 * matches nothing rather than an empty list (which would mean every type).
 * @returns undefined for "every type" (no patterns, or `*`).
 */
export function expandEventTypes(patterns: readonly string[]): string[] | undefined {
  if (patterns.length === 0 || patterns.includes("*")) return undefined;
  const filter = compileEventFilter(patterns);
  return [...new Set([...patterns, ...KNOWN_TYPES.filter((t) => filter.matches(t))])];
}
