/**
 * The live event stream, read as Server-Sent Events over `fetch` (`GET /v1/events/stream`,
 * `Accept: text/event-stream`). `fetch` streaming works the same in Node ≥ 20 and in browsers and,
 * unlike `EventSource` and the browser `WebSocket`, can send the `Authorization` header.
 *
 * Resume: the listener remembers the id of the last event it delivered and reconnects with
 * `Last-Event-ID` (and `after`), so the gateway sends every later event exactly once — across
 * network drops and gateway restarts alike, since event ids are stored. Events whose id was already
 * delivered are dropped as a second line of defence.
 */
import { GatewayTimeoutError, SwitchboardError, TransportError } from "./errors.js";
import { displayUrl, type HttpClient, type QueryValue } from "./http.js";
import { SseParser } from "./sse.js";
import type { SwitchboardEvent } from "./types.js";

/** What a listener reports: an error from the gateway, or the lack of an answer. */
export type ListenError = SwitchboardError | TransportError;

/**
 * The listener callback, fca-style: `(null, event)` for each event, in stream order;
 * `(err, undefined)` for a failure. Check `err` first, which narrows `event`:
 * ```ts
 * (err, event) => { if (err) return console.warn(err.message); if (event.type === "message.received") … }
 * ```
 * Errors after which the listener reconnects by itself: {@link TransportError} (gateway down, idle
 * connection), 5xx (`SHUTTING_DOWN` when the gateway stops), 408 `SLOW_CONSUMER`, 429 (waits
 * `retryAfterMs`). Errors that end it (then `closed` resolves): other 4xx {@link SwitchboardError}s —
 * 401/403 (bad or revoked token), 404 `INSTANCE_NOT_FOUND` (also when the instance is deleted),
 * 410 `EVENTS_EXPIRED` (the resume id is unknown or past retention). When the callback returns a promise, the next event waits for it. An exception thrown
 * by the callback does not stop the stream; it is rethrown asynchronously, like an event listener's.
 */
export type ListenCallback = (
  ...args: [err: null, event: SwitchboardEvent] | [err: ListenError, event: undefined]
) => void | Promise<void>;

/** Options of `listen`. */
export interface ListenOptions {
  /** Only these event types (e.g. `["message.received"]`). */
  types?: readonly string[];
  /**
   * Start after this event id (exclusive): replays what was missed, then goes live. Omitted: only
   * events from the moment the stream opens.
   */
  after?: string;
  /** First reconnect delay, ms (doubles per failed attempt, with jitter). Default 500. */
  minDelayMs?: number;
  /** Largest reconnect delay, ms. Default 30 000. */
  maxDelayMs?: number;
  /**
   * Reconnect when nothing at all (not even the gateway's heartbeat) arrives for this long, ms.
   * Default 60 000; 0 disables.
   */
  idleTimeoutMs?: number;
  /** Stops the listener, like calling the returned function. */
  signal?: AbortSignal;
}

/**
 * Returned by `listen`: call it to stop (idempotent; the open connection is aborted at once).
 * `lastEventId` is the id of the last delivered event (pass it as `after` to resume elsewhere);
 * `closed` resolves once the listener has ended (stopped, or a fatal error was reported).
 */
export interface Listener {
  (): void;
  readonly lastEventId: string | null;
  /** True while a stream is open. */
  readonly connected: boolean;
  readonly closed: Promise<void>;
}

/** How many delivered ids are remembered to drop a repeat. */
const SEEN_IDS = 1024;
/** A stream that lasted at least this long before it ended is reopened at once, without backoff. */
const STABLE_MS = 5_000;

/** Starts a listener on `GET /v1/events/stream` with `filter` (e.g. `{ instance }`). */
export function startListener(
  http: HttpClient,
  filter: Record<string, QueryValue>,
  callback: ListenCallback,
  opts: ListenOptions = {},
): Listener {
  const minDelay = opts.minDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  const stopCtl = new AbortController();
  let cursor: string | null = opts.after ?? null;
  let connected = false;
  const seen: string[] = [];
  const seenSet = new Set<string>();

  const stop = (): void => stopCtl.abort();
  if (opts.signal) {
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener("abort", stop, { once: true });
  }

  const report = async (...args: Parameters<ListenCallback>): Promise<void> => {
    try {
      await callback(...args);
    } catch (e) {
      queueMicrotask(() => {
        throw e;
      });
    }
  };

  /** Delivers one frame's event unless it is a repeat. */
  const deliver = async (data: string, frameId: string): Promise<void> => {
    let event: SwitchboardEvent;
    try {
      event = JSON.parse(data) as SwitchboardEvent;
    } catch {
      await report(new SwitchboardError(200, { code: "BAD_RESPONSE", message: "the event stream sent a frame that is not JSON" }), undefined);
      return;
    }
    if (event === null || typeof event !== "object" || typeof event.id !== "string" || typeof event.type !== "string") {
      await report(new SwitchboardError(200, { code: "BAD_RESPONSE", message: "the event stream sent a frame that is not an event" }), undefined);
      return;
    }
    if (stopCtl.signal.aborted) return;
    cursor = frameId || event.id;
    if (seenSet.has(event.id)) return;
    seenSet.add(event.id);
    seen.push(event.id);
    if (seen.length > SEEN_IDS) seenSet.delete(seen.shift()!);
    await report(null, event);
  };

  /** One connection: resolves when the stream ends cleanly; rejects with its failure. */
  const connect = async (): Promise<void> => {
    const connCtl = new AbortController();
    const onStop = (): void => connCtl.abort();
    stopCtl.signal.addEventListener("abort", onStop, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    let idleFired = false;
    const touch = (): void => {
      if (idleMs <= 0) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        connCtl.abort();
      }, idleMs);
    };
    try {
      touch();
      const headers: Record<string, string> = { "cache-control": "no-cache" };
      if (cursor !== null) headers["last-event-id"] = cursor;
      const open = await http.open("GET", "/v1/events/stream", {
        query: { ...filter, after: cursor ?? undefined },
        accept: "text/event-stream",
        headers,
        signal: connCtl.signal,
        timeoutMs: idleMs > 0 ? idleMs : 2_147_483_647,
      });
      open.clearTimeout();
      const body = open.response.body;
      if (body === null) return;
      connected = true;
      const parser = new SseParser(cursor ?? "");
      const decoder = new TextDecoder();
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          touch();
          for (const frame of parser.push(decoder.decode(value, { stream: true }))) {
            if (frame.event === "end") throw endError(frame.data);
            if (frame.event === "message") await deliver(frame.data, frame.id);
          }
          // A block with an `id:` and no data (e.g. sent when the stream opens) moves the cursor too:
          // a drop before the first event then resumes from there instead of "now".
          if (parser.dispatchedId !== "" && !stopCtl.signal.aborted) cursor = parser.dispatchedId;
        }
      } finally {
        reader.cancel().catch(() => {});
      }
    } catch (e) {
      if (idleFired) throw new GatewayTimeoutError(displayUrl(http.baseUrl), idleMs);
      throw e;
    } finally {
      connected = false;
      clearTimeout(idle);
      stopCtl.signal.removeEventListener("abort", onStop);
    }
  };

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!stopCtl.signal.aborted) {
      const began = Date.now();
      let wait = 0;
      try {
        await connect();
        // A clean end (the gateway restarting, a proxy's limit): reopen at once if it had lasted.
        failures = Date.now() - began >= STABLE_MS ? 0 : failures + 1;
        wait = failures === 0 ? 0 : backoff(failures, minDelay, maxDelay);
      } catch (e) {
        if (stopCtl.signal.aborted) break;
        if (Date.now() - began >= STABLE_MS) failures = 0;
        failures++;
        const err = toListenError(e, http);
        await report(err, undefined);
        if (isTerminalListenError(err)) break;
        wait = Math.max(backoff(failures, minDelay, maxDelay), err instanceof SwitchboardError ? (err.retryAfterMs ?? 0) : 0);
      }
      if (wait > 0) await sleep(wait, stopCtl.signal);
    }
  };

  const closed = loop().then(() => {
    stop();
  });
  return Object.defineProperties(stop, {
    lastEventId: { get: () => cursor, enumerable: true },
    connected: { get: () => connected, enumerable: true },
    closed: { value: closed, enumerable: true },
  }) as Listener;
}

/**
 * Whether a listener stops after reporting `e` (it reconnects after every other error): a
 * {@link SwitchboardError} with a 4xx status other than 408 and 429, which retrying cannot fix.
 */
export function isTerminalListenError(e: ListenError): boolean {
  return e instanceof SwitchboardError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429;
}

/** Anything thrown by a connection, as a {@link ListenError} (unknown failures count as transport errors). */
function toListenError(e: unknown, http: HttpClient): ListenError {
  if (e instanceof SwitchboardError || e instanceof TransportError) return e;
  return new TransportError(displayUrl(http.baseUrl), `the event stream failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * HTTP statuses of the codes a stream may end with (`event: end` frames carry the envelope's
 * `error` without a status). Unknown codes count as 500: retried.
 */
const END_STATUS: Readonly<Record<string, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INSTANCE_NOT_FOUND: 404,
  SLOW_CONSUMER: 408,
  EVENTS_EXPIRED: 410,
  RATE_LIMITED: 429,
  SHUTTING_DOWN: 503,
};

/**
 * The reason in an `event: end` frame (`data: {"error": {code, message, details?, retryAfterMs?}}`),
 * as a {@link SwitchboardError} with the status of its code.
 */
function endError(data: string): SwitchboardError {
  try {
    const e = (JSON.parse(data) as { error?: Record<string, unknown> }).error;
    if (e && typeof e.code === "string" && typeof e.message === "string") {
      return new SwitchboardError(END_STATUS[e.code] ?? 500, {
        code: e.code,
        message: e.message,
        ...(e.details !== null && typeof e.details === "object" && { details: e.details as Record<string, unknown> }),
        ...(typeof e.retryAfterMs === "number" && { retryAfterMs: e.retryAfterMs }),
      });
    }
  } catch {
    // fall through
  }
  return new SwitchboardError(502, { code: "BAD_RESPONSE", message: "the event stream ended with an unreadable reason" });
}

/** The delay before attempt `n` (1-based): `min·2^(n-1)`, capped, with ±50 % jitter. */
function backoff(n: number, min: number, max: number): number {
  const base = Math.min(max, min * 2 ** Math.min(30, n - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
